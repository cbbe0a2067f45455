"""iCalendar (RFC 5545) output: one file per meeting and a personal subscription feed.

Meeting times carry the meeting's own time zone (TZID, with a VTIMEZONE for each zone
used); decision deadlines are instants in UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from meetings.models import Meeting, MeetingState

PRODID = "-//ISECG//Governance meetings//EN"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def meeting_event(meeting: Meeting, *, stamp: dt.datetime) -> Event:
    zone = zoneinfo.ZoneInfo(meeting.time_zone)
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@isecg")
    event.add("dtstamp", stamp)
    event.add("summary", meeting.title)
    if meeting.time_zone == "UTC":
        event.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
        event.add("dtend", meeting.ends_at.astimezone(dt.UTC))
    else:
        event.add("dtstart", meeting.starts_at.astimezone(zone))
        event.add("dtend", meeting.ends_at.astimezone(zone))
    location = meeting.place
    if meeting.venue:
        location = f"{meeting.venue}, {location}" if location else meeting.venue
    if location:
        event.add("location", location)
    description = [meeting.get_kind_display()]
    hosts = [agency.acronym for agency in meeting.hosts.all()]
    if hosts:
        description.append("Hosted by " + ", ".join(hosts))
    if meeting.associated_event:
        description.append("Alongside " + meeting.associated_event)
    if meeting.dial_in:
        description.append("Dial-in: " + meeting.dial_in)
    event.add("description", "\n".join(description))
    event.add("url", _site(reverse("meeting-detail", args=[meeting.pk])))
    statuses: dict[str, str] = {
        MeetingState.CANCELLED: "CANCELLED",
        MeetingState.PROPOSED: "TENTATIVE",
    }
    event.add("status", statuses.get(meeting.state, "CONFIRMED"))
    event.add("categories", [meeting.get_kind_display()])
    return event


def decision_event(decision: Any, *, stamp: dt.datetime) -> Event:
    event = Event()
    deadline = decision.deadline.astimezone(dt.UTC)
    event.add("uid", f"decision-{decision.pk}-deadline@isecg")
    event.add("dtstamp", stamp)
    event.add("summary", f"Decision deadline: {decision.title}")
    event.add("dtstart", deadline)
    event.add("dtend", deadline + dt.timedelta(minutes=30))
    event.add("url", _site(reverse("decision-detail", args=[decision.pk])))
    event.add("description", f"Positions are due by {deadline:%d %b %Y %H:%M} UTC.")
    event.add("categories", ["Decision deadline"])
    return event


def _finish(cal: Calendar) -> bytes:
    cal.add_missing_timezones()
    return cal.to_ical()


def meeting_ics(meeting: Meeting) -> bytes:
    cal = _calendar(meeting.title)
    cal.add_component(meeting_event(meeting, stamp=timezone.now()))
    return _finish(cal)


def feed_ics(*, name: str, meetings: Iterable[Meeting], decisions: Iterable[Any]) -> bytes:
    stamp = timezone.now()
    cal = _calendar(name)
    cal.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, stamp=stamp))
    for decision in decisions:
        cal.add_component(decision_event(decision, stamp=stamp))
    return _finish(cal)
