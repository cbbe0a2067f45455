"""The membership API: the full request lifecycle, bad input, the role matrix, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agencies.models import AgencyStatus
from consensus.models import ElectorateMember
from consensus.services import decision_close_if_due
from membership import services
from membership.models import MembershipRequest, ToRAcceptance
from tests.conftest import ROLES, api_client_for
from tests.factories import AgencyFactory
from tests.membership.conftest import pdf, request_fields

pytestmark = pytest.mark.django_db

DENIED = {401, 403}


def _deadline(days: int = 14) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def _record_payload(acronym: str = "FSAA", **overrides: Any) -> dict[str, Any]:
    payload = {"agency": acronym, **request_fields(), **overrides}
    return {k: v for k, v in payload.items() if v is not None}


def test_full_request_lifecycle_through_the_api(api_as: Any, tor: Any, applicant: Any) -> None:
    sec = api_as("secretariat")
    created = sec.post("/api/v1/membership-requests/", _record_payload(), format="multipart")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "submitted" and body["agency"] == "FSAA"
    pk = body["id"]

    returned = sec.post(f"/api/v1/membership-requests/{pk}/return/", {"reason": "Add the title."})
    assert returned.json()["state"] == "returned"
    completed = sec.post(
        f"/api/v1/membership-requests/{pk}/complete/",
        {"signatory_title": "Director General"},
        format="multipart",
    )
    assert completed.json()["state"] == "submitted", completed.json()

    circulated = sec.post(
        f"/api/v1/membership-requests/{pk}/circulate/",
        {"procedure": "silence", "deadline": _deadline(10)},
    )
    assert circulated.status_code == 200, circulated.json()
    assert circulated.json()["state"] == "decision_open"
    decision_id = circulated.json()["decision"]

    # Participating agencies' representatives now see it; the letter is theirs to read.
    seen = api_as("rep_a").get(f"/api/v1/membership-requests/{pk}/")
    assert seen.status_code == 200

    after = timezone.now() + dt.timedelta(days=10, minutes=1)
    with time_machine.travel(after, tick=False):
        decision_close_if_due(decision_id=decision_id)
    final = sec.get(f"/api/v1/membership-requests/{pk}/").json()
    assert final["state"] == "approved" and final["decision_outcome"] == "adopted"
    agency = api_as("anonymous").get("/api/v1/agencies/FSAA/")
    assert agency.status_code == 200 and agency.json()["status"] == "participating"
    acceptances = sec.get("/api/v1/acceptances/?agency=FSAA").json()["results"]
    assert len(acceptances) == 1 and acceptances[0]["source"] == "request"


def test_online_application_through_the_api(tor: Any, users: Any, applicant_user: Any) -> None:
    """ToR III.1: a verified applicant account, by token, files its request; nothing else."""
    token = Token.objects.create(user=applicant_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    payload = {
        "agency_name": "Fictional Space Agency of Atlantis (FICTIONAL)",
        "agency_acronym": "FSAA",
        "country": "Atlantis",
        **request_fields(),
    }
    response = client.post("/api/v1/membership-requests/apply/", payload, format="multipart")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert client.get("/api/v1/membership-requests/").json()["count"] == 1
    # Not circulated yet: other agencies do not see it.
    assert api_client_for(users["rep_a"]).get("/api/v1/membership-requests/").json()["count"] == 0
    # Any other write by the applicant, even on its own request, is refused through the API.
    refused = client.post(f"/api/v1/membership-requests/{pk}/withdraw/", {})
    assert refused.status_code == 403 and refused.json()["code"] == "read_only_client"
    assert MembershipRequest.objects.get(pk=pk).state == "submitted"


# --- bad input ------------------------------------------------------------


def test_request_without_letter_gives_field_error(api_as: Any, tor: Any, applicant: Any) -> None:
    response = api_as("secretariat").post(
        "/api/v1/membership-requests/", _record_payload(letter=None), format="multipart"
    )
    assert response.status_code == 400
    assert "letter" in response.json()["errors"]


def test_request_without_accepting_tor_gives_field_error(
    api_as: Any, tor: Any, applicant: Any
) -> None:
    response = api_as("secretariat").post(
        "/api/v1/membership-requests/", _record_payload(accepts_tor=False), format="multipart"
    )
    assert response.status_code == 400
    assert "accepts_tor" in response.json()["errors"]


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("letter.pdf", b"MZ\x90\x00" * 64, content_type="application/pdf"),
        SimpleUploadedFile("letter.pdf", b"<html><body>hi</body></html>", content_type="text/html"),
        SimpleUploadedFile("setup.exe", b"MZ\x90\x00" * 64),
    ],
    ids=["renamed-exe", "html", "exe"],
)
def test_non_pdf_upload_is_rejected(api_as: Any, tor: Any, applicant: Any, upload: Any) -> None:
    response = api_as("secretariat").post(
        "/api/v1/membership-requests/", _record_payload(letter=upload), format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_pdf"
    assert "letter" in response.json()["errors"]
    assert not MembershipRequest.objects.exists()


def test_oversized_upload_is_rejected(api_as: Any, tor: Any, applicant: Any, settings: Any) -> None:
    settings.MEMBERSHIP_UPLOAD_MAX_BYTES = 100
    response = api_as("secretariat").post(
        "/api/v1/membership-requests/", _record_payload(), format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"


def test_second_open_request_gives_409(api_as: Any, tor: Any, applicant: Any) -> None:
    sec = api_as("secretariat")
    assert (
        sec.post("/api/v1/membership-requests/", _record_payload(), format="multipart").status_code
        == 201
    )
    again = sec.post("/api/v1/membership-requests/", _record_payload(), format="multipart")
    assert again.status_code == 409
    assert again.json()["code"] == "open_request_exists"


def test_accepting_superseded_version_gives_409(
    api_as: Any, tor_versions: dict[str, Any], agency_a: Any
) -> None:
    response = api_as("rep_a").post(
        "/api/v1/acceptances/",
        {
            "agency": "AAA",
            "version": tor_versions["old"].pk,
            "signatory_name": "A",
            "signatory_title": "B",
            "letter": pdf(),
        },
        format="multipart",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "tor_version_superseded"


def test_withdrawing_non_participating_agency_gives_409(
    api_as: Any, tor: Any, applicant: Any
) -> None:
    response = api_as("secretariat").post(
        "/api/v1/withdrawals/", {"agency": "FSAA", "letter": pdf()}, format="multipart"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_participating"


def test_withdrawal_through_api_changes_open_electorate(
    api_as: Any, tor: Any, applicant: Any, agency_b: Any
) -> None:
    """ToR VI during an open decision (here: the applicant's membership decision)."""
    sec = api_as("secretariat")
    pk = sec.post("/api/v1/membership-requests/", _record_payload(), format="multipart").json()[
        "id"
    ]
    decision_id = sec.post(
        f"/api/v1/membership-requests/{pk}/circulate/",
        {"procedure": "explicit", "deadline": _deadline()},
    ).json()["decision"]
    assert ElectorateMember.objects.filter(
        decision_id=decision_id, agency=agency_b, excluded_at__isnull=True
    ).exists()
    response = sec.post(
        "/api/v1/withdrawals/", {"agency": "BBB", "letter": pdf()}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert ElectorateMember.objects.get(decision_id=decision_id, agency=agency_b).excluded_at
    assert api_as("rep_b").get("/api/v1/me/").json()["agencies"] == []


def test_diff_and_status_endpoints(api_as: Any, tor_versions: dict[str, Any]) -> None:
    client = api_as("anonymous")
    old, new = tor_versions["old"], tor_versions["current"]
    diff = client.get(f"/api/v1/tor-versions/{old.pk}/diff/?to={new.pk}").json()
    assert "+VII. Extended until 31 December 2030." in diff["unified_diff"]
    assert client.get("/api/v1/tor-versions/current/").json()["id"] == new.pk
    status = client.get("/api/v1/tor-versions/status/").json()
    assert status["expires_on"] == "2030-12-31" and status["expired"] is False


def test_amendment_and_extension_via_api(api_as: Any, tor: Any, agency_a: Any) -> None:
    created = api_as("rep_a").post(
        "/api/v1/amendments/",
        {"proposing_agency": "AAA", "label": "2027", "new_text": "New text", "rationale": "Why"},
    )
    assert created.status_code == 201, created.json()
    assert created.json()["diff"].startswith("--- October 2022")
    opened = api_as("secretariat").post(
        f"/api/v1/amendments/{created.json()['id']}/open-decision/",
        {"procedure": "silence", "deadline": _deadline()},
    )
    assert opened.json()["state"] == "decision_open"
    ext = api_as("secretariat").post(
        "/api/v1/extensions/", {"proposed_expires_on": "2035-12-31", "rationale": "More time."}
    )
    assert ext.status_code == 201
    history = api_as("rep_b").get("/api/v1/extensions/history/")
    assert history.status_code == 200


# --- role matrix ----------------------------------------------------------

READ_ENDPOINTS = [
    ("/api/v1/tor-versions/", {"anonymous", *ROLES}),
    ("/api/v1/acceptances/", set(ROLES) - {"anonymous"}),
    ("/api/v1/membership-requests/", set(ROLES) - {"anonymous"}),
    ("/api/v1/amendments/", set(ROLES) - {"anonymous"}),
    ("/api/v1/extensions/", set(ROLES) - {"anonymous"}),
    ("/api/v1/extensions/history/", set(ROLES) - {"anonymous"}),
    ("/api/v1/withdrawals/", set(ROLES) - {"anonymous"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "allowed"), READ_ENDPOINTS)
def test_read_role_matrix(api_as: Any, tor: Any, role: str, url: str, allowed: set[str]) -> None:
    status = api_as(role).get(url).status_code
    assert (status == 200) if role in allowed else (status in DENIED), status


@pytest.mark.parametrize("role", ROLES)
def test_record_request_role_matrix(api_as: Any, tor: Any, applicant: Any, role: str) -> None:
    response = api_as(role).post(
        "/api/v1/membership-requests/", _record_payload(), format="multipart"
    )
    expected = {201} if role == "secretariat" else DENIED
    assert response.status_code in expected


@pytest.mark.parametrize("role", ROLES)
def test_request_actions_role_matrix(api_as: Any, tor: Any, applicant: Any, role: str) -> None:
    req = services.membership_request_record(actor=None, agency=applicant, **request_fields())
    client = api_as(role)
    url = f"/api/v1/membership-requests/{req.pk}"
    circulate = client.post(f"{url}/circulate/", {"procedure": "silence", "deadline": _deadline()})
    if role == "secretariat":
        assert circulate.status_code == 200
        assert client.post(f"{url}/withdraw/", {}).status_code == 200
    else:
        # Not visible before circulation (404) or not allowed (401/403).
        assert circulate.status_code in {*DENIED, 404}
        assert client.post(f"{url}/withdraw/", {}).status_code in {*DENIED, 404}
        assert client.post(f"{url}/return/", {"reason": "x"}).status_code in {*DENIED, 404}


@pytest.mark.parametrize("role", ROLES)
def test_acceptance_role_matrix(api_as: Any, tor: Any, agency_a: Any, role: str) -> None:
    response = api_as(role).post(
        "/api/v1/acceptances/",
        {
            "agency": "AAA",
            "version": tor.pk,
            "signatory_name": "A",
            "signatory_title": "B",
            "letter": pdf(),
        },
        format="multipart",
    )
    expected = {201} if role in {"secretariat", "rep_a"} else DENIED
    assert response.status_code in expected


@pytest.mark.parametrize("role", ROLES)
def test_withdrawal_role_matrix(api_as: Any, tor: Any, agency_a: Any, role: str) -> None:
    response = api_as(role).post(
        "/api/v1/withdrawals/", {"agency": "AAA", "letter": pdf()}, format="multipart"
    )
    expected = {201} if role == "secretariat" else DENIED
    assert response.status_code in expected


@pytest.mark.parametrize("role", ROLES)
def test_amendment_and_extension_role_matrix(
    api_as: Any, tor: Any, agency_a: Any, role: str
) -> None:
    client = api_as(role)
    amendment = client.post(
        "/api/v1/amendments/",
        {"proposing_agency": "AAA", "label": "2027", "new_text": "New", "rationale": "Why"},
    )
    assert amendment.status_code in ({201} if role in {"secretariat", "rep_a"} else DENIED)
    extension = client.post(
        "/api/v1/extensions/",
        {"proposed_expires_on": "2035-12-31", "rationale": "More", "proposing_agency": "AAA"},
    )
    assert extension.status_code in ({201} if role in {"secretariat", "rep_a"} else DENIED)


# --- query counts ---------------------------------------------------------


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _add_rows(start: int, stop: int, tor: Any) -> None:
    """Applicants with a request each, and participating agencies with an acceptance each."""
    for i in range(start, stop):
        agency = AgencyFactory(status=AgencyStatus.APPLICANT, joined_on=None, acronym=f"AP{i}")
        services.membership_request_record(actor=None, agency=agency, **request_fields())
        services.tor_accept(
            actor=None,
            agency=AgencyFactory(acronym=f"PA{i}"),
            version=tor,
            signatory_name="",
            signatory_title="",
            historical=True,
        )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/membership-requests/",
        "/api/v1/acceptances/",
        "/api/v1/tor-versions/",
        "/api/v1/withdrawals/",
        "/api/v1/amendments/",
        "/api/v1/extensions/",
    ],
)
@pytest.mark.parametrize("role", ["secretariat", "rep_a"])
def test_list_query_counts_do_not_grow(
    api_as: Any, tor: Any, url: str, role: str, django_assert_max_num_queries: Any
) -> None:
    client = api_as(role)
    _add_rows(0, 2, tor)
    small = _count(client, url)
    _add_rows(2, 12, tor)
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200
    assert ToRAcceptance.objects.count() == 12


def test_schema_lists_membership_paths(api_as: Any) -> None:
    schema = api_as("anonymous").get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/tor-versions/",
        "/api/v1/acceptances/",
        "/api/v1/membership-requests/{id}/circulate/",
        "/api/v1/membership-requests/apply/",
        "/api/v1/amendments/{id}/open-decision/",
        "/api/v1/extensions/history/",
        "/api/v1/withdrawals/",
    ):
        assert path in schema["paths"], path
