"""Settings for the disclosure tracker.

Everything that differs between a laptop, CI and production is read from the
environment here, in one place. With no environment at all the project runs on a
SQLite file next to manage.py and Celery executes tasks eagerly, so a newcomer
needs nothing but Python.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
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
# Production is said out loud: DJANGO_DEBUG=0 (or DJANGO_PRODUCTION=1). With neither, the project
# runs in its embedded default (a first look, the test suite): no HTTPS, a local key.
PRODUCTION = env_bool("DJANGO_PRODUCTION") or ("DJANGO_DEBUG" in os.environ and not DEBUG)

_LOCAL_KEY = "insecure-local-development-key-not-for-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _LOCAL_KEY):
    # The founding case is one switched-off protection: production never starts on a weak or
    # published key. `python -c "import secrets; print(secrets.token_urlsafe(50))"` makes one.
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a strong secret (50 or more varied characters) in production "
        "(DJANGO_DEBUG=0). Make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
SECRET_KEY = SECRET_KEY or _LOCAL_KEY  # local use only: the embedded default and DJANGO_DEBUG=1

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

# The benchmark (bench/pages.py) sets DJANGO_BENCH=1 to mount a trivial view at /bench/trivial/, the
# floor every page is measured against under the same server and middleware; never set in service.
BENCH = env_bool("DJANGO_BENCH")

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
    "csp",
    "axes",
    "simple_history",
    "disclosure",
    "claims",
    "metrics",
    "interchange",
    "web",
]

MIDDLEWARE = [
    "config.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "config.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An anonymous reader's kept public page, answered here without the middlewares below.
    "web.middleware.KeptPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so it sees who is signed in; whatever it answers still passes the security headers above.
    "web.middleware.PublicApiCacheMiddleware",
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
        # Persistent by default (issue 13: reconnecting per request made the API 2 to 10 times slower).
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        # A persistent connection is checked before each request reuses it: a database restart
        # costs a reconnect, not a 500.
        conn_health_checks=True,
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
# On PostgreSQL a web node can bound every statement (milliseconds): a pathological public query
# is cut off instead of holding a worker. Set it for the web nodes, not for the Celery workers,
# whose full recompute reads large batches (docs/deploy.md).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation is off: the listing queries' cost estimates triggered it, and it spent 4 to 8 s
    # compiling queries whose work takes half a second (issue 13's profiles at 10,000 incidents).
    options = "-c jit=off"
    if os.environ.get("DJANGO_STATEMENT_TIMEOUT"):
        options += f" -c statement_timeout={int(os.environ['DJANGO_STATEMENT_TIMEOUT'])}"
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = options
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

# --- HTTPS and cookies (production) ---------------------------------------------------
# Behind a TLS proxy that redirects to HTTPS itself, DJANGO_SECURE_SSL_REDIRECT=0; a proxy that
# sets X-Forwarded-Proto is trusted only when DJANGO_TRUST_X_FORWARDED_PROTO=1 says so.
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Content-Security-Policy (django-csp) ---------------------------------------------
# Nothing inline, nothing from elsewhere: every script, style, font and image is the site's
# own (htmx is configured in a <meta> so that it injects no inline style). The API's docs
# pages loosen only style-src, for the styles Swagger UI and Redoc set (config/api_urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
#: What the browser features the site never uses are turned off for (Permissions-Policy).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

LOGIN_URL = "workspace:login"
LOGIN_REDIRECT_URL = "workspace:dashboard"
LOGOUT_REDIRECT_URL = "workspace:login"

# The cache holds the API's and the login's throttle counts: with several processes or nodes they
# must share one store, so production sets DJANGO_CACHE_URL (e.g. redis://127.0.0.1:6379/1). Unset,
# each process counts alone (the embedded default).
if os.environ.get("DJANGO_CACHE_URL"):
    CACHES = {
        "default": {
            # Redis down: a read misses, a write is dropped; pages keep answering (config/cache.py).
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": os.environ["DJANGO_CACHE_URL"],
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Sign-in throttling (django-axes) -------------------------------------------------
# Five wrong passwords for one account from one address lock that pair out for 15 minutes:
# an attacker cannot guess on, and cannot lock the account's owner out from elsewhere, or forever.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts are counted in the database (axes.handlers.database), shared by every process.
AXES_LOCKOUT_TEMPLATE = "workspace/accounts/locked_out.html"
# The client's address: REMOTE_ADDR, or the one DJANGO_NUM_PROXIES trusted proxies put in front of it.
NUM_PROXIES = int(os.environ.get("DJANGO_NUM_PROXIES", "0"))
AXES_IPWARE_PROXY_COUNT = NUM_PROXIES or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if NUM_PROXIES else ["REMOTE_ADDR"]

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
# Redis hands an unacknowledged task to another worker after this long: a task whose worker was
# killed runs again within 10 minutes, not an hour. A full recompute that really runs longer may
# then run twice at once: every task is idempotent and the recompute serialises on row locks.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600"))}
CELERY_BEAT_SCHEDULE = {
    "recompute-all-metrics": {
        "task": "metrics.tasks.recompute_all_metrics",
        "schedule": crontab(minute=7),
    },
    "recompute-missed-metrics": {
        "task": "metrics.tasks.recompute_missed",
        "schedule": crontab(),  # every minute: figures catch up within a minute of the broker's return
    },
    "fail-stale-recompute-runs": {
        "task": "metrics.tasks.fail_stale_runs",
        "schedule": crontab(minute="*/5"),
    },
    "lift-due-embargoes": {
        "task": "disclosure.tasks.lift_due_embargoes",
        "schedule": crontab(),  # every minute: an embargo's lift is logged within a minute of its instant
    },
}

# The largest request body accepted (a bundle posted to the API included): larger ones are
# answered 413 in the API's error format (docs/api.md). The workspace's upload has its own limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_MAX_BODY_BYTES", str(10 * 1024 * 1024)))

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    # Deny by default: every view states what it allows.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    # JSON only, refusing NUL, lone surrogates and deep nesting with their paths (disclosure/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["disclosure.api.parsers.SafeJSONParser"],
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
        "disclosure.api.throttling.SignedInRateThrottle",
    ],
    # 0: the address the connection came from; a client-sent X-Forwarded-For is never trusted
    # unless DJANGO_NUM_PROXIES says how many proxies of ours stand in front.
    "NUM_PROXIES": NUM_PROXIES,
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
# Where each process keeps the downloads of the figures between two changes (web/pagecache.py):
# written by the first request after a change, served to the next ones. Any writable directory.
PUBLIC_DOWNLOADS_DIR = os.environ.get("DJANGO_DOWNLOADS_DIR", str(BASE_DIR / "var" / "downloads"))

# The licence line every download of the figures carries (web: /downloads/figures.csv, .json).
DATA_LICENCE = os.environ.get(
    "DJANGO_DATA_LICENCE",
    "Figures computed by the Disclosure Tracker from the cited sources, CC BY 4.0. Records imported from public "
    "datasets keep their publisher's terms: Have I Been Pwned (haveibeenpwned.com, CC BY 4.0, attribute \"Have I "
    'Been Pwned" with a link); VERIS Community Database (credit "VERIS Community Database").',
)

# Secure cookies outside production too when asked (a staging site over HTTPS with DEBUG on).
if env_bool("DJANGO_SECURE_COOKIES"):
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = True

# JSON lines with the request id in production (DJANGO_LOG_FORMAT=json|text; config/logs.py).
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# The aggregates' "overall" rows have NULL organisation and year; PostgreSQL enforces
# their uniqueness (NULLS NOT DISTINCT), SQLite cannot, and the recompute service
# writes them under a lock either way.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
