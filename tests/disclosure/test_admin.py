"""The admin: every changelist and change form opens, and saving goes through validation."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_changelist_and_add_form_open(superuser_client, wyze, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert superuser_client.get(changelist).status_code == 200
    if opts.app_label == "axes":  # django-axes' sign-in records are read-only: nobody adds one by hand
        return
    assert superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_incident_change_form_opens_for_the_wyze_case(superuser_client, wyze):
    url = reverse("admin:disclosure_incident_change", args=[wyze.pk])
    response = superuser_client.get(url)
    assert response.status_code == 200
    assert b"wyze-2019" in response.content


def test_a_contributor_cannot_publish_through_the_admin(client, contributor, wyze):
    from disclosure.models import Incident

    draft = Incident.objects.create(slug="draft", title="Draft", vendor=wyze.vendor, timezone="UTC")
    client.force_login(contributor)
    url = reverse("admin:disclosure_incident_change", args=[draft.pk])
    response = client.post(
        url,
        {
            "slug": "draft",
            "title": "Draft",
            "vendor": wyze.vendor.pk,
            "timezone": "UTC",
            "status": "published",
            "summary": "",
            "affected_count_approximate": "",
            **_empty_inlines(),
        },
    )
    # The status field offers a contributor only draft and review: the form refuses "published".
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.status == "draft"


def _empty_inlines():
    data = {}
    for prefix in ("participants", "data_exposed", "events", "corrections"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data
