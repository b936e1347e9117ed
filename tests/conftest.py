import os

import pytest
from django.contrib.auth.models import Group

from disclosure.models import Incident
from interchange.bundle import import_bundle, load_document

WYZE_BUNDLE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "interchange", "bundles", "wyze-2019.json")


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The role fixtures set passwords; a slow hasher would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """The suite runs tasks in-process; integration tests start a real worker themselves."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _empty_cache(settings, tmp_path):
    """Each test starts with no cached public page or kept download (web/pagecache.py) and no throttle counts."""
    from django.core.cache import cache

    cache.clear()
    settings.PUBLIC_DOWNLOADS_DIR = str(tmp_path / "kept-downloads")


@pytest.fixture
def wyze_document():
    with open(WYZE_BUNDLE, encoding="utf-8") as f:
        return load_document(f.read())


@pytest.fixture
def wyze(db, wyze_document, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_bundle(wyze_document)
    return Incident.objects.get(slug="wyze-2019")


def _user_with_role(django_user_model, role, **extra):
    user = django_user_model.objects.create_user(username=role, password="pw-" + role, is_staff=True, **extra)
    if role in ("contributor", "editor", "admin"):
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def contributor(db, django_user_model):
    return _user_with_role(django_user_model, "contributor")


@pytest.fixture
def editor(db, django_user_model):
    return _user_with_role(django_user_model, "editor")


@pytest.fixture
def admin_user(db, django_user_model):
    return _user_with_role(django_user_model, "admin")
