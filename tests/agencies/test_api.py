"""REST API for agencies and representatives: role matrix, errors, filters, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import (
    Agency,
    AgencyStatus,
    AgencyStatusChange,
    Representative,
    RepresentativeKind,
    StatusBasis,
)
from agencies.roles import represents
from agencies.services import agency_status_follow
from isecg.models import AuditEvent, User
from tests.conftest import ROLES, api_client_for
from tests.factories import AgencyFactory, UserFactory, current_designation, make_representative

pytestmark = pytest.mark.django_db

# Anonymous callers are refused as "not signed in"; DRF answers 403 while session
# authentication comes first in DEFAULT_AUTHENTICATION_CLASSES, 401 otherwise.
ANONYMOUS_DENIED = (401, 403)


def _allowed(role: str, writers: set[str]) -> bool:
    return role in writers


# --- role matrix ------------------------------------------------------------------

READS = [
    ("get", "/api/v1/agencies/", set(ROLES)),
    ("get", "/api/v1/agencies/AAA/", set(ROLES)),
    ("get", "/api/v1/representatives/", set(ROLES) - {"anonymous"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "allowed"), READS)
def test_read_matrix(api_as: Any, role: str, method: str, url: str, allowed: set[str]) -> None:
    response = getattr(api_as(role), method)(url)
    if role in allowed:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code in ANONYMOUS_DENIED
        assert response.json()["code"] == "not_authenticated"


def _write_requests(users: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any], int]]:
    new_user = UserFactory(username="new.person")
    rep_b = current_designation(users["rep_b"])
    return {
        "agency-create": (
            "post",
            "/api/v1/agencies/",
            {"acronym": "NEW", "name": "New Agency", "country": "Nowhere"},
            201,
        ),
        "agency-patch": (
            "patch",
            "/api/v1/agencies/AAA/",
            {"name": "Renamed", "reason": "Misspelt at registration."},
            200,
        ),
        "representative-create": (
            "post",
            "/api/v1/representatives/",
            {
                "agency": "AAA",
                "user": new_user.pk,
                "kind": "alternate",
                "attested_agency_staff": True,
                "attested_no_conflict": True,
            },
            201,
        ),
        "representative-revoke": (
            "post",
            f"/api/v1/representatives/{rep_b.pk}/revoke/",
            {"reason": "Left."},
            200,
        ),
    }


WRITES = [
    "agency-create",
    "agency-patch",
    "representative-create",
    "representative-revoke",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", WRITES)
def test_write_matrix(users: dict[str, Any], role: str, write: str) -> None:
    method, url, body, success = _write_requests(users)[write]
    events_before = AuditEvent.objects.count()
    response = getattr(api_client_for(users[role]), method)(url, body, format="json")
    if role == "secretariat":
        assert response.status_code == success, response.content
        assert AuditEvent.objects.count() > events_before
        return
    if role == "anonymous":
        assert response.status_code in ANONYMOUS_DENIED
        assert response.json()["code"] == "not_authenticated"
    elif role == "api_client":
        # Neither a representative nor the secretariat: refused before any rule is asked.
        assert response.status_code == 403
        assert response.json()["code"] == "read_only_client"
    else:
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Only the secretariat may make this change.",
            "code": "permission_denied",
        }
    # A refusal changes nothing; it is only recorded as such (issue 8: auth.denied).
    assert AuditEvent.objects.exclude(action="auth.denied").count() == events_before
    if role != "anonymous":
        assert AuditEvent.objects.filter(action="auth.denied").count() == 1


def test_put_is_not_offered(api_as: Any) -> None:
    response = api_as("secretariat").put("/api/v1/agencies/AAA/", {"name": "x"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- visibility ---------------------------------------------------------------------


def test_anonymous_sees_only_participating_agencies(users: dict[str, Any], api_as: Any) -> None:
    AgencyFactory(acronym="INV", status=AgencyStatus.INVITED)
    AgencyFactory(acronym="APP", status=AgencyStatus.APPLICANT)
    AgencyFactory(acronym="OUT", status=AgencyStatus.WITHDRAWN, withdrawn_on=dt.date(2020, 1, 1))
    anonymous = api_as("anonymous").get("/api/v1/agencies/").json()
    assert {a["acronym"] for a in anonymous["results"]} == {"AAA", "BBB", "CHR"}
    assert api_as("anonymous").get("/api/v1/agencies/INV/").status_code == 404
    signed_in = api_as("rep_a").get("/api/v1/agencies/").json()
    assert {a["acronym"] for a in signed_in["results"]} == {
        "AAA",
        "BBB",
        "CHR",
        "INV",
        "APP",
        "OUT",
    }
    assert api_as("api_client").get("/api/v1/agencies/INV/").status_code == 200


def test_agency_body(users: dict[str, Any], api_as: Any) -> None:
    body = api_as("anonymous").get("/api/v1/agencies/AAA/").json()
    assert body == {
        "id": Agency.objects.get(acronym="AAA").pk,
        "acronym": "AAA",
        "name": "Agency A",
        "country": body["country"],
        "website": "",
        "status": "participating",
        "framework_contributor": False,
        "joined_on": "2019-06-01",
        "withdrawn_on": None,
        "current_representative_count": 1,
    }


def test_unknown_agency_is_a_json_404(api_as: Any) -> None:
    for role in ("anonymous", "secretariat"):
        response = api_as(role).get("/api/v1/agencies/NOPE/")
        assert response.status_code == 404
        body = response.json()
        assert set(body) == {"detail", "code"}
        assert body["code"] == "not_found"
    patch = api_as("secretariat").patch("/api/v1/agencies/NOPE/", {"name": "x"})
    assert patch.status_code == 404
    assert patch.json()["code"] == "not_found"
    revoke = api_as("secretariat").post("/api/v1/representatives/999999/revoke/")
    assert revoke.status_code == 404


def test_representatives_visible_to_each_role(users: dict[str, Any], api_as: Any) -> None:
    gone = make_representative(Agency.objects.get(acronym="AAA"), "gone")
    from agencies.services import representative_revoke

    representative_revoke(actor=None, representative=current_designation(gone))
    secretariat = api_as("secretariat").get("/api/v1/representatives/").json()
    assert secretariat["count"] == 4
    rep = api_as("rep_b").get("/api/v1/representatives/").json()
    assert rep["count"] == 3
    assert all(r["is_current"] for r in rep["results"])
    current = api_as("secretariat").get("/api/v1/representatives/?current=true").json()
    assert current["count"] == 3
    by_agency = api_as("api_client").get("/api/v1/representatives/?agency=BBB").json()
    assert [r["user"]["username"] for r in by_agency["results"]] == ["rep.b"]
    assert by_agency["results"][0]["agency"] == "BBB"
    assert by_agency["results"][0]["kind"] == "head"


# --- bad input ----------------------------------------------------------------------


def test_invalid_fields_give_field_errors(api_as: Any) -> None:
    response = api_as("secretariat").post(
        "/api/v1/agencies/",
        {"acronym": "", "country": "X", "website": "not a url"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert body["code"] in {"blank", "required", "invalid", "invalid_choice"}
    assert set(body["errors"]) == {"acronym", "name", "website"}
    assert all(isinstance(v, list) and v for v in body["errors"].values())
    assert not Agency.objects.filter(country="X").exists()


@pytest.mark.parametrize("acronym", ["AAA", "aaa"])
def test_duplicate_acronym_is_a_400_not_a_500(api_as: Any, acronym: str) -> None:
    response = api_as("secretariat").post(
        "/api/v1/agencies/", {"acronym": acronym, "name": "Dup", "country": "X"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate_acronym"
    assert list(body["errors"]) == ["acronym"]
    assert Agency.objects.filter(acronym__iexact="aaa").count() == 1
    # The acronym is the agency's key: never corrected (isecg.corrections).
    patch = api_as("secretariat").patch(
        "/api/v1/agencies/BBB/", {"acronym": acronym, "reason": "Typo."}
    )
    assert patch.status_code == 400
    assert patch.json()["code"] == "not_correctable"


@pytest.mark.parametrize("role", ROLES)
def test_no_endpoint_sets_a_status(api_as: Any, role: str) -> None:
    """ToR III.1, VI, VII: `POST /api/v1/agencies/{acronym}/status/` is gone for every role."""
    response = api_as(role).post("/api/v1/agencies/AAA/status/", {"status": "withdrawn"})
    assert response.status_code == 404
    assert Agency.objects.get(acronym="AAA").status == AgencyStatus.PARTICIPATING
    assert not AgencyStatusChange.objects.filter(agency__acronym="AAA").exists()


@pytest.mark.parametrize(
    ("framework_contributor", "sent", "expected"),
    [
        (False, "participating", 400),
        (True, "participating", 400),
        (False, "invited", 400),
        (False, "withdrawn", 400),
        (False, "applicant", 201),
        (True, "invited", 201),
    ],
)
def test_create_refuses_a_chosen_status(
    api_as: Any, framework_contributor: bool, sent: str, expected: int
) -> None:
    response = api_as("secretariat").post(
        "/api/v1/agencies/",
        {
            "acronym": "AEM",
            "name": "Agencia Espacial Mexicana",
            "country": "Mexico",
            "framework_contributor": framework_contributor,
            "status": sent,
        },
    )
    assert response.status_code == expected, response.content
    if expected == 400:
        assert response.json()["code"] == "invalid_status"
        assert list(response.json()["errors"]) == ["status"]
        assert not Agency.objects.filter(acronym="AEM").exists()


@pytest.mark.parametrize(
    ("framework_contributor", "status"), [(False, "applicant"), (True, "invited")]
)
def test_create_agency(api_as: Any, framework_contributor: bool, status: str) -> None:
    """ToR III.1: the status follows from the facts."""
    response = api_as("secretariat").post(
        "/api/v1/agencies/",
        {
            "acronym": "AEM",
            "name": "Agencia Espacial Mexicana",
            "country": "Mexico",
            "framework_contributor": framework_contributor,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["acronym"], body["status"], body["joined_on"]) == ("AEM", status, None)
    assert body["current_representative_count"] == 0
    assert api_as("anonymous").get("/api/v1/agencies/AEM/").status_code == 404
    assert api_as("rep_a").get("/api/v1/agencies/AEM/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_status_history_shows_each_basis(users: dict[str, Any], api_as: Any, role: str) -> None:
    agency = Agency.objects.get(acronym="AAA")
    agency_status_follow(
        actor=None,
        agency=agency,
        basis=StatusBasis.WITHDRAWAL,
        effective_on=dt.date(2026, 11, 20),
        reason="ToR VI: written notification.",
        basis_ref="withdrawal 3",
    )
    response = api_as(role).get("/api/v1/agencies/AAA/status-history/")
    if role == "anonymous":
        # Anonymous visitors see participating agencies only.
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert response.json() == [
        {
            "before": "participating",
            "after": "withdrawn",
            "basis": "withdrawal",
            "basis_ref": "withdrawal 3",
            "effective_on": "2026-11-20",
            "reason": "ToR VI: written notification.",
            "actor": None,
            "at": response.json()[0]["at"],
        }
    ]
    assert not represents(User.objects.get(pk=users["rep_a"].pk), agency)


def test_designate_refuses_a_secretariat_member(users: dict[str, Any], api_as: Any) -> None:
    """ToR III.2.1, IV: a secretariat member cannot also represent an agency."""
    response = api_as("secretariat").post(
        "/api/v1/representatives/",
        {
            "agency": "AAA",
            "user": users["secretariat"].pk,
            "kind": "alternate",
            "attested_agency_staff": True,
            "attested_no_conflict": True,
        },
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict_of_interest"
    assert not Representative.objects.filter(user=users["secretariat"]).exists()


def test_designate_and_revoke_through_the_api(users: dict[str, Any], api_as: Any) -> None:
    person = UserFactory(username="new.alt")
    body = {
        "agency": "AAA",
        "user": person.pk,
        "kind": RepresentativeKind.ALTERNATE,
        "attested_agency_staff": True,
        "attested_no_conflict": True,
    }
    first = api_as("secretariat").post("/api/v1/representatives/", body)
    assert first.status_code == 201
    again = api_as("secretariat").post("/api/v1/representatives/", body)
    assert again.json()["id"] == first.json()["id"]
    assert Representative.objects.filter(user=person).count() == 1
    assert api_client_for(person).get("/api/v1/me/").json()["agencies"] == ["AAA"]

    other = api_as("secretariat").post("/api/v1/representatives/", {**body, "agency": "BBB"})
    assert other.status_code == 409
    assert other.json()["code"] == "already_represents_other_agency"

    unattested = api_as("secretariat").post(
        "/api/v1/representatives/",
        {**body, "user": UserFactory().pk, "attested_no_conflict": False},
    )
    assert unattested.status_code == 400
    assert unattested.json()["code"] == "attestation_required"
    assert list(unattested.json()["errors"]) == ["attested_no_conflict"]

    unknown = api_as("secretariat").post("/api/v1/representatives/", {**body, "agency": "NOPE"})
    assert unknown.status_code == 400
    assert "agency" in unknown.json()["errors"]

    revoked = api_as("secretariat").post(f"/api/v1/representatives/{first.json()['id']}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["is_current"] is False
    assert api_client_for(person).get("/api/v1/me/").json()["agencies"] == []


# --- filtering, ordering, search, pagination -------------------------------------------


@pytest.fixture
def register(db: Any) -> None:
    AgencyFactory(
        acronym="NASA", name="National Aeronautics", country="USA", framework_contributor=True
    )
    AgencyFactory(
        acronym="ESA",
        name="European Space Agency",
        country="Intergovernmental",
        framework_contributor=True,
        joined_on=dt.date(2007, 11, 6),
    )
    AgencyFactory(
        acronym="UAESA", name="UAE Space Agency", country="UAE", joined_on=dt.date(2016, 1, 1)
    )
    AgencyFactory(
        acronym="AEM",
        name="Agencia Espacial Mexicana",
        country="Mexico",
        status=AgencyStatus.APPLICANT,
        joined_on=None,
    )


def _acronyms(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [a["acronym"] for a in response.json()["results"]]


def test_filters(register: None) -> None:
    api = api_client_for(UserFactory())
    assert _acronyms(api.get("/api/v1/agencies/?status=participating")) == ["ESA", "NASA", "UAESA"]
    assert _acronyms(api.get("/api/v1/agencies/?status=applicant")) == ["AEM"]
    assert _acronyms(api.get("/api/v1/agencies/?framework_contributor=true")) == ["ESA", "NASA"]
    assert _acronyms(api.get("/api/v1/agencies/?framework_contributor=false")) == ["AEM", "UAESA"]
    assert _acronyms(api.get("/api/v1/agencies/?country=Mexico")) == ["AEM"]
    bad = api.get("/api/v1/agencies/?status=sleeping")
    assert bad.status_code == 400
    assert "status" in bad.json()["errors"]


def test_ordering_and_search(register: None) -> None:
    api = api_client_for(UserFactory())
    assert _acronyms(api.get("/api/v1/agencies/")) == ["AEM", "ESA", "NASA", "UAESA"]
    assert _acronyms(api.get("/api/v1/agencies/?ordering=-acronym")) == [
        "UAESA",
        "NASA",
        "ESA",
        "AEM",
    ]
    assert _acronyms(api.get("/api/v1/agencies/?ordering=name")) == ["AEM", "ESA", "NASA", "UAESA"]
    assert _acronyms(api.get("/api/v1/agencies/?ordering=-joined_on&status=participating")) == [
        "NASA",
        "UAESA",
        "ESA",
    ]
    assert _acronyms(api.get("/api/v1/agencies/?search=space agency")) == ["ESA", "UAESA"]
    assert _acronyms(api.get("/api/v1/agencies/?search=mexic")) == ["AEM"]


def test_pagination(db: Any) -> None:
    for i in range(12):
        AgencyFactory(acronym=f"P{i:02d}")
    api = api_client_for(None)
    first = api.get("/api/v1/agencies/?page_size=5").json()
    assert first["count"] == 12
    assert [a["acronym"] for a in first["results"]] == ["P00", "P01", "P02", "P03", "P04"]
    assert first["previous"] is None and "page=2" in first["next"]
    last = api.get("/api/v1/agencies/?page_size=5&page=3").json()
    assert [a["acronym"] for a in last["results"]] == ["P10", "P11"]
    assert last["next"] is None
    beyond = api.get("/api/v1/agencies/?page_size=5&page=9")
    assert beyond.status_code == 404
    assert beyond.json()["code"] == "not_found"


# --- query counts ---------------------------------------------------------------------


def _populate(n: int, start: int) -> None:
    for i in range(start, start + n):
        agency = AgencyFactory(acronym=f"Q{i:03d}")
        make_representative(agency, f"q{i}.hod")
        make_representative(agency, f"q{i}.alt", RepresentativeKind.ALTERNATE)


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        *[(r, "/api/v1/agencies/") for r in ("anonymous", "rep_a", "secretariat", "api_client")],
        *[(r, "/api/v1/representatives/") for r in ("rep_a", "secretariat", "api_client")],
    ],
)
def test_list_query_count_does_not_grow(
    users: dict[str, Any], django_assert_num_queries: Any, role: str, url: str
) -> None:
    _populate(3, 0)
    client = api_client_for(users[role])
    small = _count(client, url)
    _populate(27, 3)
    client = api_client_for(User.objects.get(pk=users[role].pk) if users[role] else None)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.json()["count"] >= 30


def test_status_history_costs_the_same_whatever_its_length(
    users: dict[str, Any], api_as: Any, django_assert_max_num_queries: Any
) -> None:
    """One query for the rows (with who recorded them), however long the history grows."""
    agency = AgencyFactory(acronym="HST", framework_contributor=True, status="invited")
    client = api_as("rep_a")
    client.get("/api/v1/agencies/HST/status-history/")  # warm the per-user role caches

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/agencies/HST/status-history/").status_code == 200
    short = len(queries)
    for basis in (StatusBasis.TOR_ACCEPTANCE, StatusBasis.WITHDRAWAL, StatusBasis.REAPPLICATION):
        agency_status_follow(
            actor=users["secretariat"],
            agency=Agency.objects.get(pk=agency.pk),
            basis=basis,
            effective_on=dt.date(2026, 11, 20),
            reason="A step of record.",
        )
    assert len(client.get("/api/v1/agencies/HST/status-history/").json()) == 3
    with django_assert_max_num_queries(short):
        assert client.get("/api/v1/agencies/HST/status-history/").status_code == 200
