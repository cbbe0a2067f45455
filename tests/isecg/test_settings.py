"""Settings from the environment: bad values stop start-up with one line (issue 2, "Bad input")."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from isecg import env
from isecg.env import SettingsError

REPO_ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(64)
SIGNING_KEY = base64.b64encode(secrets.token_bytes(32)).decode()
# Variables the settings read; cleared so the developer's or CI's own values do not leak in.
READ_VARIABLES = [
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "EMAIL_USE_TLS",
    "ISECG_SIGNING_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' conftest; deploy checks refuse it
]


def manage(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run `manage.py <args>` in a fresh interpreter with exactly these settings variables."""
    environ = {k: v for k, v in os.environ.items() if k not in READ_VARIABLES}
    environ["ISECG_VAR_DIR"] = str(tmp_path / "var")
    environ.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *mentions: str) -> None:
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("isecg: configuration error:"), result.stderr
    for mention in mentions:
        assert mention in lines[0]


def production(**variables: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "isecg.settings.production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "isecg.example",
        "ISECG_SIGNING_KEY": SIGNING_KEY,
        **variables,
    }


# --- start-up through manage.py (subprocesses) ---------------------------------------


@pytest.mark.parametrize("url", ["mysql://x", "not a url", "postgres://"])
def test_malformed_database_url_stops_start_up_with_one_line(tmp_path: Path, url: str) -> None:
    result = manage(tmp_path, "check", DATABASE_URL=url)

    assert_one_line_error(result, "DATABASE_URL")


def test_malformed_redis_url_stops_start_up(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", REDIS_URL="amqp://guest@localhost//")

    assert_one_line_error(result, "REDIS_URL")


def test_bad_boolean_stops_start_up(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", DEBUG="maybe")

    assert_one_line_error(result, "DEBUG", "not a boolean")


def test_production_without_secret_key_stops(tmp_path: Path) -> None:
    variables = production()
    del variables["SECRET_KEY"]

    result = manage(tmp_path, "check", **variables)

    assert_one_line_error(result, "SECRET_KEY must be set")


@pytest.mark.parametrize("key", ["short", "a" * 80])
def test_production_with_weak_secret_key_stops(tmp_path: Path, key: str) -> None:
    result = manage(tmp_path, "check", **production(SECRET_KEY=key))

    assert_one_line_error(result, "SECRET_KEY is too weak")


def test_production_without_allowed_hosts_stops(tmp_path: Path) -> None:
    variables = production()
    del variables["ALLOWED_HOSTS"]

    result = manage(tmp_path, "check", **variables)

    assert_one_line_error(result, "ALLOWED_HOSTS")


def test_production_bad_boolean_stops(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", **production(SECURE_SSL_REDIRECT="sometimes"))

    assert_one_line_error(result, "SECURE_SSL_REDIRECT")


def test_production_check_deploy_reports_nothing(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **production())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_signing_key_stops(tmp_path: Path) -> None:
    variables = production()
    del variables["ISECG_SIGNING_KEY"]

    result = manage(tmp_path, "check", **variables)

    assert_one_line_error(result, "ISECG_SIGNING_KEY must be set")
    assert not (tmp_path / "var" / "signing-key.pem").exists()  # production never generates


@pytest.mark.parametrize("key", ["not a key", base64.b64encode(b"short").decode()])
def test_production_with_malformed_signing_key_stops(tmp_path: Path, key: str) -> None:
    result = manage(tmp_path, "check", **production(ISECG_SIGNING_KEY=key))

    assert_one_line_error(result, "ISECG_SIGNING_KEY is malformed")


_PUBLIC_KEY = "from consensus import seal; i = seal.public_key_info(); print(i.algorithm, i.key_id)"


def test_production_accepts_a_pem_signing_key(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    result = manage(tmp_path, "shell", "-c", _PUBLIC_KEY, **production(ISECG_SIGNING_KEY=pem))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split()[0] == "Ed25519"


def test_local_signing_key_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    first = manage(tmp_path, "shell", "-c", _PUBLIC_KEY)
    key_file = tmp_path / "var" / "signing-key.pem"
    second = manage(tmp_path, "shell", "-c", _PUBLIC_KEY)

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY" in key_file.read_text()
    assert first.stdout.split()[-1] == second.stdout.split()[-1]  # the same key id


def test_local_defaults_need_no_configuration(tmp_path: Path) -> None:
    result = manage(tmp_path, "check")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


# --- the cache: shared between processes ----------------------------------------------

_GENERATION = (
    "from django.core.cache import cache; from membership import selectors as s; {}"
    "print('generation', cache.get(s._TOR_STATUS_GENERATION_KEY))"
)


def test_without_redis_the_worker_and_web_processes_share_one_cache(tmp_path: Path) -> None:
    """A ToR change committed by the Celery worker (a decision closed by the sweep) bumps the
    banner's cache generation; the web server, another process, sees it at once."""
    worker = manage(tmp_path, "shell", "-c", _GENERATION.format("s.tor_status_cache_bump(); "))
    web = manage(tmp_path, "shell", "-c", _GENERATION.format(""))

    assert worker.returncode == 0 and web.returncode == 0, worker.stderr + web.stderr
    bumped = worker.stdout.split()[-1]
    assert bumped != "None" and web.stdout.split()[-1] == bumped
    assert (tmp_path / "var" / "cache").is_dir()


@pytest.mark.parametrize("settings_module", ["isecg.settings.local", "isecg.settings.production"])
def test_redis_url_puts_the_cache_in_redis(tmp_path: Path, settings_module: str) -> None:
    code = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    variables = production() if settings_module.endswith("production") else {}
    result = manage(
        tmp_path,
        "shell",
        "-c",
        code,
        **{
            **variables,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "REDIS_URL": "redis://cache.example:6379/2",
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.example:6379/2",
    ]


# --- isecg/env.py ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("1", True), ("true", True), ("Yes", True), (" on ", True)],
        *[("0", False), ("false", False), ("NO", False), ("off", False), ("", False)],
    ],
)
def test_env_bool_parses(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("ISECG_T", raw)

    assert env.env_bool("ISECG_T", not expected) is expected


def test_env_bool_default_and_garbage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISECG_T", raising=False)
    assert env.env_bool("ISECG_T", True) is True

    monkeypatch.setenv("ISECG_T", "perhaps")
    with pytest.raises(SettingsError, match="ISECG_T='perhaps' is not a boolean"):
        env.env_bool("ISECG_T", True)


def test_env_str(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISECG_T", raising=False)
    assert env.env_str("ISECG_T") == ""
    assert env.env_str("ISECG_T", "fallback") == "fallback"
    with pytest.raises(SettingsError, match="ISECG_T must be set"):
        env.env_str("ISECG_T", required=True)

    monkeypatch.setenv("ISECG_T", "")
    assert env.env_str("ISECG_T", "fallback") == "fallback"
    monkeypatch.setenv("ISECG_T", "value")
    assert env.env_str("ISECG_T", required=True) == "value"


def test_env_int(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISECG_T", raising=False)
    assert env.env_int("ISECG_T", 7) == 7
    monkeypatch.setenv("ISECG_T", "42")
    assert env.env_int("ISECG_T", 7) == 42
    monkeypatch.setenv("ISECG_T", "4x")
    with pytest.raises(SettingsError, match="not an integer"):
        env.env_int("ISECG_T", 7)


def test_env_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISECG_T", raising=False)
    assert env.env_list("ISECG_T", ["a"]) == ["a"]
    monkeypatch.setenv("ISECG_T", " isecg.example, www.isecg.example ,,")
    assert env.env_list("ISECG_T", []) == ["isecg.example", "www.isecg.example"]
    monkeypatch.setenv("ISECG_T", "")
    assert env.env_list("ISECG_T", ["a"]) == []


def test_database_from_url_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISECG_DB", "postgres://app:s3cret@db.example:5433/isecg")
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "5")

    config = env.database_from_url("ISECG_DB", "sqlite:///unused.sqlite3")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("isecg", "app", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.example", 5433)
    assert config["CONN_MAX_AGE"] == 5
    assert config["CONN_HEALTH_CHECKS"] is True


def test_database_from_url_defaults_to_sqlite(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ISECG_DB", raising=False)

    config = env.database_from_url("ISECG_DB", f"sqlite:///{tmp_path}/isecg.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == f"{tmp_path}/isecg.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("url", ["mysql://x", "not a url", "postgres://", "redis://localhost/0"])
def test_database_from_url_refuses_malformed(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ISECG_DB", url)

    with pytest.raises(SettingsError, match="ISECG_DB="):
        env.database_from_url("ISECG_DB", "sqlite:///unused.sqlite3")


def test_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISECG_R", raising=False)
    assert env.redis_url("ISECG_R") == ""
    monkeypatch.setenv("ISECG_R", "rediss://cache.example:6380/2")
    assert env.redis_url("ISECG_R") == "rediss://cache.example:6380/2"
    monkeypatch.setenv("ISECG_R", "http://cache.example")
    with pytest.raises(SettingsError, match="ISECG_R="):
        env.redis_url("ISECG_R")


def test_settings_error_is_improperly_configured() -> None:
    from django.core.exceptions import ImproperlyConfigured

    assert issubclass(SettingsError, ImproperlyConfigured)
