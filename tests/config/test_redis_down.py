"""Redis down (issue 14, faults): with the shared cache unreachable the public site and the API serve
every page; throttling resumes when it returns. A refused connection, as when Redis is stopped."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from config.cache import ForgivingRedisCache

pytestmark = pytest.mark.django_db

DEAD = {
    "default": {
        "BACKEND": "config.cache.ForgivingRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_the_cache_misses_and_drops_writes_without_raising():
    with override_settings(CACHES=DEAD):  # the setting_changed signal rebuilds the caches
        cache = caches["default"]
        assert cache.get("k", "fallback") == "fallback"
        cache.set("k", 1)
        assert cache.add("k", 1) is False and cache.get_many(["a"]) == {}


@pytest.mark.parametrize("url", ["/", "/incidents/wyze-2019/", "/api/v1/incidents/", "/api/v1/data-classes/"])
def test_public_pages_and_the_throttled_api_answer_with_the_cache_down(client, wyze, url):
    with override_settings(CACHES=DEAD):
        assert isinstance(caches["default"], ForgivingRedisCache)
        response = client.get(url)
    assert response.status_code == 200
