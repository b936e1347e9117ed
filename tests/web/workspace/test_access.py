"""Every workspace page: sign-in required, newsroom only, never cached."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["workspace:dashboard", "workspace:incident-new", "workspace:jobs", "workspace:password-change"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("workspace:login"))


@pytest.mark.parametrize("name", PAGES[:3])
def test_a_signed_in_stranger_is_refused(client, django_user_model, name):
    client.force_login(django_user_model.objects.create_user(username="reader", password="pw"))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_the_newsroom_gets_pages_nobody_caches_with_the_csrf_token_on_body(client, contributor, name):
    client.force_login(contributor)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert 'hx-headers=\'{"X-CSRFToken": "' in response.content.decode()
