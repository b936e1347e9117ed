"""The benchmark's trivial view exists only when DJANGO_BENCH=1 mounts it (config/urls.py)."""

import importlib

import pytest
from django.urls import clear_url_caches

import config.urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls_with_bench(settings):
    settings.BENCH = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.BENCH = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_the_trivial_view_is_not_mounted_without_the_flag(client, settings):
    assert settings.BENCH is False
    assert client.get("/bench/trivial/").status_code == 404


def test_the_flag_mounts_the_trivial_view(client, urls_with_bench):
    response = client.get("/bench/trivial/")
    assert response.status_code == 200 and response.content == b"ok"


def test_the_route_is_gone_again_once_the_flag_is_off(client, urls_with_bench, settings):
    settings.BENCH = False
    importlib.reload(config.urls)
    clear_url_caches()
    assert client.get("/bench/trivial/").status_code == 404
