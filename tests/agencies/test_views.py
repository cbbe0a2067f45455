"""Agency register pages: role matrix, forms, HTMX fragments, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency, AgencyStatus, Representative, StatusBasis
from agencies.roles import represents
from agencies.services import agency_status_follow
from isecg.models import User
from tests.conftest import ROLES
from tests.factories import (
    AgencyFactory,
    UserFactory,
    current_designation,
    make_representative,
    make_secretariat,
)

pytestmark = pytest.mark.django_db

NOT_SECRETARIAT = ["rep_a", "rep_b", "chair", "api_client"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ["/agencies/", "/agencies/AAA/", "/agencies/?status=participating"])
def test_public_pages_open_to_every_role(web_as: Any, role: str, url: str) -> None:
    assert web_as(role).get(url).status_code == 200


def _secretariat_requests(users: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    rep_b = current_designation(users["rep_b"])
    return {
        "create-form": ("get", "/agencies/new/", {}),
        "create": (
            "post",
            "/agencies/new/",
            {"acronym": "NEW", "name": "New", "country": "X"},
        ),
        "designate-form": ("get", "/agencies/AAA/designate/", {}),
        "designate": (
            "post",
            "/agencies/AAA/designate/",
            {
                "user": UserFactory(username="someone").pk,
                "kind": "alternate",
                "attested_agency_staff": "on",
                "attested_no_conflict": "on",
            },
        ),
        "revoke": ("post", f"/agencies/representatives/{rep_b.pk}/revoke/", {"reason": "x"}),
    }


SECRETARIAT_PAGES = ["create-form", "create", "designate-form", "designate", "revoke"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", SECRETARIAT_PAGES)
def test_secretariat_pages_matrix(users: dict[str, Any], web_as: Any, role: str, page: str) -> None:
    method, url, data = _secretariat_requests(users)[page]
    agencies_before = Agency.objects.count()
    current_before = Representative.objects.filter(revoked_at__isnull=True).count()
    response = getattr(web_as(role), method)(url, data)
    if role == "secretariat":
        assert response.status_code in (200, 302), response.content[:500]
        if method == "post":
            assert response.status_code == 302
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == 403
    assert Agency.objects.count() == agencies_before
    assert Agency.objects.get(acronym="AAA").status == AgencyStatus.PARTICIPATING
    assert Representative.objects.filter(revoked_at__isnull=True).count() == current_before


@pytest.mark.parametrize("role", ROLES)
def test_no_page_sets_a_status(web_as: Any, role: str) -> None:
    """ToR III.1, VI, VII: the former "Change status" form is gone for every role."""
    client = web_as(role)
    assert client.post("/agencies/AAA/status/", {"status": "withdrawn"}).status_code == 404
    assert client.get("/agencies/AAA/status/").status_code == 404
    assert Agency.objects.get(acronym="AAA").status == AgencyStatus.PARTICIPATING
    html = client.get("/agencies/AAA/").content.decode()
    assert "Change status" not in html
    assert 'name="status"' not in html


def test_revoke_needs_post(web_as: Any, users: dict[str, Any]) -> None:
    sec = web_as("secretariat")
    rep = current_designation(users["rep_a"])
    assert sec.get(f"/agencies/representatives/{rep.pk}/revoke/").status_code == 405


# --- list page --------------------------------------------------------------------


@pytest.fixture
def register(users: dict[str, Any]) -> None:
    AgencyFactory(acronym="NASA", framework_contributor=True)
    AgencyFactory(acronym="INV", framework_contributor=True, status=AgencyStatus.INVITED)
    AgencyFactory(acronym="APP", status=AgencyStatus.APPLICANT)


def _listed(response: Any) -> list[str]:
    return [a.acronym for a in response.context["agencies"]]


def test_list_filters(register: None, web_as: Any) -> None:
    rep = web_as("rep_a")
    assert _listed(rep.get("/agencies/")) == ["AAA", "APP", "BBB", "CHR", "INV", "NASA"]
    assert _listed(rep.get("/agencies/?status=participating")) == ["AAA", "BBB", "CHR", "NASA"]
    assert _listed(rep.get("/agencies/?status=invited")) == ["INV"]
    assert _listed(rep.get("/agencies/?founders=on")) == ["INV", "NASA"]
    assert _listed(rep.get("/agencies/?status=participating&founders=on")) == ["NASA"]
    # A bad filter value shows everything rather than failing.
    assert rep.get("/agencies/?status=bogus").status_code == 200
    anonymous = web_as("anonymous")
    assert _listed(anonymous.get("/agencies/")) == ["AAA", "BBB", "CHR", "NASA"]
    assert _listed(anonymous.get("/agencies/?status=invited")) == []


def test_list_marks_founders(register: None, web_as: Any) -> None:
    html = web_as("anonymous").get("/agencies/").content.decode()
    assert html.count('title="Framework Document contributor"') == 1  # NASA; INV is hidden
    assert "<html" in html


def test_list_htmx_returns_the_table_only(register: None, web_as: Any) -> None:
    response = web_as("rep_a").get("/agencies/?founders=on", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith("<table")
    assert "NASA" in html and "BBB" not in html
    assert response.templates[0].name == "agencies/partials/_table.html"


# --- detail page ------------------------------------------------------------------


def test_detail_shows_representatives_to_signed_in_users_only(
    users: dict[str, Any], web_as: Any
) -> None:
    name = users["rep_a"].get_full_name()
    anonymous = web_as("anonymous").get("/agencies/AAA/").content.decode()
    assert name not in anonymous
    assert "Representatives" not in anonymous
    for role in ("rep_b", "api_client", "secretariat"):
        html = web_as(role).get("/agencies/AAA/").content.decode()
        assert name in html
        assert "Status history" in html
    assert "Revoke" in web_as("secretariat").get("/agencies/AAA/").content.decode()
    assert "Revoke" not in web_as("rep_a").get("/agencies/AAA/").content.decode()


def test_detail_shows_status_history(users: dict[str, Any], web_as: Any) -> None:
    agency = AgencyFactory(acronym="HIS", status=AgencyStatus.APPLICANT, joined_on=None)
    agency_status_follow(
        actor=None,
        agency=agency,
        basis=StatusBasis.MEMBERSHIP_DECISION,
        effective_on=dt.date(2026, 3, 4),
        reason="Consensus approved the request.",
        basis_ref="decision 12",
    )
    html = web_as("rep_a").get("/agencies/HIS/").content.decode()
    assert "Consensus approved the request." in html
    assert "4 Mar 2026" in html
    assert "Applicant → Participating" in html
    assert "Membership approved by consensus (decision 12)" in html


def test_detail_unknown_or_hidden_is_404(register: None, web_as: Any) -> None:
    assert web_as("secretariat").get("/agencies/NOPE/").status_code == 404
    assert web_as("anonymous").get("/agencies/INV/").status_code == 404
    assert web_as("rep_a").get("/agencies/INV/").status_code == 200
    assert web_as("secretariat").get("/agencies/NOPE/designate/").status_code == 404


# --- secretariat forms ------------------------------------------------------------


def test_create_agency_form(web_as: Any) -> None:
    sec = web_as("secretariat")
    response = sec.post(
        "/agencies/new/",
        {
            "acronym": "AEM",
            "name": "Agencia Espacial Mexicana",
            "country": "Mexico",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/agencies/AEM/"
    assert Agency.objects.get(acronym="AEM").status == AgencyStatus.APPLICANT
    page = sec.get("/agencies/AEM/")
    assert "AEM is registered." in page.content.decode()
    assert "Registration" in page.content.decode()


def test_create_form_offers_no_status(web_as: Any) -> None:
    """ToR III.1: the status follows from the facts; a status sent anyway is not used."""
    sec = web_as("secretariat")
    form = sec.get("/agencies/new/")
    assert "status" not in form.context["form"].fields
    assert 'name="status"' not in form.content.decode()
    sec.post(
        "/agencies/new/",
        {"acronym": "FDC", "name": "Founder", "country": "X", "framework_contributor": "on"},
    )
    sec.post(
        "/agencies/new/", {"acronym": "ZZZ", "name": "Z", "country": "X", "status": "participating"}
    )
    assert Agency.objects.get(acronym="FDC").status == AgencyStatus.INVITED
    assert Agency.objects.get(acronym="ZZZ").status == AgencyStatus.APPLICANT


@pytest.mark.parametrize("acronym", ["AAA", "aaa"])
def test_duplicate_acronym_is_a_field_error(web_as: Any, acronym: str) -> None:
    response = web_as("secretariat").post(
        "/agencies/new/", {"acronym": acronym, "name": "Dup", "country": "X"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["acronym"]
    assert "already exists" in errors["acronym"][0]
    assert Agency.objects.filter(acronym__iexact="aaa").count() == 1


def test_create_form_field_errors(web_as: Any) -> None:
    response = web_as("secretariat").post(
        "/agencies/new/",
        {"acronym": "", "name": "", "country": "X", "website": "nope"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"acronym", "name", "website"}
    assert 'aria-invalid="true"' in response.content.decode()


def test_designate_form(users: dict[str, Any], web_as: Any) -> None:
    person = UserFactory(username="new.rep")
    sec = web_as("secretariat")
    missing = sec.post(
        "/agencies/AAA/designate/",
        {"user": person.pk, "kind": "representative", "attested_no_conflict": "on"},
    )
    assert missing.status_code == 200
    assert list(missing.context["form"].errors) == ["attested_agency_staff"]
    assert "III.2.1" in missing.context["form"].errors["attested_agency_staff"][0]
    assert not Representative.objects.filter(user=person).exists()

    ok = sec.post(
        "/agencies/AAA/designate/",
        {
            "user": person.pk,
            "kind": "representative",
            "attested_agency_staff": "on",
            "attested_no_conflict": "on",
            "title": "Director",
        },
    )
    assert ok.status_code == 302
    assert represents(User.objects.get(pk=person.pk), Agency.objects.get(acronym="AAA"))

    other = sec.post(
        "/agencies/BBB/designate/",
        {
            "user": person.pk,
            "kind": "head",
            "attested_agency_staff": "on",
            "attested_no_conflict": "on",
        },
    )
    assert other.status_code == 200
    assert "one agency at a time" in " ".join(other.context["form"].non_field_errors())


def test_designate_refuses_a_secretariat_member(users: dict[str, Any], web_as: Any) -> None:
    """ToR III.2.1, IV: a secretariat member cannot also represent an agency."""
    member = make_secretariat("sec.member")
    response = web_as("secretariat").post(
        "/agencies/AAA/designate/",
        {
            "user": member.pk,
            "kind": "representative",
            "attested_agency_staff": "on",
            "attested_no_conflict": "on",
        },
    )
    assert response.status_code == 200
    assert "conflicts of interest" in " ".join(response.context["form"].non_field_errors())
    assert not Representative.objects.filter(user=member).exists()


def test_revoke_form(users: dict[str, Any], web_as: Any) -> None:
    rep = current_designation(users["rep_a"])
    response = web_as("secretariat").post(
        f"/agencies/representatives/{rep.pk}/revoke/", {"reason": "Retired."}
    )
    assert response.status_code == 302
    assert response["Location"] == "/agencies/AAA/"
    rep.refresh_from_db()
    assert rep.revocation_reason == "Retired."
    assert not represents(User.objects.get(pk=users["rep_a"].pk), rep.agency)
    # The revoked representative's next request no longer shows "My agency".
    html = web_as("rep_a").get("/agencies/").content.decode()
    assert "My agency: AAA" not in html


def test_nav_shows_my_agency(web_as: Any) -> None:
    assert "My agency: AAA" in web_as("rep_a").get("/agencies/").content.decode()
    assert "My agency" not in web_as("secretariat").get("/agencies/").content.decode()


# --- query counts -----------------------------------------------------------------


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _login(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["anonymous", "rep_a", "secretariat"])
def test_list_page_query_count_does_not_grow(
    users: dict[str, Any], django_assert_num_queries: Any, role: str
) -> None:
    for i in range(3):
        make_representative(AgencyFactory(acronym=f"S{i:02d}"), f"s{i}")
    warm = _login(users[role])
    warm.get("/agencies/")  # fills the cached ToR status of base.html's expiry banner
    small = _count(warm, "/agencies/")
    for i in range(3, 30):
        make_representative(AgencyFactory(acronym=f"S{i:02d}"), f"s{i}")
    client = _login(users[role])
    with django_assert_num_queries(small):
        response = client.get("/agencies/")
    assert len(response.context["agencies"]) >= 30


@pytest.mark.parametrize("role", ["anonymous", "rep_a", "secretariat"])
def test_detail_page_query_count_does_not_grow(
    users: dict[str, Any], django_assert_num_queries: Any, role: str
) -> None:
    sec = make_secretariat("sec.two")
    agency = AgencyFactory(acronym="BIG")
    for i in range(2):
        make_representative(agency, f"big{i}", "representative")
    warm = _login(users[role])
    warm.get("/agencies/BIG/")  # fills the cached ToR status of base.html's expiry banner
    small = _count(warm, "/agencies/BIG/")
    for i in range(2, 20):
        make_representative(agency, f"big{i}", "representative")
    for basis in ("withdrawal", "reapplication", "membership_decision"):
        agency_status_follow(actor=sec, agency=agency, basis=basis, reason="ToR.")
    # Withdrawal revoked the 20; designate 20 more so the page lists many again.
    for i in range(20, 40):
        make_representative(agency, f"big{i}", "representative")
    client = _login(users[role])
    with django_assert_num_queries(small):
        response = client.get("/agencies/BIG/")
    if role != "anonymous":
        assert len(response.context["agency"].current_representatives) == 20
        assert len(response.context["agency"].status_history) == 3
