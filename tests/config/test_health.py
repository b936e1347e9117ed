"""/healthz and /readyz: what a load balancer asks, answered without detail (issue 14, operations)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "alive"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "csrftoken" not in response.cookies


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


def test_readyz_says_not_ready_without_detail_when_the_database_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("connection refused by 10.0.0.5")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json() == {"status": "not ready"}
    assert b"10.0.0.5" not in response.content


def test_readyz_checks_the_broker_when_there_is_one(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from config.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503 and response.json() == {"status": "not ready"}


def test_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405
