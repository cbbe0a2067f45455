"""Permission-scoped reads for agencies and representatives."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from agencies.models import Agency, AgencyStatus, AgencyStatusChange, Representative
from agencies.roles import is_secretariat


def agencies_visible_to(user: Any) -> QuerySet[Agency]:
    """Anonymous visitors see the participating agencies; signed-in users see all."""
    queryset = Agency.objects.annotate(
        current_representative_count=Count(
            "representatives", filter=Q(representatives__revoked_at__isnull=True)
        )
    )
    if user is None or not user.is_authenticated:
        return queryset.filter(status=AgencyStatus.PARTICIPATING)
    return queryset


def agency_detail(user: Any, acronym: str) -> Agency | None:
    """One agency with its current representatives and status history, in three queries."""
    current = Representative.objects.filter(revoked_at__isnull=True).select_related("user")
    return (
        agencies_visible_to(user)
        .prefetch_related(
            Prefetch("representatives", queryset=current, to_attr="current_representatives"),
            Prefetch(
                "status_changes",
                queryset=AgencyStatusChange.objects.select_related("actor"),
                to_attr="status_history",
            ),
        )
        .filter(acronym=acronym)
        .first()
    )


def representatives_visible_to(user: Any) -> QuerySet[Representative]:
    """Signed-in users see current designations; the secretariat also sees past ones."""
    if user is None or not user.is_authenticated:
        return Representative.objects.none()
    queryset = Representative.objects.select_related("user", "agency")
    if is_secretariat(user):
        return queryset
    return queryset.filter(revoked_at__isnull=True)
