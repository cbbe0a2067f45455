"""Database failures map to clean answers: IntegrityError 409, lost connection 503, NUL 400."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import RequestFactory
from django.utils import timezone

from consensus import services as consensus_services
from consensus.models import PositionEvent
from isecg.middleware import DatabaseErrorMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(users: dict[str, Any]) -> Any:
    return consensus_services.motion_propose(
        actor=None,
        title="Errors",
        text="x",
        deadline=timezone.now() + dt.timedelta(days=5),
        procedure="explicit",
    )


def _cast(api_as: Any, decision: Any) -> Any:
    return api_as("rep_a").post(
        f"/api/v1/decisions/{decision.pk}/positions/",
        {"value": "concur_with_reservation", "statement": "Yes."},
        format="json",
    )


def test_a_uniqueness_error_past_the_service_is_a_409_conflict(api_as: Any, decision: Any) -> None:
    with mock.patch.object(
        consensus_services, "position_cast", side_effect=IntegrityError("duplicate key value")
    ):
        response = _cast(api_as, decision)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This change conflicts with a record written at the same time; reload and retry.",
        "code": "conflict",
    }


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_lost_database_connection_is_a_503(api_as: Any, decision: Any, error: type) -> None:
    with mock.patch.object(
        consensus_services, "position_cast", side_effect=error("server closed the connection")
    ):
        response = _cast(api_as, decision)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "database_unavailable"
    assert not PositionEvent.objects.exists()


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (OperationalError("gone"), 503, "database_unavailable"),
        (InterfaceError("closed"), 503, "database_unavailable"),
        (IntegrityError("dup"), 409, "conflict"),
    ],
)
def test_pages_get_the_same_mapping(error: Exception, status: int, code: str) -> None:
    middleware = DatabaseErrorMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    page = middleware.process_exception(RequestFactory().get("/decisions/?x=<b>"), error)
    assert page is not None and page.status_code == status
    assert page["Content-Type"].startswith("text/html")
    assert b"<b>" not in page.content  # the retry link is escaped
    api = middleware.process_exception(RequestFactory().get("/api/v1/decisions/"), error)
    assert api is not None and api.status_code == status
    assert api["Content-Type"] == "application/json"
    assert code.encode() in api.content
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("x")) is None


def test_a_page_whose_database_call_fails_answers_503(web_as: Any) -> None:
    from consensus import views

    with mock.patch.object(
        views.selectors, "decisions_visible_to", side_effect=OperationalError("terminated")
    ):
        response = web_as("secretariat").get("/decisions/")
    assert response.status_code == 503
    assert b"Service unavailable" in response.content


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/decisions/?search=a%00b",
        "/api/v1/agencies/?ordering=%00",
        "/api/v1/decisions/?state%00=open",
    ],
)
def test_nul_in_the_query_string_is_a_400(api_as: Any, url: str) -> None:
    response = api_as("secretariat").get(url)
    assert response.status_code == 400
    assert response.json()["code"] == "null_characters"


def test_nul_in_a_page_query_is_a_400(web_as: Any) -> None:
    response = web_as("secretariat").get("/decisions/?q=%00")
    assert response.status_code == 400


def test_nul_in_a_json_body_is_a_400(api_as: Any, decision: Any) -> None:
    response = api_as("rep_a").post(
        f"/api/v1/decisions/{decision.pk}/positions/",
        {"value": "concur_with_reservation", "statement": "Ye\x00s"},
        format="json",
    )
    assert response.status_code == 400
    assert not PositionEvent.objects.exists()


def test_huge_ids_are_404_not_500(api_as: Any) -> None:
    for url in (
        "/api/v1/decisions/99999999999999999999999/",
        "/api/v1/agencies/99999999999999999999/",
    ):
        response = api_as("secretariat").get(url)
        assert response.status_code == 404, (url, response.status_code)
