"""Core API: who am I, my notifications, tokens, the error format."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agencies.models import Agency
from agencies.services import representative_revoke
from isecg.models import AuditEvent, Notification
from meetings.models import CalendarFeedToken
from membership.models import MembershipRequest
from tests.conftest import ROLES, api_client_for
from tests.factories import UserFactory, current_designation

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
    elif role == "api_client" and method == "post":
        assert response.status_code == 403
        assert response.json()["code"] == "read_only_client"
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


# --- the read-only client (DESIGN.md "Roles") ---------------------------------------


def _token_client(user: Any) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _session_client(user: Any) -> APIClient:
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)  # a real session: the session authentication class runs
    return client


def test_api_client_token_is_read_only(users: dict[str, Any]) -> None:
    """A generic write: refused before any endpoint rule, with the audit naming the caller."""
    client = api_client_for(users["api_client"])
    assert client.get("/api/v1/agencies/").status_code == 200
    response = client.post("/api/v1/agencies/", {"acronym": "X", "name": "X", "country": "X"})
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_client"
    assert not Agency.objects.filter(acronym="X").exists()
    denied = AuditEvent.objects.get(action="auth.denied")
    assert (denied.actor, denied.data["reason"]) == (users["api_client"], "read_only_client")
    for method in ("put", "patch", "delete"):
        refused = getattr(client, method)("/api/v1/agencies/AAA/", {"name": "Y"})
        assert refused.status_code == 403
        assert refused.json()["code"] == "read_only_client"


def test_read_only_client_cannot_apply_for_membership(users: dict[str, Any]) -> None:
    """ToR III.1: through the API, an account with no role files no membership request."""
    response = api_client_for(users["api_client"]).post(
        "/api/v1/membership-requests/apply/",
        {"agency_name": "Robot Agency", "agency_acronym": "RBT", "country": "X"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_client"
    assert not MembershipRequest.objects.exists()
    assert not Agency.objects.filter(acronym="RBT").exists()


def test_read_only_client_cannot_issue_or_revoke_a_calendar_feed(users: dict[str, Any]) -> None:
    client = api_client_for(users["api_client"])
    assert client.get("/api/v1/me/calendar-feed/").status_code == 200
    issued = client.post("/api/v1/me/calendar-feed/")
    assert issued.status_code == 403
    assert issued.json()["code"] == "read_only_client"
    assert not CalendarFeedToken.objects.filter(user=users["api_client"]).exists()
    revoked = client.delete("/api/v1/me/calendar-feed/")
    assert revoked.status_code == 403
    assert revoked.json()["code"] == "read_only_client"


def test_read_only_client_cannot_mark_notices_read(users: dict[str, Any]) -> None:
    notice = _notice(users["api_client"], "c0")
    response = api_client_for(users["api_client"]).post("/api/v1/notifications/mark-read/", {})
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_client"
    notice.refresh_from_db()
    assert notice.read_at is None


def test_read_only_session_user_writes_nothing_either(users: dict[str, Any]) -> None:
    plain = UserFactory(username="plain.user")
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    for user in (plain, superuser):
        response = _session_client(user).post("/api/v1/notifications/mark-read/", {})
        assert response.status_code == 403
        assert response.json()["code"] == "read_only_client"


@pytest.mark.parametrize("role", ["rep_a", "chair", "secretariat"])
def test_representatives_and_secretariat_still_write(users: dict[str, Any], role: str) -> None:
    _notice(users[role], "w0")
    for client in (_token_client(users[role]), _session_client(users[role])):
        response = client.post("/api/v1/notifications/mark-read/", {})
        assert response.status_code == 200, response.content


def test_token_endpoint_is_exempt(users: dict[str, Any]) -> None:
    """Anonymous by design: a read-only caller already signed in still gets its token."""
    plain = UserFactory(username="plain.user", password="pw-for-tests-1")
    client = _session_client(plain)
    client.credentials(HTTP_AUTHORIZATION=f"Token {users['api_client'].auth_token.key}")
    response = client.post(
        "/api/v1/auth/token/", {"username": "plain.user", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["token"]


def test_a_revoked_representative_becomes_read_only(users: dict[str, Any]) -> None:
    client = _token_client(users["rep_b"])
    representative_revoke(actor=None, representative=current_designation(users["rep_b"]))
    response = client.post("/api/v1/notifications/mark-read/", {})
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_client"


def test_unknown_api_path_is_404(api_as: Any) -> None:
    assert api_as("secretariat").get("/api/v1/no-such-thing/").status_code == 404
