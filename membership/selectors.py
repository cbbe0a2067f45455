"""Reads for the Terms of Reference and membership, permission-scoped, with their joins chosen once."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.models import Agency, AgencyStatus
from agencies.roles import is_secretariat, represented_agency_ids
from membership.models import (
    OPEN_REQUEST_STATES,
    MembershipRequest,
    ProposalState,
    RequestState,
    ToRAcceptance,
    ToRAmendment,
    ToRExtension,
    ToRExtensionProposal,
    ToRVersion,
    Withdrawal,
)


def version_in_force(*, on: dt.date | None = None) -> ToRVersion | None:
    """ToR VII: the version with the latest effective_from on or before the day."""
    on = on or timezone.localdate()
    return (
        ToRVersion.objects.filter(effective_from__lte=on).order_by("-effective_from", "-id").first()
    )


def version_is_superseded(version: ToRVersion, *, on: dt.date | None = None) -> bool:
    """A version is superseded once a later version has taken effect (ToR V)."""
    on = on or timezone.localdate()
    return ToRVersion.objects.filter(
        effective_from__lte=on, effective_from__gt=version.effective_from
    ).exists()


def versions() -> QuerySet[ToRVersion]:
    return ToRVersion.objects.select_related("adopted_by_decision", "supersedes").order_by(
        "-effective_from", "-id"
    )


def version_text_only() -> QuerySet[ToRVersion]:
    return ToRVersion.objects.defer("text")


def extension_history() -> QuerySet[ToRExtension]:
    """ToR VII: every extension of the ISECG's period, oldest first."""
    return ToRExtension.objects.select_related("version", "decision").order_by("decided_on", "id")


def unified_diff(old_text: str, new_text: str, *, old_label: str, new_label: str) -> str:
    return "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=old_label,
            tofile=new_label,
        )
    )


def side_by_side_diff(old: ToRVersion, new: ToRVersion) -> str:
    """A readable HTML table of the two texts, changed lines marked (difflib.HtmlDiff)."""
    return difflib.HtmlDiff(wrapcolumn=70).make_table(
        old.text.splitlines(),
        new.text.splitlines(),
        fromdesc=old.label,
        todesc=new.label,
        context=True,
        numlines=2,
    )


def acceptances_visible_to(user: Any) -> QuerySet[ToRAcceptance]:
    """Signed-in users see every acceptance (the register of who accepted which text)."""
    if user is None or not user.is_authenticated:
        return ToRAcceptance.objects.none()
    return ToRAcceptance.objects.select_related("agency", "version", "recorded_by")


def requests_visible_to(user: Any) -> QuerySet[MembershipRequest]:
    """ToR III.1: the secretariat sees every request; representatives of participating
    agencies see requests once circulated; an applicant sees its own."""
    if user is None or not user.is_authenticated:
        return MembershipRequest.objects.none()
    queryset = MembershipRequest.objects.select_related(
        "agency", "tor_version", "decision", "submitted_by", "recorded_by"
    )
    if is_secretariat(user):
        return queryset
    visible = Q(submitted_by=user)
    participating = Agency.objects.filter(
        pk__in=represented_agency_ids(user), status=AgencyStatus.PARTICIPATING
    )
    if participating.exists():
        visible |= ~Q(state__in=[RequestState.SUBMITTED, RequestState.RETURNED]) & Q(
            events__after=RequestState.CIRCULATED
        )
    return queryset.filter(visible).distinct()


def request_detail(user: Any, pk: int) -> MembershipRequest | None:
    return requests_visible_to(user).prefetch_related("events__actor").filter(pk=pk).first()


def open_request_for(agency: Agency) -> MembershipRequest | None:
    return MembershipRequest.objects.filter(agency=agency, state__in=OPEN_REQUEST_STATES).first()


def amendments_visible_to(user: Any) -> QuerySet[ToRAmendment]:
    if user is None or not user.is_authenticated:
        return ToRAmendment.objects.none()
    return ToRAmendment.objects.select_related(
        "base_version", "proposing_agency", "decision", "resulting_version", "proposed_by"
    )


def extension_proposals_visible_to(user: Any) -> QuerySet[ToRExtensionProposal]:
    if user is None or not user.is_authenticated:
        return ToRExtensionProposal.objects.none()
    return ToRExtensionProposal.objects.select_related(
        "version", "proposing_agency", "decision", "proposed_by"
    )


def withdrawals_visible_to(user: Any) -> QuerySet[Withdrawal]:
    if user is None or not user.is_authenticated:
        return Withdrawal.objects.none()
    return Withdrawal.objects.select_related("agency", "recorded_by")


def open_proposals_count() -> dict[str, int]:
    return {
        "amendments": ToRAmendment.objects.filter(
            state__in=[ProposalState.PROPOSED, ProposalState.DECISION_OPEN]
        ).count(),
        "extensions": ToRExtensionProposal.objects.filter(
            state__in=[ProposalState.PROPOSED, ProposalState.DECISION_OPEN]
        ).count(),
    }


def may_download_letter(user: Any, obj: Any) -> bool:
    """Letters are for the secretariat, the agency's own representatives, and (for a
    circulated membership request, ToR III.1) the representatives of participating agencies."""
    if user is None or not user.is_authenticated:
        return False
    if is_secretariat(user):
        return True
    ids = represented_agency_ids(user)
    if isinstance(obj, MembershipRequest):
        if obj.submitted_by_id == user.pk:
            return True
        return requests_visible_to(user).filter(pk=obj.pk).exists()
    return obj.agency_id in ids
