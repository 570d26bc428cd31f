"""Test settings: real PostgreSQL and Redis, fast hashing, captured mail."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, REPLICA_DATABASE, REST_FRAMEWORK, STORAGES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES["default"]["KEY_PREFIX"] = "marketplace-test"  # noqa: F405

_tmp = Path(tempfile.mkdtemp(prefix="marketplace-test-"))
PRIVATE_MEDIA_ROOT = _tmp / "private"
STORAGES = {
    **STORAGES,
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(_tmp / "media")}},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
}
# Throttles would make unrelated tests depend on each other's request counts; the
# login throttle and lockout are tested on their own with these turned back on.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "10000/min"},
}
# Notification emails go through Celery after commit; tests that read the mail run the
# tasks in-process, and the worker test runs them on a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# A replica alias on the test database itself, so the reports' routing can be checked
# (tests/config/test_reporting_replica.py). Like a real replica it is another connection and
# sees only committed rows, which a test inside a rolled-back transaction never has:
# reports read the default connection unless a test turns the replica on.
DATABASES[REPLICA_DATABASE] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
REPORTS_DATABASE = "default"
