"""Login throttling (django-axes, DRF throttle), Argon2, and failed sign-ins in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from isecg.api.auth import TokenObtainThrottle
from isecg.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _attempt(client: Client, password: str, username: str = "alice") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_five_failures_lock_the_username_and_address(client: Client) -> None:
    UserFactory(username="alice")
    for _ in range(4):
        assert _attempt(client, "wrong").status_code == 200  # the form again
    assert _attempt(client, "wrong").status_code == 429
    # Locked: even the right password is refused during the cool-off.
    locked = _attempt(client, "pw-for-tests-1")
    assert locked.status_code == 429
    assert b"Too many sign-in attempts" in locked.content
    assert "_auth_user_id" not in client.session
    # Another username from the same address is not locked (username + address).
    UserFactory(username="bob")
    assert _attempt(client, "pw-for-tests-1", username="bob").status_code == 302


def test_failed_sign_in_is_audited(client: Client) -> None:
    UserFactory(username="alice")
    _attempt(client, "wrong")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None
    assert event.data["username"] == "alice"
    assert event.data["path"] == "/accounts/login/"
    assert event.data["method"] == "POST"
    assert event.data["ip"] == "127.0.0.1"
    assert "wrong" not in str(event.data)


def test_token_endpoint_is_locked_by_axes_and_audited() -> None:
    UserFactory(username="robot")
    api = APIClient()
    for _ in range(5):
        response = api.post("/api/v1/auth/token/", {"username": "robot", "password": "no"})
        assert response.status_code in (400, 429)
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5
    response = api.post("/api/v1/auth/token/", {"username": "robot", "password": "pw-for-tests-1"})
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()


def test_token_endpoint_is_throttled_per_address(monkeypatch: Any) -> None:
    cache.clear()
    monkeypatch.setattr(TokenObtainThrottle, "rate", "3/min", raising=False)
    UserFactory(username="robot")
    api = APIClient()
    codes = [
        api.post(
            "/api/v1/auth/token/", {"username": "robot", "password": "pw-for-tests-1"}
        ).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    cache.clear()


def test_argon2_is_the_first_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    assert make_password("correct horse battery").startswith("argon2$")
