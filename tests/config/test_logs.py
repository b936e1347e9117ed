"""Structured logs with a request id (issue 14, operations)."""

import json
import logging

import pytest

from config.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_request_id_and_keeps_a_proxys(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="proxy-id-12345")["X-Request-ID"] == "proxy-id-12345"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n<script>")["X-Request-ID"] != "bad id\n<script>"


def test_a_log_line_is_json_with_the_request_id(client, monkeypatch):
    lines = []

    def record(self, record):
        RequestIdFilter().filter(record)
        lines.append(JsonFormatter().format(record))

    monkeypatch.setattr(logging.Handler, "handle", record)
    import config.health as health

    monkeypatch.setattr(health, "_database_ok", lambda: health.logger.warning("database checked") or True)
    response = client.get("/readyz", HTTP_X_REQUEST_ID="trace-0000001")
    entry = json.loads(next(line for line in lines if "database checked" in line))
    assert entry["request_id"] == "trace-0000001" == response["X-Request-ID"]
    assert entry["level"] == "WARNING" and entry["logger"] == "config.health"
