"""Reads for meetings and the chair."""

from __future__ import annotations

from agencies.models import Agency
from meetings.models import ChairTerm


def current_chair_agency() -> Agency | None:
    """The agency holding the open chair term, if any (ToR III.2.2)."""
    term = ChairTerm.objects.select_related("agency").filter(ends_on__isnull=True).first()
    return term.agency if term else None
