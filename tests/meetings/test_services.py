"""Behaviour of the meetings services: rules of ToR III.2.1 and III.2.2."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import AuditEvent, Notification
from meetings import recurrence, services
from meetings.models import (
    MEETING_TRANSITIONS,
    AgendaItem,
    ChairNominationState,
    ChairTerm,
    HandoverCategory,
    Meeting,
    MeetingKind,
    MeetingState,
    MinutesState,
    VenueProposalState,
    meeting_transition_allowed,
)
from tests.factories import AgencyFactory
from tests.meetings.conftest import at, make_meeting

pytestmark = pytest.mark.django_db


# --- pure rules ---------------------------------------------------------------------------


def test_meeting_transitions_table() -> None:
    assert meeting_transition_allowed("proposed", "scheduled")
    assert meeting_transition_allowed("scheduled", "held")
    assert meeting_transition_allowed("held", "minutes_issued")
    assert not meeting_transition_allowed("held", "cancelled")
    assert not meeting_transition_allowed("minutes_issued", "held")
    assert MEETING_TRANSITIONS[MeetingState.CANCELLED] == frozenset()


def test_recurrence_explained_in_words() -> None:
    assert (
        recurrence.explain("FREQ=MONTHLY;BYDAY=2TU", dt.time(13), "UTC")
        == "Every month on the second Tuesday, at 13:00 UTC"
    )
    assert recurrence.explain("freq=weekly;interval=2;byday=WE").startswith(
        "Every other week on Wednesday"
    )
    assert "last Friday" in recurrence.explain("FREQ=MONTHLY;BYDAY=-1FR")


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "BYDAY=2TU",
        "FREQ=HOURLY",
        "FREQ=MONTHLY;BYDAY=9TU",
        "FREQ=MONTHLY;X=1",
        "nonsense",
        "FREQ=MONTHLY;COUNT=0",
        "FREQ=MONTHLY;COUNT=2;UNTIL=20301231",
        "FREQ=MONTHLY;BYMONTH=13",
    ],
)
def test_malformed_rule_is_explained(rule: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        recurrence.parse_rule(rule)
    assert caught.value.field == "rule"
    assert "FREQ=MONTHLY;BYDAY=2TU" in caught.value.detail  # the format is explained


def test_occurrences_keep_wall_clock_time_across_dst() -> None:
    starts = list(
        recurrence.occurrences(
            rule="FREQ=MONTHLY;BYDAY=2TU",
            starts_on=dt.date(2027, 1, 1),
            local_time=dt.time(14),
            time_zone="Europe/Paris",
            after=at(2027, 1, 1),
            before=at(2027, 5, 1),
        )
    )
    assert [s.date() for s in starts] == [
        dt.date(2027, 1, 12),
        dt.date(2027, 2, 9),
        dt.date(2027, 3, 9),
        dt.date(2027, 4, 13),
    ]
    assert starts[0].hour == 13 and starts[3].hour == 12  # CET then CEST


# --- meetings -----------------------------------------------------------------------------


def test_meeting_ending_before_it_starts_is_refused(users: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.meeting_create(
            actor=users["secretariat"],
            title="Backwards",
            kind=MeetingKind.PLENARY,
            starts_at=at(2027, 1, 2, 10),
            ends_at=at(2027, 1, 2, 9),
            city="Paris",
        )
    assert caught.value.field == "ends_at"
    assert not Meeting.objects.exists()


def test_meeting_needs_a_place_or_dial_in(users: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.meeting_create(
            actor=users["secretariat"],
            title="Nowhere",
            kind=MeetingKind.PLENARY,
            starts_at=at(2027, 1, 2, 9),
            ends_at=at(2027, 1, 2, 10),
        )


def test_only_the_secretariat_schedules(users: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.meeting_create(
            actor=users["rep_a"],
            title="Mine",
            kind=MeetingKind.PLENARY,
            starts_at=at(2027, 1, 2, 9),
            ends_at=at(2027, 1, 2, 10),
            city="Rome",
        )


def test_create_records_audit(users: Any) -> None:
    meeting = make_meeting(city="", kind=MeetingKind.TELECONFERENCE)
    assert not meeting.hosts.exists()
    assert AuditEvent.objects.filter(action="meeting.created", object_id=str(meeting.pk)).exists()


# --- teleconference series ----------------------------------------------------------------


@time_machine.travel(at(2026, 11, 21, 12), tick=False)
def test_series_generates_ahead_and_survives_cancel_and_move(users: Any) -> None:
    secretariat = users["secretariat"]
    series = services.series_create(
        actor=secretariat,
        title="Monthly plenary teleconference",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        local_time=dt.time(13),
        time_zone="UTC",
        starts_on=dt.date(2026, 1, 1),
        horizon_days=100,
        dial_in="https://meet.example/isecg",
    )
    meetings = list(series.meetings.order_by("starts_at"))
    assert [m.starts_at for m in meetings] == [
        at(2026, 12, 8, 13),
        at(2027, 1, 12, 13),
        at(2027, 2, 9, 13),
    ]
    assert all(m.kind == MeetingKind.TELECONFERENCE for m in meetings)

    services.meeting_cancel(actor=secretariat, meeting=meetings[0], reason="Clashes with a launch.")
    services.meeting_update(
        actor=secretariat,
        meeting=meetings[1],
        starts_at=at(2027, 1, 14, 15),
        ends_at=at(2027, 1, 14, 16, 30),
        reason="The usual Tuesday clashes with a launch.",
    )
    assert services.series_generate(series_id=series.pk) == []  # nothing regenerated
    assert series.meetings.count() == 3
    moved = Meeting.objects.get(pk=meetings[1].pk)
    assert moved.moved and moved.occurrence_key == at(2027, 1, 12, 13)
    assert Meeting.objects.get(pk=meetings[0].pk).state == MeetingState.CANCELLED
    series.refresh_from_db()
    assert series.active and series.rule == "FREQ=MONTHLY;BYDAY=2TU"

    with time_machine.travel(at(2027, 1, 20), tick=False):
        created = services.series_generate(series_id=series.pk)
    assert [m.starts_at for m in created] == [at(2027, 3, 9, 13), at(2027, 4, 13, 13)]


def test_series_with_malformed_rule_is_400(users: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.series_create(
            actor=users["secretariat"], title="Bad", rule="FREQ=SOMETIMES", local_time=dt.time(9)
        )
    assert caught.value.code == "invalid_recurrence"


# --- venues and the chair -------------------------------------------------------------------


def _propose(actor: Any, agency: Any, **extra: Any) -> Any:
    values = {
        "host_agencies": [agency],
        "title": "ISECG plenary 2027",
        "starts_at": at(2027, 4, 20, 7),
        "ends_at": at(2027, 4, 21, 15),
        "time_zone": "Europe/Rome",
        "city": "Rome",
        "country": "Italy",
        "associated_event": "Global Space Exploration Conference",
        "cost_acknowledged": True,
    }
    values.update(extra)
    return services.venue_proposal_submit(actor=actor, **values)


def test_venue_without_cost_acknowledgement_is_400(users: Any, agency_a: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _propose(users["rep_a"], agency_a, cost_acknowledged=False)
    assert caught.value.field == "cost_acknowledged"


def test_representative_proposes_only_for_own_agency(users: Any, agency_a: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        _propose(users["rep_b"], agency_a)


def test_venue_agreed_by_consensus_then_host_assumes_chair(
    users: Any, agency_a: Any, chair_agency: Any, adopt: Any
) -> None:
    secretariat = users["secretariat"]
    proposal = _propose(users["rep_a"], agency_a)
    assert proposal.meeting.state == MeetingState.PROPOSED
    decision = services.venue_proposal_put_to_decision(
        actor=secretariat, proposal=proposal, deadline=at(2027, 1, 1)
    )
    assert decision.kind == "venue" and decision.subject == proposal
    adopt(decision)
    assert decision.outcome == "adopted"
    proposal.refresh_from_db()
    meeting = proposal.meeting
    meeting.refresh_from_db()
    assert proposal.state == VenueProposalState.AGREED
    assert meeting.state == MeetingState.SCHEDULED
    assert list(meeting.hosts.all()) == [agency_a]
    nomination = meeting.chair_nominations.get()
    assert nomination.agency == agency_a and nomination.state == ChairNominationState.PROPOSED

    chair_decision = services.chair_nomination_put_to_decision(
        actor=secretariat, nomination=nomination, deadline=at(2027, 2, 1)
    )
    adopt(chair_decision)
    nomination.refresh_from_db()
    assert nomination.state == ChairNominationState.AGREED
    assert ChairTerm.objects.get(ends_on__isnull=True).agency == chair_agency  # not yet

    with time_machine.travel(at(2027, 4, 20, 9), tick=False):
        services.meeting_mark_held(actor=secretariat, meeting=meeting)
    term = ChairTerm.objects.get(ends_on__isnull=True)
    assert term.agency == agency_a
    assert term.assumed_at == meeting and term.decision == chair_decision
    assert term.starts_on == dt.date(2027, 4, 20)
    previous = ChairTerm.objects.get(agency=chair_agency)
    assert previous.ends_on == dt.date(2027, 4, 20)
    checklist = term.handover
    assert checklist.previous_term == previous
    categories = set(checklist.items.values_list("category", flat=True))
    assert HandoverCategory.OUTSTANDING_MINUTES in categories  # the meeting just held
    assert Notification.objects.filter(kind="meetings.chair_handover").exists()


def test_blocked_venue_is_not_agreed(users: Any, agency_a: Any, agency_b: Any, reps: Any) -> None:
    from consensus.services import position_cast

    proposal = _propose(users["rep_a"], agency_a)
    decision = services.venue_proposal_put_to_decision(
        actor=users["secretariat"], proposal=proposal, deadline=at(2027, 1, 1)
    )
    position_cast(
        actor=users["rep_b"],
        decision=decision,
        agency=agency_b,
        value="object",
        statement="Clashes with our budget cycle.",
    )
    from consensus.services import decision_close_if_due

    decision_close_if_due(decision_id=decision.pk, now=at(2027, 1, 2))
    proposal.refresh_from_db()
    assert proposal.state == VenueProposalState.NOT_AGREED
    assert proposal.meeting.state == MeetingState.PROPOSED


def test_second_current_chair_term_is_409(users: Any, agency_a: Any) -> None:
    with pytest.raises(ConflictError) as caught:
        services.chair_term_start(
            actor=None,
            agency=agency_a,
            starts_on=dt.date(2026, 6, 1),
            end_current=False,
        )
    assert caught.value.code == "chair_term_current_exists"
    assert ChairTerm.objects.filter(ends_on__isnull=True).count() == 1


def test_database_refuses_two_current_terms(agency_a: Any, chair_agency: Any) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ChairTerm.objects.create(agency=agency_a, starts_on=dt.date(2026, 5, 1))


def test_rotation_stats(users: Any, agency_a: Any, agency_b: Any) -> None:
    from meetings.selectors import rotation_stats

    services.chair_term_start(actor=None, agency=agency_a, starts_on=dt.date(2026, 7, 1))
    stats = rotation_stats(today=dt.date(2026, 10, 1))
    assert stats.current_agency == "AAA"
    assert stats.current_days == 92
    assert stats.completed_terms == 1
    assert stats.average_months == pytest.approx(181 / 30.44, abs=0.1)
    assert stats.status == "ok"


# --- delegations and advisors (ToR III.2.1) ------------------------------------------------------


def test_delegation_registration_by_own_representatives_only(users: Any, agency_a: Any) -> None:
    meeting = make_meeting()
    services.attendance_register(
        actor=users["rep_a"], meeting=meeting, agency=agency_a, user=users["rep_a"]
    )
    services.attendance_register(
        actor=users["rep_a"], meeting=meeting, agency=agency_a, user=users["rep_a"]
    )
    assert meeting.attendances.count() == 1
    with pytest.raises(PermissionDeniedError):
        services.attendance_register(
            actor=users["rep_b"], meeting=meeting, agency=agency_a, user=users["rep_b"]
        )
    with pytest.raises(ValidationFailed):
        services.attendance_register(
            actor=users["secretariat"], meeting=meeting, agency=agency_a, user=users["rep_b"]
        )


@time_machine.travel(at(2027, 3, 1), tick=False)
def test_advisor_late_notice_is_flagged_to_the_secretariat(users: Any, agency_a: Any) -> None:
    meeting = make_meeting(starts_at=at(2027, 3, 10, 8))  # 9 days ahead, lead time 14 days
    advisor = services.advisor_invite(
        actor=users["rep_a"],
        meeting=meeting,
        agency=agency_a,
        name="Dr Ada Example",
        affiliation="University of Somewhere",
        expertise="Lunar regolith",
        conflict_of_interest_statement="None declared.",
    )
    assert advisor.late_notice
    notice = Notification.objects.get(kind="meetings.advisor_late")
    assert notice.recipient == users["secretariat"] and "LATE NOTICE" in notice.title
    with pytest.raises(PermissionDeniedError):
        services.advisor_invite(
            actor=users["rep_b"],
            meeting=meeting,
            agency=agency_a,
            name="X",
            affiliation="Y",
            expertise="Z",
            conflict_of_interest_statement="None.",
        )
    with pytest.raises(ValidationFailed):
        services.advisor_invite(
            actor=users["rep_a"],
            meeting=meeting,
            agency=agency_a,
            name="X",
            affiliation="Y",
            expertise="Z",
            conflict_of_interest_statement="  ",
        )


@time_machine.travel(at(2027, 1, 1), tick=False)
def test_advisor_in_good_time_is_not_flagged(users: Any, agency_a: Any, settings: Any) -> None:
    meeting = make_meeting(starts_at=at(2027, 3, 10, 8))
    advisor = services.advisor_invite(
        actor=users["rep_a"],
        meeting=meeting,
        agency=agency_a,
        name="A",
        affiliation="B",
        expertise="C",
        conflict_of_interest_statement="None.",
    )
    assert not advisor.late_notice
    settings.MEETINGS_ADVISOR_LEAD_DAYS = 90  # configurable lead time
    later = services.advisor_invite(
        actor=users["rep_a"],
        meeting=meeting,
        agency=agency_a,
        name="D",
        affiliation="E",
        expertise="F",
        conflict_of_interest_statement="None.",
    )
    assert later.late_notice


# --- minutes ----------------------------------------------------------------------------------------


def _held_meeting() -> Meeting:
    return make_meeting(starts_at=at(2026, 10, 6, 8), state=MeetingState.HELD)


def test_minutes_draft_includes_decisions_with_reservations(
    users: Any, agency_b: Any, adopt: Any
) -> None:
    from consensus.services import decision_open

    make_meeting(title="Earlier plenary", starts_at=at(2026, 3, 3, 8), state=MeetingState.HELD)
    with time_machine.travel(at(2026, 6, 1), tick=False):
        decision = decision_open(
            actor=None,
            kind="motion",
            title="Adopt the lunar statement",
            text="Text.",
            deadline=at(2026, 7, 1),
        )
        adopt(decision, reservation=(agency_b, "Subject to our ministry's review."))
    meeting = _held_meeting()
    minutes = services.minutes_draft(actor=users["secretariat"], meeting=meeting)
    assert "Decisions taken since the previous meeting" in minutes.body
    assert "Adopt the lunar statement" in minutes.body and "adopted" in minutes.body
    assert "Reservation (BBB): Subject to our ministry's review." in minutes.body
    assert services.minutes_draft(actor=users["secretariat"], meeting=meeting) == minutes


def test_minutes_lifecycle(users: Any, agency_a: Any) -> None:
    secretariat, chair = users["secretariat"], users["chair"]
    meeting = _held_meeting()
    with pytest.raises(PermissionDeniedError):
        services.minutes_draft(actor=users["rep_a"], meeting=meeting)
    minutes = services.minutes_draft(actor=secretariat, meeting=meeting, body="# Minutes\n\nText.")
    with pytest.raises(ConflictError):
        services.minutes_issue(actor=chair, minutes=minutes)  # not circulated
    deadline = at(2026, 12, 1)
    with time_machine.travel(at(2026, 11, 21), tick=False):
        services.minutes_circulate(actor=secretariat, minutes=minutes, comment_deadline=deadline)
        services.minutes_comment(
            actor=users["rep_a"], minutes=minutes, agency=agency_a, body="Typo in 2."
        )
        with pytest.raises(PermissionDeniedError):
            services.minutes_comment(
                actor=users["rep_b"], minutes=minutes, agency=agency_a, body="x"
            )
        with pytest.raises(ConflictError) as caught:
            services.minutes_issue(actor=chair, minutes=minutes)
        assert caught.value.code == "comment_period_open"
        services.minutes_edit(actor=secretariat, minutes=minutes, body="# Minutes\n\nText, fixed.")
    assert Notification.objects.filter(kind="meetings.minutes_circulated").exists()
    with time_machine.travel(at(2026, 12, 2), tick=False):
        with pytest.raises(ConflictError):
            services.minutes_comment(
                actor=users["rep_a"], minutes=minutes, agency=agency_a, body="late"
            )
        with pytest.raises(PermissionDeniedError):
            services.minutes_issue(actor=users["rep_a"], minutes=minutes)
        services.minutes_issue(actor=chair, minutes=minutes)
    minutes.refresh_from_db()
    meeting.refresh_from_db()
    assert minutes.state == MinutesState.ISSUED and minutes.issued_by == chair
    assert meeting.state == MeetingState.MINUTES_ISSUED
    with pytest.raises(ConflictError) as caught:
        services.minutes_edit(actor=secretariat, minutes=minutes, body="Changed")
    assert caught.value.code == "minutes_issued"

    with pytest.raises(ValidationFailed):
        services.minutes_correct(actor=secretariat, minutes=minutes, body="v2", reason="")
    correction = services.minutes_correct(
        actor=secretariat,
        minutes=minutes,
        body="# Minutes\n\nCorrected.",
        reason="Wrong date in 3.",
    )
    assert correction.version == 2 and correction.corrects == minutes
    services.minutes_issue(actor=chair, minutes=correction)
    minutes.refresh_from_db()
    assert minutes.body == "# Minutes\n\nText, fixed."  # the issued version is unchanged


# --- action items --------------------------------------------------------------------------------


def test_action_items_owner_may_close(users: Any, agency_a: Any) -> None:
    meeting = _held_meeting()
    item = services.action_item_create(
        actor=users["chair"],
        meeting=meeting,
        title="Draft the GER annex",
        owner_agency=agency_a,
        due_on=dt.date(2027, 1, 15),
    )
    with pytest.raises(PermissionDeniedError):
        services.action_item_set_status(actor=users["rep_b"], item=item, status="done")
    item = services.action_item_set_status(actor=users["rep_a"], item=item, status="done")
    assert item.status == "done" and item.closed_at is not None


def test_agenda_links_decisions_and_products_and_reorders(users: Any, agency_a: Any) -> None:
    meeting = make_meeting()
    first = services.agenda_item_add(actor=users["chair"], meeting=meeting, title="Opening")
    second = services.agenda_item_add(
        actor=users["secretariat"],
        meeting=meeting,
        title="GER endorsement",
        product=agency_a,
        product_title="Global Exploration Roadmap, 4th edition",
    )
    assert (first.position, second.position) == (1, 2)
    assert second.product == agency_a  # any model through the generic link
    services.agenda_reorder(actor=users["chair"], meeting=meeting, item_ids=[second.pk, first.pk])
    assert list(meeting.agenda_items.values_list("title", flat=True)) == [
        "GER endorsement",
        "Opening",
    ]
    with pytest.raises(PermissionDeniedError):
        services.agenda_item_add(actor=users["rep_a"], meeting=meeting, title="Mine")


def test_withdrawn_agency_cannot_host(users: Any) -> None:
    gone = AgencyFactory(acronym="GON", status="withdrawn", withdrawn_on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationFailed):
        _propose(users["secretariat"], gone)


# --- withdrawing agenda items ---------------------------------------------------------------


def _agenda(meeting: Meeting, *titles: str) -> list[Any]:
    return [services.agenda_item_add(actor=None, meeting=meeting, title=t) for t in titles]


def _active_titles(meeting: Meeting) -> list[tuple[int, str]]:
    return list(
        AgendaItem.objects.active()
        .filter(meeting=meeting)
        .order_by("position")
        .values_list("position", "title")
    )


def test_withdrawn_item_is_kept_with_reason_and_the_rest_renumbered(users: Any) -> None:
    meeting = make_meeting()
    opening, ger, aob = _agenda(meeting, "Opening", "GER status", "Any other business")

    item = services.agenda_item_withdraw(
        actor=users["chair"], item=ger, reason="Moved to the next plenary."
    )

    assert item.withdrawn_at is not None and item.withdrawn_by == users["chair"]
    assert item.withdrawal_reason == "Moved to the next plenary."
    assert item.position == 2  # the number it had stays on the record
    assert AgendaItem.objects.filter(meeting=meeting).count() == 3  # nothing deleted
    assert _active_titles(meeting) == [(1, "Opening"), (2, "Any other business")]
    assert [i.title for i in meeting.withdrawn_agenda] == ["GER status"]
    event = AuditEvent.objects.get(action="agenda_item.withdrawn")
    assert event.actor == users["chair"] and event.object_id == str(ger.pk)
    assert event.data == {
        "meeting": meeting.pk,
        "position": 2,
        "title": "GER status",
        "reason": "Moved to the next plenary.",
    }

    # Reordering and adding work on the active items only.
    with pytest.raises(ValidationFailed):
        services.agenda_reorder(
            actor=users["chair"], meeting=meeting, item_ids=[aob.pk, opening.pk, ger.pk]
        )
    services.agenda_reorder(actor=users["chair"], meeting=meeting, item_ids=[aob.pk, opening.pk])
    added = services.agenda_item_add(actor=users["secretariat"], meeting=meeting, title="Close")
    assert added.position == 3
    assert _active_titles(meeting) == [(1, "Any other business"), (2, "Opening"), (3, "Close")]


def test_withdrawing_every_item_in_turn_keeps_positions_consistent(users: Any) -> None:
    meeting = make_meeting()
    items = _agenda(meeting, "A", "B", "C", "D")
    for item, expected in [
        (items[0], ["B", "C", "D"]),
        (items[2], ["B", "D"]),
        (items[3], ["B"]),
        (items[1], []),
    ]:
        services.agenda_item_withdraw(actor=users["secretariat"], item=item, reason="Dropped.")
        assert _active_titles(meeting) == list(enumerate(expected, start=1))
    assert services.agenda_item_add(actor=None, meeting=meeting, title="E").position == 1


def test_withdrawing_again_changes_nothing(users: Any) -> None:
    meeting = make_meeting()
    (item,) = _agenda(meeting, "GER status")
    first = services.agenda_item_withdraw(actor=users["chair"], item=item, reason="Later.")
    again = services.agenda_item_withdraw(
        actor=users["secretariat"], item=item, reason="Another reason."
    )
    assert again.withdrawn_at == first.withdrawn_at and again.withdrawn_by == users["chair"]
    assert again.withdrawal_reason == "Later."
    assert AuditEvent.objects.filter(action="agenda_item.withdrawn").count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawal_needs_a_reason(users: Any, reason: str) -> None:
    meeting = make_meeting()
    (item,) = _agenda(meeting, "GER status")
    with pytest.raises(ValidationFailed) as refused:
        services.agenda_item_withdraw(actor=users["chair"], item=item, reason=reason)
    assert (refused.value.code, refused.value.field) == ("required", "reason")
    item.refresh_from_db()
    assert item.withdrawn_at is None


def test_database_refuses_a_withdrawal_without_reason(users: Any) -> None:
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    meeting = make_meeting()
    (item,) = _agenda(meeting, "GER status")
    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaItem.objects.filter(pk=item.pk).update(withdrawn_at=timezone.now())


@pytest.mark.parametrize("role", ["rep_a", "rep_b", "api_client"])
def test_only_chair_or_secretariat_withdraw(users: Any, role: str) -> None:
    meeting = make_meeting()
    (item,) = _agenda(meeting, "GER status")
    with pytest.raises(PermissionDeniedError) as refused:
        services.agenda_item_withdraw(actor=users[role], item=item, reason="Mine.")
    assert refused.value.code == "not_chair_or_secretariat"
    assert not AgendaItem.objects.withdrawn().exists()


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (MeetingState.HELD, "meeting_already_held"),
        (MeetingState.MINUTES_ISSUED, "meeting_already_held"),
        (MeetingState.CANCELLED, "agenda_closed"),
    ],
)
def test_no_withdrawal_once_the_meeting_took_place_or_was_cancelled(
    users: Any, state: str, code: str
) -> None:
    meeting = make_meeting()
    (item,) = _agenda(meeting, "GER status")
    Meeting.objects.filter(pk=meeting.pk).update(state=state)
    with pytest.raises(ConflictError) as refused:
        services.agenda_item_withdraw(actor=users["secretariat"], item=item, reason="Too late.")
    assert refused.value.code == code and refused.value.status_code == 409
    item.refresh_from_db()
    assert item.withdrawn_at is None


def test_no_withdrawal_after_a_scheduled_meeting_has_ended(users: Any) -> None:
    meeting = make_meeting(starts_at=at(2027, 3, 10, 8), hours=8)
    (item,) = _agenda(meeting, "GER status")
    with time_machine.travel(at(2027, 3, 10, 16), tick=False), pytest.raises(ConflictError) as e:
        services.agenda_item_withdraw(actor=users["chair"], item=item, reason="Too late.")
    assert e.value.code == "meeting_already_held"
    with time_machine.travel(at(2027, 3, 10, 9), tick=False):  # during the meeting: allowed
        services.agenda_item_withdraw(actor=users["chair"], item=item, reason="Not reached.")
    item.refresh_from_db()
    assert item.withdrawn_at == at(2027, 3, 10, 9)


def test_minutes_skeleton_lists_only_the_active_agenda(users: Any) -> None:
    meeting = make_meeting()
    _, ger = _agenda(meeting, "Opening", "GER status")
    services.agenda_item_withdraw(actor=users["chair"], item=ger, reason="Moved.")
    services.agenda_item_add(actor=None, meeting=meeting, title="Close")
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.HELD)
    minutes = services.minutes_draft(actor=None, meeting=meeting)
    assert "1. Opening\n2. Close" in minutes.body and "GER status" not in minutes.body
