"""Core API: who am I, my notifications, tokens, the error format."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from isecg.models import Notification
from tests.conftest import ROLES, api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ANONYMOUS_DENIED = (401, 403)


def _notice(user: Any, key: str, **kw: Any) -> Notification:
    return Notification.objects.create(kind="k", recipient=user, key=key, title=f"T {key}", **kw)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/me/"),
        ("get", "/api/v1/notifications/"),
        ("post", "/api/v1/notifications/mark-read/"),
    ],
)
def test_signed_in_only_matrix(api_as: Any, role: str, method: str, url: str) -> None:
    response = getattr(api_as(role), method)(url)
    if role == "anonymous":
        assert response.status_code in ANONYMOUS_DENIED
        assert response.json()["code"] == "not_authenticated"
    else:
        assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rep_a", {"is_secretariat": False, "is_chair": False, "agencies": ["AAA"]}),
        ("rep_b", {"is_secretariat": False, "is_chair": False, "agencies": ["BBB"]}),
        ("chair", {"is_secretariat": False, "is_chair": True, "agencies": ["CHR"]}),
        ("secretariat", {"is_secretariat": True, "is_chair": False, "agencies": []}),
        ("api_client", {"is_secretariat": False, "is_chair": False, "agencies": []}),
    ],
)
def test_me(users: dict[str, Any], api_as: Any, role: str, expected: dict[str, Any]) -> None:
    body = api_as(role).get("/api/v1/me/").json()
    assert {k: body[k] for k in expected} == expected
    assert body["username"] == users[role].username
    assert body["time_zone"] == "UTC"


def test_notifications_are_your_own(users: dict[str, Any], api_as: Any) -> None:
    rep_a, rep_b = users["rep_a"], users["rep_b"]
    mine = [_notice(rep_a, f"a{i}") for i in range(3)]
    _notice(rep_b, "b0")
    body = api_as("rep_a").get("/api/v1/notifications/").json()
    assert body["count"] == 3
    assert {n["id"] for n in body["results"]} == {n.pk for n in mine}
    assert all(n["is_read"] is False for n in body["results"])
    assert api_as("rep_b").get("/api/v1/notifications/").json()["count"] == 1


def test_mark_read_via_api(users: dict[str, Any], api_as: Any) -> None:
    rep_a, rep_b = users["rep_a"], users["rep_b"]
    mine = [_notice(rep_a, f"a{i}") for i in range(3)]
    theirs = _notice(rep_b, "b0")

    one = api_as("rep_a").post("/api/v1/notifications/mark-read/", {"ids": [mine[0].pk, theirs.pk]})
    assert one.json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None

    rest = api_as("rep_a").post("/api/v1/notifications/mark-read/", {})
    assert rest.json() == {"marked": 2}
    results = api_as("rep_a").get("/api/v1/notifications/").json()["results"]
    assert all(n["is_read"] for n in results)

    bad = api_as("rep_a").post("/api/v1/notifications/mark-read/", {"ids": "all"})
    assert bad.status_code == 400
    assert "ids" in bad.json()["errors"]


def test_token_authentication(db: Any) -> None:
    UserFactory(username="robot", password="pw-for-tests-1")
    anonymous = APIClient()
    response = anonymous.post(
        "/api/v1/auth/token/", {"username": "robot", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    again = anonymous.post(
        "/api/v1/auth/token/", {"username": "robot", "password": "pw-for-tests-1"}
    )
    assert again.json()["token"] == token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "robot"

    wrong = anonymous.post("/api/v1/auth/token/", {"username": "robot", "password": "nope"})
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == "Invalid input."
    assert "non_field_errors" in wrong.json()["errors"]

    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    denied = forged.get("/api/v1/me/")
    assert denied.status_code in ANONYMOUS_DENIED
    assert denied.json()["code"] == "authentication_failed"


def test_api_client_token_is_read_only(users: dict[str, Any]) -> None:
    client = api_client_for(users["api_client"])
    assert client.get("/api/v1/agencies/").status_code == 200
    response = client.post("/api/v1/agencies/", {"acronym": "X", "name": "X", "country": "X"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_unknown_api_path_is_404(api_as: Any) -> None:
    assert api_as("secretariat").get("/api/v1/no-such-thing/").status_code == 404
