"""The test suite. Same services as configured by the environment, faster hashing."""

import os
import re

# `make test` runs the suite in two processes (pytest-xdist). Each gets a Redis database of
# its own, so one process's queue purge, cache keys and counters never touch the other's:
# the broker URL is rewritten before base.py reads it (the cache follows the broker), and
# written back to the environment, so the worker processes that tests start inherit it.
# pytest-django already gives each process its own test database (suffix _gw0, _gw1).
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_broker = os.environ.get("CELERY_BROKER_URL", "")
_redis_db = re.fullmatch(r"(rediss?://[^/]+)(?:/(\d+))?", _broker)
# Once per test process: a worker process a test starts inherits both variables and the
# marker, so it keeps the URL it is given instead of shifting it again.
if _xdist_worker.startswith("gw") and _redis_db and not os.environ.get("TEST_BROKER_SHIFTED"):
    _db = (int(_redis_db.group(2) or 0) + 8 * int(_xdist_worker[2:])) % 16
    os.environ["CELERY_BROKER_URL"] = f"{_redis_db.group(1)}/{_db}"
    os.environ["TEST_BROKER_SHIFTED"] = "1"

from .base import *  # noqa: E402, F403

DEBUG = False
SECRET_KEY = "insecure-test-key"  # noqa: S105 - test-only
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests rely on an eager task being done when the call that queued it returns;
# tests/core/test_background_tasks.py switches the background thread on.
TASKS_IN_BACKGROUND_THREAD = False
# A worker in the test process retries a mail fault within a second or two, not 30.
EMAIL_RETRY_BACKOFF_SECONDS = 1
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files straight from the apps' folders: no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Each test process keeps its files apart (exports, data-export archives).
if _xdist_worker:
    MEDIA_ROOT = os.path.join(MEDIA_ROOT, _xdist_worker)  # noqa: F405
