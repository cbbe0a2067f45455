"""The meetings API: role matrix on every endpoint, bad input, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from meetings import services
from meetings.models import Meeting, MeetingState, Minutes
from tests.conftest import ROLES
from tests.meetings.conftest import at, make_meeting

pytestmark = pytest.mark.django_db

READ_URLS = [
    "/api/v1/meetings/",
    "/api/v1/teleconference-series/",
    "/api/v1/venue-proposals/",
    "/api/v1/minutes/",
    "/api/v1/action-items/",
    "/api/v1/chair-terms/",
    "/api/v1/chair-terms/stats/",
    "/api/v1/chair-nominations/",
]


@pytest.mark.parametrize("url", READ_URLS)
@pytest.mark.parametrize("role", ROLES)
def test_reads_need_sign_in(api_as: Any, role: str, url: str) -> None:
    response = api_as(role).get(url)
    assert response.status_code == (401 if role == "anonymous" else 200)


@pytest.mark.parametrize("role", ROLES)
def test_meeting_detail_and_ics(api_as: Any, role: str, agency_a: Any) -> None:
    meeting = make_meeting(hosts=[agency_a])
    services.agenda_item_add(actor=None, meeting=meeting, title="Opening")
    response = api_as(role).get(f"/api/v1/meetings/{meeting.pk}/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    body = response.json()
    assert body["hosts"] == ["AAA"] and body["agenda"][0]["title"] == "Opening"
    assert body["starts_at"].endswith("Z") or body["starts_at"].endswith("+00:00")
    assert body["starts_at_local"].endswith("+01:00")
    assert api_as(role).get(f"/api/v1/meetings/{meeting.pk}/ics/").status_code == 200


def _meeting_payload(**extra: Any) -> dict[str, Any]:
    payload = {
        "title": "Plenary teleconference",
        "kind": "teleconference",
        "starts_at": "2027-05-04T07:00:00Z",
        "ends_at": "2027-05-04T09:00:00Z",
        "time_zone": "Europe/Rome",
        "dial_in": "https://meet.example/isecg",
    }
    payload.update(extra)
    return payload


WRITE_EXPECT = {"anonymous": 401, "rep_a": 403, "rep_b": 403, "chair": 403, "api_client": 403}


@pytest.mark.parametrize("role", ROLES)
def test_create_remote_meeting_chair_or_secretariat(api_as: Any, role: str) -> None:
    """ToR III.2.2: teleconferences stay with the chair and the secretariat."""
    response = api_as(role).post("/api/v1/meetings/", _meeting_payload(), format="json")
    expected = {"chair": 201, "secretariat": 201}.get(role, WRITE_EXPECT.get(role))
    assert response.status_code == expected


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"hosts": ["AAA"]}, "hosts"),
        ({"city": "Rome", "country": "Italy"}, "city"),
        ({"venue": "ESA ESTEC"}, "venue"),
    ],
)
def test_hosted_meeting_without_venue_decision_is_refused(
    api_as: Any, agency_a: Any, extra: dict[str, Any], field: str
) -> None:
    """Formerly a bypass: POST /api/v1/meetings/ scheduled a hosted plenary with no decision."""
    response = api_as("secretariat").post(
        "/api/v1/meetings/", _meeting_payload(kind="plenary", **extra), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "venue_needs_decision"
    assert field in response.json()["errors"]
    assert not Meeting.objects.exists()


def test_withdrawn_host_cannot_be_given_either(api_as: Any) -> None:
    from tests.factories import AgencyFactory

    AgencyFactory(acronym="GON", status="withdrawn", withdrawn_on=dt.date(2025, 1, 1))
    response = api_as("secretariat").post(
        "/api/v1/meetings/", _meeting_payload(kind="plenary", hosts=["GON"]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "venue_needs_decision"
    assert not Meeting.objects.exists()


def test_meeting_ending_before_start_is_400(api_as: Any, agency_a: Any) -> None:
    response = api_as("secretariat").post(
        "/api/v1/meetings/", _meeting_payload(ends_at="2027-05-04T06:00:00Z"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "ends_before_start"
    assert "ends_at" in response.json()["errors"]


def test_move_one_occurrence_via_patch(api_as: Any) -> None:
    meeting = make_meeting(city="")
    moved = {"starts_at": "2027-03-11T08:00:00Z", "ends_at": "2027-03-11T16:00:00Z"}
    without_reason = api_as("secretariat").patch(
        f"/api/v1/meetings/{meeting.pk}/", moved, format="json"
    )
    assert without_reason.status_code == 400
    assert without_reason.json()["code"] == "required"
    assert "reason" in without_reason.json()["errors"]
    response = api_as("secretariat").patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {**moved, "reason": "Clashes with a launch."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["starts_at"].startswith("2027-03-11T08:00")


@pytest.mark.parametrize("role", ROLES)
def test_agenda_chair_or_secretariat(api_as: Any, role: str) -> None:
    meeting = make_meeting()
    response = api_as(role).post(
        f"/api/v1/meetings/{meeting.pk}/agenda/", {"title": "GER status"}, format="json"
    )
    expected = {"chair": 201, "secretariat": 201}.get(role, WRITE_EXPECT.get(role))
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_delegation_own_agency_only(api_as: Any, role: str, users: Any) -> None:
    meeting = make_meeting()
    response = api_as(role).post(
        f"/api/v1/meetings/{meeting.pk}/delegations/",
        {"agency": "AAA", "user": users["rep_a"].pk},
        format="json",
    )
    expected = {"rep_a": 201, "secretariat": 201}.get(role, WRITE_EXPECT.get(role))
    assert response.status_code == expected


@time_machine.travel(at(2027, 3, 1), tick=False)
@pytest.mark.parametrize("role", ROLES)
def test_advisor_own_agency_only(api_as: Any, role: str) -> None:
    meeting = make_meeting()
    response = api_as(role).post(
        f"/api/v1/meetings/{meeting.pk}/advisors/",
        {
            "agency": "AAA",
            "name": "Dr A",
            "affiliation": "Uni",
            "expertise": "ISRU",
            "conflict_of_interest_statement": "None.",
        },
        format="json",
    )
    expected = {"rep_a": 201, "secretariat": 201}.get(role, WRITE_EXPECT.get(role))
    assert response.status_code == expected
    if expected == 201:
        assert response.json()["late_notice"] is True


def _venue_payload(**extra: Any) -> dict[str, Any]:
    payload = {
        "host_agencies": ["AAA"],
        "title": "Plenary 2027",
        "starts_at": "2027-06-01T07:00:00Z",
        "ends_at": "2027-06-02T15:00:00Z",
        "time_zone": "Europe/Rome",
        "city": "Rome",
        "cost_acknowledged": True,
    }
    payload.update(extra)
    return payload


@pytest.mark.parametrize("role", ROLES)
def test_venue_proposal_by_host_representative(api_as: Any, role: str) -> None:
    response = api_as(role).post("/api/v1/venue-proposals/", _venue_payload(), format="json")
    expected = {"rep_a": 201, "secretariat": 201}.get(role, WRITE_EXPECT.get(role))
    assert response.status_code == expected
    if expected == 201:
        assert response.json()["meeting"]["state"] == MeetingState.PROPOSED


def test_venue_without_cost_acknowledgement_is_400(api_as: Any) -> None:
    response = api_as("rep_a").post(
        "/api/v1/venue-proposals/", _venue_payload(cost_acknowledged=False), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "cost_not_acknowledged"


@pytest.mark.parametrize("role", ROLES)
def test_venue_decision_chair_or_secretariat(
    api_as: Any, role: str, users: Any, agency_a: Any
) -> None:
    proposal = services.venue_proposal_submit(
        actor=users["rep_a"],
        host_agencies=[agency_a],
        title="P",
        starts_at=at(2027, 6, 1, 7),
        ends_at=at(2027, 6, 1, 15),
        time_zone="UTC",
        city="Rome",
        country="Italy",
        cost_acknowledged=True,
    )
    response = api_as(role).post(
        f"/api/v1/venue-proposals/{proposal.pk}/decide/",
        {"deadline": "2027-01-15T12:00:00Z"},
        format="json",
    )
    expected = {"chair": 201, "secretariat": 201}.get(role, WRITE_EXPECT.get(role))
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_series_secretariat_only(api_as: Any, role: str) -> None:
    response = api_as(role).post(
        "/api/v1/teleconference-series/",
        {
            "title": "Monthly",
            "rule": "FREQ=MONTHLY;BYDAY=2TU",
            "local_time": "13:00",
            "time_zone": "UTC",
            "starts_on": "2026-12-01",
        },
        format="json",
    )
    assert response.status_code == WRITE_EXPECT.get(role, 201)
    if role == "secretariat":
        assert response.json()["explained"] == "Every month on the second Tuesday, at 13:00 UTC"


def test_malformed_rule_is_400_with_explanation(api_as: Any) -> None:
    response = api_as("secretariat").post(
        "/api/v1/teleconference-series/",
        {
            "title": "Bad",
            "rule": "every second tuesday",
            "local_time": "13:00",
            "starts_on": "2026-12-01",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_recurrence"
    assert "FREQ=MONTHLY;BYDAY=2TU" in body["detail"] and "rule" in body["errors"]


def _circulated_minutes(users: Any) -> Minutes:
    meeting = make_meeting(starts_at=at(2026, 10, 6, 8), state=MeetingState.HELD)
    minutes = services.minutes_draft(actor=None, meeting=meeting, body="# Minutes")
    with time_machine.travel(at(2026, 11, 1), tick=False):
        services.minutes_circulate(actor=None, minutes=minutes, comment_deadline=at(2026, 11, 10))
    return minutes


@pytest.mark.parametrize("role", ROLES)
def test_issue_minutes_chair_or_secretariat(api_as: Any, role: str, users: Any) -> None:
    """The chair issues (its approval is recorded); the secretariat needs that approval."""
    minutes = _circulated_minutes(users)
    response = api_as(role).post(f"/api/v1/minutes/{minutes.pk}/issue/")
    expected = {"chair": 200, "secretariat": 409}.get(role, WRITE_EXPECT.get(role))
    assert response.status_code == expected
    if role == "secretariat":
        assert response.json()["code"] == "chair_approval_required"
    if role == "chair":
        body = response.json()
        assert body["issued_by_name"] == str(users["chair"])
        assert body["approved_by_name"] == str(users["chair"])
        assert body["approval_agency"] == "CHR" and body["approved_at"]


def test_editing_issued_minutes_is_409(api_as: Any, users: Any) -> None:
    minutes = _circulated_minutes(users)
    services.minutes_issue(actor=users["chair"], minutes=minutes)
    response = api_as("secretariat").patch(
        f"/api/v1/minutes/{minutes.pk}/", {"body": "Rewritten"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "minutes_issued"
    correction = api_as("secretariat").post(
        f"/api/v1/minutes/{minutes.pk}/correct/",
        {"body": "Corrected", "reason": "Wrong date."},
        format="json",
    )
    assert correction.status_code == 201 and correction.json()["version"] == 2


def test_draft_minutes_hidden_from_representatives(api_as: Any, users: Any) -> None:
    meeting = make_meeting(starts_at=at(2026, 10, 6, 8), state=MeetingState.HELD)
    services.minutes_draft(actor=None, meeting=meeting, body="# Draft")
    assert api_as("rep_a").get("/api/v1/minutes/").json()["count"] == 0
    assert api_as("chair").get("/api/v1/minutes/").json()["count"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_chair_terms_cannot_be_created_through_the_api(api_as: Any, role: str) -> None:
    """Formerly a bypass: POST /api/v1/chair-terms/ created a term with `decision: null`."""
    from meetings.models import ChairTerm

    before = list(ChairTerm.objects.values_list("pk", flat=True))
    response = api_as(role).post(
        "/api/v1/chair-terms/",
        {"agency": "AAA", "starts_on": "2026-11-01", "end_current": False},
        format="json",
    )
    # The read-only client is refused every write before the method is looked at.
    assert response.status_code == {"anonymous": 401, "api_client": 403}.get(role, 405)
    assert list(ChairTerm.objects.values_list("pk", flat=True)) == before


@pytest.mark.parametrize("role", ROLES)
def test_action_item_status_owner_chair_secretariat(api_as: Any, role: str, agency_a: Any) -> None:
    meeting = make_meeting()
    item = services.action_item_create(
        actor=None, meeting=meeting, title="T", owner_agency=agency_a, due_on=dt.date(2027, 1, 1)
    )
    response = api_as(role).post(f"/api/v1/action-items/{item.pk}/status/", {"status": "done"})
    expected = {"rep_a": 200, "chair": 200, "secretariat": 200}.get(role, WRITE_EXPECT.get(role))
    assert response.status_code == expected


def _many_meetings(count: int, agencies: list[Any]) -> None:
    for index in range(count):
        make_meeting(
            title=f"M{index}",
            starts_at=at(2027, 1, 1, 8) + dt.timedelta(days=index),
            hosts=agencies,
            city="Rome",
        )


@pytest.mark.parametrize("count", [3, 15])
def test_meeting_list_query_count_is_flat(
    api_as: Any, django_assert_max_num_queries: Any, count: int, agency_a: Any, agency_b: Any
) -> None:
    _many_meetings(count, [agency_a, agency_b])
    client = api_as("rep_a")
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/meetings/")
    assert response.json()["count"] == count
    assert Meeting.objects.count() == count


def test_agenda_item_links_a_product_through_the_generic_key(api_as: Any) -> None:
    from products.models import Product, WorkingGroup

    group = WorkingGroup.objects.create(
        name="Roadmap WG", acronym="GERWG", kind="working_group", active_from=dt.date(2020, 1, 1)
    )
    product = Product.objects.create(
        slug="ger-4",
        title="Global Exploration Roadmap, 4th edition",
        kind="roadmap",
        working_group=group,
    )
    meeting = make_meeting()
    client = api_as("secretariat")
    response = client.post(
        f"/api/v1/meetings/{meeting.pk}/agenda/",
        {"title": "GER", "product_id": product.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["product_id"] == product.pk
    assert response.json()["product_title"] == "Global Exploration Roadmap, 4th edition"
    assert meeting.agenda_items.get().product == product
    missing = client.post(
        f"/api/v1/meetings/{meeting.pk}/agenda/",
        {"title": "X", "product_id": 999999},
        format="json",
    )
    assert missing.status_code == 400


# --- withdrawing agenda items ---------------------------------------------------------------


def _withdraw_url(meeting: Meeting, item: Any) -> str:
    return f"/api/v1/meetings/{meeting.pk}/agenda/{item.pk}/withdraw/"


@pytest.mark.parametrize("role", ROLES)
def test_agenda_withdraw_role_matrix(api_as: Any, role: str) -> None:
    meeting = make_meeting()
    item = services.agenda_item_add(actor=None, meeting=meeting, title="GER status")
    response = api_as(role).post(
        _withdraw_url(meeting, item), {"reason": "Moved to the next plenary."}, format="json"
    )
    expected = {"chair": 200, "secretariat": 200}.get(role, WRITE_EXPECT.get(role))
    assert response.status_code == expected
    item.refresh_from_db()
    if expected == 200:
        body = response.json()
        assert body["id"] == item.pk and body["withdrawal_reason"] == "Moved to the next plenary."
        assert body["position"] == 1 and body["withdrawn_at"]
        assert item.withdrawn_at is not None
    else:
        assert set(response.json()) >= {"detail", "code"}
        if expected == 403:
            assert response.json()["code"] == (
                "read_only_client" if role == "api_client" else "not_chair_or_secretariat"
            )
        assert item.withdrawn_at is None


def test_withdrawn_item_leaves_the_api_agenda_and_the_ics(api_as: Any) -> None:
    meeting = make_meeting()
    for title in ("Opening", "WITHDRAWN-ITEM", "Close"):
        services.agenda_item_add(actor=None, meeting=meeting, title=title)
    item = meeting.agenda_items.get(title="WITHDRAWN-ITEM")
    client = api_as("secretariat")

    first = client.post(_withdraw_url(meeting, item), {"reason": "Moved."}, format="json")
    again = client.post(_withdraw_url(meeting, item), {"reason": "Twice."}, format="json")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()  # idempotent: the first withdrawal stands
    for role in ("secretariat", "rep_a"):
        agenda = api_as(role).get(f"/api/v1/meetings/{meeting.pk}/").json()["agenda"]
        assert [(a["position"], a["title"]) for a in agenda] == [(1, "Opening"), (2, "Close")]
    # The meeting's calendar file does not carry it either (it carries no agenda items).
    assert b"WITHDRAWN-ITEM" not in client.get(f"/api/v1/meetings/{meeting.pk}/ics/").content
    # Reordering over the API takes the active items only.
    opening, close = (meeting.agenda_items.get(title=t).pk for t in ("Opening", "Close"))
    order = client.post(
        f"/api/v1/meetings/{meeting.pk}/agenda-order/", {"items": [close, opening]}, format="json"
    )
    assert order.status_code == 200 and [i["title"] for i in order.json()] == ["Close", "Opening"]


def test_agenda_withdraw_errors(api_as: Any) -> None:
    meeting = make_meeting()
    other = make_meeting(title="Other")
    item = services.agenda_item_add(actor=None, meeting=meeting, title="GER status")
    client = api_as("chair")

    blank = client.post(_withdraw_url(meeting, item), {"reason": " "}, format="json")
    assert blank.status_code == 400 and blank.json()["code"] == "required"
    assert "reason" in blank.json()["errors"]
    missing = client.post(_withdraw_url(meeting, item), {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    wrong_meeting = client.post(_withdraw_url(other, item), {"reason": "X."}, format="json")
    assert wrong_meeting.status_code == 404 and wrong_meeting.json()["code"] == "not_found"

    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.HELD)
    held = client.post(_withdraw_url(meeting, item), {"reason": "Too late."}, format="json")
    assert held.status_code == 409 and held.json()["code"] == "meeting_already_held"
    item.refresh_from_db()
    assert item.withdrawn_at is None


def test_schema_documents_the_new_paths(client: Any) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    withdraw = next(p for p in schema["paths"] if p.endswith("/withdraw/") and "agenda" in p)
    operation = schema["paths"][withdraw]["post"]
    assert {p["name"] for p in operation["parameters"]} >= {"item_id"}
    assert {"200", "403", "409"} <= set(operation["responses"])
    feed = schema["paths"]["/api/v1/me/calendar-feed/"]
    assert {"get", "post", "delete"} <= set(feed)
    assert "204" in feed["delete"]["responses"] and "201" in feed["post"]["responses"]
