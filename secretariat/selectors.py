"""Reads for the secretariat's pages."""

from __future__ import annotations

from django.db.models import QuerySet

from secretariat.models import SecretariatMember


def secretariat_members(*, current_only: bool = True) -> QuerySet[SecretariatMember]:
    """Secretariat members with their proposing agency, grouped by agency (ToR IV)."""
    queryset = SecretariatMember.objects.select_related("user", "proposed_by")
    if current_only:
        queryset = queryset.filter(ended_on__isnull=True)
    return queryset.order_by("proposed_by__acronym", "since", "id")
