"""What a closed consensus decision does to a venue proposal or a chair nomination.

Registered from MeetingsConfig.ready(); each handler runs inside the transaction that
closes the decision (consensus.registry).
"""

from __future__ import annotations

from typing import Any

from consensus.registry import register_subject
from meetings import services
from meetings.models import ChairNomination, VenueProposal


def _venue(decision: Any) -> None:
    """ToR III.2.2: meeting venues are agreed by consensus."""
    services.venue_proposal_decided(proposal_id=decision.subject_object_id, decision=decision)


def _chair(decision: Any) -> None:
    """ToR III.2.2: the chairmanship rotates; the next chair is settled by consensus."""
    services.chair_nomination_decided(nomination_id=decision.subject_object_id, decision=decision)


def register() -> None:
    register_subject(
        VenueProposal, on_adopted=_venue, on_blocked=_venue, on_lapsed=_venue, on_withdrawn=_venue
    )
    register_subject(
        ChairNomination, on_adopted=_chair, on_blocked=_chair, on_lapsed=_chair, on_withdrawn=_chair
    )
