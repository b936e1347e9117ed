"""The signed-in callers' throttle counts them alone; anonymous callers have the anonymous rate."""

import pytest
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import AnonRateThrottle

from disclosure.api.throttling import SignedInRateThrottle

pytestmark = pytest.mark.django_db


def test_an_anonymous_caller_is_not_counted_by_the_signed_in_rate():
    from rest_framework.request import Request

    request = Request(APIRequestFactory().get("/api/v1/incidents/"))
    assert SignedInRateThrottle().get_cache_key(request, None) is None
    assert AnonRateThrottle().get_cache_key(request, None) is not None


def test_a_signed_in_caller_is(editor, client, monkeypatch):
    monkeypatch.setattr(SignedInRateThrottle, "rate", "2/minute", raising=False)
    client.force_login(editor)
    codes = [client.get("/api/v1/data-classes/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
