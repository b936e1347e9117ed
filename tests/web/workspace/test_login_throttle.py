"""Sign-in throttling (issue 14, abuse): 30 wrong passwords then the right one is not accepted; the
lockout is per account and address, and it ends."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/workspace/login/"


def _try(client, password, address="203.0.113.9", username="editor"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, editor, settings):
    for _ in range(30):
        response = _try(client, "wrong")
        assert response.status_code in (200, 429)
    response = _try(client, "pw-editor")
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # the admin's sign-in is counted the same way
    admin = client.post("/admin/login/", {"username": "editor", "password": "pw-editor"}, REMOTE_ADDR="203.0.113.9")
    assert admin.status_code == 429


def test_the_owner_signs_in_from_elsewhere_and_the_lock_ends(client, editor, settings):
    for _ in range(5):
        _try(client, "wrong")
    assert _try(client, "pw-editor").status_code == 429
    assert _try(client, "pw-editor", address="198.51.100.7").status_code == 302  # another address: not locked
    from axes.models import AccessAttempt
    from django.utils import timezone

    # after the cool-off the pair may try again
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * 2)
    response = _try(client, "pw-editor")
    assert response.status_code == 302 and response["Location"] == reverse("workspace:dashboard")


def test_a_rotating_forwarded_for_header_changes_nothing(client, editor):
    for n in range(6):
        client.post(LOGIN, {"username": "editor", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = client.post(LOGIN, {"username": "editor", "password": "pw-editor"}, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429  # the connection's address counts, not what the client claims
