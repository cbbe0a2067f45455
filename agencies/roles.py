"""Who may do what (DESIGN.md "Roles"). Reads only; cached on the user object per request."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from agencies.models import Agency, RepresentativeKind

SECRETARIAT_GROUP = "secretariat"
ACT_FOR_AGENCY = "agencies.act_for_agency"


def is_secretariat(user: Any) -> bool:
    """ToR IV: secretariat staff are staff users in the `secretariat` group."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_isecg_is_secretariat", None)
    if cached is None:
        cached = bool(user.is_superuser) or (
            bool(user.is_staff) and user.groups.filter(name=SECRETARIAT_GROUP).exists()
        )
        user._isecg_is_secretariat = cached
    return cached


def agencies_represented(user: Any) -> QuerySet[Agency]:
    """Agencies the user may act for: object permissions only, never model-wide ones.

    `accept_global_perms=False` so that a model-wide permission cannot make someone
    a representative of every agency (DRF #3163); superusers are not representatives.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    return get_objects_for_user(
        user, ACT_FOR_AGENCY, klass=Agency, accept_global_perms=False, with_superuser=False
    )


# Bumped whenever any designation is granted or revoked in this process, so a role
# cached on any copy of a user object is dropped at once ("revocation takes effect at once").
_roles_generation = 0


def represented_agency_ids(user: Any) -> frozenset[int]:
    cached = getattr(user, "_isecg_agency_ids", None)
    if cached is None or cached[0] != _roles_generation:
        ids = frozenset(agencies_represented(user).values_list("pk", flat=True))
        cached = (_roles_generation, ids)
        if user is not None and user.is_authenticated:
            user._isecg_agency_ids = cached
    return cached[1]


def represents(user: Any, agency: Agency) -> bool:
    """ToR III.2.1: the user is a current authorised representative of this agency."""
    return agency.pk in represented_agency_ids(user)


def is_head_of_delegation(user: Any, agency: Agency) -> bool:
    if not represents(user, agency):
        return False
    return agency.representatives.filter(
        user=user, kind=RepresentativeKind.HEAD_OF_DELEGATION, revoked_at__isnull=True
    ).exists()


def forget_cached_roles(user: Any) -> None:
    """Drop roles cached on this user object and on every other copy in this process."""
    global _roles_generation
    _roles_generation += 1
    for attr in ("_isecg_is_secretariat", "_isecg_agency_ids", "_isecg_is_chair"):
        if hasattr(user, attr):
            delattr(user, attr)


def chair_agency_id() -> int | None:
    from meetings.selectors import current_chair_agency

    agency = current_chair_agency()
    return agency.pk if agency else None


def is_chair(user: Any) -> bool:
    """ToR III.2.2: the chair is the head(s) of delegation of the agency holding the term."""
    if user is None or not user.is_authenticated:
        return False
    cached = getattr(user, "_isecg_is_chair", None)
    if cached is None or cached[0] != _roles_generation:
        agency_id = chair_agency_id()
        value = agency_id is not None and (
            agency_id in represented_agency_ids(user)
            and Agency.objects.get(pk=agency_id)
            .representatives.filter(
                user=user, kind=RepresentativeKind.HEAD_OF_DELEGATION, revoked_at__isnull=True
            )
            .exists()
        )
        cached = (_roles_generation, value)
        user._isecg_is_chair = cached
    return bool(cached[1])
