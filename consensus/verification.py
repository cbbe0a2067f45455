"""Whole-record verification of decisions, read from the database.

ToR III.2.2 (consensus) and issue 12 ("a record that proves itself"): one verification,
used by the ledger page and endpoint, `manage.py verify_ledger` and the nightly sweep.
Each decision's record is read as the same plain-data bundle that is exported
(`record_bundle`), checked by the pure functions of consensus.record (the chain, the
electorate, the outcome recomputed from the ledger, the seal and its signature), and,
here only, against the current `Position` rows: each must equal its agency's last
ledger entry.

Reads are batched: verifying every decision takes a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Min

from consensus import ledger, record, seal
from consensus.models import (
    Decision,
    DecisionEvent,
    DecisionEventKind,
    DecisionSeal,
    ElectorateMember,
    Position,
    PositionEvent,
)
from consensus.record import ERROR, Problem, RecordCheck, instant


def decision_document(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "kind": decision.kind,
        "title": decision.title,
        "text": decision.text,
        "text_sha256": record.text_hash(decision.text),
        "procedure": decision.procedure,
        "quorum": {
            "numerator": decision.quorum_numerator,
            "denominator": decision.quorum_denominator,
        },
        "opened_at": instant(decision.opened_at),
        "deadline": instant(decision.deadline),
        "state": decision.state,
        "outcome": decision.outcome,
        "outcome_reason": decision.outcome_reason,
        "closed_at": instant(decision.closed_at),
        "round_number": decision.round_number,
        "previous_round": decision.previous_round_id,
    }


def member_document(member: ElectorateMember) -> dict[str, Any]:
    return {
        "agency": member.agency_id,
        "acronym": member.agency.acronym,
        "included_at": instant(member.included_at),
        "excluded_at": instant(member.excluded_at),
        "exclusion_reason": member.exclusion_reason,
    }


def seal_document(sealed: DecisionSeal | None) -> dict[str, Any] | None:
    if sealed is None:
        return None
    return {
        "algorithm": record.SIGNATURE_ALGORITHM,
        "message": sealed.message,
        "signature": sealed.signature,
        "key_id": sealed.key_id,
        "sealed_at": instant(sealed.sealed_at),
        "retroactive": sealed.retroactive,
    }


def bundle_for(
    decision: Decision,
    members: Iterable[ElectorateMember],
    events: Iterable[PositionEvent],
    sealed: DecisionSeal | None,
    public_key_id: str | None = None,
) -> dict[str, Any]:
    """A decision's record as plain data (README "Verifying a decision record")."""
    entries = [ledger.entry_document(event) for event in events]
    return {
        "format": record.BUNDLE_FORMAT,
        "version": record.BUNDLE_VERSION,
        "decision": decision_document(decision),
        "electorate": [member_document(m) for m in members],
        "ledger": {
            "algorithm": record.HASH_ALGORITHM,
            "genesis": record.GENESIS_HASH,
            "length": len(entries),
            "head": record.chain_head(entries),
            "entries": entries,
        },
        "seal": seal_document(sealed),
        "public_key_id": public_key_id or record.key_id(seal.public_key()),
    }


def _members(decision_ids: list[int]) -> dict[int, list[ElectorateMember]]:
    by_decision: dict[int, list[ElectorateMember]] = {pk: [] for pk in decision_ids}
    for member in (
        ElectorateMember.objects.filter(decision_id__in=decision_ids)
        .select_related("agency")
        .order_by("decision_id", "agency__acronym", "agency_id")
    ):
        by_decision[member.decision_id].append(member)
    return by_decision


def _events(decision_ids: list[int]) -> dict[int, list[PositionEvent]]:
    by_decision: dict[int, list[PositionEvent]] = {pk: [] for pk in decision_ids}
    for event in PositionEvent.objects.filter(decision_id__in=decision_ids).order_by(
        "decision_id", "seq", "id"
    ):
        by_decision[event.decision_id].append(event)
    return by_decision


def _seals(decision_ids: list[int]) -> dict[int, DecisionSeal]:
    return {s.decision_id: s for s in DecisionSeal.objects.filter(decision_id__in=decision_ids)}


def record_bundle(decision: Decision) -> dict[str, Any]:
    """The exportable record of one decision (the download and GET .../record/)."""
    return bundle_for(
        decision,
        _members([decision.pk])[decision.pk],
        _events([decision.pk])[decision.pk],
        DecisionSeal.objects.filter(decision=decision).first(),
    )


def _sealing_since() -> Any:
    """When sealing began: the earliest closing of a decision sealed as it closed."""
    return DecisionSeal.objects.filter(retroactive=False).aggregate(
        first=Min("decision__closed_at")
    )["first"]


def _closings(decision_ids: list[int]) -> dict[int, bool]:
    """Decisions whose history records their closing -> whether that closing made a seal."""
    closings: dict[int, bool] = {}
    for event in DecisionEvent.objects.filter(
        decision_id__in=decision_ids,
        kind__in=[DecisionEventKind.CLOSED, DecisionEventKind.WITHDRAWN],
    ).only("decision_id", "data"):
        sealed = isinstance(event.data, dict) and bool(event.data.get("seal"))
        closings[event.decision_id] = closings.get(event.decision_id, False) or sealed
    return closings


def check_positions(
    events: list[PositionEvent], positions: list[Position], names: dict[int, str]
) -> list[Problem]:
    """Every current position equals its agency's last ledger entry, and only those exist."""
    last: dict[int, PositionEvent] = {}
    for event in events:
        last[event.agency_id] = event
    current = {p.agency_id: p for p in positions}
    problems: list[Problem] = []
    for agency_id in sorted(current.keys() | last.keys(), key=lambda a: names.get(a, str(a))):
        name = names.get(agency_id, f"Agency {agency_id}")
        position, entry = current.get(agency_id), last.get(agency_id)
        if entry is None:
            problems.append(
                Problem(
                    "position_without_entry",
                    f"{name} has a current position but no ledger entry.",
                )
            )
        elif position is None:
            problems.append(
                Problem(
                    "entry_without_position",
                    f"{name} has ledger entries but no current position.",
                )
            )
        elif position.value != entry.value:
            problems.append(
                Problem(
                    "position_mismatch",
                    f"{name}'s current position ({position.value}) is not its last "
                    f"ledger entry #{entry.seq} ({entry.value}).",
                )
            )
        elif position.statement != entry.statement:
            problems.append(
                Problem(
                    "position_mismatch",
                    f"{name}'s current statement is not the one of its last ledger entry "
                    f"#{entry.seq}.",
                )
            )
        elif position.event_id != entry.pk:
            problems.append(
                Problem(
                    "position_mismatch",
                    f"{name}'s current position does not point to its last ledger entry "
                    f"#{entry.seq}.",
                )
            )
    return problems


def verify_records(decision_ids: Iterable[int] | None = None) -> list[RecordCheck]:
    """Verify each decision's whole record (every decision, or the given ones)."""
    decisions = Decision.objects.order_by("pk")
    if decision_ids is not None:
        decisions = decisions.filter(pk__in=list(decision_ids))
    chosen = list(decisions)
    ids = [d.pk for d in chosen]
    members, events, seals = _members(ids), _events(ids), _seals(ids)
    positions: dict[int, list[Position]] = {pk: [] for pk in ids}
    for position in Position.objects.filter(decision_id__in=ids).order_by():
        positions[position.decision_id].append(position)
    since = _sealing_since()
    closings = _closings(ids)
    public_key = seal.public_key()
    public_key_id = record.key_id(public_key)
    checks: list[RecordCheck] = []
    for decision in chosen:
        bundle = bundle_for(
            decision,
            members[decision.pk],
            events[decision.pk],
            seals.get(decision.pk),
            public_key_id,
        )
        expected = closings.get(decision.pk, False) or (
            since is not None and decision.closed_at is not None and decision.closed_at >= since
        )
        check = record.verify_record(bundle, public_key, sealing_expected=expected)
        names = {m.agency_id: m.agency.acronym for m in members[decision.pk]}
        extra = check_positions(events[decision.pk], positions[decision.pk], names)
        if decision.is_open and decision.pk in closings:
            extra.append(
                Problem(
                    "reopened",
                    "The decision is open, but its history records that it closed.",
                )
            )
        checks.append(
            RecordCheck(
                decision_id=check.decision_id,
                length=check.length,
                head=check.head,
                broken_at=check.broken_at,
                sealed=check.sealed,
                problems=check.problems + tuple(extra),
            )
        )
    return checks


def verify_decision_record(decision: Decision | int) -> RecordCheck:
    """Verify one decision's whole record."""
    pk = decision if isinstance(decision, int) else decision.pk
    checks = verify_records([pk])
    if not checks:
        raise Decision.DoesNotExist(f"No decision {pk}.")
    return checks[0]


__all__ = [
    "ERROR",
    "Problem",
    "RecordCheck",
    "check_positions",
    "record_bundle",
    "verify_decision_record",
    "verify_records",
]
