"""Local development: `make run`. Safe defaults, nothing to configure."""

from isecg.env import env_bool, env_list, env_signing_key, env_str

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "local-development-only-not-secret-3b6f0d2c9e")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The record's signing key: ISECG_SIGNING_KEY, else one generated under var/ and kept.
ISECG_SIGNING_KEY = env_signing_key("ISECG_SIGNING_KEY", generate_at=VAR_DIR / "signing-key.pem")
