"""The OpenAPI 3 schema at /api/v1/schema/ is valid, and the docs work offline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def schema(client: Any, db: Any) -> dict[str, Any]:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema: dict[str, Any]) -> None:
    validate_schema(schema)  # drf-spectacular's JSON-schema check of OpenAPI 3.0

    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "ISECG governance API"
    assert "/api/v1/agencies/" in schema["paths"]
    assert "/api/v1/representatives/" in schema["paths"]


def test_schema_is_served_as_yaml_by_default(client: Any, db: Any) -> None:
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")


def test_schema_documents_the_error_body(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]

    assert {"detail", "code"} <= set(error["required"])


def test_spectacular_command_validates_without_warnings(tmp_path: Path) -> None:
    """`manage.py spectacular --validate --fail-on-warn`: valid OpenAPI 3, and every
    endpoint, enum and component described without guesswork (no warnings)."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DJANGO_SETTINGS_MODULE",
            "DATABASE_URL",
            "REDIS_URL",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environ["ISECG_VAR_DIR"] = str(tmp_path / "var")
    out = tmp_path / "schema.yaml"

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(out),
        ],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(out.read_text())["openapi"].startswith("3.")


def test_docs_page_uses_local_assets_only(client: Any, db: Any) -> None:
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+\.(?:js|css|png))["']""", html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a static file"
    # No URL to another host (a CDN); random tokens in the page (CSRF) may contain "cdn".
    assert not re.search(r"(?:https?:)?//(?!testserver\b)[a-z0-9.-]+\.[a-z]{2,}", html, re.I), html
    for host in ("jsdelivr", "unpkg", "cdnjs", "cdn."):
        assert host not in html.lower(), host


def test_redoc_page_uses_local_assets_only(client: Any, db: Any) -> None:
    response = client.get("/api/v1/redoc/")

    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"""src=["']([^"']+\.js)["']""", html)
    assert scripts
    for script in scripts:
        assert script.startswith("/static/drf_spectacular_sidecar/"), script
        assert finders.find(script.removeprefix("/static/"))
