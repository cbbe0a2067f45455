"""Failed authorisations (403) on pages and on the API are written to the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from isecg.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_api_refusal_is_audited(api_as: Any, users: dict[str, Any]) -> None:
    response = api_as("rep_a").post(
        "/api/v1/agencies/", {"acronym": "X", "name": "X", "country": "X"}, format="json"
    )
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="auth.denied")
    assert event.actor == users["rep_a"]
    assert event.data["path"] == "/api/v1/agencies/"
    assert event.data["method"] == "POST"
    assert event.data["user"] == "rep.a"
    assert event.data["reason"] == "permission_denied"


def test_token_client_refusal_is_audited(api_as: Any, users: dict[str, Any]) -> None:
    response = api_as("api_client").post(
        "/api/v1/agencies/", {"acronym": "X", "name": "X", "country": "X"}, format="json"
    )
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="auth.denied")
    assert event.actor == users["api_client"]
    assert event.data["ip"] == "127.0.0.1"


def test_page_refusal_is_audited_once(web_as: Any, users: dict[str, Any]) -> None:
    response = web_as("rep_a").get("/agencies/new/")
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="auth.denied")
    assert event.actor == users["rep_a"]
    assert event.data["path"] == "/agencies/new/"
    assert event.data["method"] == "GET"
    assert event.data["reason"] == "Only the secretariat may do this."


def test_raised_permission_denied_on_a_page_is_audited(rf: Any, users: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from isecg.middleware import DeniedAuditMiddleware

    request = rf.get("/somewhere/")
    request.user = users["rep_b"]

    def view(req: Any) -> HttpResponse:
        try:
            raise PermissionDenied("not yours")
        except PermissionDenied as exc:
            middleware.process_exception(req, exc)
            return HttpResponse(status=403)

    middleware = DeniedAuditMiddleware(view)
    assert middleware(request).status_code == 403
    event = AuditEvent.objects.get(action="auth.denied")
    assert event.data == {
        "path": "/somewhere/",
        "method": "GET",
        "user": "rep.b",
        "ip": "127.0.0.1",
        "reason": "not yours",
    }


def test_anonymous_is_not_a_refusal(api_as: Any) -> None:
    assert api_as("anonymous").post("/api/v1/agencies/", {}, format="json").status_code in (
        401,
        403,
    )
    # 401 asks for credentials; a 403 for anonymous is still recorded without actor.
    for event in AuditEvent.objects.filter(action="auth.denied"):
        assert event.actor is None
