"""The membership pages: the request lifecycle through the UI, the role matrix, letters, counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import AgencyStatus
from consensus.services import decision_close_if_due
from membership import services
from membership.models import MembershipRequest, RequestState
from tests.conftest import ROLES
from tests.factories import AgencyFactory
from tests.membership.conftest import pdf, request_fields

pytestmark = pytest.mark.django_db


def _form(applicant: Any, **overrides: Any) -> dict[str, Any]:
    data = {"agency": applicant.pk, "received_on": "", **request_fields(), **overrides}
    return {k: v for k, v in data.items() if v is not None}


def test_full_request_lifecycle_through_the_ui(web_as: Any, tor: Any, applicant: Any) -> None:
    web = web_as("secretariat")
    assert web.get(reverse("membership-request-create")).status_code == 200
    response = web.post(reverse("membership-request-create"), _form(applicant))
    assert response.status_code == 302, response.content.decode()[:2000]
    req = MembershipRequest.objects.get(agency=applicant)
    assert response["Location"] == reverse("membership-request-detail", args=[req.pk])

    page = web.get(reverse("membership-request-detail", args=[req.pk])).content.decode()
    assert "Circulate and open the decision" in page

    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=10))
    response = web.post(
        reverse("membership-request-circulate", args=[req.pk]),
        {"procedure": "silence", "deadline": deadline.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == RequestState.DECISION_OPEN and req.decision.procedure == "silence"

    after = req.decision.deadline + dt.timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        decision_close_if_due(decision_id=req.decision_id)
    page = web.get(reverse("membership-request-detail", args=[req.pk])).content.decode()
    assert "Approved" in page
    applicant.refresh_from_db()
    assert applicant.status == AgencyStatus.PARTICIPATING
    acceptances = web.get(reverse("tor-acceptance-list")).content.decode()
    assert "FSAA" in acceptances and "From the approved membership request" in acceptances


def test_request_form_errors_without_letter_or_acceptance(
    web_as: Any, tor: Any, applicant: Any
) -> None:
    web = web_as("secretariat")
    response = web.post(reverse("membership-request-create"), _form(applicant, letter=None))
    assert response.status_code == 200
    assert "The official letter (a PDF) is required." in response.content.decode()
    response = web.post(reverse("membership-request-create"), _form(applicant, accepts_tor=""))
    assert "acceptance of the Terms of Reference" in response.content.decode()
    assert not MembershipRequest.objects.exists()


def test_applicant_applies_online_and_withdraws(
    client: Any, tor: Any, users: Any, applicant_user: Any
) -> None:
    client.force_login(applicant_user)  # a verified applicant account (ToR III.1)
    response = client.post(
        reverse("membership-request-apply"),
        {
            "agency_name": "Fictional Space Agency of Atlantis (FICTIONAL)",
            "agency_acronym": "FSAA",
            "country": "Atlantis",
            **request_fields(),
        },
    )
    assert response.status_code == 302
    req = MembershipRequest.objects.get()
    assert req.submitted_online and req.agency.status == AgencyStatus.APPLICANT
    assert client.get(reverse("membership-request-detail", args=[req.pk])).status_code == 200
    client.post(reverse("membership-request-withdraw", args=[req.pk]), {"reason": "Later."})
    req.refresh_from_db()
    assert req.state == RequestState.WITHDRAWN


def test_withdrawal_and_acceptance_forms(web_as: Any, tor: Any, agency_b: Any) -> None:
    web = web_as("secretariat")
    response = web.post(
        reverse("tor-acceptance-create"),
        {
            "agency": agency_b.pk,
            "version": tor.pk,
            "signatory_name": "B. Head",
            "signatory_title": "Director",
            "letter": pdf(),
        },
    )
    assert response.status_code == 302
    response = web.post(
        reverse("withdrawal-create"), {"agency": agency_b.pk, "letter": pdf("notice.pdf")}
    )
    assert response.status_code == 302
    agency_b.refresh_from_db()
    assert agency_b.status == AgencyStatus.WITHDRAWN


def test_tor_page_history_diff_and_countdown(web_as: Any, tor_versions: dict[str, Any]) -> None:
    page = web_as("secretariat").get(reverse("tor-current")).content.decode()
    assert "October 2022" in page and "2012 extension" in page
    assert "until the ToR expire on 31 December 2030" in page
    public = web_as("anonymous").get(reverse("tor-current")).content.decode()
    assert "until the ToR expire" not in public
    old, new = tor_versions["old"], tor_versions["current"]
    side = web_as("anonymous").get(reverse("tor-diff"), {"from": old.pk, "to": new.pk})
    assert side.status_code == 200 and "diff_" in side.content.decode()
    unified = web_as("anonymous").get(
        reverse("tor-diff"), {"from": old.pk, "to": new.pk, "mode": "unified"}
    )
    assert "+VII. Extended until 31 December 2030." in unified.content.decode()


def test_expiry_banner_after_expiry(web_as: Any, tor: Any) -> None:
    with time_machine.travel(dt.datetime(2031, 1, 5, 12, tzinfo=dt.UTC)):
        page = web_as("rep_a").get(reverse("tor-current")).content.decode()
    assert "expired on 31 December 2030" in page


# --- letters --------------------------------------------------------------


def test_letters_only_through_the_permission_checked_view(
    web_as: Any, tor: Any, applicant: Any, settings: Any
) -> None:
    req = services.membership_request_record(actor=None, agency=applicant, **request_fields())
    url = reverse("membership-letter", args=["request", req.pk])
    response = web_as("secretariat").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert web_as("anonymous").get(url).status_code == 302
    assert web_as("rep_a").get(url).status_code == 404  # not circulated yet
    assert web_as("api_client").get(url).status_code == 404
    services.membership_request_circulate(
        actor=None,
        request=req,
        procedure="silence",
        deadline=timezone.now() + dt.timedelta(days=5),
    )
    assert web_as("rep_a").get(url).status_code == 200
    # The storage name is not guessable and /media/ does not serve it.
    assert settings.MEDIA_URL + req.letter.name
    assert web_as("secretariat").get(settings.MEDIA_URL + req.letter.name).status_code == 404
    assert (
        web_as("secretariat").get(reverse("membership-letter", args=["other", 1])).status_code
        == 404
    )


# --- role matrix ----------------------------------------------------------

SIGNED_IN = set(ROLES) - {"anonymous"}
PAGES = [
    ("tor-current", set(ROLES)),
    ("tor-diff", set(ROLES)),
    ("tor-acceptance-list", SIGNED_IN),
    ("tor-acceptance-create", {"secretariat", "rep_a", "rep_b", "chair"}),
    ("membership-request-list", SIGNED_IN),
    ("membership-request-create", {"secretariat"}),
    ("membership-request-apply", set()),  # applicant accounts only (test_applicants.py)
    ("tor-amendment-list", SIGNED_IN),
    ("tor-amendment-create", {"secretariat", "rep_a", "rep_b", "chair"}),
    ("tor-extension-list", SIGNED_IN),
    ("tor-extension-create", {"secretariat", "rep_a", "rep_b", "chair"}),
    ("withdrawal-list", SIGNED_IN),
    ("withdrawal-create", {"secretariat"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "allowed"), PAGES)
def test_page_role_matrix(
    web_as: Any, tor_versions: Any, role: str, name: str, allowed: set[str]
) -> None:
    status = web_as(role).get(reverse(name)).status_code
    if role in allowed:
        assert status == 200
    elif role == "anonymous":
        assert status == 302
    else:
        assert status == 403


@pytest.mark.parametrize("role", ROLES)
def test_request_detail_and_actions_role_matrix(
    web_as: Any, tor: Any, applicant: Any, role: str
) -> None:
    req = services.membership_request_record(actor=None, agency=applicant, **request_fields())
    web = web_as(role)
    detail = web.get(reverse("membership-request-detail", args=[req.pk])).status_code
    response = web.post(reverse("membership-request-return", args=[req.pk]), {"reason": "x"})
    req.refresh_from_db()
    if role == "secretariat":
        assert detail == 200 and response.status_code == 302
        assert req.state == RequestState.RETURNED
    else:
        assert detail in {302, 404}
        assert response.status_code in {302, 403}
        assert req.state == RequestState.SUBMITTED


# --- query counts ---------------------------------------------------------


def _count(web: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert web.get(url).status_code == 200
    return len(ctx.captured_queries)


def _add_rows(start: int, stop: int, tor: Any) -> None:
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
    "name",
    [
        "membership-request-list",
        "tor-acceptance-list",
        "tor-current",
        "tor-amendment-list",
        "tor-extension-list",
        "withdrawal-list",
    ],
)
def test_page_query_counts_do_not_grow(
    web_as: Any, tor: Any, name: str, django_assert_max_num_queries: Any
) -> None:
    web = web_as("secretariat")
    _add_rows(0, 2, tor)
    small = _count(web, reverse(name))
    _add_rows(2, 12, tor)
    with django_assert_max_num_queries(small):
        assert web.get(reverse(name)).status_code == 200


def test_membership_index_leads_to_the_terms_of_reference(client: Any) -> None:
    response = client.get("/membership/")
    assert response.status_code == 302
    assert response["Location"] == reverse("tor-current")
