"""Settings read from the environment (twelve-factor). Every variable is listed in README.md."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config import __version__

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

OPSGATE_VERSION = __version__  # what /health reports; apps read it here rather than importing config

DATA_DIR = Path(env.str("OPSGATE_DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (for local use, set DEBUG=1 or SECRET_KEY=...)."
        )
    SECRET_KEY = "insecure-development-only-key"  # noqa: S105 - only ever used with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_jsonform",  # the admin's editor for JSON fields (rules, the policy)
    "core",  # before django_q: its qcluster command replaces django-q2's (core/worker_cluster.py)
    "django_q",
    "tenancy",
    "governance",
    "runs",
    "builds",
    "approvals",
    "automation",
    "ops",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.middleware.InputHygieneMiddleware",  # NUL in a path, query or form: a 4xx before any view
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContractExceptionMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False

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
                "tenancy.portal.portal_context",
                "approvals.context_processors.inbox_badge",
            ],
        },
    },
]

# --- database --------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'opsgate.sqlite3'}")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # Persistent connections: ~5x the request rate of CONN_MAX_AGE=0 (measured under gunicorn, 2 cores).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and worker ------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared between web and worker processes on one host, so the worker's heartbeat is visible.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

Q_CLUSTER = {
    "name": "opsgate",
    "workers": env.int("OPSGATE_WORKERS", default=2),
    "timeout": 300,
    "retry": 360,  # must exceed timeout, or a slow healthy task is delivered twice
    "max_attempts": 3,
    "save_limit": 500,
    "catch_up": False,
    "ack_failures": True,
    "sync": env.bool("OPSGATE_Q_SYNC", default=False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# How long `manage.py qcluster` lets the tasks in hand finish after SIGTERM before killing them.
OPSGATE_WORKER_GRACE_SECONDS = env.int("OPSGATE_WORKER_GRACE_SECONDS", default=20)

# --- auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"  # the portal and the admin share the session
LOGIN_REDIRECT_URL = "portal:inbox"

# --- i18n, static ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve static files under gunicorn without a collectstatic step

# --- build artifacts and uploads (operator-api) --------------------------------------------------
# Files live behind Django's storage API: the filesystem under OPSGATE_DATA_DIR/artifacts by default;
# OPSGATE_ARTIFACTS_BACKEND names any django-storages backend (S3-compatible) so web nodes share them.
ARTIFACTS_DIR = DATA_DIR / "artifacts"
_ARTIFACTS_BACKEND = env.str("OPSGATE_ARTIFACTS_BACKEND", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "artifacts": {
        "BACKEND": _ARTIFACTS_BACKEND or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {} if _ARTIFACTS_BACKEND else {"location": str(ARTIFACTS_DIR), "allow_overwrite": True},
    },
}
OPSGATE_ARTIFACT_MAX_BYTES = env.int("OPSGATE_ARTIFACT_MAX_BYTES", default=1_048_576)  # served per file
OPSGATE_UPLOAD_MAX_BYTES = env.int("OPSGATE_UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenancy.authentication.ApiKeyAuthentication",
        "tenancy.authentication.JwtAuthentication",
        "tenancy.authentication.SessionAuthentication",
        "tenancy.authentication.PublicReadAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenancy.permissions.ScopePermission"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.OpsgateAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.envelopes.operator_api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Trusted reverse proxies in front of us: 0 means X-Forwarded-For is ignored (it is spoofable).
    "NUM_PROXIES": env.int("OPSGATE_NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Opsgate API",
    "DESCRIPTION": (
        "Five API contracts over one domain. Authenticate with `X-API-Key` or `Authorization: "
        "Bearer <JWT>` from `/api/auth/login`. Deliberate differences from the origin contracts: a "
        "missing or invalid key is 401 (not 403); the others are listed in the repository's "
        "docs/decisions.md and docs/contracts/."
    ),
    "VERSION": __version__,  # the package version (pyproject reads the same attribute)
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {"PolicyRiskLevelEnum": "governance.models.RISK_LEVELS"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # What the views cannot tell drf-spectacular: envelopes, error responses, id formats (core/openapi/).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.path_ids.type_path_ids",
        "core.openapi.form_bodies.form_bodies_where_flat",
        "core.openapi.error_responses.document_error_responses",
    ],
    # PublicReadAuthentication is a local-dashboard convenience, not a scheme clients use.
    "AUTHENTICATION_WHITELIST": [
        "tenancy.authentication.ApiKeyAuthentication",
        "tenancy.authentication.JwtAuthentication",
        "tenancy.authentication.SessionAuthentication",
    ],
}

# --- logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR", "propagate": True}},
}

# --- Opsgate ---------------------------------------------------------------------------------
OPSGATE_PUBLIC_READ = env.bool("OPSGATE_PUBLIC_READ", default=False)
if OPSGATE_PUBLIC_READ and not DEBUG:
    raise ImproperlyConfigured(
        "OPSGATE_PUBLIC_READ=1 serves data anonymously; it is refused when DEBUG is off."
    )
OPSGATE_DEFAULT_TENANT = env.str("OPSGATE_DEFAULT_TENANT", default="demo")
OPSGATE_ALLOW_REGISTRATION = env.bool("OPSGATE_ALLOW_REGISTRATION", default=True)
OPSGATE_JWT_PRIVATE_KEY = env.str("OPSGATE_JWT_PRIVATE_KEY", default="", multiline=True)
OPSGATE_JWT_KEY_FILE = Path(env.str("OPSGATE_JWT_KEY_FILE", default=str(DATA_DIR / "jwt-rs256.pem")))
OPSGATE_JWT_TTL_MINUTES = env.int("OPSGATE_JWT_TTL_MINUTES", default=60)
OPSGATE_JWT_ISSUER = env.str("OPSGATE_JWT_ISSUER", default="opsgate")
OPSGATE_JWT_AUDIENCE = env.str("OPSGATE_JWT_AUDIENCE", default="opsgate-api")
OPSGATE_QDRANT_URL = env.str("OPSGATE_QDRANT_URL", default="")

# operator-api kill switches: environment defaults, overridden by governance.KillSwitch rows.
OPSGATE_KILL_SWITCH_DEFAULTS = {
    "phase6_metrics": env.bool("AUTOPACK_ENABLE_PHASE6_METRICS", default=False),
    "consolidated_metrics": env.bool("AUTOPACK_ENABLE_CONSOLIDATED_METRICS", default=False),
    # The origin defaults to true; a human-control portal must not auto-approve by default.
    "auto_approve_build113": env.bool("AUTO_APPROVE_BUILD113", default=False),
}
if OPSGATE_KILL_SWITCH_DEFAULTS["auto_approve_build113"] and not DEBUG:
    raise ImproperlyConfigured("AUTO_APPROVE_BUILD113 is refused when DEBUG is off.")
OPSGATE_LOGIN_RATE = env.str("OPSGATE_LOGIN_RATE", default="10/min")
OPSGATE_BUILD_START_RATE = env.str("OPSGATE_BUILD_START_RATE", default="10/min")  # per client address
OPSGATE_APPROVAL_TTL_MINUTES = env.int(
    "OPSGATE_APPROVAL_TTL_MINUTES", default=0
)  # 0: approvals never lapse unless an event says so
OPSGATE_ENCRYPTION_KEYS = env.list("OPSGATE_ENCRYPTION_KEYS", default=[])  # Fernet keys, newest first
OPSGATE_ENCRYPTION_KEY_FILE = Path(
    env.str("OPSGATE_ENCRYPTION_KEY_FILE", default=str(DATA_DIR / "fernet.key"))
)
OPSGATE_EGRESS_ALLOW = env.list("OPSGATE_EGRESS_ALLOW", default=[])  # CIDRs the http node may reach anyway
OPSGATE_HTTP_MAX_RESPONSE_BYTES = env.int("OPSGATE_HTTP_MAX_RESPONSE_BYTES", default=1_048_576)
# A worker advancing a run holds it this long (renewed per step); a killed worker's runs are picked
# up by the sweep once the lease lapses.
OPSGATE_RUN_LEASE_SECONDS = env.int("OPSGATE_RUN_LEASE_SECONDS", default=60)
# `/demo/echo`: a local endpoint the demo workflows call, so `make run` needs no internet.
OPSGATE_DEMO_ENDPOINTS = env.bool("OPSGATE_DEMO_ENDPOINTS", default=DEBUG)
OPSGATE_BASE_URL = env.str("OPSGATE_BASE_URL", default="http://127.0.0.1:8000")
# How often the portal's inbox asks for new requests (seconds).
OPSGATE_PORTAL_POLL_SECONDS = env.int("OPSGATE_PORTAL_POLL_SECONDS", default=5)

# The journal's subscribers, called in this order for every appended event (inside the appending
# transaction; see runs.journal.append.journal_subscribe). Registered once, at ready time, by the runs
# app. The order matters: the engine resumes a run whose step waited on the closed approval, then the
# launch gate releases or fails a held launch, then approvals keeps its inbox rows in step with the
# journal; automation rules come last and are ``isolated`` (their work runs after the append's own
# writes, in a savepoint, and their failure never fails the append).
OPSGATE_JOURNAL_SUBSCRIBERS = [
    {
        "subscriber": "runs.engine.follow.engine_follow_journal",
        "reconcile": "runs.engine.follow.engine_reconcile",
    },
    {
        "subscriber": "runs.engine.launch_gate.launch_follow_journal",
        "reconcile": "runs.engine.launch_gate.launch_reconcile",
    },
    {
        "subscriber": "approvals.subscriber.approvals_follow_journal",
        "reconcile": "approvals.subscriber.approvals_reconcile",
    },
    {
        "subscriber": "automation.triggers.rules_follow_journal",
        "reconcile": "automation.triggers.rules_reconcile",
        "isolated": True,
    },
]
