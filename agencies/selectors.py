"""Permission-scoped reads for agencies and representatives."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from agencies.models import (
    Agency,
    AgencyStatus,
    AgencyStatusChange,
    Representative,
    RepresentativeKind,
)
from agencies.roles import SECRETARIAT_GROUP, chair_agency_id, is_secretariat
from isecg.models import User


def agencies_visible_to(user: Any) -> QuerySet[Agency]:
    """Anonymous visitors see the participating agencies; signed-in users see all."""
    # Meta.ordering is ignored by aggregate (GROUP BY) queries, so order explicitly.
    queryset = Agency.objects.annotate(
        current_representative_count=Count(
            "representatives", filter=Q(representatives__revoked_at__isnull=True)
        )
    ).order_by("acronym")
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


# --- Who to notify: every app uses these, so a recipient rule is written once. ---


def secretariat_users() -> QuerySet[User]:
    """Active secretariat members (ToR IV)."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(is_staff=True, groups__name=SECRETARIAT_GROUP))
        .distinct()
    )


def representative_users(agency_ids: Any = None, *, heads_only: bool = False) -> QuerySet[User]:
    """Users with a current designation, optionally for some agencies or heads only."""
    designations = Representative.objects.filter(revoked_at__isnull=True)
    if agency_ids is not None:
        designations = designations.filter(agency_id__in=list(agency_ids))
    if heads_only:
        designations = designations.filter(kind=RepresentativeKind.HEAD_OF_DELEGATION)
    return User.objects.filter(is_active=True, pk__in=designations.values("user_id"))


def participating_representative_users(*, heads_only: bool = False) -> QuerySet[User]:
    """Current representatives of every participating agency."""
    ids = Agency.objects.filter(status=AgencyStatus.PARTICIPATING).values_list("pk", flat=True)
    return representative_users(ids, heads_only=heads_only)


def chair_users() -> QuerySet[User]:
    """ToR III.2.2: the head(s) of delegation of the agency holding the chair term."""
    agency_id = chair_agency_id()
    if agency_id is None:
        return User.objects.none()
    return representative_users([agency_id], heads_only=True)
