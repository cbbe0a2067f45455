"""`/api/v1/corrections/` and the agency PATCH, which is a correction: role matrix, errors,
visibility, query count, schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from agencies.models import Agency, AgencyStatus
from isecg import corrections
from isecg.models import AuditEvent, Correction
from products import services as product_services
from products.models import Product
from tests.conftest import ROLES, api_client_for
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

# DRF answers 403 to anonymous callers while session authentication comes first, 401 otherwise.
ANONYMOUS_DENIED = (401, 403)
# The read-only API client: refused as any non-secretariat user, or with its own code.
CLIENT_CODES = {"permission_denied", "read_only_client"}


def _body(agency: Agency, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "agencies.agency",
        "object_id": str(agency.pk),
        "changes": {"joined_on": "2007-05-31"},
        "reason": "Signed on 31 May 2007.",
    }
    body.update(overrides)
    return body


# --- POST: the secretariat only ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_post_matrix(users: dict[str, Any], agency_a: Agency, role: str) -> None:
    response = api_client_for(users[role]).post(
        "/api/v1/corrections/", _body(agency_a), format="json"
    )
    agency_a.refresh_from_db()
    if role == "secretariat":
        assert response.status_code == 201, response.content
        (row,) = response.json()
        assert row["record"] == f"agencies.agency:{agency_a.pk}"
        assert (row["field"], row["field_label"], row["before"], row["after"]) == (
            "joined_on",
            "Joined on",
            "2019-06-01",
            "2007-05-31",
        )
        assert (row["reason"], row["actor"]) == ("Signed on 31 May 2007.", "secretariat")
        assert agency_a.joined_on == dt.date(2007, 5, 31)
        return
    if role == "anonymous":
        assert response.status_code in ANONYMOUS_DENIED
        assert response.json()["code"] == "not_authenticated"
    elif role == "api_client":
        assert response.status_code == 403
        assert response.json()["code"] in CLIENT_CODES
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert agency_a.joined_on == dt.date(2019, 6, 1)
    assert not Correction.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"status": "withdrawn"}, "not_correctable", "status"),
        ({"framework_contributor": True}, "not_correctable", "framework_contributor"),
        ({"acronym": "AAB"}, "not_correctable", "acronym"),
        ({"joined_on": "31/05/2007"}, "invalid", "joined_on"),
        ({"withdrawn_on": "2020-01-01"}, "not_withdrawn", "withdrawn_on"),
    ],
)
def test_post_refusals(
    api_as: Any, agency_a: Agency, changes: dict[str, Any], code: str, field: str
) -> None:
    response = api_as("secretariat").post(
        "/api/v1/corrections/", _body(agency_a, changes=changes), format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert list(body["errors"]) == [field]
    stored = Agency.objects.get(pk=agency_a.pk)
    assert (stored.status, stored.acronym, stored.withdrawn_on) == ("participating", "AAA", None)
    assert not Correction.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"name": {"first": "Agency"}},
        {"name": ["Agency"]},
        {"name": True},
        {"name": "Agency\u0000A"},
        {"joined_on": 5},
        {"joined_on": True},
        {"joined_on": "9999999-01-01"},
    ],
)
def test_post_odd_values_are_400_not_500(
    api_as: Any, agency_a: Agency, changes: dict[str, Any]
) -> None:
    response = api_as("secretariat").post(
        "/api/v1/corrections/", _body(agency_a, changes=changes), format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == list(changes)
    assert not Correction.objects.exists()


def test_odd_filters_are_400_not_500(api_as: Any) -> None:
    client = api_as("secretariat")
    assert client.get("/api/v1/corrections/", {"record": "a.b:\u0000"}).status_code == 400
    assert client.get("/api/v1/corrections/", {"model": "a\u0000.b"}).status_code == 400
    assert (
        client.get("/api/v1/corrections/", {"record": "a.b:99999999999999999999999"}).status_code
        == 200
    )


def test_post_needs_a_reason(api_as: Any, agency_a: Agency) -> None:
    for body in [
        _body(agency_a, reason=""),
        {k: v for k, v in _body(agency_a).items() if k != "reason"},
    ]:
        response = api_as("secretariat").post("/api/v1/corrections/", body, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "reason_required"
        assert list(response.json()["errors"]) == ["reason"]
    assert not Correction.objects.exists()


def test_post_unknown_records(api_as: Any, agency_a: Agency, users: dict[str, Any]) -> None:
    sec = api_as("secretariat")
    missing = sec.post("/api/v1/corrections/", _body(agency_a, object_id="999999"), format="json")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    garbage = sec.post("/api/v1/corrections/", _body(agency_a, object_id="abc"), format="json")
    assert garbage.status_code == 404
    for label in ["consensus.decision", "isecg.correction", "nope.nothing"]:
        refused = sec.post("/api/v1/corrections/", _body(agency_a, model=label), format="json")
        assert refused.status_code == 400
        assert refused.json()["code"] == "not_correctable"
    empty = sec.post("/api/v1/corrections/", _body(agency_a, changes={}), format="json")
    assert empty.status_code == 400
    assert "changes" in empty.json()["errors"]
    assert not Correction.objects.exists()


def test_post_without_a_difference_is_a_200_and_writes_nothing(
    api_as: Any, agency_a: Agency
) -> None:
    response = api_as("secretariat").post(
        "/api/v1/corrections/",
        _body(agency_a, changes={"name": "Agency A"}),
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == []
    assert not Correction.objects.exists()


# --- GET: who reads which corrections ---------------------------------------------------


def _corrected(users: dict[str, Any], agency_a: Agency) -> dict[str, Any]:
    sec = users["secretariat"]
    person = UserFactory(username="j.doe", first_name="Jhon")
    corrections.record_correct(actor=sec, obj=agency_a, changes={"country": "X"}, reason="a")
    corrections.record_correct(actor=sec, obj=person, changes={"first_name": "John"}, reason="b")
    return {"agency": f"agencies.agency:{agency_a.pk}", "person": f"isecg.user:{person.pk}"}


@pytest.mark.parametrize("role", ROLES)
def test_list_matrix(users: dict[str, Any], agency_a: Agency, role: str) -> None:
    records = _corrected(users, agency_a)
    response = api_client_for(users[role]).get("/api/v1/corrections/")
    if role == "anonymous":
        assert response.status_code in ANONYMOUS_DENIED
        assert response.json()["code"] == "not_authenticated"
        return
    assert response.status_code == 200
    listed = {row["record"] for row in response.json()["results"]}
    if role == "secretariat":
        assert listed == {records["agency"], records["person"]}
    else:
        # A person's record is the secretariat's to read; the agency is visible to all.
        assert listed == {records["agency"]}


def test_list_filters_one_record(users: dict[str, Any], agency_a: Agency, api_as: Any) -> None:
    records = _corrected(users, agency_a)
    one = api_as("secretariat").get("/api/v1/corrections/", {"record": records["person"]})
    assert [row["record"] for row in one.json()["results"]] == [records["person"]]
    assert one.json()["results"][0]["field_label"] == "First name"
    by_model = api_as("rep_b").get("/api/v1/corrections/", {"model": "agencies.agency"})
    assert [row["record"] for row in by_model.json()["results"]] == [records["agency"]]
    unseen = api_as("rep_b").get("/api/v1/corrections/", {"record": records["person"]})
    assert unseen.json()["results"] == []
    bad = api_as("secretariat").get("/api/v1/corrections/", {"record": "agencies.agency"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_record"


def test_anonymous_visitors_never_see_a_non_public_agencys_corrections(
    users: dict[str, Any], api_as: Any
) -> None:
    applicant = AgencyFactory(acronym="APP", status=AgencyStatus.APPLICANT, joined_on=None)
    corrections.record_correct(
        actor=users["secretariat"], obj=applicant, changes={"name": "Applicant"}, reason="a"
    )
    assert api_as("rep_a").get("/api/v1/corrections/").json()["count"] == 1
    assert api_as("anonymous").get("/api/v1/corrections/").status_code in ANONYMOUS_DENIED


def test_list_query_count_is_flat(
    users: dict[str, Any], agency_a: Agency, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    sec = users["secretariat"]
    for i in range(12):
        agency = AgencyFactory(acronym=f"Q{i:02d}")
        corrections.record_correct(
            actor=sec, obj=agency, changes={"name": f"Q {i}", "country": "Q"}, reason="q"
        )
    for role in ["secretariat", "rep_a"]:
        client = api_as(role)
        client.get("/api/v1/corrections/")  # warm caches (content types, roles)
        with django_assert_max_num_queries(8):
            response = client.get("/api/v1/corrections/")
        assert response.json()["count"] == 24


# --- the agency PATCH is a correction ---------------------------------------------------


def test_agency_patch_is_a_correction(api_as: Any, agency_a: Agency) -> None:
    response = api_as("secretariat").patch(
        "/api/v1/agencies/AAA/",
        {"name": "Agency Alpha", "joined_on": "2007-11-06", "reason": "As in the ToR letter."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["joined_on"]) == (
        "Agency Alpha",
        "2007-11-06",
    )
    assert set(
        Correction.objects.filter(object_id=str(agency_a.pk)).values_list("field", "reason")
    ) == {("name", "As in the ToR letter."), ("joined_on", "As in the ToR letter.")}
    assert AuditEvent.objects.filter(action="record.corrected").count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "Renamed"}, "reason_required"),
        ({"name": "Renamed", "reason": " "}, "reason_required"),
        ({"status": "withdrawn", "reason": "Letter."}, "not_correctable"),
        ({"status": "invited", "name": "Renamed", "reason": "x"}, "not_correctable"),
        ({"framework_contributor": True, "reason": "x"}, "not_correctable"),
    ],
)
def test_agency_patch_refusals(
    api_as: Any, agency_a: Agency, body: dict[str, Any], code: str
) -> None:
    response = api_as("secretariat").patch("/api/v1/agencies/AAA/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    stored = Agency.objects.get(pk=agency_a.pk)
    assert (stored.name, stored.status, stored.framework_contributor) == (
        "Agency A",
        "participating",
        False,
    )
    assert not Correction.objects.exists()


# --- schema ------------------------------------------------------------------------------


def test_schema_documents_corrections(client: Any) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    path = schema["paths"]["/api/v1/corrections/"]
    assert set(path) == {"get", "post"}
    assert {p["name"] for p in path["get"]["parameters"]} >= {"record", "model", "page"}
    assert {"201", "200", "400", "403"} <= set(path["post"]["responses"])
    request = schema["components"]["schemas"]["CorrectionCreateRequest"]
    assert set(request["required"]) == {"model", "object_id", "changes"}
    patch = schema["components"]["schemas"]["PatchedAgencyUpdateRequest"]["properties"]
    assert "reason" in patch and "status" not in patch and "acronym" not in patch


def test_product_and_group_corrections_follow_their_visibility(
    users: dict[str, Any], agency_a: Agency, agency_b: Agency, api_as: Any
) -> None:
    sec = users["secretariat"]
    group = product_services.working_group_create(
        actor=sec,
        name="Exploraton Roadmap Working Group",
        acronym="ERWG",
        kind="working_group",
        active_from=dt.date(2010, 1, 1),
    )
    product = product_services.product_create(
        actor=sec,
        title="Global Exploraton Roadmap",
        kind="roadmap",
        working_group=group,
        participating_agencies=[agency_a, agency_b],
    )
    corrections.record_correct(
        actor=sec, obj=product, changes={"title": "Global Exploration Roadmap"}, reason="Typo."
    )
    corrections.record_correct(
        actor=sec,
        obj=group,
        changes={"name": "Exploration Roadmap Working Group"},
        reason="Typo.",
    )
    assert Product.objects.get(pk=product.pk).title == "Global Exploration Roadmap"

    def listed(role: str) -> set[str]:
        return {r["model"] for r in api_as(role).get("/api/v1/corrections/").json()["results"]}

    # A draft product is seen by the secretariat and representatives of participating
    # agencies (products.selectors); a working group by every signed-in user.
    assert listed("secretariat") == {"products.product", "products.workinggroup"}
    assert listed("rep_a") == {"products.product", "products.workinggroup"}
    assert listed("api_client") == {"products.workinggroup"}
