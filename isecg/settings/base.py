"""Settings shared by every environment; values come from the environment.

See README "Configuration" for the variables. `local` is the default for
`manage.py`, `production` for gunicorn and the Celery processes in Docker.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from pathlib import Path

from isecg.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("ISECG_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "django_celery_beat",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "isecg",
    "agencies",
    "consensus",
    "membership",
    "products",
    "meetings",
    "secretariat",
    # Tiny; its URL is mounted only with ISECG_BENCH_FLOOR (the load benchmark's floor).
    "bench.floor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "isecg.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "isecg.middleware.SessionTimeoutMiddleware",
    "isecg.middleware.TwoFactorMiddleware",
    "isecg.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "isecg.middleware.DatabaseErrorMiddleware",
    "isecg.middleware.DeniedAuditMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "isecg.urls"
# `make bench` only: mounts the framework's floor endpoint at /bench-floor/ (bench/floor).
ISECG_BENCH_FLOOR = env_bool("ISECG_BENCH_FLOOR", False)
WSGI_APPLICATION = "isecg.wsgi.application"
ASGI_APPLICATION = "isecg.asgi.application"

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
                "isecg.context_processors.roles",
                "isecg.context_processors.tor_banner",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url("DATABASE_URL", f"sqlite:///{VAR_DIR / 'isecg.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "isecg.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username+address before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"

# --- Sessions and sign-in (issue 8, security) -------------------------------
# Absolute limit: a session ends 12 h after sign-in however busy it is; idle limit:
# it ends after SESSION_IDLE_TIMEOUT seconds without a request
# (isecg.middleware.SessionTimeoutMiddleware enforces both).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# django-axes: 5 failures for one username from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False

# TOTP two-factor sign-in (django-otp). Production forces it on secretariat accounts.
OTP_TOTP_ISSUER = "ISECG governance"
ISECG_REQUIRE_2FA_FOR_SECRETARIAT = env_bool("ISECG_REQUIRE_2FA_FOR_SECRETARIAT", False)

# Content Security Policy (django-csp 4): same-origin only, no inline script or style.
# The API documentation pages (Swagger UI, ReDoc) relax it for themselves (isecg/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-guardian: no anonymous user row; object permissions only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Email: console locally, SMTP in production (EMAIL_URL-style variables).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # filebased backend
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ISECG Secretariat <secretariat@isecg.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated call gets 401 with `WWW-Authenticate: Token`.
    # Both refuse every write from a read-only client: 403 `read_only_client`
    # (isecg.api.authentication).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "isecg.api.authentication.ApiTokenAuthentication",
        "isecg.api.authentication.ApiSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["isecg.api.permissions.ReadAnyWriteSecretariat"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "isecg.api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "isecg.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "isecg.api.schema.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # The token endpoint is a password oracle: throttled per address (isecg.api.auth).
    "DEFAULT_THROTTLE_RATES": {"auth-token": env_str("API_TOKEN_THROTTLE_RATE", "10/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ISECG governance API",
    "DESCRIPTION": (
        "Records and consensus decisions of the International Space Exploration "
        "Coordination Group. Errors are JSON objects with `detail` and a stable `code`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "ENUM_NAME_OVERRIDES": {
        "AgencyStatusEnum": "agencies.models.AgencyStatus",
        "NotificationStateEnum": "isecg.models.Notification.State",
        # Fields of the same name with different choices ("kind", "state", ...) need
        # names of their own, else the schema gets hashed names and check --deploy warns.
        "RepresentativeKindEnum": "agencies.models.RepresentativeKind",
        "DecisionKindEnum": "consensus.models.DecisionKind",
        "DecisionStateEnum": "consensus.models.DecisionState",
        "ProcedureEnum": "consensus.models.Procedure",
        "ProcedureCodeEnum": ["explicit", "silence"],
        "ProposalStateEnum": "membership.models.ProposalState",
        "WorkingGroupKindEnum": "products.models.WorkingGroupKind",
        "ProductKindEnum": "products.models.ProductKind",
        "ProductStateEnum": "products.models.ProductState",
        "WorkplanItemStatusEnum": "products.models.WorkplanItemStatus",
        "MeetingKindEnum": "meetings.models.MeetingKind",
        "MeetingStateEnum": "meetings.models.MeetingState",
        "ActionItemStatusEnum": "meetings.models.ActionItemStatus",
    },
}

# --- Celery ---------------------------------------------------------------
REDIS_URL = redis_url("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    # No server needed: kombu's filesystem transport, so that `make run` runs real jobs.
    _broker_dir = VAR_DIR / "celery"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

# --- Cache ----------------------------------------------------------------
# Shared by the web processes and the Celery worker: the ToR banner's cache generation
# (membership.selectors) and the API's rate-limit counters must not live in one process's
# memory. Redis when it is configured; otherwise files under var/cache, which `make run`'s
# web server and worker share on one machine.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "isecg",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": "isecg",
        }
    }

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False
# Periodic jobs. django-celery-beat copies these into its database tables at
# start-up, where the secretariat sees them (admin, and the secretariat pages).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "notifications-deliver-pending": {
        "task": "isecg.tasks.notifications_deliver_pending",
        "schedule": 300.0,
    },
    "representatives-expire": {
        "task": "agencies.tasks.representatives_expire",
        "schedule": 3600.0,
    },
}
# Each app lists its own periodic jobs in <app>/schedule.py.
for _app in ("consensus", "membership", "products", "meetings", "secretariat"):
    CELERY_BEAT_SCHEDULE.update(import_module(f"{_app}.schedule").BEAT_SCHEDULE)

NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)

# The Ed25519 private key (PEM) that seals each decision when it closes (issue 12;
# README "Verifying a decision record"). Set by each environment's settings: local and
# test generate one under VAR_DIR on first run; production requires ISECG_SIGNING_KEY.
ISECG_SIGNING_KEY = ""

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
