"""The rules that compute a decision's outcome: one pure function, no database.

ToR III.2.2: ISECG operates by consensus. DESIGN.md "Consensus decisions":

- `explicit`: adopted when no objection stands and the explicit responses (concur,
  concur with reservation, abstain) reach the quorum, a fraction of the electorate
  minus the recused agencies. It closes early the moment every eligible agency has
  responded without objection. At the deadline: a standing objection blocks, too few
  responses lapse.
- `silence`: adopted at the deadline unless an agency objects; non-response is consent.

Edge cases fixed here (and tested): an explicit decision with nobody eligible (an
empty electorate or every agency recused) cannot reach a quorum and lapses at the
deadline; positions of agencies outside the electorate are ignored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

EXPLICIT = "explicit"
SILENCE = "silence"

CONCUR = "concur"
CONCUR_WITH_RESERVATION = "concur_with_reservation"
ABSTAIN = "abstain"
OBJECT = "object"
RECUSE = "recuse"

VALUES = (CONCUR, CONCUR_WITH_RESERVATION, ABSTAIN, OBJECT, RECUSE)
EXPLICIT_RESPONSES = frozenset({CONCUR, CONCUR_WITH_RESERVATION, ABSTAIN})

ADOPTED = "adopted"
BLOCKED = "blocked"
LAPSED = "lapsed"


@dataclass(frozen=True)
class TallyResult:
    """What the rules say now. `outcome` is None while the decision stays open."""

    outcome: str | None
    counts: Mapping[str, int]
    electorate_size: int
    eligible: int
    explicit_responses: int
    quorum_required: int
    quorum_met: bool
    responded: tuple[int, ...]
    not_responded: tuple[int, ...]
    blocking: tuple[int, ...]
    recused: tuple[int, ...]
    may_close_early: bool
    deadline_passed: bool
    reason: str

    @property
    def responded_count(self) -> int:
        return len(self.responded)


def quorum_required(quorum: Fraction, eligible: int) -> int:
    """ceil(quorum x eligible), computed exactly."""
    return math.ceil(quorum * eligible)


def tally(
    *,
    procedure: str,
    quorum: Fraction,
    electorate: Iterable[int],
    positions: Mapping[int, str],
    deadline: dt.datetime,
    now: dt.datetime,
) -> TallyResult:
    """Compute the counts and, when the decision is due, its outcome.

    `electorate`: ids of the agencies that count (exclusions already removed).
    `positions`: current position value per agency id.
    """
    if procedure not in (EXPLICIT, SILENCE):
        raise ValueError(f"Unknown procedure {procedure!r}.")
    if not (0 < quorum <= 1):
        raise ValueError(f"Quorum {quorum} is not in (0, 1].")
    members = frozenset(electorate)
    current = {agency: value for agency, value in positions.items() if agency in members}
    for value in current.values():
        if value not in VALUES:
            raise ValueError(f"Unknown position value {value!r}.")

    counts = dict.fromkeys(VALUES, 0)
    for value in current.values():
        counts[value] += 1
    recused = tuple(sorted(a for a, v in current.items() if v == RECUSE))
    blocking = tuple(sorted(a for a, v in current.items() if v == OBJECT))
    responded = tuple(sorted(current))
    not_responded = tuple(sorted(members - current.keys()))
    eligible = len(members) - len(recused)
    explicit_responses = sum(1 for v in current.values() if v in EXPLICIT_RESPONSES)
    required = quorum_required(quorum, eligible)
    quorum_met = eligible > 0 and explicit_responses >= required
    deadline_passed = now >= deadline

    may_close_early = (
        procedure == EXPLICIT
        and not deadline_passed
        and eligible > 0
        and not blocking
        and not not_responded
    )

    outcome: str | None = None
    reason = ""
    if may_close_early:
        outcome = ADOPTED
        reason = (
            f"Every eligible agency responded without objection "
            f"({explicit_responses} of {eligible}); closed early."
        )
    elif deadline_passed:
        if blocking:
            outcome = BLOCKED
            reason = f"{len(blocking)} objection(s) stood at the deadline."
        elif procedure == SILENCE:
            outcome = ADOPTED
            reason = "No agency broke silence before the deadline."
        elif quorum_met:
            outcome = ADOPTED
            reason = (
                f"No objection; {explicit_responses} explicit response(s) reached the quorum "
                f"of {required} of {eligible} eligible agencies."
            )
        else:
            outcome = LAPSED
            reason = (
                f"Only {explicit_responses} explicit response(s) by the deadline; the quorum "
                f"was {required} of {eligible} eligible agencies."
            )

    return TallyResult(
        outcome=outcome,
        counts=counts,
        electorate_size=len(members),
        eligible=eligible,
        explicit_responses=explicit_responses,
        quorum_required=required,
        quorum_met=quorum_met,
        responded=responded,
        not_responded=not_responded,
        blocking=blocking,
        recused=recused,
        may_close_early=may_close_early,
        deadline_passed=deadline_passed,
        reason=reason,
    )
