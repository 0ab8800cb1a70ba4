"""The test suite. Same services as configured by the environment, faster hashing."""

from .base import *  # noqa: F403

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
