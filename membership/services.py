"""Membership and the Terms of Reference: the only code that changes them.

ToR III.1 (membership), V (amendments), VI (withdrawal), VII (establishment and extension).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from agencies import services as agency_services
from agencies.models import Agency, AgencyStatus, StatusBasis
from agencies.roles import (
    is_chair,
    is_head_of_delegation,
    is_secretariat,
    represents,
)
from agencies.selectors import (
    chair_users,
    participating_representative_users,
    representative_users,
    secretariat_users,
)
from consensus.models import Position, PositionValue
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import User
from isecg.services import audit_record, notification_send
from membership import applicants, selectors
from membership.models import (
    OPEN_REQUEST_STATES,
    MembershipRequest,
    MembershipRequestEvent,
    ProposalState,
    RequestState,
    ToRAcceptance,
    ToRAmendment,
    ToRExtension,
    ToRExtensionProposal,
    ToRVersion,
    Withdrawal,
    proposal_transition_allowed,
    request_transition_allowed,
)
from membership.uploads import pdf_validate

DEFAULT_EXPIRY_NOTICE_OFFSETS = ("24m", "12m", "6m", "3m", "1m", "7d")
_OFFSET_RE = re.compile(r"^(\d+)([dwmy])$")


# --- helpers --------------------------------------------------------------


def _require_secretariat(actor: User | None, what: str) -> None:
    if actor is not None and not is_secretariat(actor):
        raise PermissionDeniedError(f"Only the secretariat may {what}.")


def _require_text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{label} is required.", code="required", field=field)
    return value


def _today() -> dt.date:
    return timezone.localdate()


def _version_in_force_or_409() -> ToRVersion:
    version = selectors.version_in_force()
    if version is None:
        raise ConflictError("No version of the Terms of Reference is in force.", code="no_tor")
    return version


def _deadline_check(deadline: dt.datetime | None) -> dt.datetime:
    if deadline is None:
        raise ValidationFailed("A deadline is required.", code="required", field="deadline")
    return deadline


def _open_decision(
    *,
    actor: User | None,
    kind: str,
    title: str,
    text: str,
    deadline: dt.datetime,
    procedure: str,
    subject: Any,
) -> Any:
    from consensus.models import Procedure
    from consensus.services import decision_open

    if procedure not in Procedure.values:
        raise ValidationFailed(
            f"Unknown procedure {procedure!r}.", code="invalid_choice", field="procedure"
        )
    return decision_open(
        actor=actor,
        kind=kind,
        title=title[:200],
        text=text,
        deadline=_deadline_check(deadline),
        procedure=procedure,
        subject=subject,
    )


def _withdraw_decision(*, actor: User | None, decision: Any, reason: str) -> None:
    """Withdraw an open decision whose subject went away, if the engine offers it."""
    from consensus import services as consensus_services

    if decision is None or not decision.is_open:
        return
    # The applicant is not a manager of decisions: the system withdraws on its behalf.
    manager = actor if actor is not None and (is_secretariat(actor) or is_chair(actor)) else None
    consensus_services.decision_withdraw(actor=manager, decision=decision, reason=reason)


def _tor_in_force_changed() -> None:
    """ToR VII: the expiry banner on every page reads a cached status; after the commit it is
    read afresh. `robust`: the change stands even if the cache cannot be reached (the cached
    status then lapses within minutes)."""
    transaction.on_commit(selectors.tor_status_cache_bump, robust=True)


def _url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


# --- ToR versions ---------------------------------------------------------


def tor_version_create(
    *,
    actor: User | None,
    label: str,
    text: str,
    adopted_on: dt.date,
    effective_from: dt.date,
    expires_on: dt.date,
    adopted_by_decision: Any = None,
    supersedes: ToRVersion | None = None,
    reconstructed: bool = False,
    note: str = "",
) -> ToRVersion:
    """ToR V/VII: record a text of the Terms of Reference (idempotent by label).

    ToR V: the new text goes to the end of the line (the next `sequence`); a text it
    `supersedes` must be the current text, else the record would fork (`base_superseded`),
    and it cannot take effect before the current text does (`before_current_text`).
    """
    _require_secretariat(actor, "record versions of the Terms of Reference")
    label = _require_text(label, "label", "A label")
    _require_text(text, "text", "The text")
    if effective_from < adopted_on:
        raise ValidationFailed(
            "A version cannot take effect before it is adopted.",
            code="effective_before_adoption",
            field="effective_from",
        )
    if expires_on <= effective_from:
        raise ValidationFailed(
            "The expiry must come after the version takes effect.",
            code="expires_before_effective",
            field="expires_on",
        )
    with transaction.atomic():
        existing = ToRVersion.objects.filter(label=label).first()
        if existing is not None:
            return existing
        head = ToRVersion.objects.select_for_update().order_by("-sequence").first()
        if supersedes is not None and (head is None or supersedes.pk != head.pk):
            raise ConflictError(
                f"{supersedes.label} is not the current text"
                + (f" ({head.label} is)" if head is not None else "")
                + "; a version supersedes the current text only (ToR V).",
                code="base_superseded",
            )
        if head is not None and effective_from < head.effective_from:
            raise ValidationFailed(
                f"A new text cannot take effect before the current text ({head.label}, "
                f"{head.effective_from:%d %B %Y}): the line of texts stays in date order.",
                code="before_current_text",
                field="effective_from",
            )
        version = ToRVersion.objects.create(
            label=label,
            sequence=head.sequence + 1 if head is not None else 1,
            text=text,
            adopted_on=adopted_on,
            effective_from=effective_from,
            expires_on=expires_on,
            adopted_by_decision=adopted_by_decision,
            supersedes=supersedes,
            reconstructed=reconstructed,
            note=note,
        )
        audit_record(
            actor=actor,
            action="tor.version_created",
            obj=version,
            data={
                "label": label,
                "effective_from": effective_from.isoformat(),
                "expires_on": expires_on.isoformat(),
            },
        )
        _tor_in_force_changed()
    return version


def tor_extension_record_historical(
    *,
    actor: User | None,
    version: ToRVersion,
    previous_expires_on: dt.date,
    new_expires_on: dt.date,
    decided_on: dt.date,
    note: str = "",
) -> ToRExtension:
    """ToR VII: record an extension decided before this system existed (idempotent)."""
    _require_secretariat(actor, "record extensions")
    with transaction.atomic():
        existing = ToRExtension.objects.filter(
            version=version, new_expires_on=new_expires_on
        ).first()
        if existing is not None:
            return existing
        extension = ToRExtension.objects.create(
            version=version,
            previous_expires_on=previous_expires_on,
            new_expires_on=new_expires_on,
            decided_on=decided_on,
            note=note,
        )
        audit_record(
            actor=actor,
            action="tor.extension_recorded",
            obj=version,
            data={"from": previous_expires_on.isoformat(), "to": new_expires_on.isoformat()},
        )
    return extension


# --- Acceptance (ToR III.1, VII) ------------------------------------------


def _acceptance_create(
    *,
    actor: User | None,
    agency: Agency,
    version: ToRVersion,
    accepted_on: dt.date,
    signatory_name: str,
    signatory_title: str,
    letter: Any,
    source: str,
    membership_request: MembershipRequest | None = None,
    decision: Any = None,
    carried_from: ToRAcceptance | None = None,
) -> ToRAcceptance:
    existing = ToRAcceptance.objects.filter(agency=agency, version=version).first()
    if existing is not None:
        return existing
    acceptance = ToRAcceptance(
        agency=agency,
        version=version,
        accepted_on=accepted_on,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        source=source,
        membership_request=membership_request,
        decision=decision,
        carried_from=carried_from,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if letter is not None:
        if isinstance(letter, str):
            acceptance.letter.name = letter
        else:
            acceptance.letter.save("letter.pdf", letter, save=False)
    try:
        with transaction.atomic():
            acceptance.save()
    except IntegrityError:
        return ToRAcceptance.objects.get(agency=agency, version=version)
    audit_record(
        actor=actor,
        action="tor.accepted",
        obj=acceptance,
        data={
            "agency": agency.acronym,
            "version": version.label,
            "accepted_on": accepted_on.isoformat(),
            "source": source,
            "decision": decision.pk if decision is not None else None,
            "carried_from": carried_from.version.label if carried_from is not None else None,
        },
    )
    return acceptance


def tor_acceptances_carry_over(*, actor: User | None, version: ToRVersion) -> int:
    """ToR VII: the basis of agencies under a version adopted before this system existed.

    The 2012 extension and the October 2022 text were agreed before this system, and no
    decision of theirs is in the record, so no concurrence can be shown. The honest record
    is a `carried_over` basis, visible as such: an agency that was participating when the
    version took effect, and held a basis under the version it replaced on that day, is
    recorded as carried over, pointing at that earlier basis. A version adopted by a
    decision in the record is never carried over (its concurrences count; the others
    accept it explicitly). System only (demo data, migrations); safe to run again.
    Returns the number of bases recorded now.
    """
    if actor is not None:
        raise PermissionDeniedError("Carried-over bases are recorded by the system only.")
    if version.adopted_by_decision_id is not None:
        raise ConflictError(
            f"{version.label} was adopted by decision {version.adopted_by_decision_id}: "
            "concurrences in it count, other agencies accept it (ToR VII).",
            code="adopted_by_decision",
        )
    if version.supersedes_id is None:
        return 0
    took_effect = version.effective_from
    earlier = (
        ToRAcceptance.objects.filter(
            version_id=version.supersedes_id,
            accepted_on__lte=took_effect,
            agency__status=AgencyStatus.PARTICIPATING,
        )
        .filter(Q(agency__joined_on__isnull=True) | Q(agency__joined_on__lte=took_effect))
        .exclude(agency__tor_acceptances__version=version)
        .select_related("agency", "version")
    )
    recorded = 0
    with transaction.atomic():
        for basis in earlier:
            _acceptance_create(
                actor=None,
                agency=basis.agency,
                version=version,
                accepted_on=took_effect,
                signatory_name="",
                signatory_title="",
                letter=None,
                source=ToRAcceptance.Source.CARRIED_OVER,
                carried_from=basis,
            )
            recorded += 1
    return recorded


def tor_acceptances_carry_over_all(*, actor: User | None) -> int:
    """ToR VII: `tor_acceptances_carry_over` for every version with no decision in the
    record, oldest first, so a basis carries along the whole line (2007 -> 2012 -> 2022).
    System only; safe to run again. Returns the number of bases recorded now."""
    if actor is not None:
        raise PermissionDeniedError("Carried-over bases are recorded by the system only.")
    versions = ToRVersion.objects.filter(
        adopted_by_decision__isnull=True, supersedes__isnull=False
    ).order_by("sequence")
    return sum(tor_acceptances_carry_over(actor=actor, version=version) for version in versions)


def tor_accept(
    *,
    actor: User | None,
    agency: Agency,
    version: ToRVersion,
    signatory_name: str,
    signatory_title: str,
    letter: Any = None,
    accepted_on: dt.date | None = None,
    historical: bool = False,
) -> ToRAcceptance:
    """ToR III.1: an agency's official acceptance of the Terms of Reference.

    The secretariat records a letter it received, or a head of delegation submits one
    online. A Framework Document contributor that is `invited` becomes participating on
    acceptance (ToR III.1). Accepting a superseded version is refused (409); accepting
    the same version twice returns the first acceptance. `historical` (system only)
    records past acceptances without a letter.
    """
    online = actor is not None and not is_secretariat(actor)
    if online and not is_head_of_delegation(actor, agency):
        raise PermissionDeniedError(
            "Only the secretariat or the agency's head of delegation may record its acceptance."
        )
    if historical and actor is not None:
        raise PermissionDeniedError("Historical acceptances are recorded by the system only.")
    accepted_on = accepted_on or _today()
    if accepted_on > _today():
        raise ValidationFailed(
            "The acceptance date cannot be in the future.",
            code="in_the_future",
            field="accepted_on",
        )
    if not historical:
        signatory_name = _require_text(signatory_name, "signatory_name", "The signatory's name")
        signatory_title = _require_text(signatory_title, "signatory_title", "The signatory's title")
        pdf_validate(letter)
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        existing = ToRAcceptance.objects.filter(agency=agency, version=version).first()
        if existing is not None:
            return existing
        if not historical and selectors.version_is_superseded(version):
            raise ConflictError(
                f"{version.label} has been superseded; accept the version in force.",
                code="tor_version_superseded",
            )
        if agency.status == AgencyStatus.WITHDRAWN:
            raise ConflictError(
                f"{agency.acronym} has withdrawn; it returns through a new membership request.",
                code="agency_withdrawn",
            )
        if agency.status == AgencyStatus.APPLICANT and not historical:
            raise ConflictError(
                f"{agency.acronym} is an applicant: its acceptance is recorded from its "
                "membership request once approved (ToR III.1).",
                code="applicant_requests",
            )
        acceptance = _acceptance_create(
            actor=actor,
            agency=agency,
            version=version,
            accepted_on=accepted_on,
            signatory_name=signatory_name,
            signatory_title=signatory_title,
            letter=letter if not historical else None,
            source=(
                ToRAcceptance.Source.HISTORICAL
                if historical
                else ToRAcceptance.Source.ONLINE
                if online
                else ToRAcceptance.Source.MAIL
            ),
        )
        if agency.status == AgencyStatus.INVITED:
            # ToR III.1: contributors to the Framework Document join by accepting the ToR.
            agency_services.agency_status_follow(
                actor=None,
                agency=agency,
                basis=StatusBasis.TOR_ACCEPTANCE,
                effective_on=accepted_on,
                reason=f"ToR III.1: accepted {version.label}.",
                basis_ref=f"ToR acceptance {acceptance.pk}",
            )
    return acceptance


# --- Membership requests (ToR III.1) ---------------------------------------


def _request_event(
    *, request: MembershipRequest, before: str, after: str, actor: User | None, note: str = ""
) -> None:
    MembershipRequestEvent.objects.create(
        request=request,
        before=before,
        after=after,
        note=note,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action=f"membership_request.{after}",
        obj=request,
        data={"before": before, "after": after, "note": note},
    )


def _request_move(
    *, request: MembershipRequest, after: str, actor: User | None, note: str = ""
) -> None:
    before = request.state
    if not request_transition_allowed(before, after):
        raise ConflictError(
            f"The request is {request.get_state_display().lower()}; "
            f"it cannot become {RequestState(after).label.lower()}.",
            code="invalid_state",
        )
    request.state = after
    fields = ["state"]
    if after not in OPEN_REQUEST_STATES:
        request.closed_at = timezone.now()
        fields.append("closed_at")
    request.save(update_fields=fields)
    _request_event(request=request, before=before, after=after, actor=actor, note=note)


def _request_checks(
    *,
    letter: Any,
    shares_principles: bool,
    accepts_tor: bool,
    signatory_name: str,
    signatory_title: str,
    objectives: str,
    capabilities: str,
) -> dict[str, str]:
    """ToR III.1: an executive-level written request stating the sharing of the Framework
    Document's principles, the acceptance of the ToR and the objectives of joining."""
    pdf_validate(letter)
    if not shares_principles:
        raise ValidationFailed(
            "ToR III.1: the request must state that the agency shares the principles and "
            "objectives of the Framework Document.",
            code="required",
            field="shares_principles",
        )
    if not accepts_tor:
        raise ValidationFailed(
            "ToR III.1: the request must state the acceptance of the Terms of Reference.",
            code="required",
            field="accepts_tor",
        )
    return {
        "signatory_name": _require_text(signatory_name, "signatory_name", "The signatory's name"),
        "signatory_title": _require_text(
            signatory_title, "signatory_title", "The signatory's executive title"
        ),
        "objectives": _require_text(objectives, "objectives", "The objectives of joining"),
        "capabilities": _require_text(
            capabilities, "capabilities", "A description of the exploration capabilities"
        ),
    }


def _request_create(
    *,
    actor: User | None,
    agency: Agency,
    letter: Any,
    fields: dict[str, str],
    received_on: dt.date,
    submitted_online: bool,
) -> MembershipRequest:
    version = _version_in_force_or_409()
    if selectors.open_request_for(agency) is not None:
        raise ConflictError(
            f"{agency.acronym} already has an open membership request.",
            code="open_request_exists",
        )
    request = MembershipRequest(
        agency=agency,
        state=RequestState.SUBMITTED,
        shares_principles=True,
        accepts_tor=True,
        tor_version=version,
        received_on=received_on,
        submitted_online=submitted_online,
        submitted_by=actor if submitted_online else None,
        recorded_by=None if submitted_online else actor,
        **fields,
    )
    request.letter.save("letter.pdf", letter, save=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise ConflictError(
            f"{agency.acronym} already has an open membership request.",
            code="open_request_exists",
        ) from None
    _request_event(
        request=request,
        before="",
        after=RequestState.SUBMITTED,
        actor=actor,
        note="Submitted online." if submitted_online else "Received by the secretariat.",
    )
    notification_send(
        kind="membership.request_received",
        recipients=secretariat_users(),
        key=f"membership_request:{request.pk}:received",
        title=f"Membership request received from {agency.name}",
        body="ToR III.1: check it, then circulate it or return it for completion.",
        url=_url("membership-request-detail", request.pk),
    )
    return request


def membership_request_record(
    *,
    actor: User | None,
    agency: Agency,
    letter: Any,
    signatory_name: str,
    signatory_title: str,
    shares_principles: bool,
    accepts_tor: bool,
    objectives: str,
    capabilities: str,
    received_on: dt.date | None = None,
) -> MembershipRequest:
    """ToR III.1: the secretariat records an executive-level written request it received.

    Participating and invited agencies do not request (409); a withdrawn agency returns
    through a new request and becomes an applicant again; one open request per agency (409).
    """
    _require_secretariat(actor, "record membership requests")
    fields = _request_checks(
        letter=letter,
        shares_principles=shares_principles,
        accepts_tor=accepts_tor,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        objectives=objectives,
        capabilities=capabilities,
    )
    received_on = received_on or _today()
    if received_on > _today():
        raise ValidationFailed(
            "The request cannot be received in the future.",
            code="in_the_future",
            field="received_on",
        )
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        if agency.status == AgencyStatus.PARTICIPATING:
            raise ConflictError(f"{agency.acronym} is already participating.", code="participating")
        if agency.status == AgencyStatus.INVITED:
            raise ConflictError(
                f"{agency.acronym} contributed to the Framework Document: it joins by accepting "
                "the Terms of Reference (ToR III.1), not by request.",
                code="invited_accepts",
            )
        if agency.status == AgencyStatus.WITHDRAWN:
            agency = agency_services.agency_status_follow(
                actor=actor,
                agency=agency,
                basis=StatusBasis.REAPPLICATION,
                reason="ToR III.1: returns through a new membership request.",
            )
        return _request_create(
            actor=actor,
            agency=agency,
            letter=letter,
            fields=fields,
            received_on=received_on,
            submitted_online=False,
        )


def membership_request_submit_online(
    *,
    actor: User,
    agency_name: str = "",
    agency_acronym: str = "",
    country: str = "",
    website: str = "",
    letter: Any,
    signatory_name: str,
    signatory_title: str,
    shares_principles: bool,
    accepts_tor: bool,
    objectives: str,
    capabilities: str,
) -> MembershipRequest:
    """ToR III.1: an applicant account submits its agency's request online.

    Only a verified applicant account (membership.applicants) files one: 403
    `applicant_account_required` for any other account, `email_not_verified` before the
    address is confirmed; representatives and the secretariat act for their own agency and
    never apply. The agency's name, acronym and country default to the account's; the
    agency is registered as an applicant. One open request per account (409).
    """
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError("Sign in to submit a membership request.")
    refusal = applicants.applicant_refusal(actor)
    if refusal is not None:
        raise refusal
    account = applicants.applicant_account_required(actor)
    agency_name = (agency_name or "").strip() or account.agency_name
    agency_acronym = (agency_acronym or "").strip() or account.agency_acronym
    country = (country or "").strip() or account.country
    fields = _request_checks(
        letter=letter,
        shares_principles=shares_principles,
        accepts_tor=accepts_tor,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        objectives=objectives,
        capabilities=capabilities,
    )
    _require_text(agency_name, "agency_name", "The agency's name")
    _require_text(country, "country", "The country")
    with transaction.atomic():
        User.objects.select_for_update().get(pk=actor.pk)
        if MembershipRequest.objects.filter(
            submitted_by=actor, state__in=OPEN_REQUEST_STATES
        ).exists():
            raise ConflictError(
                "You already have an open membership request.", code="open_request_exists"
            )
        try:
            agency = agency_services.agency_create(
                actor=None,
                name=agency_name,
                acronym=agency_acronym,
                country=country,
                website=website,
                notes=f"Registered by the online membership request of {actor.username}.",
            )
        except ValidationFailed as error:
            if error.field == "acronym":
                error.field = "agency_acronym"
            raise
        return _request_create(
            actor=actor,
            agency=agency,
            letter=letter,
            fields=fields,
            received_on=_today(),
            submitted_online=True,
        )


def _lock_request(request: MembershipRequest) -> MembershipRequest:
    return (
        MembershipRequest.objects.select_for_update()
        .select_related("agency", "tor_version")
        .get(pk=request.pk)
    )


def membership_request_return(
    *, actor: User | None, request: MembershipRequest, reason: str
) -> MembershipRequest:
    """ToR III.1: the secretariat returns an incomplete request to the applicant."""
    _require_secretariat(actor, "return membership requests")
    reason = _require_text(reason, "reason", "A reason")
    with transaction.atomic():
        request = _lock_request(request)
        if request.state == RequestState.RETURNED:
            return request
        _request_move(request=request, after=RequestState.RETURNED, actor=actor, note=reason)
        request.return_reason = reason
        request.save(update_fields=["return_reason"])
        if request.submitted_by is not None:
            notification_send(
                kind="membership.request_returned",
                recipients=[request.submitted_by],
                key=f"membership_request:{request.pk}:returned:{request.events.count()}",
                title="Your membership request was returned for completion",
                body=reason,
                url=_url("membership-request-detail", request.pk),
            )
    return request


def membership_request_complete(
    *,
    actor: User | None,
    request: MembershipRequest,
    letter: Any = None,
    note: str = "",
    **changes: Any,
) -> MembershipRequest:
    """ToR III.1: a returned request, completed, goes back to the secretariat."""
    editable = {"signatory_name", "signatory_title", "objectives", "capabilities"}
    unknown = set(changes) - editable
    if unknown:
        raise ValidationFailed(
            f"These fields cannot be changed: {', '.join(sorted(unknown))}.",
            code="not_editable",
            field=sorted(unknown)[0],
        )
    if actor is not None and not is_secretariat(actor) and request.submitted_by_id != actor.pk:
        raise PermissionDeniedError("Only the applicant or the secretariat may complete it.")
    if letter is not None:
        pdf_validate(letter)
    for field, value in changes.items():
        changes[field] = _require_text(value, field, field.replace("_", " ").capitalize())
    with transaction.atomic():
        request = _lock_request(request)
        if request.state == RequestState.SUBMITTED:
            return request
        _request_move(
            request=request,
            after=RequestState.SUBMITTED,
            actor=actor,
            note=note or "Completed.",
        )
        for field, value in changes.items():
            setattr(request, field, value)
        if letter is not None:
            request.letter.save("letter.pdf", letter, save=False)
        request.save()
    return request


def membership_request_circulate(
    *,
    actor: User | None,
    request: MembershipRequest,
    procedure: str,
    deadline: dt.datetime,
) -> MembershipRequest:
    """ToR III.1: the secretariat informs the chair and the participating agencies, then
    the request is decided by consensus of the participating agencies (a decision opens
    with the procedure and deadline the secretariat chose)."""
    _require_secretariat(actor, "circulate membership requests")
    with transaction.atomic():
        request = _lock_request(request)
        if request.state == RequestState.DECISION_OPEN:
            return request
        if request.state == RequestState.SUBMITTED:
            _request_move(
                request=request,
                after=RequestState.CIRCULATED,
                actor=actor,
                note="Circulated to the chair and the participating agencies (ToR III.1).",
            )
            recipients = [*chair_users(), *participating_representative_users()]
            notification_send(
                kind="membership.request_circulated",
                recipients=recipients,
                key=f"membership_request:{request.pk}:circulated",
                title=f"Membership request: {request.agency.name}",
                body=(
                    f"ToR III.1: {request.agency.name} ({request.agency.country}) requests to "
                    "join the ISECG. Such requests are approved upon consensus of the "
                    "participating agencies."
                ),
                url=_url("membership-request-detail", request.pk),
            )
        elif request.state != RequestState.CIRCULATED:
            raise ConflictError(
                f"The request is {request.get_state_display().lower()}; it cannot be circulated.",
                code="invalid_state",
            )
        agency = request.agency
        decision = _open_decision(
            actor=actor,
            kind="membership_request",
            title=f"Membership of {agency.name}",
            text=(
                f"ToR III.1: {agency.name} ({agency.acronym}, {agency.country}) requests to "
                "join the ISECG as a Participating Agency.\n\n"
                f"- Signed by: {request.signatory_name}, {request.signatory_title}\n"
                "- Shares the principles and objectives of the Framework Document: yes\n"
                f"- Accepts the Terms of Reference ({request.tor_version.label}): yes\n\n"
                f"**Objectives in joining**\n\n{request.objectives}\n\n"
                f"**Exploration capabilities for peaceful purposes**\n\n{request.capabilities}\n"
            ),
            deadline=deadline,
            procedure=procedure,
            subject=request,
        )
        request.decision = decision
        request.save(update_fields=["decision"])
        _request_move(
            request=request,
            after=RequestState.DECISION_OPEN,
            actor=actor,
            note=f"Decision {decision.pk} opened ({procedure}).",
        )
    return request


def membership_request_withdraw(
    *, actor: User | None, request: MembershipRequest, reason: str = ""
) -> MembershipRequest:
    """ToR III.1: the applicant may withdraw its request along the way (recorded by the
    secretariat, or by the applicant's own account). An open decision is withdrawn too."""
    if actor is not None and not is_secretariat(actor) and request.submitted_by_id != actor.pk:
        raise PermissionDeniedError("Only the applicant or the secretariat may withdraw it.")
    with transaction.atomic():
        request = _lock_request(request)
        if request.state == RequestState.WITHDRAWN:
            return request
        _request_move(
            request=request,
            after=RequestState.WITHDRAWN,
            actor=actor,
            note=reason or "Withdrawn by the applicant.",
        )
        _withdraw_decision(
            actor=actor, decision=request.decision, reason="The applicant withdrew its request."
        )
    return request


def _request_for_decision(decision: Any) -> MembershipRequest | None:
    return (
        MembershipRequest.objects.select_for_update()
        .select_related("agency", "tor_version")
        .filter(pk=decision.subject_object_id)
        .first()
    )


def on_request_adopted(decision: Any) -> None:
    """ToR III.1: approved upon consensus: the agency becomes participating and its
    acceptance of the ToR is recorded from the request."""
    request = _request_for_decision(decision)
    if request is None or request.state != RequestState.DECISION_OPEN:
        return
    on = timezone.localdate(decision.closed_at) if decision.closed_at else _today()
    agency_services.agency_status_follow(
        actor=None,
        agency=request.agency,
        basis=StatusBasis.MEMBERSHIP_DECISION,
        effective_on=on,
        reason=f"ToR III.1: membership request approved by consensus (decision {decision.pk}).",
        basis_ref=f"decision {decision.pk}",
    )
    _acceptance_create(
        actor=None,
        agency=request.agency,
        version=request.tor_version,
        accepted_on=request.received_on,
        signatory_name=request.signatory_name,
        signatory_title=request.signatory_title,
        letter=request.letter.name,
        source=ToRAcceptance.Source.REQUEST,
        membership_request=request,
    )
    _request_move(
        request=request,
        after=RequestState.APPROVED,
        actor=None,
        note=f"Adopted by decision {decision.pk}.",
    )
    recipients = [*secretariat_users(), *chair_users(), *participating_representative_users()]
    if request.submitted_by is not None:
        recipients.append(request.submitted_by)
    notification_send(
        kind="membership.request_approved",
        recipients=recipients,
        key=f"membership_request:{request.pk}:approved",
        title=f"{request.agency.name} joins the ISECG",
        body="ToR III.1: the membership request was approved by consensus.",
        url=_url("membership-request-detail", request.pk),
    )


def on_request_not_adopted(decision: Any) -> None:
    """ToR III.1: without consensus (blocked, or lapsed without quorum) the request is declined."""
    request = _request_for_decision(decision)
    if request is None or request.state != RequestState.DECISION_OPEN:
        return
    _request_move(
        request=request,
        after=RequestState.DECLINED,
        actor=None,
        note=f"Decision {decision.pk}: {decision.outcome}.",
    )
    recipients = list(secretariat_users())
    if request.submitted_by is not None:
        recipients.append(request.submitted_by)
    notification_send(
        kind="membership.request_declined",
        recipients=recipients,
        key=f"membership_request:{request.pk}:declined",
        title=f"Membership request of {request.agency.name} declined",
        body=f"The decision closed as {decision.outcome}.",
        url=_url("membership-request-detail", request.pk),
    )


def on_request_decision_withdrawn(decision: Any) -> None:
    """A decision withdrawn by the chair or secretariat: the request waits for a new one."""
    request = _request_for_decision(decision)
    if request is None or request.state != RequestState.DECISION_OPEN:
        return
    _request_move(
        request=request,
        after=RequestState.CIRCULATED,
        actor=None,
        note=f"Decision {decision.pk} was withdrawn.",
    )


# --- Amendments (ToR V) ----------------------------------------------------


def _may_propose(actor: User | None, agency: Agency | None) -> None:
    if actor is None or is_secretariat(actor):
        return
    if agency is None or not represents(actor, agency):
        raise PermissionDeniedError("Representatives propose for their own agency only.")


def _current_text_or_409() -> ToRVersion:
    version = selectors.version_latest()
    if version is None:
        raise ConflictError("No version of the Terms of Reference exists.", code="no_tor")
    return version


def _base_superseded(base: ToRVersion, current: ToRVersion) -> ConflictError:
    return ConflictError(
        f"This amendment was drafted against {base.label}, but the current text is "
        f"{current.label}: adopting it would undo what was adopted since (ToR V). "
        "Start a new round on the current text.",
        code="base_superseded",
    )


def _amendment_create(
    *,
    actor: User | None,
    proposing_agency: Agency,
    label: str,
    new_text: str,
    rationale: str,
    effective_from: dt.date | None,
    base_version: ToRVersion | None,
    previous_round: ToRAmendment | None,
) -> ToRAmendment:
    """The one place an amendment is created: drafted against the current text."""
    _may_propose(actor, proposing_agency)
    if proposing_agency.status != AgencyStatus.PARTICIPATING:
        raise ConflictError(
            "ToR V: amendments are made by the participating agencies.",
            code="not_participating",
        )
    label = _require_text(label, "label", "A label for the new version")
    new_text = _require_text(new_text, "new_text", "The new text")
    rationale = _require_text(rationale, "rationale", "A rationale")
    if ToRVersion.objects.filter(label=label).exists():
        raise ValidationFailed("A version with this label exists.", code="duplicate", field="label")
    if effective_from is not None and effective_from < _today():
        raise ValidationFailed(
            "The new text cannot take effect in the past.",
            code="in_the_past",
            field="effective_from",
        )
    base = _current_text_or_409()
    if base_version is not None and base_version.pk != base.pk:
        raise _base_superseded(base_version, base)
    if base.text.strip() == new_text.strip():
        raise ValidationFailed(
            "The new text is the same as the current text.",
            code="unchanged",
            field="new_text",
        )
    amendment = ToRAmendment.objects.create(
        base_version=base,
        previous_round=previous_round,
        label=label,
        new_text=new_text,
        rationale=rationale,
        proposing_agency=proposing_agency,
        effective_from=effective_from,
        diff=selectors.unified_diff(base.text, new_text, old_label=base.label, new_label=label),
        proposed_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action="tor.amendment_proposed",
        obj=amendment,
        data={
            "label": label,
            "agency": proposing_agency.acronym,
            "base": base.label,
            "previous_round": previous_round.pk if previous_round is not None else None,
        },
    )
    notification_send(
        kind="membership.amendment_proposed",
        recipients=[*secretariat_users(), *chair_users()],
        key=f"tor_amendment:{amendment.pk}:proposed",
        title=f"ToR amendment proposed by {proposing_agency.acronym}",
        body=rationale,
        url=_url("tor-amendment-detail", amendment.pk),
    )
    return amendment


def tor_amendment_propose(
    *,
    actor: User | None,
    proposing_agency: Agency,
    label: str,
    new_text: str,
    rationale: str,
    effective_from: dt.date | None = None,
    base_version: ToRVersion | None = None,
) -> ToRAmendment:
    """ToR V: a participating agency proposes a new text of the ToR.

    It is drafted against the current text (the last one adopted, in force or not yet) and
    the diff against it is kept. `base_version`, when given, is the text the drafter saw: if
    another text was adopted meanwhile, the proposal is refused (`base_superseded`) rather
    than silently undoing it.
    """
    with transaction.atomic():
        return _amendment_create(
            actor=actor,
            proposing_agency=proposing_agency,
            label=label,
            new_text=new_text,
            rationale=rationale,
            effective_from=effective_from,
            base_version=base_version,
            previous_round=None,
        )


def _amendment_supersede(*, amendment: ToRAmendment, current: ToRVersion, note: str) -> None:
    """ToR V: the amendment's base is no longer the current text; it never takes effect.
    An event records it and its proposer, the chair and the secretariat are told."""
    base_label = amendment.base_version.label
    _proposal_move(
        amendment, ProposalState.SUPERSEDED, actor=None, action="tor.amendment_superseded"
    )
    audit_record(
        actor=None,
        action="tor.amendment_base_superseded",
        obj=amendment,
        data={
            "base": base_label,
            "current": current.label,
            "decision": amendment.decision_id,
            "note": note,
        },
    )
    notification_send(
        kind="membership.amendment_superseded",
        recipients=[
            *secretariat_users(),
            *chair_users(),
            *representative_users([amendment.proposing_agency_id], heads_only=True),
        ],
        key=f"tor_amendment:{amendment.pk}:superseded",
        title=f"ToR amendment '{amendment.label}' does not take effect",
        body=(
            f"ToR V: it was drafted against {base_label}, but {current.label} was adopted "
            f"meanwhile. {note} Start a new round on the current text."
        ),
        url=_url("tor-amendment-detail", amendment.pk),
    )


def tor_amendment_new_round(
    *,
    actor: User | None,
    amendment: ToRAmendment,
    label: str,
    new_text: str,
    rationale: str,
    effective_from: dt.date | None = None,
    base_version: ToRVersion | None = None,
) -> ToRAmendment:
    """ToR V: a new round on the current text, linked to the round it follows.

    The way forward for an amendment whose base was superseded (`base_superseded`) or that
    was not adopted: the proposing agency (or the secretariat) drafts its change again on
    the current text. A still-proposed round with a stale base is closed as superseded. One
    open new round per amendment: asking again returns it.
    """
    with transaction.atomic():
        previous = (
            ToRAmendment.objects.select_for_update()
            .select_related("base_version", "proposing_agency")
            .get(pk=amendment.pk)
        )
        _may_propose(actor, previous.proposing_agency)
        following = previous.next_rounds.filter(
            state__in=[ProposalState.PROPOSED, ProposalState.DECISION_OPEN]
        ).first()
        if following is not None:
            return following
        current = _current_text_or_409()
        stale = previous.base_version_id != current.pk
        if previous.state == ProposalState.PROPOSED and stale:
            _amendment_supersede(
                amendment=previous, current=current, note="A new round was started."
            )
        elif previous.state not in (ProposalState.SUPERSEDED, ProposalState.REJECTED):
            raise ConflictError(
                "A new round follows an amendment that was superseded or not adopted; this one "
                f"is {previous.get_state_display().lower()}.",
                code="invalid_state",
            )
        return _amendment_create(
            actor=actor,
            proposing_agency=previous.proposing_agency,
            label=label,
            new_text=new_text,
            rationale=rationale,
            effective_from=effective_from,
            base_version=base_version,
            previous_round=previous,
        )


def _proposal_move(obj: Any, after: str, *, actor: User | None, action: str) -> None:
    before = obj.state
    if not proposal_transition_allowed(before, after):
        raise ConflictError(
            f"The proposal is {obj.get_state_display().lower()}; "
            f"it cannot become {ProposalState(after).label.lower()}.",
            code="invalid_state",
        )
    obj.state = after
    if after in (
        ProposalState.ADOPTED,
        ProposalState.REJECTED,
        ProposalState.WITHDRAWN,
        ProposalState.SUPERSEDED,
    ):
        obj.closed_at = timezone.now()
    obj.save(update_fields=["state", "closed_at"])
    audit_record(actor=actor, action=action, obj=obj, data={"before": before, "after": after})


def _may_open_decision(actor: User | None) -> None:
    if actor is not None and not (is_secretariat(actor) or is_chair(actor)):
        raise PermissionDeniedError("Only the chair or the secretariat may open a decision.")


def tor_amendment_open_decision(
    *, actor: User | None, amendment: ToRAmendment, procedure: str, deadline: dt.datetime
) -> ToRAmendment:
    """ToR V: the ToR may be amended by the participating agencies by consensus.

    The decision opens only while the amendment's base is the current text (compared by
    identity in the line of versions, not by date); otherwise 409 `base_superseded`.
    """
    _may_open_decision(actor)
    with transaction.atomic():
        amendment = ToRAmendment.objects.select_for_update().get(pk=amendment.pk)
        if amendment.state == ProposalState.DECISION_OPEN:
            return amendment
        if amendment.state != ProposalState.PROPOSED:
            raise ConflictError("The proposal is closed.", code="invalid_state")
        base = ToRVersion.objects.select_for_update().get(pk=amendment.base_version_id)
        current = _current_text_or_409()
        if current.pk != base.pk:
            raise _base_superseded(base, current)
        decision = _open_decision(
            actor=actor,
            kind="tor_amendment",
            title=f"Amend the Terms of Reference: {amendment.label}",
            text=(
                f"ToR V: amendment proposed by {amendment.proposing_agency.name}.\n\n"
                f"**Rationale**\n\n{amendment.rationale}\n\n"
                f"**Changes against {base.label}**\n\n"
                f"```diff\n{amendment.diff}\n```\n"
            ),
            deadline=deadline,
            procedure=procedure,
            subject=amendment,
        )
        amendment.decision = decision
        amendment.save(update_fields=["decision"])
        _proposal_move(
            amendment,
            ProposalState.DECISION_OPEN,
            actor=actor,
            action="tor.amendment_decision_opened",
        )
    return amendment


def tor_amendment_withdraw(*, actor: User | None, amendment: ToRAmendment) -> ToRAmendment:
    """ToR V: the proposer (or the secretariat) withdraws a proposal not yet decided."""
    _may_propose(actor, amendment.proposing_agency)
    with transaction.atomic():
        amendment = ToRAmendment.objects.select_for_update().get(pk=amendment.pk)
        if amendment.state == ProposalState.WITHDRAWN:
            return amendment
        _proposal_move(
            amendment, ProposalState.WITHDRAWN, actor=actor, action="tor.amendment_withdrawn"
        )
    return amendment


def _concurrences_record(*, decision: Any, version: ToRVersion, on: dt.date) -> int:
    """ToR VII: an agency that concurred (with or without reservation) in the decision
    adopting a version has thereby accepted it; the others accept it explicitly."""
    concurred = (
        Position.objects.filter(
            decision=decision,
            value__in=[PositionValue.CONCUR, PositionValue.CONCUR_WITH_RESERVATION],
            agency__status=AgencyStatus.PARTICIPATING,
        )
        .select_related("agency")
        .order_by("agency__acronym")
    )
    recorded = 0
    for position in concurred:
        _acceptance_create(
            actor=None,
            agency=position.agency,
            version=version,
            accepted_on=on,
            signatory_name="",
            signatory_title="",
            letter=None,
            source=ToRAcceptance.Source.CONCURRENCE,
            decision=decision,
        )
        recorded += 1
    return recorded


def on_amendment_adopted(decision: Any) -> None:
    """ToR V: adopted by consensus: the new text joins the line and takes effect on its date.

    Under the lock of its base, inside the transaction that closes the decision, the base
    must still be the current text (by identity in the line, never by date). If another
    amendment was adopted on the same base meanwhile, this one is not applied: applying it
    would replace a text the agencies adopted by consensus with one that never saw it, which
    ToR V does not allow. The decision keeps its outcome as recorded (the agencies did agree
    to it), but the amendment does not take effect: it is marked superseded, with an event
    and a notice, and a new round on the current text is the way forward. Raising instead
    would keep the decision open forever (the sweep would retry it).

    ToR VII: the agencies that concurred have accepted the new version by their concurrence
    (a `consensus_concurrence` basis); the others, and invited agencies, accept it explicitly.
    """
    amendment = (
        ToRAmendment.objects.select_for_update()
        .select_related("base_version", "proposing_agency")
        .filter(pk=decision.subject_object_id)
        .first()
    )
    if amendment is None or amendment.state != ProposalState.DECISION_OPEN:
        return
    base = ToRVersion.objects.select_for_update().get(pk=amendment.base_version_id)
    current = selectors.version_latest()
    if current is None or current.pk != base.pk:
        _amendment_supersede(
            amendment=amendment,
            current=current or base,
            note=f"Decision {decision.pk} closed as adopted, but the text is not applied.",
        )
        return
    adopted_on = timezone.localdate(decision.closed_at) if decision.closed_at else _today()
    # Never before its base takes effect: the line of texts stays in date order too.
    effective_from = max(amendment.effective_from or adopted_on, adopted_on, base.effective_from)
    label = amendment.label
    if ToRVersion.objects.filter(label=label).exists():
        # A version took this label meanwhile; the decision still stands.
        label = f"{label} (decision {decision.pk})"
    version = ToRVersion.objects.create(
        label=label,
        sequence=base.sequence + 1,
        text=amendment.new_text,
        adopted_on=adopted_on,
        effective_from=effective_from,
        expires_on=base.expires_on,
        adopted_by_decision=decision,
        supersedes=base,
        note=f"Adopted by consensus (ToR V), decision {decision.pk}.",
    )
    amendment.resulting_version = version
    amendment.save(update_fields=["resulting_version"])
    _tor_in_force_changed()
    _proposal_move(amendment, ProposalState.ADOPTED, actor=None, action="tor.amendment_adopted")
    audit_record(
        actor=None,
        action="tor.version_created",
        obj=version,
        data={
            "label": version.label,
            "sequence": version.sequence,
            "effective_from": effective_from.isoformat(),
        },
    )
    _concurrences_record(decision=decision, version=version, on=adopted_on)
    invited = Agency.objects.filter(status=AgencyStatus.INVITED).values_list("pk", flat=True)
    notification_send(
        kind="membership.tor_amended",
        recipients=[
            *secretariat_users(),
            *participating_representative_users(heads_only=True),
            *representative_users(list(invited), heads_only=True),
        ],
        key=f"tor_version:{version.pk}:adopted",
        title=f"The Terms of Reference are amended: {version.label}",
        body=(
            f"The new text takes effect on {effective_from:%d %B %Y}. Agencies that concurred "
            "in the decision have accepted it by their concurrence; the other participating "
            "agencies are asked to record their acceptance (ToR VII); invited agencies join "
            "by accepting the new version (ToR III.1)."
        ),
        url=_url("tor-current"),
    )


def on_amendment_not_adopted(decision: Any) -> None:
    amendment = (
        ToRAmendment.objects.select_for_update().filter(pk=decision.subject_object_id).first()
    )
    if amendment is None or amendment.state != ProposalState.DECISION_OPEN:
        return
    _proposal_move(amendment, ProposalState.REJECTED, actor=None, action="tor.amendment_rejected")


def on_amendment_decision_withdrawn(decision: Any) -> None:
    amendment = (
        ToRAmendment.objects.select_for_update().filter(pk=decision.subject_object_id).first()
    )
    if amendment is None or amendment.state != ProposalState.DECISION_OPEN:
        return
    _proposal_move(amendment, ProposalState.PROPOSED, actor=None, action="tor.amendment_reopened")


# --- Extension (ToR VII) ---------------------------------------------------


def tor_extension_propose(
    *,
    actor: User | None,
    proposed_expires_on: dt.date,
    rationale: str,
    proposing_agency: Agency | None = None,
) -> ToRExtensionProposal:
    """ToR VII: a proposal to extend the ISECG to a new expiry date."""
    if actor is not None and not is_secretariat(actor):
        if proposing_agency is None:
            raise ValidationFailed(
                "Name the proposing agency.", code="required", field="proposing_agency"
            )
        _may_propose(actor, proposing_agency)
    rationale = _require_text(rationale, "rationale", "A rationale")
    with transaction.atomic():
        version = selectors.version_in_force()
        if version is None:
            raise ConflictError("No version of the ToR is in force.", code="no_tor")
        version = ToRVersion.objects.select_for_update().get(pk=version.pk)
        if proposed_expires_on <= version.expires_on:
            raise ValidationFailed(
                f"The new expiry must come after {version.expires_on:%d %B %Y}.",
                code="not_later",
                field="proposed_expires_on",
            )
        proposal = ToRExtensionProposal.objects.create(
            version=version,
            current_expires_on=version.expires_on,
            proposed_expires_on=proposed_expires_on,
            rationale=rationale,
            proposing_agency=proposing_agency,
            proposed_by=actor if actor is not None and actor.is_authenticated else None,
        )
        audit_record(
            actor=actor,
            action="tor.extension_proposed",
            obj=proposal,
            data={"to": proposed_expires_on.isoformat()},
        )
    return proposal


def tor_extension_open_decision(
    *,
    actor: User | None,
    proposal: ToRExtensionProposal,
    procedure: str,
    deadline: dt.datetime,
) -> ToRExtensionProposal:
    """ToR VII: the participating agencies agree by consensus to extend the ISECG.

    Only while the expiry it moves is still the ISECG's expiry: if another extension was
    adopted since it was proposed, 409 `base_superseded` (propose again from the new date).
    """
    _may_open_decision(actor)
    with transaction.atomic():
        proposal = ToRExtensionProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.state == ProposalState.DECISION_OPEN:
            return proposal
        if proposal.state != ProposalState.PROPOSED:
            raise ConflictError("The proposal is closed.", code="invalid_state")
        version = ToRVersion.objects.select_for_update().get(pk=proposal.version_id)
        if version.expires_on != proposal.current_expires_on:
            raise ConflictError(
                f"This extension moves the expiry from {proposal.current_expires_on:%d %B %Y}, "
                f"but it is now {version.expires_on:%d %B %Y}: propose an extension from the "
                "current date (ToR VII).",
                code="base_superseded",
            )
        decision = _open_decision(
            actor=actor,
            kind="tor_extension",
            title=f"Extend the ISECG until {proposal.proposed_expires_on:%d %B %Y}",
            text=(
                "ToR VII: extend the ISECG from "
                f"{proposal.current_expires_on:%d %B %Y} until "
                f"{proposal.proposed_expires_on:%d %B %Y}.\n\n{proposal.rationale}\n"
            ),
            deadline=deadline,
            procedure=procedure,
            subject=proposal,
        )
        proposal.decision = decision
        proposal.save(update_fields=["decision"])
        _proposal_move(
            proposal,
            ProposalState.DECISION_OPEN,
            actor=actor,
            action="tor.extension_decision_opened",
        )
    return proposal


def tor_extension_withdraw(
    *, actor: User | None, proposal: ToRExtensionProposal
) -> ToRExtensionProposal:
    _may_propose(actor, proposal.proposing_agency)
    with transaction.atomic():
        proposal = ToRExtensionProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.state == ProposalState.WITHDRAWN:
            return proposal
        _proposal_move(
            proposal, ProposalState.WITHDRAWN, actor=actor, action="tor.extension_withdrawn"
        )
    return proposal


def on_extension_adopted(decision: Any) -> None:
    """ToR VII: extended by consensus: expires_on moves and the history gains a row.

    Under the lock, the expiry it moves must still be the ISECG's expiry. If another
    extension was adopted meanwhile, applying this one would silently undo it: the decision
    keeps its outcome, but the proposal is marked superseded, with an event and a notice.
    """
    proposal = (
        ToRExtensionProposal.objects.select_for_update()
        .filter(pk=decision.subject_object_id)
        .first()
    )
    if proposal is None or proposal.state != ProposalState.DECISION_OPEN:
        return
    decided_on = timezone.localdate(decision.closed_at) if decision.closed_at else _today()
    version = ToRVersion.objects.select_for_update().get(pk=proposal.version_id)
    previous = version.expires_on
    if previous != proposal.current_expires_on:
        _proposal_move(
            proposal, ProposalState.SUPERSEDED, actor=None, action="tor.extension_superseded"
        )
        notification_send(
            kind="membership.extension_superseded",
            recipients=[*secretariat_users(), *chair_users()],
            key=f"tor_extension:{proposal.pk}:superseded",
            title=f"The extension to {proposal.proposed_expires_on:%d %B %Y} is not applied",
            body=(
                f"ToR VII: it moved the expiry from {proposal.current_expires_on:%d %B %Y}, but "
                f"another extension set it to {previous:%d %B %Y} meanwhile. Decision "
                f"{decision.pk} keeps its outcome; propose again from the current date."
            ),
            url=_url("tor-extension-list"),
        )
        return
    # The version in force and any adopted later version share the ISECG's period.
    ToRVersion.objects.filter(sequence__gte=version.sequence).update(
        expires_on=proposal.proposed_expires_on
    )
    _tor_in_force_changed()
    ToRExtension.objects.create(
        version=version,
        previous_expires_on=previous,
        new_expires_on=proposal.proposed_expires_on,
        decided_on=decided_on,
        decision=decision,
        proposal=proposal,
        note=f"Extended by consensus (ToR VII), decision {decision.pk}.",
    )
    _proposal_move(proposal, ProposalState.ADOPTED, actor=None, action="tor.extension_adopted")
    notification_send(
        kind="membership.tor_extended",
        recipients=[*secretariat_users(), *participating_representative_users(heads_only=True)],
        key=f"tor_extension:{proposal.pk}:adopted",
        title=f"The ISECG is extended until {proposal.proposed_expires_on:%d %B %Y}",
        body="ToR VII: extension adopted by consensus.",
        url=_url("tor-current"),
    )


def on_extension_not_adopted(decision: Any) -> None:
    proposal = (
        ToRExtensionProposal.objects.select_for_update()
        .filter(pk=decision.subject_object_id)
        .first()
    )
    if proposal is None or proposal.state != ProposalState.DECISION_OPEN:
        return
    _proposal_move(proposal, ProposalState.REJECTED, actor=None, action="tor.extension_rejected")


def on_extension_decision_withdrawn(decision: Any) -> None:
    proposal = (
        ToRExtensionProposal.objects.select_for_update()
        .filter(pk=decision.subject_object_id)
        .first()
    )
    if proposal is None or proposal.state != ProposalState.DECISION_OPEN:
        return
    _proposal_move(proposal, ProposalState.PROPOSED, actor=None, action="tor.extension_reopened")


# --- Withdrawal (ToR VI) ---------------------------------------------------


def _withdrawal_apply(*, actor: User | None, withdrawal: Withdrawal) -> None:
    agency_services.agency_status_follow(
        actor=actor,
        agency=withdrawal.agency,
        basis=StatusBasis.WITHDRAWAL,
        basis_ref=f"withdrawal {withdrawal.pk}",
        effective_on=withdrawal.effective_on,
        reason=(
            "ToR VI: written notification to the secretariat received on "
            f"{withdrawal.received_on:%d %B %Y}."
        ),
    )
    _electorate_exclude(actor=actor, agency=withdrawal.agency)
    withdrawal.applied_at = timezone.now()
    withdrawal.save(update_fields=["applied_at"])
    audit_record(
        actor=actor,
        action="membership.withdrawal_applied",
        obj=withdrawal,
        data={"agency": withdrawal.agency.acronym},
    )


def _electorate_exclude(*, actor: User | None, agency: Agency) -> None:
    """ToR VI: a withdrawn agency leaves the electorate of every open decision.

    agencies.services.agency_status_follow does this too for a withdrawal (the contract says so); the
    engine's exclusion is idempotent, so calling it here as well is harmless.
    """
    from consensus import services as consensus_services

    consensus_services.electorate_exclude_agency(
        actor=actor, agency=agency, reason="ToR VI: the agency withdrew from the ISECG."
    )


def withdrawal_record(
    *,
    actor: User | None,
    agency: Agency,
    letter: Any,
    received_on: dt.date | None = None,
    effective_on: dt.date | None = None,
    note: str = "",
) -> Withdrawal:
    """ToR VI: any participating agency may withdraw at any time by written notification
    to the secretariat. Immediate by default; a later date is applied by the daily sweep.
    Its representatives lose their permissions and it leaves every open decision's
    electorate; its history stays."""
    _require_secretariat(actor, "record withdrawals")
    pdf_validate(letter)
    today = _today()
    received_on = received_on or today
    if received_on > today:
        raise ValidationFailed(
            "The notification cannot be received in the future.",
            code="in_the_future",
            field="received_on",
        )
    effective_on = effective_on or today
    if effective_on < received_on:
        raise ValidationFailed(
            "A withdrawal takes effect on or after the day the notification is received.",
            code="before_received",
            field="effective_on",
        )
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        if agency.status != AgencyStatus.PARTICIPATING:
            raise ConflictError(
                f"{agency.acronym} is {agency.get_status_display().lower()}, not participating; "
                "only a participating agency withdraws (ToR VI).",
                code="not_participating",
            )
        if Withdrawal.objects.filter(agency=agency, applied_at__isnull=True).exists():
            raise ConflictError(
                f"A withdrawal of {agency.acronym} is already recorded.",
                code="withdrawal_pending",
            )
        withdrawal = Withdrawal(
            agency=agency,
            received_on=received_on,
            effective_on=effective_on,
            note=note,
            recorded_by=actor if actor is not None and actor.is_authenticated else None,
        )
        withdrawal.letter.save("letter.pdf", letter, save=False)
        withdrawal.save()
        audit_record(
            actor=actor,
            action="membership.withdrawal_recorded",
            obj=withdrawal,
            data={
                "agency": agency.acronym,
                "received_on": received_on.isoformat(),
                "effective_on": effective_on.isoformat(),
            },
        )
        if effective_on <= today:
            _withdrawal_apply(actor=actor, withdrawal=withdrawal)
        notification_send(
            kind="membership.withdrawal",
            recipients=[*secretariat_users(), *chair_users()],
            key=f"withdrawal:{withdrawal.pk}",
            title=f"{agency.name} withdraws from the ISECG",
            body=f"ToR VI: effective {effective_on:%d %B %Y}.",
            url=_url("withdrawal-list"),
        )
    return withdrawal


def withdrawals_apply_due(*, today: dt.date | None = None) -> int:
    """ToR VI: apply withdrawals whose effective date has come. Safe to run any number of times."""
    today = today or _today()
    applied = 0
    due = Withdrawal.objects.filter(applied_at__isnull=True, effective_on__lte=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            withdrawal = Withdrawal.objects.select_for_update().select_related("agency").get(pk=pk)
            if withdrawal.applied_at is not None:
                continue
            if withdrawal.agency.status != AgencyStatus.PARTICIPATING:
                withdrawal.applied_at = timezone.now()
                withdrawal.save(update_fields=["applied_at"])
                continue
            _withdrawal_apply(actor=None, withdrawal=withdrawal)
            applied += 1
    return applied


# --- Expiry notices (ToR VII) ----------------------------------------------


def expiry_offsets() -> list[tuple[str, relativedelta]]:
    """settings.TOR_EXPIRY_NOTICE_OFFSETS: e.g. ("24m", "12m", "6m", "3m", "1m", "7d")."""
    raw = getattr(settings, "TOR_EXPIRY_NOTICE_OFFSETS", DEFAULT_EXPIRY_NOTICE_OFFSETS)
    units = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
    offsets = []
    for item in raw:
        match = _OFFSET_RE.match(str(item).strip())
        if match is None:
            raise ValueError(f"TOR_EXPIRY_NOTICE_OFFSETS: cannot read {item!r}")
        offsets.append((str(item).strip(), relativedelta(**{units[match[2]]: int(match[1])})))
    return offsets


def expiry_notice_schedule(expires_on: dt.date) -> list[tuple[str, dt.date]]:
    """(offset, day) pairs, earliest first."""
    return sorted(
        ((label, expires_on - delta) for label, delta in expiry_offsets()),
        key=lambda pair: pair[1],
    )


def tor_expiry_notices_send(*, today: dt.date | None = None) -> list[str]:
    """ToR VII: the ISECG is established until a date. Before it, notices at the configured
    offsets go once each to the chair, the secretariat and every head of delegation; after
    it, without an extension, the secretariat gets a notice every day. Returns the keys
    sent now (safe to run any number of times a day)."""
    today = today or _today()
    version = selectors.version_in_force(on=today)
    if version is None:
        return []
    expires_on = version.expires_on
    sent: list[str] = []
    if today > expires_on:
        key = f"tor:{version.pk}:expired:{expires_on.isoformat()}:{today.isoformat()}"
        written = notification_send(
            kind="membership.tor_expired",
            recipients=secretariat_users(),
            key=key,
            title=f"The ISECG Terms of Reference expired on {expires_on:%d %B %Y}",
            body=(
                "ToR VII: the ISECG was established until "
                f"{expires_on:%d %B %Y} and no extension has been adopted. "
                "Propose an extension to the participating agencies."
            ),
            url=_url("tor-extension-create"),
        )
        if written:
            sent.append(key)
        return sent
    due = [(label, day) for label, day in expiry_notice_schedule(expires_on) if day <= today]
    if not due:
        return sent
    label, _day = due[-1]
    key = f"tor:{version.pk}:expires:{expires_on.isoformat()}:{label}"
    recipients = [
        *chair_users(),
        *secretariat_users(),
        *participating_representative_users(heads_only=True),
    ]
    written = notification_send(
        kind="membership.tor_expiry",
        recipients=recipients,
        key=key,
        title=f"The ISECG Terms of Reference expire on {expires_on:%d %B %Y}",
        body=(
            f"ToR VII: the ISECG is established until {expires_on:%d %B %Y} "
            f"({(expires_on - today).days} days from now). The participating agencies may "
            "extend it by consensus: propose an extension."
        ),
        url=_url("tor-extension-create"),
    )
    if written:
        sent.append(key)
    return sent


def tor_status(*, today: dt.date | None = None) -> dict[str, Any]:
    """The countdown the secretariat sees, and whether the expiry banner shows."""
    today = today or _today()
    version = selectors.version_in_force(on=today)
    if version is None:
        return {"version": None, "expired": False}
    schedule = expiry_notice_schedule(version.expires_on)
    upcoming = [(label, day) for label, day in schedule if day > today]
    return {
        "version": version,
        **selectors.tor_expiry_of(version, today),
        "next_notice": upcoming[0] if upcoming else None,
        "schedule": schedule,
    }
