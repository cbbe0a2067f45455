"""Agencies and their representatives: the only code that changes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from agencies.models import (
    BASIS_TRANSITIONS,
    Agency,
    AgencyStatus,
    AgencyStatusChange,
    Representative,
    RepresentativeKind,
    StatusBasis,
    registration_status,
    status_after,
)
from agencies.roles import (
    ACT_FOR_AGENCY,
    forget_cached_roles,
    is_secretariat,
    is_secretariat_member,
)
from isecg.corrections import record_correct
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import User
from isecg.services import audit_record


def _require_secretariat(actor: User | None, what: str) -> None:
    if actor is not None and not is_secretariat(actor):
        raise PermissionDeniedError(f"Only the secretariat may {what}.")


def _check_acronym_free(acronym: str, *, exclude_pk: int | None = None) -> None:
    clash = Agency.objects.filter(acronym__iexact=acronym)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationFailed(
            f"An agency with the acronym {acronym!r} already exists.",
            code="duplicate_acronym",
            field="acronym",
        )


def agency_create(
    *,
    actor: User | None,
    name: str,
    acronym: str,
    country: str,
    website: str = "",
    framework_contributor: bool = False,
    notes: str = "",
    status: str | None = None,
) -> Agency:
    """Register an agency; its status follows from the facts, it is never chosen.

    ToR III.1: the Framework Document contributors are invited; other agencies enter as
    applicants. Only the secretariat registers agencies. `status`, if a caller still
    passes one, must be the status the facts give (`invalid_status` otherwise).
    """
    _require_secretariat(actor, "register agencies")
    derived = registration_status(framework_contributor=framework_contributor)
    if status is not None and status != derived:
        raise ValidationFailed(
            "ToR III.1: a status is not chosen. A Framework Document contributor is "
            "registered as invited, any other agency as an applicant.",
            code="invalid_status",
            field="status",
        )
    return _agency_register(
        actor=actor,
        name=name,
        acronym=acronym,
        country=country,
        website=website,
        framework_contributor=framework_contributor,
        notes=notes,
        status=derived,
        basis=StatusBasis.REGISTRATION,
        effective_on=timezone.localdate(),
        reason="Registered.",
    )


def agency_register_historical(
    *,
    name: str,
    acronym: str,
    country: str,
    website: str = "",
    framework_contributor: bool = False,
    joined_on: dt.date,
    notes: str = "",
    source: str,
) -> Agency:
    """Enter an agency that was participating before this register began (system only).

    ToR VII: the ToR became effective on 6 November 2007 for the agencies that accepted them
    then, and later for those admitted by consensus. Those acts predate this application;
    the register records them from the public record with the basis `historical_record`
    and its `source`, so the history says where the status came from. No web page or API
    endpoint calls this: it is for the command line (demo data, a first import).
    """
    if not source.strip():
        raise ValidationFailed("Name the public record.", code="required", field="source")
    if joined_on > timezone.localdate():
        raise ValidationFailed(
            "A historical join date is in the past.", code="in_the_future", field="joined_on"
        )
    return _agency_register(
        actor=None,
        name=name,
        acronym=acronym,
        country=country,
        website=website,
        framework_contributor=framework_contributor,
        notes=notes,
        status=AgencyStatus.PARTICIPATING,
        basis=StatusBasis.HISTORICAL_RECORD,
        effective_on=joined_on,
        reason="Participating before this register began.",
        basis_ref=source.strip(),
    )


def _agency_register(
    *,
    actor: User | None,
    name: str,
    acronym: str,
    country: str,
    website: str,
    framework_contributor: bool,
    notes: str,
    status: str,
    basis: str,
    effective_on: dt.date,
    reason: str,
    basis_ref: str = "",
) -> Agency:
    acronym = acronym.strip()
    if not acronym:
        raise ValidationFailed("An acronym is required.", code="required", field="acronym")
    with transaction.atomic():
        _check_acronym_free(acronym)
        try:
            with transaction.atomic():
                agency = Agency.objects.create(
                    name=name.strip(),
                    acronym=acronym,
                    country=country.strip(),
                    website=website,
                    status=status,
                    framework_contributor=framework_contributor,
                    joined_on=effective_on if status == AgencyStatus.PARTICIPATING else None,
                    notes=notes,
                )
        except IntegrityError:
            raise ValidationFailed(
                f"An agency with the acronym {acronym!r} already exists.",
                code="duplicate_acronym",
                field="acronym",
            ) from None
        AgencyStatusChange.objects.create(
            agency=agency,
            before="",
            after=status,
            basis=basis,
            basis_ref=basis_ref,
            effective_on=effective_on,
            reason=reason,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="agency.created",
            obj=agency,
            data={**_agency_data(agency), "basis": basis, "basis_ref": basis_ref},
        )
    return agency


def _agency_data(agency: Agency) -> dict[str, Any]:
    return {
        "name": agency.name,
        "acronym": agency.acronym,
        "country": agency.country,
        "website": agency.website,
        "status": agency.status,
        "framework_contributor": agency.framework_contributor,
        "joined_on": agency.joined_on.isoformat() if agency.joined_on else None,
        "notes": agency.notes,
    }


# The agency's details that a correction may fix (isecg.corrections, registered from
# AgenciesConfig.ready()). Never its status or its Framework Document role: those follow
# from the acts the ToR names (ToR III.1, VI); the acronym is its key in URLs, the API and
# exported records.
AGENCY_CORRECTABLE_FIELDS = ("name", "country", "website", "joined_on", "withdrawn_on", "notes")


def agency_correction_check(agency: Agency, changes: dict[str, Any]) -> None:
    """ToR III.1, VI: a corrected date must fit the agency's status.

    A join date belongs to an agency that joined (participating or withdrawn) and a
    participating agency keeps one; a withdrawal date belongs to a withdrawn agency only,
    and it is not before the join date.
    """
    joined = changes.get("joined_on", agency.joined_on)
    withdrawn = changes.get("withdrawn_on", agency.withdrawn_on)
    if "joined_on" in changes:
        if joined is not None and agency.status not in (
            AgencyStatus.PARTICIPATING,
            AgencyStatus.WITHDRAWN,
        ):
            raise ValidationFailed(
                f"{agency.acronym} has not joined ISECG; it has no join date to correct.",
                code="not_joined",
                field="joined_on",
            )
        if joined is None and agency.status == AgencyStatus.PARTICIPATING:
            raise ValidationFailed(
                "A participating agency keeps its join date.", code="required", field="joined_on"
            )
    if "withdrawn_on" in changes and agency.status != AgencyStatus.WITHDRAWN:
        raise ValidationFailed(
            f"{agency.acronym} has not withdrawn; a withdrawal is recorded with its "
            "written notification (ToR VI), never by a correction.",
            code="not_withdrawn",
            field="withdrawn_on",
        )
    if joined is not None and withdrawn is not None and withdrawn < joined:
        raise ValidationFailed(
            "The withdrawal date is before the join date.",
            code="dates_out_of_order",
            field="withdrawn_on" if "withdrawn_on" in changes else "joined_on",
        )


def agency_update(*, actor: User, agency: Agency, reason: str, **changes: Any) -> Agency:
    """Correct an agency's details: a correction with its reason (isecg.corrections).

    Status changes go through their ToR acts (ToR III.1, VI), never through here.
    """
    record_correct(actor=actor, obj=agency, changes=changes, reason=reason)
    return agency


def agency_status_follow(
    *,
    actor: User | None,
    agency: Agency,
    basis: str,
    effective_on: dt.date | None = None,
    reason: str,
    basis_ref: str = "",
) -> Agency:
    """Move an agency's status as the act of record `basis` requires; never chosen directly.

    Called only by the services that hold the act (membership): ToR III.1 (an invited
    agency's official acceptance of the ToR; an applicant's request approved upon
    consensus; a withdrawn agency's new request) and ToR VI (withdrawal by written
    notification, which revokes every current representative at once and takes the agency
    out of the electorate of every open decision). Each basis allows exactly one change
    (`agencies.models.BASIS_TRANSITIONS`); the target status is derived from it. An agency
    already where the act leads is left alone (a retry is a no-op).
    """
    if basis not in BASIS_TRANSITIONS:
        raise ValidationFailed(
            f"{basis!r} is not an act that changes an agency's status.",
            code="invalid_basis",
            field="basis",
        )
    target = BASIS_TRANSITIONS[basis][1]
    effective_on = effective_on or timezone.localdate()
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        before = agency.status
        if before == target:
            return agency
        after = status_after(basis, before)
        if after is None:
            raise ConflictError(
                f"{agency.acronym} is {agency.get_status_display().lower()}; "
                f"{StatusBasis(basis).label.lower()} does not apply to it.",
                code="invalid_status_change",
            )
        agency.status = after
        if after == AgencyStatus.PARTICIPATING:
            agency.joined_on = effective_on
            agency.withdrawn_on = None
        elif after == AgencyStatus.WITHDRAWN:
            agency.withdrawn_on = effective_on
        agency.save(update_fields=["status", "joined_on", "withdrawn_on"])
        AgencyStatusChange.objects.create(
            agency=agency,
            before=before,
            after=after,
            basis=basis,
            basis_ref=basis_ref,
            effective_on=effective_on,
            reason=reason,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="agency.status_changed",
            obj=agency,
            data={
                "before": before,
                "after": after,
                "basis": basis,
                "basis_ref": basis_ref,
                "effective_on": effective_on.isoformat(),
            },
        )
        if after == AgencyStatus.WITHDRAWN:
            current = agency.representatives.select_for_update(of=("self",)).filter(
                revoked_at__isnull=True
            )
            for representative in current.select_related("user"):
                _revoke(
                    actor=actor,
                    representative=representative,
                    reason=f"{agency.acronym} withdrew from ISECG (ToR VI).",
                )
            # ToR VI: it leaves the electorate of every open decision (lazy: no import cycle).
            from consensus.services import electorate_exclude_agency

            electorate_exclude_agency(
                actor=actor,
                agency=agency,
                reason=f"{agency.acronym} withdrew from ISECG (ToR VI)."
                + (f" {reason}" if reason else ""),
            )
    return agency


def representative_designate(
    *,
    actor: User | None,
    agency: Agency,
    user: User,
    kind: str,
    title: str = "",
    attested_agency_staff: bool,
    attested_no_conflict: bool,
    attestation_note: str = "",
    active_until: dt.datetime | None = None,
) -> Representative:
    """Designate a person to represent an agency and grant them its object permission.

    ToR III.2.1: each participating agency designates authorised representatives who
    are its own staff, and conflicts of interest are avoided: hence the attestation,
    one current designation per person, and no current secretariat member (ToR IV;
    `conflict_of_interest`). Designating the same person again for
    the same agency and kind is a no-op.
    """
    _require_secretariat(actor, "designate representatives")
    if kind not in RepresentativeKind.values:
        raise ValidationFailed(f"Unknown kind {kind!r}.", code="invalid_choice", field="kind")
    if not attested_agency_staff:
        raise ValidationFailed(
            "ToR III.2.1: representatives must be staff of the designating agency.",
            code="attestation_required",
            field="attested_agency_staff",
        )
    if not attested_no_conflict:
        raise ValidationFailed(
            "ToR III.2.1: conflicts of interest must be avoided; attest that there is none.",
            code="attestation_required",
            field="attested_no_conflict",
        )
    if not user.is_active:
        raise ValidationFailed("This account is deactivated.", code="inactive_user", field="user")
    if active_until is not None and active_until <= timezone.now():
        raise ValidationFailed(
            "The planned end must be in the future.", code="in_the_past", field="active_until"
        )
    with transaction.atomic():
        # The same lock as secretariat_member_appoint: neither can slip past the other's check.
        User.objects.select_for_update().get(pk=user.pk)
        if is_secretariat_member(user):
            # ToR III.2.1, IV: the secretariat supports every agency; its members represent none.
            raise ConflictError(
                f"{user} is a member of the ISECG secretariat; a secretariat member cannot "
                "also represent an agency (ToR III.2.1: conflicts of interest are avoided). "
                "End the secretariat membership first.",
                code="conflict_of_interest",
            )
        # Re-checked under the lock: a withdrawal running now revokes, it must not be undone.
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        if agency.status == AgencyStatus.WITHDRAWN:
            raise ConflictError(
                f"{agency.acronym} has withdrawn from ISECG; it designates no representatives.",
                code="agency_withdrawn",
            )
        current = Representative.objects.filter(user=user, revoked_at__isnull=True).first()
        if current is not None:
            if current.agency_id != agency.pk:
                raise ConflictError(
                    f"{user} already represents {current.agency.acronym}; a person represents "
                    "one agency at a time (ToR III.2.1). Revoke that designation first.",
                    code="already_represents_other_agency",
                )
            if (
                current.kind == kind
                and current.active_until == active_until
                and (not title or title == current.title)
            ):
                return current
            before = {"kind": current.kind, "title": current.title}
            current.kind = kind
            current.title = title or current.title
            current.active_until = active_until
            current.save(update_fields=["kind", "title", "active_until"])
            audit_record(
                actor=actor,
                action="representative.changed",
                obj=current,
                data={"before": before, "after": {"kind": kind, "title": current.title}},
            )
            return current
        representative = Representative.objects.create(
            user=user,
            agency=agency,
            kind=kind,
            title=title,
            active_until=active_until,
            attested_agency_staff=True,
            attested_no_conflict=True,
            attestation_note=attestation_note,
            designated_by=actor,
        )
        assign_perm(ACT_FOR_AGENCY, user, agency)
        forget_cached_roles(user)
        audit_record(
            actor=actor,
            action="representative.designated",
            obj=representative,
            data={"agency": agency.acronym, "user": user.username, "kind": kind},
        )
    return representative


def _revoke(*, actor: User | None, representative: Representative, reason: str) -> None:
    representative.revoked_at = timezone.now()
    representative.revoked_by = actor
    representative.revocation_reason = reason
    representative.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    remove_perm(ACT_FOR_AGENCY, representative.user, representative.agency)
    forget_cached_roles(representative.user)
    audit_record(
        actor=actor,
        action="representative.revoked",
        obj=representative,
        data={"agency": representative.agency.acronym, "reason": reason},
    )


def representative_revoke(
    *, actor: User | None, representative: Representative, reason: str = ""
) -> Representative:
    """End a designation at once: the permission to act for the agency goes with it.

    Revoking a designation that has already ended is a no-op.
    """
    _require_secretariat(actor, "revoke representatives")
    with transaction.atomic():
        representative = (
            Representative.objects.select_for_update(of=("self",))
            .select_related("user", "agency")
            .get(pk=representative.pk)
        )
        if representative.revoked_at is not None:
            return representative
        _revoke(actor=actor, representative=representative, reason=reason or "Revoked.")
    return representative


def representatives_expire(*, now: dt.datetime | None = None) -> int:
    """Revoke designations whose planned end has passed. Safe to run any number of times."""
    now = now or timezone.now()
    due = list(
        Representative.objects.filter(revoked_at__isnull=True, active_until__lte=now).values_list(
            "pk", flat=True
        )
    )
    revoked = 0
    for pk in due:
        with transaction.atomic():
            representative = (
                Representative.objects.select_for_update(of=("self",))
                .select_related("user", "agency")
                .get(pk=pk)
            )
            if representative.revoked_at is None:
                _revoke(
                    actor=None, representative=representative, reason="Designation period ended."
                )
                revoked += 1
    return revoked
