"""Settings for the disclosure tracker.

Everything that differs between a laptop, CI and production is read from the
environment here, in one place. With no environment at all the project runs on a
SQLite file next to manage.py and Celery executes tasks eagerly, so a newcomer
needs nothing but Python.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("DJANGO_REQUIRE_SECRET_KEY"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
    # A fixed key for local use only; production sets DJANGO_SECRET_KEY.
    SECRET_KEY = "insecure-local-development-key-not-for-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "simple_history",
    "disclosure",
    "claims",
    "metrics",
    "interchange",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# History is written by the services (which name the user); restoring an old version
# from the admin's history page would write around them, so that button is off.
SIMPLE_HISTORY_REVERT_DISABLED = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default, set up the way SQLite serves a web app best: readers never wait
    # for the writer (WAL), a commit does not wait for the disk twice (synchronous=NORMAL is
    # durable in WAL mode but for the last commits on power loss), and a write transaction
    # takes its lock when it begins, so two writers queue instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", transaction_mode="IMMEDIATE"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "workspace:login"
LOGIN_REDIRECT_URL = "workspace:dashboard"
LOGOUT_REDIRECT_URL = "workspace:login"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Email ------------------------------------------------------------------
# Password-reset and new-account mails. Unset EMAIL_HOST prints them on the console
# (where `make run` serves); setting it sends them through that SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Disclosure tracker <workspace@localhost>")

# --- Celery ---------------------------------------------------------------
# Unset CELERY_BROKER_URL means no broker: tasks run eagerly, in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Recomputing metrics is idempotent, so a task may safely run twice: acknowledge
# only after it finished, and requeue it when the worker running it is lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Tasks are short and uneven in length; prefetching one at a time keeps a slow
# full recompute from holding back the per-incident tasks queued behind it.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 660
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "recompute-all-metrics": {
        "task": "metrics.tasks.recompute_all_metrics",
        "schedule": crontab(minute=7),
    },
    "lift-due-embargoes": {
        "task": "disclosure.tasks.lift_due_embargoes",
        "schedule": crontab(),  # every minute: an embargo's lift is logged within a minute of its instant
    },
}

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    # Deny by default: every view states what it allows.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_PAGINATION_CLASS": "disclosure.api.pagination.BoundedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One error format across the API: {"errors": [{"path": ..., "message": ...}]}.
    "EXCEPTION_HANDLER": "disclosure.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("DJANGO_API_ANON_RATE", "120/minute"),
        "user": os.environ.get("DJANGO_API_USER_RATE", "1200/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Disclosure timeline and claims tracker API",
    "DESCRIPTION": "Incidents, timelines, claims, vendor responses and disclosure-window metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Path parameters say what the URL accepts, so generated clients and fuzzers stay inside it.
    "PATH_CONVERTER_OVERRIDES": {"slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}},
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "disclosure.models.Incident.Status",
        "PublicationStatusEnum": "disclosure.models.PublicationStatus",
        "OrganizationKindEnum": "disclosure.models.Organization.Kind",
        "SourceKindEnum": "disclosure.models.Source.Kind",
        "EventKindEnum": "disclosure.models.EventKind",
    },
}

# Public pages are cacheable by browsers and proxies for this long.
PUBLIC_CACHE_SECONDS = int(os.environ.get("DJANGO_PUBLIC_CACHE_SECONDS", "300"))

# The licence line every download of the figures carries (web: /downloads/figures.csv, .json).
DATA_LICENCE = os.environ.get(
    "DJANGO_DATA_LICENCE",
    "Figures computed by the Disclosure Tracker from the cited sources, CC BY 4.0. Records imported from public "
    "datasets keep their publisher's terms: Have I Been Pwned (haveibeenpwned.com, CC BY 4.0, attribute \"Have I "
    'Been Pwned" with a link); VERIS Community Database (credit "VERIS Community Database").',
)

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# The aggregates' "overall" rows have NULL organisation and year; PostgreSQL enforces
# their uniqueness (NULLS NOT DISTINCT), SQLite cannot, and the recompute service
# writes them under a lock either way.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
