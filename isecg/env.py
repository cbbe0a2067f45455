"""Reading settings from the environment.

Every production setting is read here, so that a missing or malformed value
stops start-up with one line that says which variable is wrong and why.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import dj_database_url
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


class SettingsError(ImproperlyConfigured):
    """A setting read from the environment is missing or malformed."""


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise SettingsError(f"{name} must be set (see README, 'Configuration').")
        if default is None:
            return ""
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean; use true or false.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


SUPPORTED_DB_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "postgis"}


def database_from_url(name: str, default: str) -> dict[str, Any]:
    """Parse DATABASE_URL, refusing anything this project cannot run on."""
    url = os.environ.get(name) or default
    scheme = urlparse(url).scheme
    if scheme not in SUPPORTED_DB_SCHEMES:
        raise SettingsError(
            f"{name}={url!r} is malformed: expected postgres://user:pass@host:5432/name "
            "or sqlite:///path/to/file.sqlite3."
        )
    try:
        config = dict(dj_database_url.parse(url, conn_max_age=0))
    except (ValueError, KeyError) as exc:
        raise SettingsError(f"{name}={url!r} is malformed: {exc}.") from None
    if not config.get("NAME"):
        raise SettingsError(f"{name}={url!r} names no database.")
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    else:
        # WAL lets the web server and the Celery worker share the file; IMMEDIATE
        # transactions make select_for_update's intent real on SQLite.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


def redis_url(name: str) -> str:
    url = os.environ.get(name, "")
    if url and urlparse(url).scheme not in {"redis", "rediss"}:
        raise SettingsError(f"{name}={url!r} is malformed: expected redis://host:6379/0.")
    return url


# --- the record's signing key (issue 12, sealed records) -------------------------------


def _signing_key_from_text(name: str, text: str) -> Ed25519PrivateKey:
    """A PEM (PKCS #8) Ed25519 private key, or the base64 of its 32 raw bytes."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm):
        raise SettingsError(
            f"{name} is malformed: expected an Ed25519 private key, as PEM or as the base64 "
            "of its 32 raw bytes (README 'Verifying a decision record')."
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SettingsError(f"{name} is not an Ed25519 private key.")
    return key


def _pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def env_signing_key(name: str, *, generate_at: Path | None = None) -> str:
    """The Ed25519 key that seals closed decisions, as PEM text.

    From the variable `name` when it is set. Otherwise, with `generate_at` (local and test
    settings), the key in that file, generated on first use (mode 0600) and reused after;
    without it (production) start-up stops.
    """
    raw = os.environ.get(name, "").strip()
    if raw:
        return _pem(_signing_key_from_text(name, raw))
    if generate_at is None:
        raise SettingsError(
            f"{name} must be set: the Ed25519 key that seals closed decisions "
            "(README 'Verifying a decision record')."
        )
    if not generate_at.exists():
        generate_at.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: two processes starting at once keep one key.
        descriptor, temporary = tempfile.mkstemp(dir=generate_at.parent, prefix=".signing-key-")
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(_pem(Ed25519PrivateKey.generate()))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, generate_at)
        finally:
            os.unlink(temporary)
    text = generate_at.read_text(encoding="ascii")
    return _pem(_signing_key_from_text(str(generate_at), text))
