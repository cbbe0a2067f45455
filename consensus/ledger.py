"""The tamper-evident position ledger: a SHA-256 hash chain per decision.

Each `PositionEvent` hashes a canonical JSON of its own fields together with the
previous event's hash (the first one chains from GENESIS_HASH). Editing, deleting or
reordering any row behind the ORM's back breaks the chain, and `verify_chain` says where.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from consensus.models import GENESIS_HASH, Decision, PositionEvent
from consensus.record import canonical_json, instant


def _instant(value: dt.datetime) -> str:
    return str(instant(value))


def canonical_payload(
    *,
    decision_id: int,
    seq: int,
    agency_id: int,
    value: str,
    statement: str,
    cast_by_id: int | None,
    on_behalf: bool,
    evidence: str,
    at: dt.datetime,
    prev_hash: str,
) -> bytes:
    """The exact bytes that are hashed: sorted keys, no whitespace, UTF-8."""
    document: dict[str, Any] = {
        "decision": decision_id,
        "seq": seq,
        "agency": agency_id,
        "value": value,
        "statement": statement,
        "cast_by": cast_by_id,
        "on_behalf": on_behalf,
        "evidence": evidence,
        "at": _instant(at),
        "prev_hash": prev_hash,
    }
    return canonical_json(document)


def compute_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical_payload(**fields)).hexdigest()


def event_hash(event: PositionEvent) -> str:
    """Recompute an event's hash from its stored fields."""
    return compute_hash(
        decision_id=event.decision_id,
        seq=event.seq,
        agency_id=event.agency_id,
        value=event.value,
        statement=event.statement,
        cast_by_id=event.cast_by_id,
        on_behalf=event.on_behalf,
        evidence=event.evidence,
        at=event.at,
        prev_hash=event.prev_hash,
    )


@dataclass(frozen=True)
class ChainCheck:
    decision_id: int
    length: int
    verified: bool
    broken_at: int | None
    problem: str
    head: str


def entry_document(event: PositionEvent) -> dict[str, Any]:
    """One ledger entry as plain data: the hashed fields and the hash (bundle format)."""
    return {
        "decision": event.decision_id,
        "seq": event.seq,
        "agency": event.agency_id,
        "value": event.value,
        "statement": event.statement,
        "cast_by": event.cast_by_id,
        "on_behalf": event.on_behalf,
        "evidence": event.evidence,
        "at": _instant(event.at),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def verify_chain(decision_id: int, events: Sequence[PositionEvent]) -> ChainCheck:
    """Check one decision's events, given in seq order."""
    previous = GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        problem = ""
        if event.seq != expected_seq:
            problem = f"expected entry {expected_seq}, found {event.seq}"
        elif event.prev_hash != previous:
            problem = "does not chain from the previous entry"
        elif event_hash(event) != event.hash:
            problem = "its content does not match its hash"
        if problem:
            return ChainCheck(
                decision_id=decision_id,
                length=len(events),
                verified=False,
                broken_at=event.seq,
                problem=f"Entry {event.seq}: {problem}.",
                head=previous,
            )
        previous = event.hash
    return ChainCheck(
        decision_id=decision_id,
        length=len(events),
        verified=True,
        broken_at=None,
        problem="",
        head=previous,
    )


def verify_decision(decision: Decision | int) -> ChainCheck:
    decision_id = decision if isinstance(decision, int) else decision.pk
    events = list(PositionEvent.objects.filter(decision_id=decision_id).order_by("seq", "id"))
    return verify_chain(decision_id, events)


def verify_all(decision_ids: Iterable[int] | None = None) -> list[ChainCheck]:
    """Verify every decision's chain (or the given ones), one query per batch of events."""
    ids = (
        list(decision_ids)
        if decision_ids is not None
        else list(Decision.objects.order_by("pk").values_list("pk", flat=True))
    )
    by_decision: dict[int, list[PositionEvent]] = {pk: [] for pk in ids}
    for event in PositionEvent.objects.filter(decision_id__in=ids).order_by(
        "decision_id", "seq", "id"
    ):
        by_decision[event.decision_id].append(event)
    return [verify_chain(pk, by_decision[pk]) for pk in ids]
