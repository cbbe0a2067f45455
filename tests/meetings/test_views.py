"""Pages of the meetings app: role matrix, forms without JavaScript, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from meetings import services
from meetings.models import Meeting, MeetingState, MinutesState, VenueProposal
from tests.conftest import ROLES
from tests.factories import make_representative, make_secretariat
from tests.meetings.conftest import at, make_meeting

pytestmark = pytest.mark.django_db


def _expect(role: str, allowed: set[str]) -> int:
    if role == "anonymous":
        return 302
    return 200 if role in allowed else 403


EVERYONE = {"rep_a", "rep_b", "chair", "secretariat", "api_client"}
REPS_AND_SECRETARIAT = {"rep_a", "rep_b", "chair", "secretariat"}


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/meetings/", EVERYONE),
        ("/meetings/{pk}/", EVERYONE),
        ("/meetings/{pk}/ics/", EVERYONE),
        ("/meetings/chair/", EVERYONE),
        ("/meetings/series/", EVERYONE),
        ("/meetings/calendar/", EVERYONE),
        ("/meetings/new/", {"chair", "secretariat"}),
        ("/meetings/series/new/", {"secretariat"}),
        ("/meetings/{pk}/edit/", {"chair", "secretariat"}),
        ("/meetings/propose/", REPS_AND_SECRETARIAT),
        ("/meetings/{pk}/advisors/new/", REPS_AND_SECRETARIAT),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_page_role_matrix(web_as: Any, role: str, path: str, allowed: set[str]) -> None:
    meeting = make_meeting()
    response = web_as(role).get(path.format(pk=meeting.pk))
    assert response.status_code == _expect(role, allowed)


def _circulated() -> Any:
    meeting = make_meeting(starts_at=at(2026, 10, 6, 8), state=MeetingState.HELD)
    minutes = services.minutes_draft(actor=None, meeting=meeting, body="# Minutes")
    with time_machine.travel(at(2026, 11, 1), tick=False):
        services.minutes_circulate(actor=None, minutes=minutes, comment_deadline=at(2026, 11, 10))
    return meeting, minutes


@pytest.mark.parametrize("role", ROLES)
def test_issue_minutes_page_action(web_as: Any, role: str, users: Any) -> None:
    """Issuing asks for a confirmation that works without JavaScript (a required box); the
    secretariat issues only with the chair's approval recorded."""
    meeting, minutes = _circulated()
    url = f"/meetings/{meeting.pk}/minutes/{minutes.pk}/issue/"
    unconfirmed = web_as(role).post(url)
    minutes.refresh_from_db()
    assert minutes.state == MinutesState.CIRCULATED
    if role not in ("chair", "secretariat"):
        assert unconfirmed.status_code == (302 if role == "anonymous" else 403)
        assert web_as(role).post(url, {"confirm": "on"}).status_code in (302, 403)
        minutes.refresh_from_db()
        assert minutes.state == MinutesState.CIRCULATED
        return
    assert unconfirmed.status_code == 400
    assert "confirm" in unconfirmed.context["form"].errors
    page = web_as(role).get(url)
    assert page.status_code == 200
    assert 'type="checkbox" name="confirm"' in page.content.decode()
    response = web_as(role).post(url, {"confirm": "on"})
    minutes.refresh_from_db()
    if role == "chair":
        assert response.status_code == 302 and minutes.state == MinutesState.ISSUED
        assert minutes.approved_by == users["chair"] and minutes.issued_by == users["chair"]
        return
    assert response.status_code == 409
    assert "Record the chair" in str(response.context["form"].non_field_errors())
    assert minutes.state == MinutesState.CIRCULATED
    recorded = web_as("secretariat").post(
        f"/meetings/{meeting.pk}/minutes/{minutes.pk}/approval/",
        {"evidence": "Email from the chair's head of delegation, 12 Nov."},
    )
    assert recorded.status_code == 302
    assert web_as("secretariat").post(url, {"confirm": "on"}).status_code == 302
    minutes.refresh_from_db()
    assert minutes.state == MinutesState.ISSUED and minutes.issued_by == users["secretariat"]
    assert minutes.approval_recorded_by == users["secretariat"] and minutes.approved_by is None
    detail = web_as("rep_a").get(f"/meetings/{meeting.pk}/").content.decode()
    assert f"by {users['secretariat']}" in detail and "Approved by the chair (CHR)" in detail
    assert "Email from the chair&#x27;s head of delegation" in detail
    printed = web_as("rep_a").get(f"/meetings/{meeting.pk}/print/").content.decode()
    assert (
        f"Issued by {users['secretariat']}" in printed and "approved by the chair (CHR)" in printed
    )


@pytest.mark.parametrize("role", ROLES)
def test_minutes_approval_pages_role_matrix(web_as: Any, role: str) -> None:
    meeting, minutes = _circulated()
    base = f"/meetings/{meeting.pk}/minutes/{minutes.pk}"
    with time_machine.travel(at(2026, 11, 2), tick=False):
        record = web_as(role).get(f"{base}/approval/")
        close = web_as(role).get(f"{base}/close-comments/")
    assert record.status_code == {"anonymous": 302, "secretariat": 200}.get(role, 403)
    assert close.status_code == {"anonymous": 302, "chair": 200}.get(role, 403)
    approve = web_as(role).post(f"{base}/approve/")
    minutes.refresh_from_db()
    assert approve.status_code == (403 if role not in ("anonymous", "chair") else 302)
    assert minutes.is_approved == (role == "chair")


def test_chair_closes_the_comment_period_early_through_the_page(web_as: Any) -> None:
    meeting, minutes = _circulated()
    url = f"/meetings/{meeting.pk}/minutes/{minutes.pk}/close-comments/"
    with time_machine.travel(at(2026, 11, 2), tick=False):
        blank = web_as("chair").post(url, {"reason": ""})
        assert blank.status_code == 400 and "reason" in blank.context["form"].errors
        done = web_as("chair").post(url, {"reason": "All agencies have commented."})
        assert done.status_code == 302
    minutes.refresh_from_db()
    assert minutes.comment_deadline == at(2026, 11, 2)
    assert minutes.comments_closed_reason == "All agencies have commented."


@pytest.mark.parametrize("role", ROLES)
def test_draft_minutes_shown_only_to_chair_and_secretariat(web_as: Any, role: str) -> None:
    meeting = make_meeting(starts_at=at(2026, 10, 6, 8), state=MeetingState.HELD)
    services.minutes_draft(actor=None, meeting=meeting, body="# Minutes\n\nSECRET-DRAFT-TEXT")
    response = web_as(role).get(f"/meetings/{meeting.pk}/")
    if role == "anonymous":
        assert response.status_code == 302
        return
    shown = "SECRET-DRAFT-TEXT" in response.content.decode()
    assert shown == (role in ("chair", "secretariat"))


def test_meeting_page_shows_both_time_zones(web_as: Any) -> None:
    meeting = make_meeting(starts_at=at(2027, 3, 10, 8), time_zone="Asia/Tokyo", city="Tokyo")
    page = web_as("rep_a").get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Local time (Asia/Tokyo)" in page and "17:00" in page  # 08:00 UTC = 17:00 JST
    assert 'datetime="2027-03-10T08:00:00+00:00"' in page


def test_venue_form_without_cost_acknowledgement_is_400(web_as: Any, agency_a: Any) -> None:
    data = {
        "title": "Plenary",
        "kind": "plenary",
        "host_agencies": [agency_a.pk],
        "city": "Rome",
        "starts_at": "2027-06-01T09:00",
        "ends_at": "2027-06-01T17:00",
        "time_zone": "Europe/Rome",
    }
    response = web_as("rep_a").post("/meetings/propose/", data)
    assert response.status_code == 400
    assert "local administrative costs" in response.content.decode()
    assert not VenueProposal.objects.exists()
    response = web_as("rep_a").post("/meetings/propose/", {**data, "cost_acknowledged": "on"})
    assert response.status_code == 302
    meeting = VenueProposal.objects.get().meeting
    assert meeting.starts_at == at(2027, 6, 1, 7)  # 09:00 in Rome (CEST)


def test_meeting_form_end_before_start_is_400(web_as: Any) -> None:
    response = web_as("secretariat").post(
        "/meetings/new/",
        {
            "title": "X",
            "kind": "teleconference",
            "starts_at": "2027-06-01T09:00",
            "ends_at": "2027-06-01T08:00",
            "time_zone": "UTC",
            "dial_in": "https://meet.example/isecg",
        },
    )
    assert response.status_code == 400
    assert "must end after it starts" in response.content.decode()
    assert not Meeting.objects.exists()


def test_meeting_form_schedules_no_hosted_meeting(web_as: Any, agency_a: Any) -> None:
    """Formerly a bypass: the web form scheduled a hosted plenary with no venue decision.
    The form offers no host or place, and what is posted for them is not taken."""
    page = web_as("secretariat").get("/meetings/new/").content.decode()
    assert 'name="hosts"' not in page and 'name="city"' not in page
    assert "/meetings/propose/" in page  # the way to a hosted meeting
    base = {
        "title": "Plenary",
        "kind": "plenary",
        "starts_at": "2027-06-01T09:00",
        "ends_at": "2027-06-01T17:00",
        "time_zone": "Europe/Rome",
        "hosts": [agency_a.pk],
        "city": "Rome",
        "venue": "Villa",
    }
    refused = web_as("secretariat").post("/meetings/new/", base)
    assert refused.status_code == 400  # no dial-in: a meeting here is remote
    assert not Meeting.objects.exists()
    remote = web_as("secretariat").post(
        "/meetings/new/", {**base, "dial_in": "https://meet.example/isecg"}
    )
    assert remote.status_code == 302
    meeting = Meeting.objects.get()
    assert not meeting.hosts.exists() and meeting.city == "" and meeting.venue == ""


def test_series_form_explains_malformed_rule(web_as: Any) -> None:
    response = web_as("secretariat").post(
        "/meetings/series/new/",
        {
            "title": "T",
            "rule": "second tuesday",
            "local_time": "13:00",
            "time_zone": "UTC",
            "duration_minutes": 60,
            "starts_on": "2026-12-01",
            "horizon_days": 60,
        },
    )
    assert response.status_code == 400
    assert "FREQ=MONTHLY;BYDAY=2TU" in response.content.decode()


def test_print_view_uses_print_stylesheet(web_as: Any) -> None:
    meeting = make_meeting(starts_at=at(2026, 10, 6, 8), state=MeetingState.HELD)
    services.minutes_draft(actor=None, meeting=meeting, body="# Minutes\n\n<script>x</script>Body")
    page = web_as("secretariat").get(f"/meetings/{meeting.pk}/print/").content.decode()
    assert "css/print.css" in page and "<h1>Minutes</h1>" in page
    assert "<script>x</script>" not in page  # sanitised with nh3
    assert web_as("rep_a").get(f"/meetings/{meeting.pk}/print/").status_code == 404  # draft


def test_delegation_page_flow(web_as: Any, users: Any, agency_a: Any) -> None:
    meeting = make_meeting()
    response = web_as("rep_a").post(f"/meetings/{meeting.pk}/delegation/", {"agency": agency_a.pk})
    assert response.status_code == 302
    assert meeting.attendances.get().user == users["rep_a"]
    assert (
        web_as("rep_b")
        .post(f"/meetings/{meeting.pk}/delegation/", {"agency": agency_a.pk})
        .status_code
        == 403
    )


def _populate(count: int, agencies: list[Any]) -> Meeting:
    for index in range(count):
        make_meeting(
            title=f"M{index}",
            starts_at=at(2027, 1, 1, 8) + dt.timedelta(days=index),
            hosts=agencies,
        )
    meeting = make_meeting(
        title="Busy", starts_at=at(2026, 10, 6, 8), state=MeetingState.HELD, hosts=agencies
    )
    for index in range(count):
        services.agenda_item_add(actor=None, meeting=meeting, title=f"Item {index}")
        services.action_item_create(
            actor=None,
            meeting=meeting,
            title=f"Action {index}",
            owner_agency=agencies[index % 2],
            due_on=dt.date(2027, 1, 1),
        )
        Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.SCHEDULED)
        user = make_representative(agencies[index % 2], f"extra{index}")
        services.attendance_register(
            actor=None, meeting=meeting, agency=agencies[index % 2], user=user
        )
        Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.HELD)
    minutes = services.minutes_draft(actor=None, meeting=meeting, body="# Minutes")
    with time_machine.travel(at(2026, 11, 1), tick=False):
        services.minutes_circulate(actor=None, minutes=minutes, comment_deadline=at(2026, 11, 30))
    return meeting


@pytest.mark.parametrize("count", [2, 10])
def test_meeting_pages_query_counts_are_flat(
    web_as: Any, django_assert_max_num_queries: Any, count: int, agency_a: Any, agency_b: Any
) -> None:
    meeting = _populate(count, [agency_a, agency_b])
    web = web_as("rep_a")
    web.get("/meetings/")  # warm the session
    with django_assert_max_num_queries(11):
        response = web.get("/meetings/")
    assert response.status_code == 200 and response.content.decode().count("<tr>") >= count
    with django_assert_max_num_queries(19):
        response = web.get(f"/meetings/{meeting.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count("Action ") >= count
    secretariat = web_as("secretariat")
    secretariat.get("/meetings/")
    with django_assert_max_num_queries(21):
        assert secretariat.get(f"/meetings/{meeting.pk}/").status_code == 200
    with django_assert_max_num_queries(13):
        assert web.get("/meetings/chair/").status_code == 200


# --- withdrawing agenda items ---------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_agenda_withdraw_page_action(web_as: Any, role: str) -> None:
    meeting = make_meeting()
    item = services.agenda_item_add(actor=None, meeting=meeting, title="GER status")
    response = web_as(role).post(
        f"/meetings/{meeting.pk}/agenda/{item.pk}/withdraw/", {"reason": "Moved."}
    )
    item.refresh_from_db()
    if role in ("chair", "secretariat"):
        assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
        assert item.withdrawn_at is not None and item.withdrawal_reason == "Moved."
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert item.withdrawn_at is None


@pytest.mark.parametrize("role", ROLES[1:])
def test_meeting_page_shows_withdrawn_items_to_chair_and_secretariat_only(
    web_as: Any, users: Any, role: str
) -> None:
    meeting = make_meeting()
    services.agenda_item_add(actor=None, meeting=meeting, title="Opening")
    item = services.agenda_item_add(actor=None, meeting=meeting, title="GER status")
    withdraw_url = f"/meetings/{meeting.pk}/agenda/{item.pk}/withdraw/"
    page = web_as(role).get(f"/meetings/{meeting.pk}/").content.decode()
    manages = role in ("chair", "secretariat")
    assert (withdraw_url in page) == manages  # the form, next to each item

    services.agenda_item_withdraw(
        actor=users["secretariat"], item=item, reason="REASON-MOVED-TO-NEXT"
    )
    page = web_as(role).get(f"/meetings/{meeting.pk}/").content.decode()
    agenda = page[page.index('id="agenda"') : page.index("</ol>", page.index('id="agenda"'))]
    assert "Opening" in agenda and "GER status" not in agenda
    assert withdraw_url not in page
    assert ("REASON-MOVED-TO-NEXT" in page) == manages
    assert ('id="agenda-withdrawn"' in page) == manages


@pytest.mark.parametrize("role", ROLES)
def test_agenda_withdraw_form_page(web_as: Any, role: str) -> None:
    meeting = make_meeting()
    item = services.agenda_item_add(actor=None, meeting=meeting, title="GER status")
    response = web_as(role).get(f"/meetings/{meeting.pk}/agenda/{item.pk}/withdraw/")
    if role in ("chair", "secretariat"):
        page = response.content.decode()
        assert response.status_code == 200
        assert "Withdraw an agenda item: GER status" in page and 'name="reason"' in page
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)


def test_agenda_withdraw_without_reason_or_too_late(web_as: Any) -> None:
    meeting = make_meeting()
    item = services.agenda_item_add(actor=None, meeting=meeting, title="GER status")
    web = web_as("chair")
    url = f"/meetings/{meeting.pk}/agenda/{item.pk}/withdraw/"

    # A missing reason is the field's error, on the form's own page.
    response = web.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert 'name="reason"' in response.content.decode()
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.HELD)
    response = web.post(url, {"reason": "Too late."})
    assert response.status_code == 409
    assert "The meeting has taken place" in str(response.context["form"].non_field_errors())
    item.refresh_from_db()
    assert item.withdrawn_at is None
    other = make_meeting(title="Other")
    assert (
        web.post(f"/meetings/{other.pk}/agenda/{item.pk}/withdraw/", {"reason": "X"}).status_code
        == 404
    )


def test_agenda_withdraw_twice_keeps_the_first_reason(web_as: Any, users: Any) -> None:
    meeting = make_meeting()
    item = services.agenda_item_add(actor=None, meeting=meeting, title="GER status")
    services.agenda_item_withdraw(actor=users["chair"], item=item, reason="Moved.")
    response = web_as("chair").post(
        f"/meetings/{meeting.pk}/agenda/{item.pk}/withdraw/", {"reason": "Again."}
    )
    assert response.status_code == 302  # the service's no-op: nothing is overwritten
    item.refresh_from_db()
    assert item.withdrawal_reason == "Moved." and item.withdrawn_by == users["chair"]


def test_agenda_move_skips_withdrawn_items(web_as: Any, users: Any) -> None:
    meeting = make_meeting()
    _, b, c = (services.agenda_item_add(actor=None, meeting=meeting, title=t) for t in "ABC")
    services.agenda_item_withdraw(actor=users["chair"], item=b, reason="Dropped.")
    response = web_as("chair").post(f"/meetings/{meeting.pk}/agenda/{c.pk}/up/")
    assert response.status_code == 302
    assert [i.title for i in Meeting.objects.get(pk=meeting.pk).active_agenda] == ["C", "A"]


def test_meeting_page_query_count_flat_in_withdrawn_items(web_as: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils.html import escape

    meeting = make_meeting()
    web = web_as("secretariat")
    withdrawers: list[Any] = []

    def grow(start: int, stop: int) -> int:
        for index in range(start, stop):
            item = services.agenda_item_add(actor=None, meeting=meeting, title=f"Item {index}")
            services.agenda_item_add(actor=None, meeting=meeting, title=f"Kept {index}")
            withdrawers.append(make_secretariat(f"withdrawer{index}"))
            services.agenda_item_withdraw(
                actor=withdrawers[-1], item=item, reason=f"Reason {index}."
            )
        web.get(f"/meetings/{meeting.pk}/")
        with CaptureQueriesContext(connection) as queries:
            page = web.get(f"/meetings/{meeting.pk}/").content.decode()
        assert page.count('class="badge withdrawn"') == stop
        assert all(f"by {escape(str(user))}:" in page for user in withdrawers)
        return len(queries.captured_queries)

    assert grow(0, 2) == grow(2, 8)
