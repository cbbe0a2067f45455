"""The API token endpoint asks for the second factor: a token is no way around TOTP (issue 8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from isecg.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
PASSWORD = "pw-for-tests-1"
URL = "/api/v1/auth/token/"


def _code(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(value).zfill(device.digits)


def _wrong_code(device: TOTPDevice) -> str:
    return "000000" if _code(device) != "000000" else "111111"


def _device(user: Any, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)


def _obtain(username: str, password: str = PASSWORD, **extra: str) -> Any:
    return APIClient().post(URL, {"username": username, "password": password, **extra})


def _refusals(username: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(action="auth.login_failed", data__username=username)
        .order_by("pk")
        .values_list("data__reason", flat=True)
    )


def test_users_without_a_device_get_a_token_with_the_password() -> None:
    bob = UserFactory(username="bob")
    _device(bob, confirmed=False)  # an enrolment begun but never confirmed does not count

    response = _obtain("bob")

    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=bob).key
    assert _refusals("bob") == []


def test_a_user_with_a_device_needs_a_current_code_once() -> None:
    alice = UserFactory(username="alice")
    device = _device(alice)
    with time_machine.travel(START, tick=False) as clock:
        missing = _obtain("alice")
        assert missing.status_code == 400
        assert missing.json()["code"] == "otp_required"
        assert "otp_token" in missing.json()["errors"]
        assert "token" not in missing.json()

        wrong = _obtain("alice", otp_token=_wrong_code(device))
        assert wrong.status_code == 400
        assert wrong.json()["code"] == "otp_invalid"
        event = AuditEvent.objects.filter(action="auth.login_failed", data__reason="otp").get()
        assert event.actor is None
        assert event.data["username"] == "alice"
        assert event.data["path"] == URL
        assert event.data["method"] == "POST"
        assert event.data["ip"] == "127.0.0.1"

        # django-otp backs off after a failure: even the right code waits a moment.
        too_soon = _obtain("alice", otp_token=_code(device))
        assert too_soon.json()["code"] == "otp_invalid"
        clock.shift(dt.timedelta(seconds=5))

        right = _obtain("alice", otp_token=_code(device))
        assert right.status_code == 200
        token = right.json()["token"]
        assert Token.objects.get(user=alice).key == token

        # The same code again, within its time step, is a replay.
        clock.shift(dt.timedelta(seconds=1))
        replay = _obtain("alice", otp_token=_code(device))
        assert replay.status_code == 400
        assert replay.json()["code"] == "otp_invalid"
        assert "token" not in replay.json()

        assert _refusals("alice") == ["otp_missing", "otp", "otp", "otp"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == "alice"


def test_the_password_is_checked_before_the_code() -> None:
    """A wrong password is refused as for anyone, whatever the code; it does not use up
    the code, and it does not tell whether the account has a device."""
    alice = UserFactory(username="alice")
    UserFactory(username="bob")
    device = _device(alice)
    with time_machine.travel(START, tick=False):
        with_device = _obtain("alice", password="wrong", otp_token=_code(device))
        without_device = _obtain("bob", password="wrong")
        assert with_device.status_code == without_device.status_code == 400
        assert with_device.json() == without_device.json()
        assert with_device.json()["code"] == "authorization"

        assert _obtain("alice", otp_token=_code(device)).status_code == 200


def test_secretariat_must_enrol_before_getting_a_token_when_required(
    settings: Any, users: dict[str, Any]
) -> None:
    settings.ISECG_REQUIRE_2FA_FOR_SECRETARIAT = True
    secretariat = users["secretariat"]

    refused = _obtain(secretariat.username)
    assert refused.status_code == 403
    assert refused.json()["code"] == "otp_enrolment_required"
    assert "/accounts/2fa/" in refused.json()["detail"]
    assert not Token.objects.filter(user=secretariat).exists()
    assert _refusals(secretariat.username) == ["otp_enrolment_required"]

    # Representatives are not forced.
    assert _obtain(users["rep_a"].username).status_code == 200

    # Once enrolled, the secretariat gets a token with its code.
    device = _device(secretariat)
    with time_machine.travel(START, tick=False):
        assert _obtain(secretariat.username).json()["code"] == "otp_required"
        assert _obtain(secretariat.username, otp_token=_code(device)).status_code == 200


def test_secretariat_without_a_device_gets_a_token_when_not_required(
    users: dict[str, Any],
) -> None:
    assert _obtain(users["secretariat"].username).status_code == 200


def test_the_schema_documents_otp_token(client: Client) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    request = schema["components"]["schemas"]["AuthTokenRequest"]
    assert request["properties"]["otp_token"]["writeOnly"] is True
    assert "otp_token" not in request.get("required", [])
    responses = schema["paths"][URL]["post"]["responses"]
    assert "otp_required" in responses["400"]["description"]
    assert "otp_enrolment_required" in responses["403"]["description"]
