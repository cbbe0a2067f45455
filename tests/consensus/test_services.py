"""The consensus services: opening, casting, closing, the electorate, the handlers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from agencies.models import AgencyStatus
from consensus import ledger, registry, services
from consensus.models import (
    Decision,
    DecisionEvent,
    DecisionEventKind,
    DecisionState,
    Motion,
    MotionState,
    Position,
    PositionEvent,
    decision_transition_allowed,
)
from consensus.selectors import decision_tally, decisions_awaiting, decisions_for_subject
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import AuditEvent, Notification
from membership.services import withdrawal_record
from tests.consensus.conftest import NOW
from tests.factories import AgencyFactory, make_representative
from tests.membership.conftest import pdf

pytestmark = pytest.mark.django_db


def test_transitions_table() -> None:
    assert decision_transition_allowed("open", "closed")
    assert not decision_transition_allowed("closed", "open")
    assert not decision_transition_allowed("closed", "closed")


# --- opening --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["chair", "secretariat"])
def test_chair_and_secretariat_open(users: dict, frozen: Any, role: str) -> None:
    decision = services.decision_open(
        actor=users[role],
        kind="motion",
        title="Adopt the GER update",
        text="Text",
        deadline=NOW + dt.timedelta(days=7),
    )
    assert decision.state == DecisionState.OPEN
    assert decision.opened_by == users[role]
    assert decision.events.get().kind == DecisionEventKind.OPENED
    assert AuditEvent.objects.filter(action="decision.opened").count() == 1
    opened = Notification.objects.filter(kind="decision.opened")
    assert {n.recipient.username for n in opened} == {"rep.a", "rep.b", "chair.hod", "secretariat"}


@pytest.mark.parametrize("role", ["rep_a", "api_client"])
def test_others_may_not_open(users: dict, frozen: Any, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services.decision_open(
            actor=users[role], kind="motion", title="T", text="x", deadline=NOW + dt.timedelta(1)
        )


def test_system_may_open(users: dict, frozen: Any) -> None:
    decision = services.decision_open(
        actor=None, kind="venue", title="T", text="x", deadline=NOW + dt.timedelta(days=1)
    )
    assert decision.opened_by is None


@pytest.mark.parametrize(
    ("deadline", "code"),
    [(NOW - dt.timedelta(minutes=1), "deadline_in_past"), (NOW, "deadline_in_past")],
)
def test_deadline_must_be_future(users: dict, frozen: Any, deadline: Any, code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.decision_open(
            actor=users["chair"], kind="motion", title="T", text="x", deadline=deadline
        )
    assert err.value.code == code
    assert err.value.field == "deadline"


@override_settings(CONSENSUS_MIN_NOTICE={"tor_amendment": dt.timedelta(days=14)})
def test_minimum_notice_per_kind(users: dict, frozen: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.decision_open(
            actor=users["chair"],
            kind="tor_amendment",
            title="T",
            text="x",
            deadline=NOW + dt.timedelta(days=13),
        )
    assert err.value.code == "notice_too_short"
    services.decision_open(
        actor=users["chair"],
        kind="motion",
        title="T",
        text="x",
        deadline=NOW + dt.timedelta(days=1),
    )
    services.decision_open(
        actor=users["chair"],
        kind="tor_amendment",
        title="T",
        text="x",
        deadline=NOW + dt.timedelta(days=14),
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "vote"}, "kind"),
        ({"procedure": "majority"}, "procedure"),
        ({"title": "  "}, "title"),
        ({"text": ""}, "text"),
        ({"quorum": (0, 3)}, "quorum"),
        ({"quorum": (4, 3)}, "quorum"),
        ({"deadline": dt.datetime(2026, 12, 1, 12, 0)}, "deadline"),  # naive
    ],
)
def test_open_bad_input(users: dict, frozen: Any, kwargs: dict, field: str) -> None:
    args = {"kind": "motion", "title": "T", "text": "x", "deadline": NOW + dt.timedelta(days=1)}
    with pytest.raises(ValidationFailed) as err:
        services.decision_open(actor=users["chair"], **{**args, **kwargs})
    assert err.value.field == field


def test_electorate_is_the_participating_agencies_at_opening(
    users: dict, open_motion: Any, frozen: Any
) -> None:
    AgencyFactory(acronym="APP", status=AgencyStatus.APPLICANT)
    decision = open_motion()
    assert {m.agency.acronym for m in decision.electorate.all()} == {"AAA", "BBB", "CHR"}
    # An agency joining during the decision does not enter its electorate.
    newcomer = AgencyFactory(acronym="NEW")
    rep = make_representative(newcomer, "rep.new")
    with pytest.raises(PermissionDeniedError) as err:
        services.position_cast(actor=rep, decision=decision, agency=newcomer, value="concur")
    assert err.value.code == "not_in_electorate"
    assert decision.electorate.count() == 3


def test_open_twice_for_same_subject_is_idempotent(users: dict, frozen: Any) -> None:
    motion = Motion.objects.create(title="M", text="x")
    args = {
        "actor": users["chair"],
        "kind": "motion",
        "title": "T",
        "text": "x",
        "deadline": NOW + dt.timedelta(days=1),
        "subject": motion,
    }
    first = services.decision_open(**args)
    assert services.decision_open(**args) == first
    assert list(decisions_for_subject(motion)) == [first]
    assert first.subject == motion


# --- casting --------------------------------------------------------------------------


def test_cast_records_position_event_and_receipt(
    users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    event = services.position_cast(
        actor=users["rep_a"], decision=decision, agency=agency_a, value="concur"
    )
    assert len(event.hash) == 64
    assert event.prev_hash == "0" * 64
    assert event.seq == 1
    assert event.cast_by == users["rep_a"]
    position = Position.objects.get(decision=decision, agency=agency_a)
    assert position.value == "concur"
    assert position.event == event
    assert AuditEvent.objects.filter(action="position.cast").count() == 1


def test_recast_replaces_current_and_keeps_history(
    users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    first = services.position_cast(
        actor=users["rep_a"], decision=decision, agency=agency_a, value="concur"
    )
    second = services.position_cast(
        actor=users["rep_a"],
        decision=decision,
        agency=agency_a,
        value="concur_with_reservation",
        statement="Subject to budget approval.",
    )
    assert Position.objects.filter(decision=decision).count() == 1
    assert Position.objects.get(decision=decision).value == "concur_with_reservation"
    assert second.prev_hash == first.hash
    assert list(
        PositionEvent.objects.filter(decision=decision).values_list("value", flat=True)
    ) == [
        "concur",
        "concur_with_reservation",
    ]
    # The same position again changes nothing.
    again = services.position_cast(
        actor=users["rep_a"],
        decision=decision,
        agency=agency_a,
        value="concur_with_reservation",
        statement="Subject to budget approval.",
    )
    assert again == second
    assert PositionEvent.objects.filter(decision=decision).count() == 2
    assert ledger.verify_decision(decision).verified
    # The audit log keeps what each cast replaced, not the value written over it.
    audit = list(
        AuditEvent.objects.filter(action="position.cast", object_id=str(decision.pk))
        .order_by("pk")
        .values_list("data", flat=True)
    )
    assert [(row["before"], row["after"]) for row in audit] == [
        (None, "concur"),
        ("concur", "concur_with_reservation"),
    ]


@pytest.mark.parametrize(
    ("value", "statement", "field", "code"),
    [
        ("object", "", "statement", "grounds_required"),
        ("object", "   ", "statement", "grounds_required"),
        ("concur_with_reservation", "", "statement", "statement_required"),
        ("maybe", "", "value", "unknown_position"),
    ],
)
def test_cast_bad_input(
    users: dict,
    agency_a: Any,
    open_motion: Any,
    frozen: Any,
    value: str,
    statement: str,
    field: str,
    code: str,
) -> None:
    decision = open_motion()
    with pytest.raises(ValidationFailed) as err:
        services.position_cast(
            actor=users["rep_a"],
            decision=decision,
            agency=agency_a,
            value=value,
            statement=statement,
        )
    assert (err.value.field, err.value.code) == (field, code)
    assert not PositionEvent.objects.exists()


@pytest.mark.parametrize("role", ["rep_b", "chair", "secretariat", "api_client"])
def test_cast_for_another_agency_is_forbidden(
    users: dict, agency_a: Any, open_motion: Any, frozen: Any, role: str
) -> None:
    decision = open_motion()
    with pytest.raises(PermissionDeniedError) as err:
        services.position_cast(
            actor=users[role], decision=decision, agency=agency_a, value="concur"
        )
    assert err.value.code == "not_your_agency"


def test_cast_after_close_is_409(users: dict, agency_a: Any, open_motion: Any, frozen: Any) -> None:
    decision = open_motion(procedure="silence", days=1)
    frozen.move_to(NOW + dt.timedelta(days=1, seconds=1), tick=False)
    with pytest.raises(ConflictError) as err:
        services.position_cast(
            actor=users["rep_a"], decision=decision, agency=agency_a, value="concur"
        )
    assert err.value.code == "deadline_passed"
    services.decision_close_if_due(decision_id=decision.pk)
    with pytest.raises(ConflictError) as err:
        services.position_cast(
            actor=users["rep_a"], decision=decision, agency=agency_a, value="concur"
        )
    assert err.value.code == "decision_closed"
    assert "closed" in err.value.detail


def test_record_on_behalf_requires_secretariat_and_evidence(
    users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    for role in ("rep_a", "chair"):
        with pytest.raises(PermissionDeniedError):
            services.position_record_on_behalf(
                actor=users[role], decision=decision, agency=agency_a, value="concur", evidence="x"
            )
    with pytest.raises(ValidationFailed) as err:
        services.position_record_on_behalf(
            actor=users["secretariat"],
            decision=decision,
            agency=agency_a,
            value="concur",
            evidence="",
        )
    assert err.value.field == "evidence"
    event = services.position_record_on_behalf(
        actor=users["secretariat"],
        decision=decision,
        agency=agency_a,
        value="concur",
        evidence="Email from head of delegation, 3 May",
    )
    assert event.on_behalf
    assert event.cast_by == users["secretariat"]
    assert event.evidence == "Email from head of delegation, 3 May"


# --- closing --------------------------------------------------------------------------


def test_explicit_closes_early_when_all_respond(
    users: dict, agency_a: Any, agency_b: Any, chair_agency: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="abstain"
    )
    decision.refresh_from_db()
    assert decision.state == DecisionState.OPEN
    services.position_cast(
        actor=users["chair"], decision=decision, agency=chair_agency, value="recuse"
    )
    decision.refresh_from_db()
    assert (decision.state, decision.outcome) == ("closed", "adopted")
    assert decision.closed_at == NOW
    assert Motion.objects.get().state == MotionState.ADOPTED
    outcome = Notification.objects.filter(kind="decision.outcome")
    assert {n.recipient.username for n in outcome} == {"rep.a", "rep.b", "chair.hod", "secretariat"}


def test_explicit_objection_blocks_at_deadline(
    users: dict, agency_a: Any, agency_b: Any, chair_agency: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(days=2)
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="object", statement="No."
    )
    services.position_cast(
        actor=users["chair"], decision=decision, agency=chair_agency, value="concur"
    )
    decision.refresh_from_db()
    assert decision.state == "open"
    assert services.decision_close_if_due(decision_id=decision.pk).state == "open"
    closed = services.decision_close_if_due(decision_id=decision.pk, now=NOW + dt.timedelta(days=2))
    assert closed.outcome == "blocked"
    assert "objection" in closed.outcome_reason
    assert closed.events.get(kind="closed").data["blocking"] == ["BBB"]
    assert Motion.objects.get().state == MotionState.BLOCKED


def test_explicit_below_quorum_lapses(
    users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(days=2)
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    closed = services.decision_close_if_due(decision_id=decision.pk, now=NOW + dt.timedelta(days=2))
    assert closed.outcome == "lapsed"
    assert Motion.objects.get().state == MotionState.LAPSED


def test_silence_adopted_at_deadline_and_close_is_idempotent(
    users: dict, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(procedure="silence", days=2)
    later = NOW + dt.timedelta(days=2)
    first = services.decision_close_if_due(decision_id=decision.pk, now=later)
    second = services.decision_close_if_due(decision_id=decision.pk, now=later)
    assert first.outcome == second.outcome == "adopted"
    assert DecisionEvent.objects.filter(decision=decision, kind="closed").count() == 1
    assert Notification.objects.filter(kind="decision.outcome").count() == 4


def test_silence_broken_notifies_at_once(
    users: dict, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(procedure="silence")
    services.position_cast(
        actor=users["rep_b"],
        decision=decision,
        agency=agency_b,
        value="object",
        statement="Our board has not reviewed it.",
    )
    assert decision.events.filter(kind=DecisionEventKind.SILENCE_BROKEN).count() == 1
    notices = Notification.objects.filter(kind="decision.silence_broken")
    assert {n.recipient.username for n in notices} == {"rep.a", "rep.b", "chair.hod", "secretariat"}
    assert "BBB" in notices.first().title


def test_handler_runs_in_the_closing_transaction(
    users: dict, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(procedure="silence", days=1)
    original = registry.handlers_for(Motion)

    def boom(decision: Decision) -> None:
        raise RuntimeError("handler failed")

    registry.register_subject(Motion, on_adopted=boom)
    try:
        with pytest.raises(RuntimeError):
            services.decision_close_if_due(decision_id=decision.pk, now=NOW + dt.timedelta(days=1))
    finally:
        services.register_motion_handlers()
    assert original is not None
    decision.refresh_from_db()
    assert decision.state == "open"  # rolled back with the handler
    assert not Notification.objects.filter(kind="decision.outcome").exists()


def test_withdraw(users: dict, open_motion: Any, frozen: Any) -> None:
    decision = open_motion()
    with pytest.raises(PermissionDeniedError):
        services.decision_withdraw(actor=users["rep_a"], decision=decision, reason="x")
    with pytest.raises(ValidationFailed):
        services.decision_withdraw(actor=users["chair"], decision=decision, reason="")
    closed = services.decision_withdraw(actor=users["chair"], decision=decision, reason="Moot.")
    assert closed.outcome == "withdrawn"
    assert Motion.objects.get().state == MotionState.WITHDRAWN
    assert services.decision_withdraw(actor=users["chair"], decision=decision, reason="x") == closed
    assert decision.events.filter(kind="withdrawn").count() == 1


def test_extend(users: dict, open_motion: Any, frozen: Any) -> None:
    decision = open_motion(days=2)
    later = NOW + dt.timedelta(days=5)
    with pytest.raises(PermissionDeniedError):
        services.decision_extend(actor=users["rep_a"], decision=decision, deadline=later)
    with pytest.raises(ValidationFailed):
        services.decision_extend(
            actor=users["chair"], decision=decision, deadline=NOW + dt.timedelta(days=1)
        )
    extended = services.decision_extend(
        actor=users["chair"], decision=decision, deadline=later, reason="Summer break."
    )
    assert extended.deadline == later
    event = decision.events.get(kind="extended")
    assert event.note == "Summer break."
    assert Notification.objects.filter(kind="decision.extended").count() == 4
    frozen.move_to(later + dt.timedelta(seconds=1), tick=False)
    with pytest.raises(ConflictError):
        services.decision_extend(
            actor=users["chair"], decision=decision, deadline=later + dt.timedelta(days=3)
        )


def test_new_round_after_blocked(users: dict, agency_b: Any, open_motion: Any, frozen: Any) -> None:
    decision = open_motion(procedure="silence", days=1)
    with pytest.raises(ConflictError):
        services.decision_new_round(
            actor=users["chair"], decision=decision, text="v2", deadline=NOW + dt.timedelta(3)
        )
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="object", statement="No"
    )
    services.decision_close_if_due(decision_id=decision.pk, now=NOW + dt.timedelta(days=1))
    frozen.move_to(NOW + dt.timedelta(days=1, hours=1), tick=False)
    new = services.decision_new_round(
        actor=users["chair"], decision=decision, text="Revised text", deadline=NOW + dt.timedelta(5)
    )
    assert new.previous_round == decision
    assert new.round_number == 2
    assert new.subject == decision.subject
    assert new.text == "Revised text"
    assert (
        services.decision_new_round(
            actor=users["chair"], decision=decision, text="again", deadline=NOW + dt.timedelta(5)
        )
        == new
    )


# --- the electorate -------------------------------------------------------------------


def test_withdrawing_agency_is_excluded_and_its_position_stops_counting(
    users: dict, agency_a: Any, agency_b: Any, chair_agency: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(procedure="silence")
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="object", statement="No"
    )
    assert decision_tally(decision).blocking == (agency_b.pk,)
    withdrawal_record(actor=users["secretariat"], agency=agency_b, letter=pdf())
    member = decision.electorate.get(agency=agency_b)
    assert member.excluded_at is not None
    assert "withdrew" in member.exclusion_reason
    result = decision_tally(decision)
    assert result.blocking == ()
    assert result.electorate_size == 2
    assert PositionEvent.objects.filter(agency=agency_b).exists()  # history stays
    assert decision.events.filter(kind="electorate_excluded").count() == 1
    # Calling again excludes nothing more.
    assert services.electorate_exclude_agency(actor=None, agency=agency_b, reason="x") == 0
    closed = services.decision_close_if_due(
        decision_id=decision.pk, now=NOW + dt.timedelta(days=10)
    )
    assert closed.outcome == "adopted"


def test_exclusion_can_complete_an_explicit_decision(
    users: dict, agency_a: Any, agency_b: Any, chair_agency: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    services.position_cast(
        actor=users["chair"], decision=decision, agency=chair_agency, value="concur"
    )
    assert services.electorate_exclude_agency(actor=None, agency=agency_b, reason="Withdrew") == 1
    decision.refresh_from_db()
    assert decision.outcome == "adopted"


def test_awaiting_selector(users: dict, agency_a: Any, open_motion: Any, frozen: Any) -> None:
    first = open_motion(title="One")
    second = open_motion(title="Two")
    assert set(decisions_awaiting(users["rep_a"])) == {first, second}
    services.position_cast(actor=users["rep_a"], decision=first, agency=agency_a, value="abstain")
    assert list(decisions_awaiting(users["rep_a"])) == [second]
    assert not decisions_awaiting(users["secretariat"]).exists()


# --- reminders ------------------------------------------------------------------------


def test_reminders_once_per_agency_and_offset(
    users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(days=10)
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    assert services.decisions_remind_due(now=NOW + dt.timedelta(days=2)) == 0
    at_7d = NOW + dt.timedelta(days=3)
    assert services.decisions_remind_due(now=at_7d) == 2  # BBB and CHR, not AAA
    assert services.decisions_remind_due(now=at_7d + dt.timedelta(hours=1)) == 0
    assert decision.reminders.count() == 2
    at_2d = NOW + dt.timedelta(days=8)
    assert services.decisions_remind_due(now=at_2d) == 2
    assert services.decisions_remind_due(now=NOW + dt.timedelta(days=9)) == 2
    assert services.decisions_remind_due(now=NOW + dt.timedelta(days=9, hours=1)) == 0
    assert decision.reminders.count() == 6
    keys = set(Notification.objects.filter(kind="decision.reminder").values_list("key", flat=True))
    assert keys == {f"decision:{decision.pk}:reminder:{x}" for x in ("7d", "2d", "1d")}
    assert not Notification.objects.filter(kind="decision.reminder", recipient=users["rep_a"])
    assert decision.events.filter(kind="reminder_sent").count() == 3


@override_settings(CONSENSUS_REMINDER_OFFSETS=[dt.timedelta(hours=6)])
def test_reminder_offsets_are_configurable(users: dict, open_motion: Any, frozen: Any) -> None:
    decision = open_motion(days=1)
    assert services.decisions_remind_due(now=NOW + dt.timedelta(hours=17)) == 0
    assert services.decisions_remind_due(now=NOW + dt.timedelta(hours=18)) == 3
    assert set(decision.reminders.values_list("offset_seconds", flat=True)) == {6 * 3600}


def test_reminder_offsets_before_opening_are_skipped(
    users: dict, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(days=3)  # opened inside the 7-day window
    assert services.decisions_remind_due(now=NOW + dt.timedelta(hours=1)) == 0
    assert services.decisions_remind_due(now=NOW + dt.timedelta(days=1)) == 3
    assert set(decision.reminders.values_list("offset_seconds", flat=True)) == {2 * 86400}


# --- the ledger -----------------------------------------------------------------------


def test_ledger_detects_a_row_edited_behind_the_orms_back(
    users: dict, agency_a: Any, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="object", statement="No"
    )
    assert ledger.verify_decision(decision).verified
    event = PositionEvent.objects.get(decision=decision, seq=2)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE consensus_positionevent SET value = %s, statement = %s WHERE id = %s",
            ["concur", "", event.pk],
        )
    check = ledger.verify_decision(decision)
    assert not check.verified
    assert check.broken_at == 2
    assert "does not match" in check.problem


def test_ledger_detects_a_deleted_row(
    users: dict, agency_a: Any, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    services.position_cast(actor=users["rep_b"], decision=decision, agency=agency_b, value="concur")
    services.position_cast(
        actor=users["rep_a"], decision=decision, agency=agency_a, value="abstain"
    )
    first = PositionEvent.objects.get(decision=decision, seq=1)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM consensus_positionevent WHERE id = %s", [first.pk])
    check = ledger.verify_decision(decision)
    assert not check.verified
    assert check.broken_at == 2


def test_position_events_are_append_only(
    users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    from isecg.models import AppendOnlyError

    decision = open_motion()
    event = services.position_cast(
        actor=users["rep_a"], decision=decision, agency=agency_a, value="concur"
    )
    event.value = "object"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_verify_ledger_command(
    users: dict, agency_a: Any, open_motion: Any, frozen: Any, capsys: Any
) -> None:
    from django.core.management import CommandError, call_command

    decision = open_motion()
    event = services.position_cast(
        actor=users["rep_a"], decision=decision, agency=agency_a, value="concur"
    )
    call_command("verify_ledger")
    assert "1 ledger(s) verified" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE consensus_positionevent SET at = %s WHERE id = %s",
            [timezone.now() - dt.timedelta(days=1), event.pk],
        )
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert f"Decision {decision.pk}: BROKEN" in capsys.readouterr().err
