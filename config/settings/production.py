"""Production settings: everything secret or site-specific comes from the environment."""

from .base import *  # noqa: F403
from .base import DATABASE_REPLICA_URL, DEVELOPMENT_APPS, INSTALLED_APPS, REPLICA_DATABASE, env, tax_keys_checked

DEBUG = False
INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in DEVELOPMENT_APPS]
SECRET_KEY = env.str("SECRET_KEY")
# Taxpayer identifiers are encrypted and fingerprinted under keys of their own, never derived.
TAX_DATA_KEYS, TAX_FINGERPRINT_KEY = tax_keys_checked(env.list("TAX_DATA_KEYS"), env.str("TAX_FINGERPRINT_KEY"))
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db_url("DATABASE_URL")}
if DATABASE_REPLICA_URL:
    DATABASES[REPLICA_DATABASE] = {**env.db_url_config(DATABASE_REPLICA_URL), "TEST": {"MIRROR": "default"}}
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # A database host that has vanished should fail a request (and /healthz/db) within
    # seconds, not after the operating system's TCP timeout of about two minutes.
    _database.setdefault("OPTIONS", {}).setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
_smtp = env.email_url("EMAIL_URL", default="smtp://localhost:25")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _smtp["EMAIL_HOST"],
            "port": _smtp["EMAIL_PORT"],
            "username": _smtp["EMAIL_HOST_USER"],
            "password": _smtp["EMAIL_HOST_PASSWORD"],
            "use_tls": _smtp.get("EMAIL_USE_TLS", False),
            "use_ssl": _smtp.get("EMAIL_USE_SSL", False),
        },
    }
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY")
STRIPE_LOCAL = False
STRIPE_API_BASE = ""
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET")
STRIPE_CONNECT_WEBHOOK_SECRET = env.str("STRIPE_CONNECT_WEBHOOK_SECRET")
# Fingerprints of identity documents: a key of its own, never derived from SECRET_KEY
# (which may be rotated), so that duplicates stay findable across deployments.
IDENTITY_FINGERPRINT_KEY = env.str("IDENTITY_FINGERPRINT_KEY")
