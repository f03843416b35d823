"""IC Portal settings, read from the environment in this one module.

With nothing configured the portal runs on the embedded default: SQLite, Celery
tasks run in-process without a broker, uploads in ./media. Set DATABASE_URL and
REDIS_URL for a real deployment; icportal.production adds the hardening on top.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env(
    "SECRET_KEY", default="insecure-embedded-default-key-set-SECRET_KEY-in-production-0000"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "core",
    "programs",
    "agreements",
    "tsfd",
    "fora",
    "briefs",
]

MIDDLEWARE = [
    "core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.IdleTimeoutMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.audit.AuditContextMiddleware",
]

# Sign-in is pluggable: AUTH_REMOTE_USER=true adds the remote-user header backend
# for a PKI/CAC front proxy that has already authenticated the certificate.
AUTH_REMOTE_USER = env.bool("AUTH_REMOTE_USER", default=False)
AUTHENTICATION_BACKENDS = [
    "core.auth.LockoutAwareModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
if AUTH_REMOTE_USER:
    AUTHENTICATION_BACKENDS.insert(0, "django.contrib.auth.backends.RemoteUserBackend")
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "core.middleware.ProxyRemoteUserMiddleware",
    )
REMOTE_USER_HEADER = env("REMOTE_USER_HEADER", default="HTTP_X_REMOTE_USER")

# OpenID Connect sign-in (core/oidc.py, mozilla-django-oidc): on when OIDC_CLIENT_ID is set.
# The provider's groups map to portal roles through OIDC_GROUP_ROLES, e.g.
# "ic-staff=IC Staff,ic-leaders=Leadership"; a person with no mapped group is refused.
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="your organisation's account")
# The provider's endpoints, as its /.well-known/openid-configuration lists them.
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env("OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_SCOPES", default="openid email profile groups")
OIDC_USE_PKCE = True
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", default="groups")
OIDC_USERNAME_CLAIM = env("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_GROUP_ROLES = dict(
    pair.split("=", 1) for pair in env.list("OIDC_GROUP_ROLES", default=[]) if "=" in pair
)
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.insert(0, "core.oidc.PortalOIDCBackend")

ROOT_URLCONF = "icportal.urls"
WSGI_APPLICATION = "icportal.wsgi.application"

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
                "core.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Dropdowns iterate querysets; server-side cursors would cost three round trips each
# (and do not survive a transaction-pooling proxy such as pgbouncer).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMBEDDED_DATABASE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
if EMBEDDED_DATABASE:
    # The web server and a worker write at once (`make run`): the write-ahead journal lets
    # readers go on beside a writer, a writer waits its turn (up to 20 s) instead of
    # failing with "database is locked", and a transaction takes its write lock when it
    # starts, so two that read then write cannot deadlock (SQLite would refuse one).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# Redis is both the Celery broker and the cache. Without it: in-process tasks, local cache.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The broker that needs no server (`make run`): kombu's filesystem transport, messages
    # as files in one folder that the web server, the worker and beat share.
    BROKER_FOLDER = Path(env("BROKER_FOLDER", default=str(BASE_DIR / ".run" / "broker")))
    BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_FOLDER),
        "data_folder_out": str(BROKER_FOLDER),
        "control_folder": str(BROKER_FOLDER),
    }
CELERY_TASK_ROUTES = {"briefs.tasks.*": {"queue": "packets"}}
CELERY_TIMEZONE = "UTC"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "icportal",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Outside production, whitenoise serves straight from the app and vendor folders.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Documents and generated PDFs: the local folder above (the embedded default, one node),
# or S3-compatible object storage shared by every web node and worker (django-storages)
# when S3_BUCKET is set. Files are private (no public ACL) and always served through the
# portal's permission-checked download views, never by a link to the store.
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "region_name": env("S3_REGION", default="us-east-1"),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "location": env("S3_PREFIX", default=""),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=25)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions and sign-in rules (DESIGN §5).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=15)
SESSION_IDLE_MINUTES_ADMIN = env.int("SESSION_IDLE_MINUTES_ADMIN", default=10)
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LOCKOUT_FAILURES = env.int("LOCKOUT_FAILURES", default=3)
LOCKOUT_WINDOW = timedelta(minutes=env.int("LOCKOUT_WINDOW_MINUTES", default=15))
# API tokens (core.tokens): a new token expires after the default; none lives longer.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)

# Markings and banners.
PORTAL_MARKING = env("PORTAL_MARKING", default="CUI")

# Rules every record obeys (core.rules; README "Rules a record obeys").
DATE_MIN_YEAR = env.int("DATE_MIN_YEAR", default=1950)
DATE_MAX_YEAR = env.int("DATE_MAX_YEAR", default=2100)
MEETING_MAX_DAYS = env.int("MEETING_MAX_DAYS", default=31)
PROGRAM_CODE_PATTERN = env("PROGRAM_CODE_PATTERN", default=r"CP-\d{4}-\d{3}")
PROGRAM_CODE_EXAMPLE = env("PROGRAM_CODE_EXAMPLE", default="CP-2026-014")
# Agreement numbers: <prefix>-<partner>-<year>-<serial>[-A<amendment>], the prefix by kind.
AGREEMENT_NUMBER_PATTERN = env(
    "AGREEMENT_NUMBER_PATTERN",
    default=r"(?P<prefix>[A-Z]{2,5})-[A-Z0-9]{2,6}-\d{4}-\d{2}(-A\d{1,2})?",
)
AGREEMENT_NUMBER_PREFIXES = {
    "mou": ("MOU", "MOA"),
    "project": ("PA",),
    "loan": ("LOAN",),
    "emt": ("EMT",),
    "iea": ("IEA", "DEA"),
    "esep": ("ESEP",),
    "framework": ("MOU", "FA"),
}
HEALTH_OVERDUE_DAYS = env.int("HEALTH_OVERDUE_DAYS", default=30)
HEALTH_STALE_DAYS = env.int("HEALTH_STALE_DAYS", default=90)
CONSENT_BANNER_TEXT = (
    env("CONSENT_BANNER_TEXT", default="")
    or (BASE_DIR / "core" / "consent-banner.txt").read_text().strip()
)
DESIGNATION_CONTROLLED_BY = env(
    "DESIGNATION_CONTROLLED_BY", default="International Cooperation Office"
)
DESIGNATION_POC = env("DESIGNATION_POC", default="IC Portal administrator")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'self'; object-src 'none'"
    ),
)

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an API call without valid credentials answers 401 (WWW-Authenticate).
        "core.tokens.PortalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["core.filters.PortalFilterBackend"],
    "EXCEPTION_HANDLER": "core.api_errors.portal_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IC Portal API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.document_error_responses",
    ],
    # One name for the marking enum every model shares; distinct names for the "kind"s.
    "ENUM_NAME_OVERRIDES": {
        "ClassificationEnum": "core.markings.Classification",
        "ProgramKindEnum": "programs.models.Program.Kind",
        "AgreementKindEnum": "agreements.models.Agreement.Kind",
        "ForumKindEnum": "fora.models.Forum.Kind",
        "DocumentKindEnum": "core.models.Document.Kind",
        # A TSFD review's recommendation and a coordinating office's answer: one set.
        "ConcurrenceEnum": "tsfd.models.Review.Recommendation",
    },
}

DJANGO_TABLES2_TEMPLATE = "core/table.html"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="icportal@localhost")
# The portal's address, for links in e-mails and calendar feeds.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Briefing packets.
BRIEFS_RETENTION_DAYS = env.int("BRIEFS_RETENTION_DAYS", default=30)
BRIEFS_STALE_SECONDS = env.int("BRIEFS_STALE_SECONDS", default=300)
BRIEFS_MAX_ATTEMPTS = env.int("BRIEFS_MAX_ATTEMPTS", default=3)
BRIEFS_MAX_PROGRAMS = env.int("BRIEFS_MAX_PROGRAMS", default=400)
BRIEFS_MAX_ACTIVE_PER_USER = env.int("BRIEFS_MAX_ACTIVE_PER_USER", default=5)
# A leadership packet's annex is laid out in parts of this many program sheets, up to
# BRIEFS_RENDER_PROCESSES at once (0: one per core), each process niced by
# BRIEFS_RENDER_NICE so the web keeps the CPU it needs (briefs/pdf.py, briefs/join.py).
BRIEFS_SHEETS_PER_PART = env.int("BRIEFS_SHEETS_PER_PART", default=8)
BRIEFS_RENDER_PROCESSES = env.int("BRIEFS_RENDER_PROCESSES", default=0)
BRIEFS_RENDER_NICE = env.int("BRIEFS_RENDER_NICE", default=10)

# Scheduled checks (reminders, due items). Each app adds its entries here.
CELERY_BEAT_SCHEDULE = {
    "tsfd-overdue-reviews": {
        "task": "tsfd.tasks.flag_overdue_reviews",
        "schedule": 24 * 60 * 60,  # daily; each review is flagged once (keyed notifications)
    },
    "agreement-reminders": {
        "task": "agreements.tasks.send_agreement_reminders",
        "schedule": 24 * 60 * 60,  # daily; reminders carry keys, so a rerun sends nothing twice
    },
    "fora-action-item-reminders": {
        "task": "fora.tasks.remind_action_items",
        "schedule": 24 * 60 * 60,  # daily; due-soon once per due date, overdue once a week
    },
    "briefs-recover-stale-packets": {
        "task": "briefs.tasks.recover_stale_packets",
        "schedule": 60,  # re-queues packets whose worker died; never waits behind renders
        "options": {"queue": "celery"},
    },
    "core-data-quality-audit": {
        "task": "core.run_data_quality_audit",
        # Nightly at 02:30 UTC, so the findings are fresh when the working day starts.
        "schedule": crontab(hour=2, minute=30),
    },
    "briefs-weekly-packets": {
        "task": "briefs.tasks.send_weekly_packets",
        # Early each day: the day's weekly leadership packets are ready by office hours.
        "schedule": crontab(hour=6, minute=0),
        "options": {"queue": "celery"},
    },
    "briefs-delete-expired-packets": {
        "task": "briefs.tasks.delete_expired_packets",
        "schedule": 24 * 60 * 60,  # daily; packets older than BRIEFS_RETENTION_DAYS
        "options": {"queue": "celery"},
    },
}

# Monitoring (README "Monitoring"). /metrics answers a scraper that sends
# `Authorization: Bearer <METRICS_TOKEN>` or comes from METRICS_ALLOWED_IPS (addresses or
# networks, e.g. 10.0.5.0/24); anyone else gets 404. Neither set: nobody reads it.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(a, strict=False) for a in METRICS_ALLOWED_IPS]
# Workers stamp a heartbeat every WORKER_HEARTBEAT_SECONDS (beat) and on start; /healthz
# calls it stale after WORKER_HEARTBEAT_STALE_SECONDS, and answers 503 for a stale one only
# with HEALTH_REQUIRE_WORKER=true.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=30)
WORKER_HEARTBEAT_STALE_SECONDS = env.int("WORKER_HEARTBEAT_STALE_SECONDS", default=120)
HEALTH_REQUIRE_WORKER = env.bool("HEALTH_REQUIRE_WORKER", default=False)
WORKER_HEARTBEAT_FILE = Path(
    env("WORKER_HEARTBEAT_FILE", default=str(BASE_DIR / ".run" / "worker-heartbeat.json"))
)
CELERY_BEAT_SCHEDULE["core-worker-heartbeat"] = {
    "task": "core.worker_heartbeat",
    "schedule": WORKER_HEARTBEAT_SECONDS,
    # Expires with its period: a backlog of stamps would report a worker alive that is not.
    "options": {"queue": "celery", "expires": WORKER_HEARTBEAT_SECONDS},
}

# Logs: one JSON object per line (LOG_FORMAT=json, the default) with the time in UTC, the
# level, the logger, the message, the request id, the user's numeric id and the audit's
# request id (core.logs); LOG_FORMAT=text for plain lines while developing.
LOG_FORMAT = env("LOG_FORMAT", default="json")
# The worker and beat log through this configuration too, not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_ids": {"()": "core.logs.RequestIdsFilter"}},
    "formatters": {
        "json": {"()": "core.logs.JsonLineFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_ids"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # pikepdf announces its C++ logging bridge on import, i.e. in every command.
        "pikepdf._core": {"level": "WARNING"},
        # WeasyPrint reports each rendering step here, three of them on import (its own
        # stylesheets): every manage.py command printed "Step 2 - Fetching and parsing
        # CSS". briefs/pdf.py reads the steps as a packet's progress, through its handler.
        "weasyprint.progress": {"handlers": [], "propagate": False},
    },
}
