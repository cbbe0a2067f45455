"""Shared helpers for the meetings tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from meetings import services
from meetings.models import Meeting, MeetingKind, MeetingState

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def reps(users: dict[str, Any], agency_a: Any, agency_b: Any, chair_agency: Any) -> dict[int, Any]:
    """One representative per participating agency of the test electorate."""
    return {
        agency_a.pk: users["rep_a"],
        agency_b.pk: users["rep_b"],
        chair_agency.pk: users["chair"],
    }


@pytest.fixture
def adopt(reps: dict[int, Any]) -> Any:
    """Every agency concurs (optionally one with a reservation): the decision closes adopted."""
    from agencies.models import Agency
    from consensus.services import position_cast

    def run(decision: Any, reservation: tuple[Any, str] | None = None) -> Any:
        for agency_id, user in reps.items():
            agency = Agency.objects.get(pk=agency_id)
            if reservation and reservation[0].pk == agency_id:
                position_cast(
                    actor=user,
                    decision=decision,
                    agency=agency,
                    value="concur_with_reservation",
                    statement=reservation[1],
                )
            else:
                position_cast(actor=user, decision=decision, agency=agency, value="concur")
        decision.refresh_from_db()
        return decision

    return run


def make_meeting(
    *,
    title: str = "Plenary",
    kind: str = MeetingKind.PLENARY,
    starts_at: dt.datetime | None = None,
    hours: int = 8,
    state: str = MeetingState.SCHEDULED,
    time_zone: str = "Europe/Berlin",
    city: str = "Berlin",
    hosts: Any = (),
    **extra: Any,
) -> Meeting:
    """A meeting for tests that are about something else (agendas, minutes, feeds).

    A remote meeting is scheduled through `meeting_create`. A meeting at a venue exists only
    through an adopted venue proposal (ToR III.2.2, tested in test_services and test_venues);
    as set-up, it is written here as that path leaves it.
    """
    starts_at = starts_at or at(2027, 3, 10, 8)
    if not city and not hosts:
        return services.meeting_create(
            actor=None,
            title=title,
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=hours),
            time_zone=time_zone,
            dial_in="https://meet.example/isecg",
            state=state,
            **extra,
        )
    meeting = Meeting.objects.create(
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        time_zone=time_zone,
        city=city,
        country="Germany" if city else "",
        state=state,
        **extra,
    )
    meeting.hosts.set(list(hosts))
    return meeting
