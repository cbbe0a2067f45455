"""Demo data: the real ISECG meetings and chair history (../shared/ISECG_FACTS.md), the
monthly teleconference series and one upcoming plenary with a draft agenda.

The historical meetings predate the application: they are loaded as history (their venues
were agreed outside it), and each historical chair term names the meeting whose host
assumed the chair where the record knows it (seeds/001, seeds/003). The upcoming plenary
goes the ToR III.2.2 way: CSA proposes to host it, the agencies agree the venue by
consensus, and CSA's nomination as the next chair follows from the adopted proposal.

Where the public record gives only a month (or less), the day is a placeholder and the
record is marked `dates_uncertain`: shown as such, never as authoritative. Idempotent.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, NamedTuple

from django.utils import timezone

from agencies.models import Agency, AgencyStatus
from consensus.services import position_record_on_behalf
from isecg.models import User
from meetings import services
from meetings.models import (
    ChairTerm,
    Meeting,
    MeetingKind,
    MeetingState,
    TeleconferenceSeries,
    VenueProposal,
)


class MeetingFact(NamedTuple):
    key: str
    title: str
    kind: str
    day: dt.date
    days: int
    time_zone: str
    city: str
    country: str
    hosts: tuple[str, ...]
    uncertain: bool
    note: str
    venue: str = ""


MEETINGS: list[MeetingFact] = [
    MeetingFact(
        "berlin-2007",
        "First ISECG meeting, Berlin",
        MeetingKind.PLENARY,
        dt.date(2007, 11, 6),
        1,
        "Europe/Berlin",
        "Berlin",
        "Germany",
        ("DLR",),
        False,
        "Terms of Reference adopted (seeds/004 lines 124-126). Host inferred: DLR.",
    ),
    MeetingFact(
        "montreal-2008",
        "ISECG meeting, Montreal",
        MeetingKind.PLENARY,
        dt.date(2008, 7, 15),
        2,
        "America/Toronto",
        "Montreal",
        "Canada",
        ("CSA",),
        True,
        "July 2008 (seeds/003); the day is not recorded.",
    ),
    MeetingFact(
        "yokohama-2009",
        "ISECG meeting, Yokohama",
        MeetingKind.PLENARY,
        dt.date(2009, 3, 10),
        2,
        "Asia/Tokyo",
        "Yokohama",
        "Japan",
        ("JAXA",),
        True,
        "March 2009 (seeds/003); the day is not recorded.",
    ),
    MeetingFact(
        "telecon-2009-05-20",
        "ISECG plenary teleconference",
        MeetingKind.TELECONFERENCE,
        dt.date(2009, 5, 20),
        0,
        "UTC",
        "",
        "",
        (),
        False,
        "ESA assumed the chair from JAXA effective with this teleconference (seeds/003).",
    ),
    MeetingFact(
        "noordwijk-2009",
        "ISECG meeting, Noordwijk",
        MeetingKind.PLENARY,
        dt.date(2009, 12, 8),
        2,
        "Europe/Amsterdam",
        "Noordwijk",
        "Netherlands",
        ("ESA",),
        True,
        "December 2009 (seeds/003); the day is not recorded.",
        "ESA ESTEC",
    ),
    MeetingFact(
        "nasa-2010",
        "ISECG senior managers' meeting (NASA-hosted)",
        MeetingKind.SENIOR_MANAGERS,
        dt.date(2010, 6, 15),
        1,
        "America/New_York",
        "Not recorded",
        "United States",
        ("NASA",),
        True,
        "NASA hosted the June 2010 senior managers' meeting; city and day are not recorded.",
    ),
    MeetingFact(
        "kyoto-2011",
        "ISECG meeting, Kyoto",
        MeetingKind.PLENARY,
        dt.date(2011, 6, 15),
        2,
        "Asia/Tokyo",
        "Kyoto",
        "Japan",
        ("JAXA",),
        True,
        "2011; dates uncertain.",
    ),
    MeetingFact(
        "songdo-2023",
        "ISECG meeting, Songdo",
        MeetingKind.PLENARY,
        dt.date(2023, 12, 5),
        2,
        "Asia/Seoul",
        "Songdo, Incheon",
        "Republic of Korea",
        ("KARI",),
        True,
        "December 2023, hosted by KARI; the day is not recorded.",
    ),
    MeetingFact(
        "cologne-2024",
        "ISECG meeting, Cologne",
        MeetingKind.PLENARY,
        dt.date(2024, 12, 3),
        2,
        "Europe/Berlin",
        "Cologne",
        "Germany",
        ("ESA",),
        True,
        "December 2024 at the European Astronaut Centre; the day is not recorded.",
        "European Astronaut Centre",
    ),
]


class ChairFact(NamedTuple):
    agency: str
    starts_on: dt.date
    meeting: str | None
    uncertain: bool
    note: str


# Chronological; each term ends when the next starts (ISECG_FACTS.md "Chairs").
CHAIRS: list[ChairFact] = [
    ChairFact(
        "JAXA",
        dt.date(2009, 3, 10),
        "yokohama-2009",
        True,
        "Chair until 20 May 2009 (seeds/003); start not recorded.",
    ),
    ChairFact(
        "ESA",
        dt.date(2009, 5, 20),
        "telecon-2009-05-20",
        False,
        "Assumed from JAXA at the 20 May 2009 teleconference (seeds/003).",
    ),
    ChairFact(
        "NASA",
        dt.date(2010, 6, 15),
        "nasa-2010",
        True,
        "2010; hosted the June 2010 senior managers' meeting.",
    ),
    ChairFact("JAXA", dt.date(2011, 6, 15), "kyoto-2011", True, "2011 (Kyoto); dates uncertain."),
    ChairFact(
        "CSA",
        dt.date(2012, 11, 1),
        None,
        True,
        "About late 2012; chair in January 2014 (seeds/002).",
    ),
    ChairFact("ESA", dt.date(2014, 9, 30), None, False, "From 30 September 2014 (ISECG news)."),
    ChairFact("NASA", dt.date(2017, 10, 1), None, True, "Chair by October 2017; start uncertain."),
    ChairFact("JAXA", dt.date(2020, 2, 1), None, True, "About early 2020; uncertain."),
    ChairFact("CSA", dt.date(2020, 12, 1), None, True, "End 2020 to 2021; uncertain."),
    ChairFact(
        "KARI",
        dt.date(2023, 12, 5),
        "songdo-2023",
        True,
        "Inferred: the host of the Songdo meeting assumes the chair.",
    ),
    ChairFact(
        "ESA",
        dt.date(2024, 12, 3),
        "cologne-2024",
        True,
        "Inferred: the host of the Cologne meeting assumes the chair.",
    ),
]


def _instant(day: dt.date, hour: int, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(zone))


def _meetings(stdout: Any) -> dict[str, Meeting]:
    agencies = {a.acronym: a for a in Agency.objects.all()}
    result: dict[str, Meeting] = {}
    for fact in MEETINGS:
        if fact.kind == MeetingKind.TELECONFERENCE:
            starts = _instant(fact.day, 13, fact.time_zone)
            ends = starts + dt.timedelta(hours=2)
        else:
            starts = _instant(fact.day, 9, fact.time_zone)
            ends = _instant(fact.day + dt.timedelta(days=max(fact.days - 1, 0)), 17, fact.time_zone)
        existing = Meeting.objects.filter(title=fact.title, starts_at=starts).first()
        if existing is None and fact.city:
            existing = services.meeting_record_historical(
                actor=None,
                title=fact.title,
                kind=fact.kind,
                starts_at=starts,
                ends_at=ends,
                time_zone=fact.time_zone,
                city=fact.city,
                country=fact.country,
                venue=fact.venue,
                hosts=[agencies[a] for a in fact.hosts if a in agencies],
                notes=fact.note,
                dates_uncertain=fact.uncertain,
            )
        elif existing is None:
            existing = services.meeting_create(
                actor=None,
                title=fact.title,
                kind=fact.kind,
                starts_at=starts,
                ends_at=ends,
                time_zone=fact.time_zone,
                dial_in="Teleconference (historical record)",
                notes=fact.note,
                state=MeetingState.MINUTES_ISSUED,
                dates_uncertain=fact.uncertain,
            )
        result[fact.key] = existing
    return result


def _chairs(meetings: dict[str, Meeting]) -> int:
    if ChairTerm.objects.exists():
        return 0
    agencies = {a.acronym: a for a in Agency.objects.all()}
    for fact in CHAIRS:
        services.chair_term_start(
            actor=None,
            agency=agencies[fact.agency],
            starts_on=fact.starts_on,
            note=fact.note,
            assumed_at=meetings.get(fact.meeting) if fact.meeting else None,
            dates_uncertain=fact.uncertain,
            handover=False,
        )
    return len(CHAIRS)


def _series() -> TeleconferenceSeries:
    series = TeleconferenceSeries.objects.filter(
        title="ISECG monthly plenary teleconference"
    ).first()
    if series is None:
        series = services.series_create(
            actor=None,
            title="ISECG monthly plenary teleconference",
            rule="FREQ=MONTHLY;BYDAY=2TU",
            local_time=dt.time(13),
            time_zone="UTC",
            duration_minutes=90,
            starts_on=dt.date(2026, 1, 1),
            dial_in="https://meet.isecg.example/plenary (demo) · PIN 2007 1106",
            horizon_days=120,
        )
    else:
        services.series_generate(series_id=series.pk)
    return series


UPCOMING_TITLE = "ISECG plenary meeting 2027 (demo)"
AGENDA = [
    ("Opening, adoption of the agenda", ""),
    ("Chair's report and handover planning", "ToR III.2.2: rotation about every 12-18 months."),
    ("Global Exploration Roadmap: status of the next supplement", ""),
    ("Annual workplan", "ToR III.2.2: ISECG establishes its annual workplan."),
    ("Venue and host of the next plenary meeting", "Proposals from participating agencies."),
    ("Any other business", ""),
]


def _adopt_venue(proposal: VenueProposal) -> None:
    """Put the demo venue to a consensus decision; the secretariat records each agency's
    concurrence stated at the demo teleconference, so the decision closes adopted."""
    secretariat = User.objects.filter(username="secretariat", is_active=True).first()
    decision = services.venue_proposal_put_to_decision(
        actor=None, proposal=proposal, deadline=timezone.now() + dt.timedelta(days=21)
    )
    for member in decision.electorate.select_related("agency").order_by("agency__acronym"):
        decision.refresh_from_db()
        if decision.state != "open":
            break
        position_record_on_behalf(
            actor=secretariat,
            decision=decision,
            agency=member.agency,
            value="concur",
            evidence="Demo: stated by the head of delegation at the plenary teleconference.",
        )


def _upcoming() -> Meeting | None:
    meeting = Meeting.objects.filter(title=UPCOMING_TITLE).first()
    if meeting is not None:
        return meeting
    csa = Agency.objects.filter(acronym="CSA", status=AgencyStatus.PARTICIPATING).first()
    if csa is None:
        return None
    today = timezone.localdate()
    day = today + dt.timedelta(days=75)
    proposal = services.venue_proposal_submit(
        actor=None,
        host_agencies=[csa],
        title=UPCOMING_TITLE,
        kind=MeetingKind.PLENARY,
        starts_at=_instant(day, 9, "America/Toronto"),
        ends_at=_instant(day + dt.timedelta(days=1), 17, "America/Toronto"),
        time_zone="America/Toronto",
        city="Montreal",
        country="Canada",
        venue="John H. Chapman Space Centre (demo)",
        associated_event="Demo exploration conference (fictional)",
        statement="Fictional upcoming meeting for the demo; draft agenda below.",
        cost_acknowledged=True,
    )
    _adopt_venue(proposal)
    meeting = Meeting.objects.get(pk=proposal.meeting_id)
    for title, description in AGENDA:
        services.agenda_item_add(
            actor=None,
            meeting=meeting,
            title=title,
            description=description,
            product_title="Global Exploration Roadmap" if "Roadmap" in title else "",
        )
    return meeting


def seed(*, stdout: Any) -> None:
    meetings = _meetings(stdout)
    chairs = _chairs(meetings)
    series = _series()
    upcoming = _upcoming()
    stdout.write(
        f"Meetings: {len(meetings)} historical meetings, {chairs} chair terms recorded, "
        f"series '{series.title}' ({series.meetings.count()} occurrences), "
        f"upcoming: {upcoming.title if upcoming else 'none (CSA is not participating)'}."
    )
