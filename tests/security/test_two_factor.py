"""TOTP two-factor sign-in: enrolment with a QR code, the verify step, secretariat enforcement."""

from __future__ import annotations

import datetime as dt
import os
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from isecg.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)


def _code(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(value).zfill(device.digits)


def _sign_in(client: Client, username: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": "pw-for-tests-1"})


def _enrol(client: Client, user: Any) -> TOTPDevice:
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, inline
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = page.context["secret"]
    assert secret.encode() in page.content
    response = client.post("/accounts/2fa/", {"token": _code(device), "next": "/notifications/"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_any_user_may_enrol_and_then_must_verify_after_the_password(client: Client) -> None:
    alice = UserFactory(username="alice")
    with time_machine.travel(START, tick=False) as clock:
        assert _sign_in(client, "alice").status_code == 302
        device = _enrol(client, alice)
        assert AuditEvent.objects.filter(action="auth.2fa_enrolled", actor=alice).exists()
        assert client.get("/notifications/").status_code == 200
        client.post("/accounts/logout/")

        clock.shift(dt.timedelta(minutes=2))
        assert _sign_in(client, "alice").status_code == 302
        # The password alone is not enough: every page leads to the verify step.
        blocked = client.get("/notifications/")
        assert blocked.status_code == 302
        assert blocked["Location"].startswith("/accounts/2fa/verify/?next=")
        api = client.get("/api/v1/me/")
        assert api.status_code == 403 and api.json()["code"] == "otp_required"

        wrong = client.post("/accounts/2fa/verify/", {"token": "000000", "next": "/notifications/"})
        assert wrong.status_code == 200
        assert AuditEvent.objects.filter(
            action="auth.login_failed", data__reason="otp", data__username="alice"
        ).exists()
        clock.shift(dt.timedelta(seconds=5))  # django-otp throttles after a failure
        right = client.post(
            "/accounts/2fa/verify/", {"token": _code(device), "next": "/notifications/"}
        )
        assert right.status_code == 302 and right["Location"] == "/notifications/"
        assert client.get("/notifications/").status_code == 200
        # Enrolled users see the state instead of a new secret.
        assert b"protected by an authenticator app" in client.get("/accounts/2fa/").content


def test_users_without_a_device_sign_in_with_a_password(client: Client) -> None:
    UserFactory(username="bob")
    _sign_in(client, "bob")
    assert client.get("/notifications/").status_code == 200


def test_verify_refuses_an_outside_next_url(client: Client) -> None:
    alice = UserFactory(username="alice")
    with time_machine.travel(START, tick=False):
        _sign_in(client, "alice")
        page = client.get("/accounts/2fa/")
        device = TOTPDevice.objects.get(user=alice)
        response = client.post(
            "/accounts/2fa/",
            {"token": _code(device), "next": "https://evil.example/"},
        )
        assert page.status_code == 200
        assert response["Location"] == "/"


def test_secretariat_must_enrol_when_required(
    settings: Any, web_as: Any, users: dict[str, Any]
) -> None:
    settings.ISECG_REQUIRE_2FA_FOR_SECRETARIAT = True
    secretariat = web_as("secretariat")
    response = secretariat.get("/secretariat/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/?next=%2Fsecretariat%2F"
    assert secretariat.get("/api/v1/me/").status_code == 403
    # The enrolment page itself, and signing out, stay reachable.
    assert secretariat.get("/accounts/2fa/").status_code == 200
    # Representatives are not forced.
    assert web_as("rep_a").get("/notifications/").status_code == 200
    # Once enrolled and verified, the secretariat works normally.
    with time_machine.travel(START, tick=False):
        device = TOTPDevice.objects.get(user=users["secretariat"])
        secretariat.post("/accounts/2fa/", {"token": _code(device)})
        assert secretariat.get("/secretariat/").status_code == 200


def test_secretariat_not_forced_when_the_setting_is_off(web_as: Any) -> None:
    assert web_as("secretariat").get("/secretariat/").status_code == 200


def _verify(client: Client, code: str) -> Any:
    return client.post("/accounts/2fa/verify/", {"token": code, "next": "/notifications/"})


def test_a_code_used_on_the_web_cannot_be_used_again(client: Client) -> None:
    alice = UserFactory(username="alice")
    device = TOTPDevice.objects.create(user=alice, name="Authenticator app", confirmed=True)
    with time_machine.travel(START, tick=False) as clock:
        _sign_in(client, "alice")
        code = _code(device)
        first = _verify(client, code)
        assert first.status_code == 302 and first["Location"] == "/notifications/"
        assert client.get("/notifications/").status_code == 200

        # The same code, within its time step, from a second browser: refused and audited.
        other = Client()
        _sign_in(other, "alice")
        replay = _verify(other, code)
        assert replay.status_code == 200
        assert "That code does not match." in replay.content.decode()
        assert other.get("/notifications/").status_code == 302
        assert AuditEvent.objects.filter(
            action="auth.login_failed", data__reason="otp", data__username="alice"
        ).exists()

        # Nor on the API token endpoint, once django-otp's back-off after the failure is over.
        clock.shift(dt.timedelta(seconds=5))
        api = APIClient().post(
            "/api/v1/auth/token/",
            {"username": "alice", "password": "pw-for-tests-1", "otp_token": code},
        )
        assert api.status_code == 400 and api.json()["code"] == "otp_invalid"


@pytest.mark.real_stack
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL row locks",
)
@pytest.mark.django_db(transaction=True)
def test_one_code_posted_from_two_browsers_at_once_signs_in_one() -> None:
    alice = UserFactory(username="alice")
    device = TOTPDevice.objects.create(user=alice, name="Authenticator app", confirmed=True)
    browsers = [Client() for _ in range(4)]
    barrier = threading.Barrier(len(browsers))
    outcomes: list[int] = []

    def verify(browser: Client, code: str) -> None:
        try:
            barrier.wait()
            outcomes.append(_verify(browser, code).status_code)
        finally:
            connection.close()

    with time_machine.travel(START, tick=False):
        for browser in browsers:
            assert _sign_in(browser, "alice").status_code == 302
        code = _code(device)
        threads = [threading.Thread(target=verify, args=(b, code)) for b in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == [200, 200, 200, 302]
