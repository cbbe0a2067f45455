"""Deploy checks, hashing, the Content-Security-Policy and the templates it constrains."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]


def _production_env() -> dict[str, str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production never does.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="isecg.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ISECG_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="x.example",
    )
    return env


def test_check_deploy_is_clean_with_production_settings() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_production_settings_harden_cookies_sessions_and_sign_in() -> None:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SESSION_COOKIE_AGE', 'SESSION_IDLE_TIMEOUT', 'PASSWORD_HASHERS', "
        "'ISECG_REQUIRE_2FA_FOR_SECRETARIAT', 'AXES_FAILURE_LIMIT', 'AXES_LOCKOUT_PARAMETERS', "
        "'AUTHENTICATION_BACKENDS', 'MIDDLEWARE')}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    prod = json.loads(done.stdout.strip().splitlines()[-1])
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SESSION_COOKIE_HTTPONLY"]
    assert prod["SESSION_COOKIE_AGE"] == 12 * 3600
    assert prod["SESSION_IDLE_TIMEOUT"] == 30 * 60
    assert prod["PASSWORD_HASHERS"][0].endswith("Argon2PasswordHasher")
    assert prod["ISECG_REQUIRE_2FA_FOR_SECRETARIAT"] is True
    assert prod["AXES_FAILURE_LIMIT"] == 5
    assert prod["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    backends = prod["AUTHENTICATION_BACKENDS"]
    assert backends[0] == "axes.backends.AxesStandaloneBackend"
    assert "guardian.backends.ObjectPermissionBackend" in backends
    middleware = prod["MIDDLEWARE"]
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert middleware.index("django_otp.middleware.OTPMiddleware") == auth + 1
    assert middleware[-1] == "axes.middleware.AxesMiddleware"


def test_local_and_test_settings_do_not_force_2fa() -> None:
    assert settings.ISECG_REQUIRE_2FA_FOR_SECRETARIAT is False
    validators = [v["NAME"] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert "django.contrib.auth.password_validation.CommonPasswordValidator" in validators


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client: Any) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    # htmx 2 is told not to inject its inline indicator style.
    assert b'name="htmx-config"' in response.content
    assert b"includeIndicatorStyles" in response.content


@pytest.mark.django_db
def test_api_docs_pages_have_their_own_relaxed_policy(client: Any) -> None:
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "'unsafe-inline'" in response["Content-Security-Policy"], url
    # ...and only they do.
    assert "'unsafe-inline'" not in client.get("/api/v1/agencies/")["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def _templates() -> list[Path]:
    found = list((ROOT / "templates").rglob("*.html"))
    for app in ("isecg", "agencies", "consensus", "membership", "products", "meetings"):
        found += list((ROOT / app).rglob("templates/**/*.html"))
    return found


@pytest.mark.parametrize(
    "pattern", [INLINE_SCRIPT, INLINE_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT], ids=str
)
def test_no_template_needs_inline_script_or_style(pattern: re.Pattern[str]) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in _templates()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_media_files_are_never_served_by_url() -> None:
    with pytest.raises(Resolver404):
        resolve(settings.MEDIA_URL + "membership/letters/x/y.pdf")
