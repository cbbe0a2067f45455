"""Who may do what (DESIGN.md "Roles"). Reads only; cached on the user object per request."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast
from guardian.models import UserObjectPermission

from agencies.models import Agency, RepresentativeKind

SECRETARIAT_GROUP = "secretariat"
ACT_FOR_AGENCY = "agencies.act_for_agency"


def is_secretariat_member(user: Any) -> bool:
    """ToR IV: the user holds a current secretariat member record. Asks the database.

    The record (`secretariat.models.SecretariatMember`, related name
    `secretariat_memberships`) names the proposing agency and the voluntary, unpaid
    basis. It is read through the ORM relation the secretariat app declares on the user,
    so this layer does not import the secretariat app (STYLE.md "Layers").
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.secretariat_memberships.filter(ended_on__isnull=True).exists())


def is_secretariat(user: Any) -> bool:
    """ToR IV: the secretariat is the active users with a current secretariat member record.

    Derived from the record: neither `is_superuser`, `is_staff` nor the `secretariat`
    group makes anyone secretariat (the group is a projection kept by
    `secretariat.services` for the admin's view permissions). The staff flag, which the
    same service sets with the record and clears when it ends, and which the admin cannot
    edit, is checked first only because it costs no query: every other user's pages ask
    the database nothing for this. Fails closed either way. Cached per user object.
    """
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    cached = getattr(user, "_isecg_is_secretariat", None)
    if cached is None or cached[0] != _roles_generation:
        cached = (_roles_generation, is_secretariat_member(user))
        user._isecg_is_secretariat = cached
    return bool(cached[1])


def agencies_represented(user: Any) -> QuerySet[Agency]:
    """Agencies the user may act for: object permissions only, never model-wide ones.

    The user's own `act_for_agency` object permissions, the only ones the services
    grant (`representative_designate`). This is what guardian's
    `get_objects_for_user(..., accept_global_perms=False, with_superuser=False)` answers
    for them, written as one EXISTS so that it costs a fraction of guardian's generic
    query on every cast (bench/). A model-wide permission cannot make someone a
    representative of every agency (DRF #3163); superusers are not representatives.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    granted = UserObjectPermission.objects.filter(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(Agency),
        permission__codename=ACT_FOR_AGENCY.split(".", 1)[1],
        object_pk=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return Agency.objects.filter(Exists(granted))


# Bumped whenever any designation is granted or revoked in this process, so a role
# cached on any copy of a user object is dropped at once ("revocation takes effect at once").
_roles_generation = 0


# Every cast asks this; the statement is fixed, so it is written once as SQL and skips the
# ORM's query compiler (a third of a cast's CPU time in bench/ before). Portable SQL: the
# same text runs on PostgreSQL and SQLite. It answers exactly `agencies_represented`.
_REPRESENTED_SQL = (
    "SELECT a.* FROM agencies_agency a"
    " JOIN guardian_userobjectpermission g ON g.object_pk = CAST(a.id AS VARCHAR(255))"
    " JOIN auth_permission p ON p.id = g.permission_id"
    " WHERE g.user_id = %s AND g.content_type_id = %s AND p.codename = %s"
    " ORDER BY a.id"
)


def represented_agencies(user: Any) -> list[Agency]:
    """The agencies the user represents, as rows, in one query (ToR III.2.1).

    Also primes the ids cached on the user object, so a later `represents()` on the
    same object asks the database nothing more.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_isecg_agencies", None)
    if cached is not None and cached[0] == _roles_generation:
        return list(cached[1])
    agencies = list(
        Agency.objects.raw(
            _REPRESENTED_SQL,
            [
                user.pk,
                ContentType.objects.get_for_model(Agency).pk,
                ACT_FOR_AGENCY.split(".", 1)[1],
            ],
        )
    )
    user._isecg_agencies = (_roles_generation, tuple(agencies))
    user._isecg_agency_ids = (_roles_generation, frozenset(a.pk for a in agencies))
    return agencies


def represented_agency_ids(user: Any) -> frozenset[int]:
    cached = getattr(user, "_isecg_agency_ids", None)
    if cached is None or cached[0] != _roles_generation:
        return frozenset(a.pk for a in represented_agencies(user))
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
    for attr in (
        "_isecg_is_secretariat",
        "_isecg_agency_ids",
        "_isecg_agencies",
        "_isecg_is_chair",
    ):
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
