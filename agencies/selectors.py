"""Permission-scoped reads for agencies and representatives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from guardian.models import UserObjectPermission

from agencies.models import (
    Agency,
    AgencyStatus,
    AgencyStatusChange,
    Representative,
    RepresentativeKind,
)
from agencies.roles import ACT_FOR_AGENCY, chair_agency_id, is_secretariat
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


def status_history(agency: Agency) -> QuerySet[AgencyStatusChange]:
    """ToR III.1, VI, VII: an agency's status changes with the act each follows from, oldest
    first, with who recorded them: one query, whatever the length of the history."""
    return AgencyStatusChange.objects.filter(agency=agency).select_related("actor")


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
            ),  # the same rows as `status_history(agency)`, for the page
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
    """Active users with a current secretariat member record (ToR IV; `roles.is_secretariat`)."""
    # One filter() call: both conditions hold for the same membership row (a user without
    # any would otherwise match `ended_on IS NULL` through the outer join).
    return User.objects.filter(
        is_active=True,
        is_staff=True,
        secretariat_memberships__isnull=False,
        secretariat_memberships__ended_on__isnull=True,
    ).distinct()


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


# --- Integrity: what the record must account for. ---


@dataclass(frozen=True)
class PermissionWithoutDesignation:
    """An `act_for_agency` object permission with no current designation behind it."""

    user: User
    agency: Agency
    permission_id: int


def permissions_without_designation() -> list[PermissionWithoutDesignation]:
    """Every power to act for an agency that no current designation accounts for.

    ToR III.2.1: the power to act for an agency comes only from a current designation
    with its two attestations (`services.representative_designate`), and is removed with
    it. A permission found here was granted by some other route (a hand-made grant, a
    database edit) and lets its holder cast that agency's positions: report it. Also
    reported: a permission whose agency no longer exists. Three queries.
    """
    codename = ACT_FOR_AGENCY.split(".", 1)[1]
    grants = list(
        UserObjectPermission.objects.filter(
            content_type=ContentType.objects.get_for_model(Agency), permission__codename=codename
        )
        .select_related("user")
        .order_by("user_id", "object_pk", "id")
    )
    current = set(
        Representative.objects.filter(revoked_at__isnull=True).values_list("user_id", "agency_id")
    )
    agencies = Agency.objects.in_bulk([int(g.object_pk) for g in grants if g.object_pk.isdigit()])
    rows = []
    for grant in grants:
        agency_id = int(grant.object_pk) if grant.object_pk.isdigit() else None
        if agency_id is not None and (grant.user_id, agency_id) in current:
            continue
        agency = agencies.get(agency_id) if agency_id is not None else None
        if agency is None:
            agency = Agency(pk=agency_id, acronym=f"(missing agency {grant.object_pk})")
        rows.append(
            PermissionWithoutDesignation(user=grant.user, agency=agency, permission_id=grant.pk)
        )
    return rows
