"""iCalendar output parsed back with the icalendar library: time zones and UTC are right."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar

from meetings import services
from meetings.models import CalendarFeedToken
from tests.conftest import ROLES
from tests.meetings.conftest import at, make_meeting

pytestmark = pytest.mark.django_db


def _events(cal: Calendar) -> list[Any]:
    return list(cal.walk("VEVENT"))


def test_meeting_ics_has_tzid_and_vtimezone(web_as: Any, agency_a: Any) -> None:
    meeting = make_meeting(
        title="ISECG plenary, Cologne",
        starts_at=at(2027, 3, 10, 8),
        time_zone="Europe/Berlin",
        city="Cologne",
        hosts=[agency_a],
        associated_event="Space Exploration Forum",
    )
    response = web_as("rep_a").get(f"/meetings/{meeting.pk}/ics/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert str(cal["VERSION"]) == "2.0" and cal["PRODID"]
    (event,) = _events(cal)
    start = event.decoded("DTSTART")
    assert start == dt.datetime(2027, 3, 10, 9, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    assert start.astimezone(dt.UTC) == at(2027, 3, 10, 8)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTEND").astimezone(dt.UTC) == at(2027, 3, 10, 16)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert "Cologne" in str(event["LOCATION"]) and "AAA" in str(event["DESCRIPTION"])
    assert str(event["UID"]) == f"meeting-{meeting.pk}@isecg"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_utc_teleconference_is_in_utc(web_as: Any) -> None:
    meeting = make_meeting(
        title="Teleconference", city="", time_zone="UTC", starts_at=at(2027, 1, 12, 13)
    )
    cal = Calendar.from_ical(web_as("rep_a").get(f"/meetings/{meeting.pk}/ics/").content)
    (event,) = _events(cal)
    assert event.decoded("DTSTART") == at(2027, 1, 12, 13)
    assert event.to_ical().decode().count("DTSTART:20270112T130000Z") == 1
    assert not cal.walk("VTIMEZONE")


def test_meeting_ics_needs_sign_in(client: Client, users: Any) -> None:
    meeting = make_meeting()
    assert client.get(f"/meetings/{meeting.pk}/ics/").status_code == 302


@time_machine.travel(at(2026, 11, 21, 12), tick=False)
def test_personal_feed_with_meetings_and_deadlines_is_revocable(users: Any) -> None:
    from consensus.services import decision_open

    user = users["rep_a"]
    make_meeting(
        title="Tokyo plenary", time_zone="Asia/Tokyo", city="Tokyo", starts_at=at(2027, 2, 1, 0)
    )
    make_meeting(
        title="Paris plenary", time_zone="Europe/Paris", city="Paris", starts_at=at(2027, 6, 1, 7)
    )
    decision = decision_open(
        actor=None, kind="motion", title="Statement", text="Text.", deadline=at(2026, 12, 5, 17)
    )
    token = services.calendar_token_issue(actor=user)
    anonymous = Client()
    response = anonymous.get(f"/meetings/feed/{token.token}.ics")
    assert response.status_code == 200
    cal = Calendar.from_ical(response.content)
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"Asia/Tokyo", "Europe/Paris"}
    events = {str(e["SUMMARY"]): e for e in _events(cal)}
    assert events["Tokyo plenary"].decoded("DTSTART").astimezone(dt.UTC) == at(2027, 2, 1, 0)
    assert events["Tokyo plenary"]["DTSTART"].params["TZID"] == "Asia/Tokyo"
    deadline = events["Decision deadline: Statement"]
    assert deadline.decoded("DTSTART") == at(2026, 12, 5, 17)
    assert deadline.decoded("DTSTART").tzinfo is not None
    assert str(deadline["UID"]) == f"decision-{decision.pk}-deadline@isecg"
    # The text follows RFC 5545's framing: CRLF lines folded at 75 octets.
    raw = response.content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    # Every event has the properties RFC 5545 requires.
    for event in _events(cal):
        for prop in ("UID", "DTSTAMP", "DTSTART"):
            assert prop in event

    replacement = services.calendar_token_issue(actor=user)
    assert anonymous.get(f"/meetings/feed/{token.token}.ics").status_code == 404
    assert anonymous.get(f"/meetings/feed/{replacement.token}.ics").status_code == 200
    services.calendar_token_revoke(actor=user)
    assert anonymous.get(f"/meetings/feed/{replacement.token}.ics").status_code == 404
    assert CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0


def test_unknown_feed_token_is_404(client: Client, db: Any) -> None:
    assert client.get("/meetings/feed/not-a-token.ics").status_code == 404


def test_calendar_settings_page_issues_and_revokes(web_as: Any, users: Any) -> None:
    web = web_as("rep_a")
    assert web.get("/meetings/calendar/").status_code == 200
    web.post("/meetings/calendar/", {"action": "issue"})
    token = CalendarFeedToken.objects.get(user=users["rep_a"], revoked_at__isnull=True)
    assert token.token in web.get("/meetings/calendar/").content.decode()
    web.post("/meetings/calendar/", {"action": "revoke"})
    assert not CalendarFeedToken.objects.filter(
        user=users["rep_a"], revoked_at__isnull=True
    ).exists()


# --- the feed address over the API -------------------------------------------------------------

FEED_API = "/api/v1/me/calendar-feed/"


@pytest.mark.parametrize("role", ROLES)
def test_feed_address_over_the_api_issue_rotate_revoke(api_as: Any, users: Any, role: str) -> None:
    api = api_as(role)
    if role == "anonymous":
        for method in ("get", "post", "delete"):
            response = getattr(api, method)(FEED_API)
            assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
        return
    if role == "api_client":  # issue 12: a read-only client writes nothing, not even its feed
        assert api.get(FEED_API).json() == {"feed_url": None, "created_at": None}
        for method in ("post", "delete"):
            response = getattr(api, method)(FEED_API)
            assert response.status_code == 403 and response.json()["code"] == "read_only_client"
        assert not CalendarFeedToken.objects.filter(user=users[role]).exists()
        return
    anonymous = Client()
    assert api.get(FEED_API).json() == {"feed_url": None, "created_at": None}

    issued = api.post(FEED_API)
    assert issued.status_code == 201 and issued["Cache-Control"] == "private, no-store"
    old_url = issued.json()["feed_url"]
    token = CalendarFeedToken.objects.get(user=users[role], revoked_at__isnull=True)
    assert old_url == f"http://testserver/meetings/feed/{token.token}.ics"
    assert api.get(FEED_API).json()["feed_url"] == old_url
    assert anonymous.get(old_url).status_code == 200

    rotated = api.post(FEED_API)
    new_url = rotated.json()["feed_url"]
    assert rotated.status_code == 201 and new_url != old_url
    assert anonymous.get(old_url).status_code == 404  # rotation revokes the old address
    assert anonymous.get(new_url).status_code == 200
    assert api.get(FEED_API).json()["feed_url"] == new_url

    revoked = api.delete(FEED_API)
    assert revoked.status_code == 204
    assert anonymous.get(new_url).status_code == 404
    assert api.get(FEED_API).json()["feed_url"] is None
    assert api.delete(FEED_API).status_code == 204  # nothing left to revoke: still fine
    assert CalendarFeedToken.objects.filter(user=users[role]).count() == 2  # kept, revoked


def test_feed_address_is_only_ever_your_own(api_as: Any, users: Any) -> None:
    mine = api_as("rep_a").post(FEED_API).json()["feed_url"]
    assert api_as("rep_b").get(FEED_API).json()["feed_url"] is None
    assert api_as("rep_b").delete(FEED_API).status_code == 204
    assert api_as("rep_a").get(FEED_API).json()["feed_url"] == mine
    assert Client().get(mine).status_code == 200


def test_feed_address_over_the_api_with_session_needs_csrf(users: Any) -> None:
    from rest_framework.test import APIClient

    api = APIClient(enforce_csrf_checks=True)
    api.force_login(users["rep_a"])
    assert api.get(FEED_API).status_code == 200
    assert api.post(FEED_API).status_code == 403
    assert not CalendarFeedToken.objects.filter(user=users["rep_a"]).exists()


def test_api_and_page_share_the_one_address(api_as: Any, web_as: Any, users: Any) -> None:
    url = api_as("rep_a").post(FEED_API).json()["feed_url"]
    assert url in web_as("rep_a").get("/meetings/calendar/").content.decode()
