"""Production: every secret and host comes from the environment, or start-up stops."""

from isecg.env import SettingsError, env_bool, env_int, env_list, env_signing_key, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", required=True)
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise SettingsError("SECRET_KEY is too weak: use at least 50 random characters.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise SettingsError("ALLOWED_HOSTS must list the host names this site answers to.")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# TOTP is required of secretariat accounts in production (issue 8).
ISECG_REQUIRE_2FA_FOR_SECRETARIAT = env_bool("ISECG_REQUIRE_2FA_FOR_SECRETARIAT", True)
# The Ed25519 key that seals closed decisions: required (README "Verifying a decision record").
ISECG_SIGNING_KEY = env_signing_key("ISECG_SIGNING_KEY")
