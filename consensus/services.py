"""Consensus decisions: the only code that opens, casts on, extends and closes them.

ToR III.2.2: ISECG operates by consensus. Every approval of the group (membership
requests, ToR III.1; amendments, ToR V; the extension, ToR VII; venues and products,
ToR III.2.2; the chair) goes through these functions.

Every write locks the Decision row (SELECT ... FOR UPDATE) and re-checks its state
under the lock, so casts, closes and extensions are serialised per decision: the
position hash chain never forks and a cast is either counted or refused with 409.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyStatus
from agencies.roles import is_chair, is_secretariat, represents
from agencies.selectors import (
    chair_users,
    permissions_without_designation,
    representative_users,
    secretariat_users,
)
from consensus import ledger, record, registry, seal, selectors, verification
from consensus.models import (
    GENESIS_HASH,
    Decision,
    DecisionEvent,
    DecisionEventKind,
    DecisionKind,
    DecisionSeal,
    DecisionState,
    ElectorateMember,
    Motion,
    MotionState,
    Outcome,
    Position,
    PositionEvent,
    PositionValue,
    Procedure,
    ReminderSent,
    decision_transition_allowed,
)
from consensus.selectors import decision_tally, tally_from
from isecg.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from isecg.models import AuditEvent, User
from isecg.services import audit_record, notification_send

logger = logging.getLogger(__name__)

# Minimum notice between opening and deadline, per decision kind. Override with
# settings.CONSENSUS_MIN_NOTICE = {"tor_amendment": timedelta(days=14), ...}.
DEFAULT_MIN_NOTICE: dict[str, dt.timedelta] = {}
DEFAULT_REMINDER_OFFSETS: tuple[dt.timedelta, ...] = (
    dt.timedelta(days=7),
    dt.timedelta(days=2),
    dt.timedelta(days=1),
)
MAX_TEXT = 100_000


def min_notice(kind: str) -> dt.timedelta:
    configured = getattr(settings, "CONSENSUS_MIN_NOTICE", None) or {}
    return configured.get(kind, DEFAULT_MIN_NOTICE.get(kind, dt.timedelta(0)))


def reminder_offsets() -> tuple[dt.timedelta, ...]:
    configured = getattr(settings, "CONSENSUS_REMINDER_OFFSETS", None)
    offsets = tuple(configured) if configured else DEFAULT_REMINDER_OFFSETS
    return tuple(sorted(offsets, reverse=True))


def offset_label(offset: dt.timedelta) -> str:
    seconds = int(offset.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds}s"


def decision_url(decision: Decision) -> str:
    return reverse("decision-detail", args=[decision.pk])


# --- helpers --------------------------------------------------------------------------


def _may_manage(actor: User | None) -> bool:
    """The chair or the secretariat (actor None is the system)."""
    return actor is None or is_secretariat(actor) or is_chair(actor)


def _require_manager(actor: User | None, what: str) -> None:
    if not _may_manage(actor):
        raise PermissionDeniedError(
            f"Only the chair or the secretariat may {what}.", code="not_chair_or_secretariat"
        )


def _lock(decision: Decision | int) -> Decision:
    """The decision's row, locked; its subject's content type comes from Django's cache."""
    pk = decision if isinstance(decision, int) else decision.pk
    try:
        return Decision.objects.select_for_update().get(pk=pk)
    except Decision.DoesNotExist:
        raise NotFoundError("No such decision.", code="decision_not_found") from None


def _require_open(decision: Decision, now: dt.datetime) -> None:
    if decision.state != DecisionState.OPEN:
        raise ConflictError(
            f"This decision closed on {decision.closed_at:%d %b %Y %H:%M} UTC "
            f"({decision.get_outcome_display().lower()}); it takes no more positions.",
            code="decision_closed",
        )
    if now >= decision.deadline:
        raise ConflictError(
            "The deadline of this decision has passed; it is being closed.",
            code="deadline_passed",
        )


def _check_deadline(deadline: Any, *, kind: str, now: dt.datetime) -> dt.datetime:
    if not isinstance(deadline, dt.datetime) or timezone.is_naive(deadline):
        raise ValidationFailed(
            "The deadline must be an instant with a time zone.",
            code="deadline_invalid",
            field="deadline",
        )
    if deadline <= now:
        raise ValidationFailed(
            "The deadline must be in the future.", code="deadline_in_past", field="deadline"
        )
    notice = min_notice(kind)
    if deadline < now + notice:
        raise ValidationFailed(
            f"A {DecisionKind(kind).label.lower()} needs at least {notice} notice.",
            code="notice_too_short",
            field="deadline",
        )
    return deadline


def _check_text(value: str, field: str, *, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"The {field} is required.", code="required", field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            f"The {field} is longer than {max_length} characters.", code="too_long", field=field
        )
    return value


def _electorate_agency_ids(decision: Decision) -> list[int]:
    return list(
        ElectorateMember.objects.filter(decision=decision, excluded_at__isnull=True).values_list(
            "agency_id", flat=True
        )
    )


def _everyone(decision: Decision) -> list[User]:
    """Representatives of the electorate, the chair and the secretariat."""
    users: dict[int, User] = {}
    for queryset in (
        representative_users(_electorate_agency_ids(decision)),
        chair_users(),
        secretariat_users(),
    ):
        for user in queryset:
            users[user.pk] = user
    return list(users.values())


def _event(
    decision: Decision,
    kind: str,
    *,
    actor: User | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> DecisionEvent:
    return DecisionEvent.objects.create(
        decision=decision,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        data=data or {},
        at=at or timezone.now(),
    )


# --- opening --------------------------------------------------------------------------


def _open(
    *,
    actor: User | None,
    kind: str,
    title: str,
    text: str,
    deadline: dt.datetime,
    procedure: str,
    subject: models.Model | None,
    quorum: tuple[int, int],
    previous_round: Decision | None = None,
) -> Decision:
    now = timezone.now()
    if kind not in DecisionKind.values:
        raise ValidationFailed(f"Unknown kind {kind!r}.", code="unknown_kind", field="kind")
    if procedure not in Procedure.values:
        raise ValidationFailed(
            f"Unknown procedure {procedure!r}.", code="unknown_procedure", field="procedure"
        )
    title = _check_text(title, "title", max_length=200)
    text = _check_text(text, "text", max_length=MAX_TEXT)
    numerator, denominator = quorum
    if not (0 < numerator <= denominator):
        raise ValidationFailed(
            "The quorum must be a fraction greater than 0 and at most 1.",
            code="invalid_quorum",
            field="quorum",
        )
    deadline = _check_deadline(deadline, kind=kind, now=now)
    content_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    if subject is not None:
        # Lock the subject: two openings for it cannot both succeed.
        type(subject)._default_manager.select_for_update(of=("self",)).filter(pk=subject.pk).first()
        already = Decision.objects.filter(
            subject_content_type=content_type,
            subject_object_id=subject.pk,
            state=DecisionState.OPEN,
        ).first()
        if already is not None:
            return already
    decision = Decision.objects.create(
        subject_content_type=content_type,
        subject_object_id=subject.pk if subject is not None else None,
        kind=kind,
        title=title,
        text=text,
        procedure=procedure,
        quorum_numerator=numerator,
        quorum_denominator=denominator,
        opened_at=now,
        deadline=deadline,
        previous_round=previous_round,
        round_number=previous_round.round_number + 1 if previous_round else 1,
        opened_by=actor if actor is not None and actor.is_authenticated else None,
    )
    # The electorate: the agencies participating now (an agency joining later stays out).
    agencies = list(
        Agency.objects.filter(status=AgencyStatus.PARTICIPATING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ElectorateMember.objects.bulk_create(
        [ElectorateMember(decision=decision, agency_id=pk, included_at=now) for pk in agencies]
    )
    _event(
        decision,
        DecisionEventKind.OPENED,
        actor=actor,
        data={
            "procedure": procedure,
            "quorum": f"{numerator}/{denominator}",
            "deadline": deadline.astimezone(dt.UTC).isoformat(),
            "electorate": len(agencies),
            "previous_round": previous_round.pk if previous_round else None,
        },
        at=now,
    )
    audit_record(
        actor=actor,
        action="decision.opened",
        obj=decision,
        data={"kind": kind, "procedure": procedure, "deadline": deadline.isoformat()},
    )
    procedure_note = (
        "Silence procedure: the text is adopted at the deadline unless an agency objects."
        if procedure == Procedure.SILENCE
        else "Explicit consensus: please record your agency's position."
    )
    notification_send(
        kind="decision.opened",
        recipients=_everyone(decision),
        key=f"decision:{decision.pk}:opened",
        title=f"Decision opened: {title}",
        body=f"{procedure_note}\nDeadline: {deadline.astimezone(dt.UTC):%d %b %Y %H:%M} UTC.",
        url=decision_url(decision),
    )
    return decision


def decision_open(
    *,
    actor: User | None,
    kind: str,
    title: str,
    text: str,
    deadline: dt.datetime,
    procedure: str = Procedure.EXPLICIT,
    subject: models.Model | None = None,
    quorum: tuple[int, int] = (2, 3),
) -> Decision:
    """ToR III.2.2: put a question to the participating agencies for consensus.

    Chair or secretariat only (None: the system). The electorate is a snapshot of the
    participating agencies now. Opening again for a subject that already has an open
    decision returns that decision (idempotent).
    """
    _require_manager(actor, "open a decision")
    with transaction.atomic():
        return _open(
            actor=actor,
            kind=kind,
            title=title,
            text=text,
            deadline=deadline,
            procedure=procedure,
            subject=subject,
            quorum=quorum,
        )


def motion_propose(
    *,
    actor: User | None,
    title: str,
    text: str,
    deadline: dt.datetime,
    procedure: str = Procedure.EXPLICIT,
    quorum: tuple[int, int] = (2, 3),
) -> Decision:
    """ToR III.2.2: a free-standing motion put to consensus (chair or secretariat)."""
    _require_manager(actor, "propose a motion")
    with transaction.atomic():
        motion = Motion.objects.create(
            title=_check_text(title, "title", max_length=200),
            text=_check_text(text, "text", max_length=MAX_TEXT),
            proposed_by=actor if actor is not None and actor.is_authenticated else None,
        )
        audit_record(actor=actor, action="motion.proposed", obj=motion)
        return _open(
            actor=actor,
            kind=DecisionKind.MOTION,
            title=title,
            text=text,
            deadline=deadline,
            procedure=procedure,
            subject=motion,
            quorum=quorum,
        )


# --- positions ------------------------------------------------------------------------


def _check_position(value: str, statement: str) -> str:
    """ToR III.2.2 (consensus): what a position records must be what the agency means.

    An objection needs its written grounds and a concurrence with reservation needs
    the reservation's text. A plain concurrence carries no statement: text given with
    "concur" would be a reservation that nobody counts as one, so it is refused with a
    pointer to "concur with reservation". Returns the statement, stripped.
    """
    if value not in PositionValue.values:
        raise ValidationFailed(
            f"Unknown position {value!r}; choose one of {', '.join(PositionValue.values)}.",
            code="unknown_position",
            field="value",
        )
    statement = (statement or "").strip()
    if value == PositionValue.OBJECT and not statement:
        raise ValidationFailed(
            "An objection needs written grounds.", code="grounds_required", field="statement"
        )
    if value == PositionValue.CONCUR_WITH_RESERVATION and not statement:
        raise ValidationFailed(
            "A concurrence with reservation needs the reservation's statement.",
            code="statement_required",
            field="statement",
        )
    if value == PositionValue.CONCUR and statement:
        raise ValidationFailed(
            "A plain concurrence carries no statement. To concur with this text on record, "
            'choose "Concur with reservation"; otherwise clear the statement.',
            code="statement_needs_reservation",
            field="statement",
        )
    if len(statement) > MAX_TEXT:
        raise ValidationFailed("The statement is too long.", code="too_long", field="statement")
    return statement


def position_check(*, value: str, statement: str) -> str:
    """The checks of `position_cast` on its input alone, for a page that asks the delegate
    to confirm before casting (ToR III.2.2). Raises what `position_cast` would raise for
    this input; returns the statement as it would be recorded."""
    return _check_position(value, statement)


def _lock_for_cast(decision: Decision | int) -> tuple[Decision, int, str]:
    """Lock the decision, then read its ledger head (seq, hash) under that lock.

    The next entry links to the head read under the row lock, so the chain cannot fork.
    The head is a statement of its own, after the lock: on PostgreSQL a statement sees
    what was committed before it began, so a head read in the locking statement itself
    could miss the entry of the cast it waited for.
    """
    locked = _lock(decision)
    head = selectors.ledger_head(locked.pk)
    return locked, *(head or (0, GENESIS_HASH))


def _cast(
    *,
    actor: User | None,
    decision: Decision | int,
    agency: Agency,
    value: str,
    statement: str,
    on_behalf: bool,
    evidence: str,
) -> PositionEvent:
    """Record one position under the decision's lock (ToR III.2.2).

    Reads the decision, its ledger head, and its electorate with the current positions
    (three small queries), then writes the ledger entry, the current position and the audit
    row. The tally for an early close is computed from the rows already read.
    """
    with transaction.atomic():
        locked, head_seq, head_hash = _lock_for_cast(decision)
        now = timezone.now()
        _require_open(locked, now)
        # Plain tuples: the electorate and positions are read, not changed, here.
        rows = selectors.electorate_with_positions(locked.pk)
        members = [row[:3] for row in rows]  # (agency_id, excluded_at, exclusion_reason)
        member = next((m for m in members if m[0] == agency.pk), None)
        if member is None or member[1] is not None:
            raise PermissionDeniedError(
                f"{agency.acronym} is not in the electorate of this decision"
                + (f" ({member[2]})." if member is not None else "."),
                code="not_in_electorate",
            )
        # agency_id -> (pk, value, statement, event_id) of its current position
        positions = {row[0]: row[3:] for row in rows if row[3] is not None}
        current = positions.get(agency.pk)  # (pk, value, statement, event_id) or None
        if current is not None and current[1] == value and current[2] == statement:
            same = PositionEvent.objects.get(pk=current[3])  # nothing changes
            return _with_receipt_parts(same, agency, locked)
        seq, prev_hash = head_seq + 1, head_hash
        cast_by_id = actor.pk if actor is not None and actor.is_authenticated else None
        fields: dict[str, Any] = {
            "decision_id": locked.pk,
            "seq": seq,
            "agency_id": agency.pk,
            "value": value,
            "statement": statement,
            "cast_by_id": cast_by_id,
            "on_behalf": on_behalf,
            "evidence": evidence,
            "at": now,
            "prev_hash": prev_hash,
        }
        event = PositionEvent.objects.create(**fields, hash=ledger.compute_hash(**fields))
        before = current[1] if current is not None else None
        # Under the decision's row lock nobody else writes this row: no savepoint needed.
        if current is None:
            created = Position.objects.create(
                decision=locked,
                agency=agency,
                value=value,
                statement=statement,
                event=event,
                updated_at=now,
            )
            positions[agency.pk] = (created.pk, value, statement, event.pk)
        else:
            Position.objects.filter(pk=current[0]).update(
                value=value, statement=statement, event=event, updated_at=now
            )
            positions[agency.pk] = (current[0], value, statement, event.pk)
        audit_record(
            actor=actor,
            action="position.recorded_on_behalf" if on_behalf else "position.cast",
            obj=locked,
            data={
                "agency": agency.acronym,
                "before": before,
                "after": value,
                "seq": seq,
                "hash": event.hash,
            },
        )
        if value == PositionValue.OBJECT and locked.procedure == Procedure.SILENCE:
            _silence_broken(locked, agency=agency, actor=actor, statement=statement, now=now)
        if locked.procedure == Procedure.EXPLICIT:
            result = tally_from(
                locked,
                electorate=[m[0] for m in members if m[1] is None],
                positions={pk: p[1] for pk, p in positions.items()},
                now=now,
            )
            if result.may_close_early and result.outcome:
                _close_locked(locked, outcome=result.outcome, reason=result.reason, now=now)
    return _with_receipt_parts(event, agency, locked)


def _with_receipt_parts(event: PositionEvent, agency: Agency, decision: Decision) -> PositionEvent:
    """The receipt shows the agency and the decision's state: attach the rows in hand."""
    event.agency = agency
    event.decision = decision
    return event


def _silence_broken(
    decision: Decision, *, agency: Agency, actor: User | None, statement: str, now: dt.datetime
) -> None:
    """An objection under the silence procedure: everyone hears of it at once."""
    _event(
        decision,
        DecisionEventKind.SILENCE_BROKEN,
        actor=actor,
        note=statement,
        data={"agency": agency.acronym},
        at=now,
    )
    notification_send(
        kind="decision.silence_broken",
        recipients=_everyone(decision),
        key=f"decision:{decision.pk}:silence_broken:{agency.pk}",
        title=f"Silence broken by {agency.acronym}: {decision.title}",
        body=f"{agency.acronym} objects. Grounds:\n{statement}",
        url=decision_url(decision),
    )


def position_cast(
    *,
    actor: User,
    decision: Decision | int,
    agency: Agency,
    value: str,
    statement: str = "",
) -> PositionEvent:
    """ToR III.2.2 (consensus), ToR III.2.1 (representatives act for their agency).

    A current representative of an agency in the electorate records its position.
    Objections need written grounds; a reservation needs its statement. Re-casting
    replaces the current position and appends to the history; casting the same
    position again is a no-op. Returns the event, whose `hash` is the agency's receipt.
    Under the explicit procedure the decision closes in the same transaction once
    every eligible agency has responded without objection.
    """
    statement = _check_position(value, statement)
    if not represents(actor, agency):
        raise PermissionDeniedError(
            f"You do not represent {agency.acronym}.", code="not_your_agency"
        )
    return _cast(
        actor=actor,
        decision=decision,
        agency=agency,
        value=value,
        statement=statement,
        on_behalf=False,
        evidence="",
    )


def position_record_on_behalf(
    *,
    actor: User | None,
    decision: Decision | int,
    agency: Agency,
    value: str,
    statement: str = "",
    evidence: str,
) -> PositionEvent:
    """ToR IV: the secretariat records a position an agency sent by other means.

    Evidence of the agency's position is required (e.g. "email from head of
    delegation, 3 May"). The event is marked as recorded on the agency's behalf.
    """
    if actor is not None and not is_secretariat(actor):
        raise PermissionDeniedError(
            "Only the secretariat may record a position on an agency's behalf.",
            code="not_secretariat",
        )
    statement = _check_position(value, statement)
    evidence = _check_text(evidence, "evidence", max_length=2000)
    return _cast(
        actor=actor,
        decision=decision,
        agency=agency,
        value=value,
        statement=statement,
        on_behalf=True,
        evidence=evidence,
    )


# --- the course of a decision ---------------------------------------------------------


def decision_extend(
    *, actor: User | None, decision: Decision | int, deadline: dt.datetime, reason: str = ""
) -> Decision:
    """The chair (or the secretariat) extends a deadline before it passes; announced to all."""
    _require_manager(actor, "extend a deadline")
    with transaction.atomic():
        locked = _lock(decision)
        now = timezone.now()
        _require_open(locked, now)
        if deadline == locked.deadline:
            return locked
        deadline = _check_deadline(deadline, kind=locked.kind, now=now)
        if deadline < locked.deadline:
            raise ValidationFailed(
                "An extension must move the deadline later.",
                code="deadline_not_later",
                field="deadline",
            )
        before = locked.deadline
        locked.deadline = deadline
        locked.save(update_fields=["deadline"])
        data = {
            "before": before.astimezone(dt.UTC).isoformat(),
            "after": deadline.astimezone(dt.UTC).isoformat(),
        }
        _event(locked, DecisionEventKind.EXTENDED, actor=actor, note=reason, data=data, at=now)
        audit_record(actor=actor, action="decision.extended", obj=locked, data=data)
        notification_send(
            kind="decision.extended",
            recipients=_everyone(locked),
            key=f"decision:{locked.pk}:extended:{data['after']}",
            title=f"Deadline extended: {locked.title}",
            body=f"New deadline: {deadline.astimezone(dt.UTC):%d %b %Y %H:%M} UTC.\n{reason}",
            url=decision_url(locked),
        )
    return locked


def _close_locked(
    decision: Decision,
    *,
    outcome: str,
    reason: str,
    now: dt.datetime,
    actor: User | None = None,
) -> Decision:
    """Close a locked, open decision; run its subject's handler; announce the outcome."""
    if not decision_transition_allowed(decision.state, DecisionState.CLOSED):
        raise ConflictError("This decision is already closed.", code="decision_closed")
    result = decision_tally(decision, now)
    decision.state = DecisionState.CLOSED
    decision.outcome = outcome
    decision.outcome_reason = reason
    decision.closed_at = now
    decision.save(update_fields=["state", "outcome", "outcome_reason", "closed_at"])
    sealed = _seal(decision, sealed_at=now, retroactive=False)
    seal_head = json.loads(sealed.message)["ledger"]
    acronyms = dict(Agency.objects.filter(pk__in=result.blocking).values_list("pk", "acronym"))
    data = {
        "outcome": outcome,
        "counts": dict(result.counts),
        "eligible": result.eligible,
        "quorum_required": result.quorum_required,
        "not_responded": len(result.not_responded),
        "blocking": [acronyms[pk] for pk in result.blocking],
        "ledger_head": seal_head["head"],
        "seal": _seal_summary(sealed, seal_head),
    }
    kind = DecisionEventKind.WITHDRAWN if outcome == Outcome.WITHDRAWN else DecisionEventKind.CLOSED
    _event(decision, kind, actor=actor, note=reason, data=data, at=now)
    audit_record(actor=actor, action=f"decision.{kind}", obj=decision, data=data)
    registry.run_handler(decision)
    notification_send(
        kind="decision.outcome",
        recipients=_everyone(decision),
        key=f"decision:{decision.pk}:outcome",
        title=f"{Outcome(outcome).label}: {decision.title}",
        body=f"{reason}\n\n{_seal_notice(sealed, seal_head)}",
        url=decision_url(decision),
    )
    return decision


def _seal(decision: Decision, *, sealed_at: dt.datetime, retroactive: bool) -> DecisionSeal:
    """Sign the closed decision's record: its text hash, electorate, ledger head and
    length, outcome and the counts recomputed from the ledger (ToR III.2.2)."""
    bundle = verification.record_bundle(decision)
    counts = record.recount(bundle).counts
    message = record.seal_message(bundle, counts=counts, sealed_at=str(record.instant(sealed_at)))
    signature, key_id = seal.sign(message)
    return DecisionSeal.objects.create(
        decision=decision,
        message=message,
        signature=signature,
        key_id=key_id,
        sealed_at=sealed_at,
        retroactive=retroactive,
    )


def _seal_summary(sealed: DecisionSeal, head: dict[str, Any]) -> dict[str, Any]:
    return {
        "key_id": sealed.key_id,
        "signature": sealed.signature,
        "ledger_head": head["head"],
        "ledger_length": head["length"],
    }


def _seal_notice(sealed: DecisionSeal, head: dict[str, Any]) -> str:
    """The seal in words, for the outcome notice: each agency keeps its own witness."""
    return (
        "Sealed record (keep this notice: it lets your agency check the record later).\n"
        f"Ledger head: {head['head']} ({head['length']} entries)\n"
        f"Signing key: {sealed.key_id} (Ed25519)\n"
        f"Signature: {sealed.signature}\n"
        f"Record: {reverse('api-decision-record', args=[sealed.decision_id])}"
    )


def decision_seal_retroactively(*, decision: Decision | int) -> DecisionSeal | None:
    """Seal a decision that closed before sealing existed (`manage.py seal_decisions`).

    Refuses a record that does not verify: a seal must never vouch for a tampered record.
    Returns the new seal, or None when the decision is open or already sealed.
    """
    with transaction.atomic():
        locked = _lock(decision)
        if (
            locked.state != DecisionState.CLOSED
            or DecisionSeal.objects.filter(decision=locked).exists()
        ):
            return None
        check = verification.verify_decision_record(locked)
        if not check.verified:
            raise ConflictError(
                f"Decision {locked.pk} does not verify, so it is not sealed: {check.problem}",
                code="record_does_not_verify",
            )
        sealed = _seal(locked, sealed_at=timezone.now(), retroactive=True)
        audit_record(
            actor=None,
            action="decision.sealed_retroactively",
            obj=locked,
            data=_seal_summary(sealed, json.loads(sealed.message)["ledger"]),
        )
        return sealed


def decision_close_if_due(*, decision_id: int, now: dt.datetime | None = None) -> Decision:
    """Close the decision if the rules say so now; otherwise leave it open.

    Idempotent: locks the row and re-checks under the lock, so a second call (or a
    concurrent one) finds it closed and does nothing. The subject's handler runs in
    this transaction.
    """
    with transaction.atomic():
        decision = _lock(decision_id)
        if decision.state != DecisionState.OPEN:
            return decision
        now = now or timezone.now()
        result = decision_tally(decision, now)
        if result.outcome is None:
            return decision
        return _close_locked(decision, outcome=result.outcome, reason=result.reason, now=now)


def decision_withdraw(*, actor: User | None, decision: Decision | int, reason: str) -> Decision:
    """The chair or the secretariat withdraws an open decision (outcome `withdrawn`)."""
    _require_manager(actor, "withdraw a decision")
    reason = _check_text(reason, "reason", max_length=2000)
    with transaction.atomic():
        locked = _lock(decision)
        if locked.state != DecisionState.OPEN:
            if locked.outcome == Outcome.WITHDRAWN:
                return locked
            raise ConflictError("This decision is already closed.", code="decision_closed")
        return _close_locked(
            locked, outcome=Outcome.WITHDRAWN, reason=reason, now=timezone.now(), actor=actor
        )


def decision_new_round(
    *,
    actor: User | None,
    decision: Decision | int,
    text: str,
    deadline: dt.datetime,
    title: str = "",
) -> Decision:
    """After a blocked decision, put a revised text to a new round, linked to the last one.

    Opening a new round of a decision that already has one returns that round.
    """
    _require_manager(actor, "open a new round")
    with transaction.atomic():
        previous = _lock(decision)
        if previous.state != DecisionState.CLOSED or previous.outcome != Outcome.BLOCKED:
            raise ConflictError(
                "Only a blocked decision can go to a new round.", code="not_blocked"
            )
        existing = Decision.objects.filter(previous_round=previous).first()
        if existing is not None:
            return existing
        new = _open(
            actor=actor,
            kind=previous.kind,
            title=title or previous.title,
            text=text,
            deadline=deadline,
            procedure=previous.procedure,
            subject=previous.subject,
            quorum=(previous.quorum_numerator, previous.quorum_denominator),
            previous_round=previous,
        )
        _event(previous, DecisionEventKind.NEW_ROUND, actor=actor, data={"next_round": new.pk})
        return new


def electorate_exclude_agency(*, actor: User | None, agency: Agency, reason: str) -> int:
    """ToR VI: an agency that withdraws leaves the electorate of every open decision.

    Its positions stay in the history but stop counting. Returns how many decisions
    it was excluded from; calling it again excludes nothing more. An explicit decision
    that now has every remaining agency's answer without objection closes at once.
    """
    reason = (reason or "").strip() or f"{agency.acronym} left the electorate."
    count = 0
    with transaction.atomic():
        decision_ids = list(
            ElectorateMember.objects.filter(
                agency=agency, excluded_at__isnull=True, decision__state=DecisionState.OPEN
            )
            .order_by("decision_id")
            .values_list("decision_id", flat=True)
        )
        for decision_id in decision_ids:
            decision = _lock(decision_id)
            if decision.state != DecisionState.OPEN:
                continue
            now = timezone.now()
            updated = ElectorateMember.objects.filter(
                decision=decision, agency=agency, excluded_at__isnull=True
            ).update(excluded_at=now, exclusion_reason=reason)
            if not updated:
                continue
            count += 1
            _event(
                decision,
                DecisionEventKind.ELECTORATE_EXCLUDED,
                actor=actor,
                note=reason,
                data={"agency": agency.acronym},
                at=now,
            )
            audit_record(
                actor=actor,
                action="decision.electorate_excluded",
                obj=decision,
                data={"agency": agency.acronym, "reason": reason},
            )
            if decision.procedure == Procedure.EXPLICIT and now < decision.deadline:
                result = decision_tally(decision, now)
                if result.may_close_early and result.outcome:
                    _close_locked(decision, outcome=result.outcome, reason=result.reason, now=now)
    return count


# --- reminders ------------------------------------------------------------------------


def _due_offset(decision: Decision, now: dt.datetime) -> dt.timedelta | None:
    """The most urgent reminder offset reached now (offsets reached before opening skip)."""
    if now >= decision.deadline:
        return None
    due = [
        offset
        for offset in reminder_offsets()
        if decision.deadline - offset <= now and decision.deadline - offset >= decision.opened_at
    ]
    return min(due) if due else None


def decision_remind(*, decision_id: int, now: dt.datetime | None = None) -> int:
    """Remind the agencies that have not responded, once per agency and offset.

    Uniqueness of ReminderSent(decision, agency, offset) in the database makes a
    repeated or concurrent run send nothing twice. Returns the agencies reminded now.
    """
    now = now or timezone.now()
    with transaction.atomic():
        decision = _lock(decision_id)
        if decision.state != DecisionState.OPEN:
            return 0
        offset = _due_offset(decision, now)
        if offset is None:
            return 0
        seconds = int(offset.total_seconds())
        label = offset_label(offset)
        result = decision_tally(decision, now)
        reminded: list[int] = []
        for agency_id in result.not_responded:
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(
                        decision=decision, agency_id=agency_id, offset_seconds=seconds, at=now
                    )
            except IntegrityError:
                continue
            reminded.append(agency_id)
            notification_send(
                kind="decision.reminder",
                recipients=representative_users([agency_id]),
                key=f"decision:{decision.pk}:reminder:{label}",
                title=f"Reminder: your agency's position is awaited: {decision.title}",
                body=(
                    f"The deadline is {decision.deadline.astimezone(dt.UTC):%d %b %Y %H:%M} UTC."
                    + (
                        " Under the silence procedure, no answer counts as consent."
                        if decision.procedure == Procedure.SILENCE
                        else ""
                    )
                ),
                url=decision_url(decision),
            )
        if reminded:
            acronyms = list(
                Agency.objects.filter(pk__in=reminded)
                .order_by("acronym")
                .values_list("acronym", flat=True)
            )
            _event(
                decision,
                DecisionEventKind.REMINDER_SENT,
                actor=None,
                data={"offset": label, "agencies": acronyms},
                at=now,
            )
        return len(reminded)


def decisions_remind_due(*, now: dt.datetime | None = None) -> int:
    """Sweep: send the reminders that are due; one decision's failure stops no other."""
    now = now or timezone.now()
    offsets = reminder_offsets()
    if not offsets:
        return 0
    ids = Decision.objects.filter(
        state=DecisionState.OPEN, deadline__gt=now, deadline__lte=now + max(offsets)
    ).values_list("pk", flat=True)
    total = 0
    for pk in list(ids):
        try:
            total += decision_remind(decision_id=pk, now=now)
        except Exception:
            logger.exception("reminders for decision %s failed", pk)
    return total


def decisions_close_due(*, now: dt.datetime | None = None) -> list[int]:
    """Sweep: close every decision whose deadline has passed; failures are isolated."""
    now = now or timezone.now()
    closed: list[int] = []
    ids = Decision.objects.filter(state=DecisionState.OPEN, deadline__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(ids):
        try:
            decision = decision_close_if_due(decision_id=pk, now=now)
        except Exception:
            logger.exception("closing decision %s failed", pk)
            continue
        if decision.state == DecisionState.CLOSED:
            closed.append(pk)
    return closed


# --- the Motion subject ---------------------------------------------------------------


def _motion_settle(decision: Decision, state: str) -> None:
    motion = Motion.objects.select_for_update().get(pk=int(decision.subject_object_id or 0))
    if motion.state == state:
        return
    before = motion.state
    motion.state = state
    motion.decided_at = decision.closed_at
    motion.save(update_fields=["state", "decided_at"])
    audit_record(
        actor=None,
        action="motion.settled",
        obj=motion,
        data={"before": before, "after": state, "decision": decision.pk},
    )


def register_motion_handlers() -> None:
    registry.register_subject(
        Motion,
        on_adopted=lambda d: _motion_settle(d, MotionState.ADOPTED),
        on_blocked=lambda d: _motion_settle(d, MotionState.BLOCKED),
        on_lapsed=lambda d: _motion_settle(d, MotionState.LAPSED),
        on_withdrawn=lambda d: _motion_settle(d, MotionState.WITHDRAWN),
    )


def ledger_verify_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Nightly tamper check (issue 8; issue 12, a record that proves itself).

    ToR III.2.2: each agency's position and each outcome stand as recorded. Verifies every
    decision's whole record (consensus.verification: the hash chain, each current position
    against its last ledger entry, the outcome against the tally of the ledger, the seal and
    its signature). On a problem the secretariat is notified once per decision and day (key
    ledger:{id}:{date}) and the audit log gets one `consensus.ledger_mismatch` entry per
    decision and day. Warnings (an old decision closed before sealing) raise no alert.
    Returns the ids of the decisions whose record does not verify.
    """
    now = now or timezone.now()
    day = now.date().isoformat()
    broken: list[int] = []
    for check in verification.verify_records():
        if check.verified:
            continue
        broken.append(check.decision_id)
        with transaction.atomic():
            decision = Decision.objects.filter(pk=check.decision_id).first()
            if decision is None:
                continue
            already = AuditEvent.objects.filter(
                action="consensus.ledger_mismatch",
                object_id=str(decision.pk),
                data__date=day,
            ).exists()
            if not already:
                audit_record(
                    actor=None,
                    action="consensus.ledger_mismatch",
                    obj=decision,
                    data={
                        "date": day,
                        "broken_at": check.broken_at,
                        "problem": check.problem,
                        "codes": [p.code for p in check.errors],
                        "length": check.length,
                    },
                )
            notification_send(
                kind="consensus.ledger_mismatch",
                recipients=secretariat_users(),
                key=f"ledger:{decision.pk}:{day}",
                title=f"Record check failed: {decision.title}"[:200],
                body=(
                    "The record of this decision does not verify: the recorded positions "
                    "or outcome may have been altered outside the application.\n"
                    + "\n".join(f"- {p.message}" for p in check.errors)
                ),
                url=decision_url(decision),
            )
    if broken:
        logger.error("record verification failed for decisions %s", broken)
    _designations_check(day)
    return broken


def _designations_check(day: str) -> None:
    """ToR III.2.1: the power to act for an agency comes only from a current designation.

    The companion of the record check: a permission that no designation accounts for
    (granted by hand or by a database edit) could cast that agency's positions, so the
    secretariat is told once a day, with one `agencies.permission_without_designation`
    audit entry per finding and day.
    """
    orphans = permissions_without_designation()
    if not orphans:
        return
    lines = []
    for orphan in orphans:
        who = orphan.user.get_username()
        where = orphan.agency.acronym
        lines.append(f"- {who} may act for {where} with no current designation")
        with transaction.atomic():
            if not AuditEvent.objects.filter(
                action="agencies.permission_without_designation",
                data__permission_id=orphan.permission_id,
                data__date=day,
            ).exists():
                audit_record(
                    actor=None,
                    action="agencies.permission_without_designation",
                    obj=orphan.agency if orphan.agency.pk else None,
                    data={"date": day, "permission_id": orphan.permission_id, "user": who},
                )
    logger.error("permissions without a designation: %s", lines)
    notification_send(
        kind="consensus.ledger_mismatch",
        recipients=secretariat_users(),
        key=f"designations:{day}",
        title="Record check: a power to act for an agency has no designation behind it",
        body=(
            "ToR III.2.1: only a current designation lets a person act for an agency. "
            "These permissions were granted outside the designation service; revoke them:\n"
            + "\n".join(lines)
        ),
        url="",
    )
