"""Sessions: a new key on sign-in, an idle and an absolute timeout."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
LIMITS = {"SESSION_IDLE_TIMEOUT": 30 * 60, "SESSION_COOKIE_AGE": 12 * 3600}


def _sign_in(client: Client, username: str = "alice") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": "pw-for-tests-1"})


def _signed_in(client: Client) -> bool:
    return client.get("/notifications/").status_code == 200


def test_sign_in_starts_a_new_session(client: Client) -> None:
    UserFactory(username="alice")
    client.get("/accounts/login/")
    session = client.session
    session["probe"] = "before"
    session.save()
    before = session.session_key
    assert _sign_in(client).status_code == 302
    after = client.session.session_key
    assert after and after != before
    assert client.session.get("_auth_user_id")


def test_idle_session_expires(settings: Any, client: Client) -> None:
    for key, value in LIMITS.items():
        setattr(settings, key, value)
    UserFactory(username="alice")
    with time_machine.travel(START, tick=False) as clock:
        _sign_in(client)
        assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=29))
        assert _signed_in(client)  # activity resets the idle clock
        clock.shift(dt.timedelta(minutes=29))
        assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/notifications/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_busy_session_still_ends_after_the_absolute_limit(settings: Any, client: Client) -> None:
    for key, value in LIMITS.items():
        setattr(settings, key, value)
    UserFactory(username="alice")
    with time_machine.travel(START, tick=False) as clock:
        _sign_in(client)
        for _ in range(int(12 * 60 / 20)):
            assert _signed_in(client)
            clock.shift(dt.timedelta(minutes=20))
        clock.shift(dt.timedelta(minutes=1))
        assert not _signed_in(client)
