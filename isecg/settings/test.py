"""The test suite. Tasks run eagerly unless a test marked `real_stack` says otherwise."""

import tempfile
from pathlib import Path

from isecg.env import env_signing_key

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, STORAGES, VAR_DIR

DEBUG = False
SECRET_KEY = "test-only-not-secret-8c1d7a55e2f94b0e"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Generous, so that the suite never trips it; tests/security pins the real rate.
    "DEFAULT_THROTTLE_RATES": {"auth-token": "10000/min"},
}
ISECG_REQUIRE_2FA_FOR_SECRETARIAT = False
# Many tests travel days ahead in time with a signed-in browser; the real session limits
# (12 h absolute, 30 min idle) are exercised with override_settings in tests/security.
SESSION_COOKIE_AGE = 14 * 24 * 60 * 60
SESSION_IDLE_TIMEOUT = 14 * 24 * 60 * 60
# One memory cache per test process (tests/conftest.py clears it before each test): the
# files under var/cache would be shared by pytest-xdist's workers.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Uploads made by tests never land in the project's var/ folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="isecg-test-media-"))
# Static files come from the app finders in tests; no collectstatic output is needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The record's signing key: generated once under VAR_DIR and reused by every test process.
ISECG_SIGNING_KEY = env_signing_key(
    "ISECG_TEST_SIGNING_KEY", generate_at=VAR_DIR / "signing-key.pem"
)
