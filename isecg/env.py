"""Reading settings from the environment.

Every production setting is read here, so that a missing or malformed value
stops start-up with one line that says which variable is wrong and why.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

import dj_database_url
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
