"""Secretariat membership (ToR IV). The only code that changes it."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AgencyStatus
from agencies.roles import SECRETARIAT_GROUP, forget_cached_roles, is_secretariat
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import User
from isecg.services import audit_record
from secretariat.models import SecretariatMember


def secretariat_member_appoint(
    *,
    actor: User | None,
    user: User,
    proposed_by: Agency,
    role: str = "",
    since: dt.date | None = None,
    attested_voluntary_unpaid: bool | None = None,
) -> SecretariatMember:
    """ToR IV: secretariat staff are proposed by participating agencies, voluntarily and
    without exchange of funds.

    The record is the role (`agencies.roles.is_secretariat`): it names the proposing
    agency and states the voluntary, unpaid basis, which a person appointing attests
    (`attestation_required`); the system (demo data, imports) records it from its source.
    The `secretariat` group and `is_staff` follow the record here and in
    `secretariat_member_end` only, as the projection that gives the admin's view rights.
    A current agency representative is refused (`is_representative`, ToR III.2.1).
    Appointing a current member again for the same agency is a no-op."""
    if actor is not None and not is_secretariat(actor):
        raise PermissionDeniedError("Only the secretariat may appoint secretariat members.")
    if attested_voluntary_unpaid is False or (actor is not None and not attested_voluntary_unpaid):
        raise ValidationFailed(
            "ToR IV: secretariat staff are proposed on a voluntary basis without exchange of "
            "funds; attest that this is so.",
            code="attestation_required",
            field="attested_voluntary_unpaid",
        )
    if proposed_by.status != AgencyStatus.PARTICIPATING:
        raise ValidationFailed(
            "ToR IV: secretariat staff are proposed by participating agencies.",
            code="not_participating",
            field="proposed_by",
        )
    with transaction.atomic():
        # The same lock as representative_designate: neither can slip past the other's check.
        User.objects.select_for_update().get(pk=user.pk)
        if user.designations.filter(revoked_at__isnull=True).exists():
            raise ConflictError(
                f"{user} is a current agency representative; revoke that designation first "
                "to avoid a conflict of interest (ToR III.2.1).",
                code="is_representative",
            )
        current = SecretariatMember.objects.filter(user=user, ended_on__isnull=True).first()
        if current is not None:
            if current.proposed_by_id == proposed_by.pk:
                return current
            raise ConflictError(
                f"{user} is already a secretariat member proposed by {current.proposed_by}.",
                code="already_member",
            )
        member = SecretariatMember.objects.create(
            user=user,
            proposed_by=proposed_by,
            role=role,
            since=since or timezone.localdate(),
            voluntary_unpaid=True,
            appointed_by=actor,
        )
        group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
        user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        forget_cached_roles(user)
        audit_record(
            actor=actor,
            action="secretariat_member.appointed",
            obj=member,
            data={"user": user.username, "proposed_by": proposed_by.acronym, "role": role},
        )
    return member


def secretariat_member_end(
    *, actor: User | None, member: SecretariatMember, ended_on: dt.date | None = None
) -> SecretariatMember:
    """End a secretariat membership: the role ends with the record, at once (ToR IV).

    The user leaves the `secretariat` group (the projection) and loses `is_staff` unless
    they are a superuser; the history stays."""
    if actor is not None and not is_secretariat(actor):
        raise PermissionDeniedError("Only the secretariat may end secretariat memberships.")
    with transaction.atomic():
        member = (
            SecretariatMember.objects.select_for_update().select_related("user").get(pk=member.pk)
        )
        if member.ended_on is not None:
            return member
        if actor is not None and actor.pk == member.user_id:
            raise ConflictError(
                "You cannot end your own secretariat membership.", code="cannot_end_self"
            )
        member.ended_on = ended_on or timezone.localdate()
        member.save(update_fields=["ended_on"])
        member.user.groups.remove(*Group.objects.filter(name=SECRETARIAT_GROUP))
        if member.user.is_staff and not member.user.is_superuser:
            member.user.is_staff = False
            member.user.save(update_fields=["is_staff"])
        forget_cached_roles(member.user)
        audit_record(
            actor=actor,
            action="secretariat_member.ended",
            obj=member,
            data={"ended_on": member.ended_on.isoformat()},
        )
    return member
