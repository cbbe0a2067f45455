"""Reads for the Terms of Reference and membership, permission-scoped, with their joins chosen once."""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
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
    """ToR V, VII: the latest text in the line (highest sequence) that has taken effect on
    the day. The sequence decides, not the dates: two texts may take effect the same day."""
    on = on or timezone.localdate()
    return ToRVersion.objects.filter(effective_from__lte=on).order_by("-sequence").first()


def version_latest() -> ToRVersion | None:
    """ToR V: the current text, the last one adopted, whether or not it has taken effect.
    An amendment is drafted against it; any other base is stale (`base_superseded`)."""
    return ToRVersion.objects.order_by("-sequence").first()


def version_is_superseded(version: ToRVersion, *, on: dt.date | None = None) -> bool:
    """ToR V: a version is superseded once a later text in the line has taken effect."""
    on = on or timezone.localdate()
    return ToRVersion.objects.filter(effective_from__lte=on, sequence__gt=version.sequence).exists()


def version_is_current_text(version: ToRVersion) -> bool:
    """ToR V: no later text was adopted on top of this one (by sequence, never by date)."""
    return not ToRVersion.objects.filter(sequence__gt=version.sequence).exists()


# --- The expiry banner on every page (ToR VII) -----------------------------------

TOR_STATUS_CACHE_SECONDS = 5 * 60
_TOR_STATUS_GENERATION_KEY = "membership:tor_status:generation"

logger = logging.getLogger(__name__)


def tor_expiry_of(version: ToRVersion, today: dt.date) -> dict[str, Any]:
    """ToR VII: when the version in force expires, how many days are left, whether it has."""
    return {
        "expires_on": version.expires_on,
        "days_left": (version.expires_on - today).days,
        "expired": today > version.expires_on,
    }


def _tor_status_read(today: dt.date) -> dict[str, Any]:
    version = version_in_force(on=today)
    if version is None:
        return {"expires_on": None, "days_left": None, "expired": False}
    return tor_expiry_of(version, today)


def tor_status_cached(*, today: dt.date | None = None) -> dict[str, Any]:
    """ToR VII: when the ISECG's period ends, for the banner on every page: plain values
    (expires_on, days_left, expired), kept in Django's cache for a few minutes so a page
    pays no query for it. The key holds the day and a generation that the services changing
    the ToR in force replace after they commit (tor_status_cache_bump), so an extension or a
    new version shows at once. Without a reachable cache it reads the database."""
    today = today or timezone.localdate()
    try:
        generation = cache.get_or_set(
            _TOR_STATUS_GENERATION_KEY, lambda: uuid.uuid4().hex, timeout=None
        )
        key = f"membership:tor_status:v1:{generation}:{today.isoformat()}"
        status: dict[str, Any] | None = cache.get(key)
    except Exception:
        logger.warning("The ToR status cache is unreachable; reading the database.", exc_info=True)
        return _tor_status_read(today)
    if status is None:
        status = _tor_status_read(today)
        cache.set(key, status, TOR_STATUS_CACHE_SECONDS)
    return status


def tor_status_cache_bump() -> None:
    """A new generation: no status cached before it is read again, not even one written
    late by a request that read the rows before the change committed."""
    cache.set(_TOR_STATUS_GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def versions() -> QuerySet[ToRVersion]:
    return ToRVersion.objects.select_related("adopted_by_decision", "supersedes").order_by(
        "-sequence"
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
        "base_version",
        "proposing_agency",
        "decision",
        "resulting_version",
        "proposed_by",
        "previous_round",
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


# --- An agency's basis under the version in force (ToR III.1, VII) ----------------

BasisKind = Literal["acceptance", "concurrence", "carried_over", "none"]

_KIND_OF_SOURCE: dict[str, BasisKind] = {
    ToRAcceptance.Source.CONCURRENCE: "concurrence",
    ToRAcceptance.Source.CARRIED_OVER: "carried_over",
}


@dataclass(frozen=True)
class ToRBasis:
    """ToR III.1, VII: what binds an agency to the version in force.

    `acceptance` is the record covering `version` (an official acceptance, a concurrence in
    the adopting decision, or a carry-over); None when there is none. `required`: only
    participating agencies must have one. `last_acceptance`: its latest record under an
    earlier text, shown when the version in force is not covered.
    """

    agency: Agency
    version: ToRVersion | None
    acceptance: ToRAcceptance | None
    last_acceptance: ToRAcceptance | None
    required: bool

    @property
    def kind(self) -> BasisKind:
        if self.acceptance is None:
            return "none"
        return _KIND_OF_SOURCE.get(self.acceptance.source, "acceptance")

    @property
    def covered(self) -> bool:
        return self.acceptance is not None

    @property
    def lacking(self) -> bool:
        return self.required and self.acceptance is None

    @property
    def summary(self) -> str:
        """The basis in words, for the agency's page and the API."""
        agency, version, acceptance = self.agency.acronym, self.version, self.acceptance
        if version is None:
            return "No version of the Terms of Reference is in force."
        if acceptance is not None:
            on = f"{acceptance.accepted_on:%d %B %Y}"
            if self.kind == "concurrence":
                return (
                    f"{agency} concurred in decision {acceptance.decision_id}, which adopted "
                    f"{version.label}, on {on}."
                )
            if self.kind == "carried_over":
                previous = acceptance.carried_from.version.label if acceptance.carried_from else ""
                return (
                    f"Carried over from its basis under {previous}: {version.label} took "
                    f"effect on {on}, adopted before this system, with no decision in the record."
                )
            return f"{agency} accepted {version.label} on {on} ({acceptance.get_source_display()})."
        if not self.required:
            return f"{agency} is not participating; no basis under {version.label} is needed."
        earlier = (
            f" Its last acceptance is of {self.last_acceptance.version.label}."
            if self.last_acceptance is not None
            else ""
        )
        return f"No basis under {version.label} is recorded for {agency}.{earlier}"


def _acceptances_by_line() -> Prefetch[Any]:
    return Prefetch(
        "tor_acceptances",
        queryset=ToRAcceptance.objects.select_related("version", "carried_from__version").order_by(
            "-version__sequence"
        ),
        to_attr="acceptances_by_line",
    )


def _basis_of(agency: Agency, version: ToRVersion | None) -> ToRBasis:
    records: list[ToRAcceptance] = getattr(agency, "acceptances_by_line", [])
    covering = next((a for a in records if version and a.version_id == version.pk), None)
    earlier = next(
        (a for a in records if version is None or a.version.sequence < version.sequence), None
    )
    return ToRBasis(
        agency=agency,
        version=version,
        acceptance=covering,
        last_acceptance=None if covering else earlier,
        required=agency.status == AgencyStatus.PARTICIPATING,
    )


def tor_basis(agency: Agency, *, on: dt.date | None = None) -> ToRBasis:
    """ToR III.1, VII: the agency's basis under the version in force (three queries)."""
    version = version_in_force(on=on)
    agency = Agency.objects.prefetch_related(_acceptances_by_line()).get(pk=agency.pk)
    return _basis_of(agency, version)


def agencies_lacking_tor_basis(*, on: dt.date | None = None) -> list[ToRBasis]:
    """ToR VII: participating agencies with no basis under the version in force, for the
    secretariat to follow up (three queries, however many agencies)."""
    version = version_in_force(on=on)
    if version is None:
        return []
    agencies = (
        Agency.objects.filter(status=AgencyStatus.PARTICIPATING)
        .exclude(tor_acceptances__version=version)
        .prefetch_related(_acceptances_by_line())
        .order_by("acronym")
    )
    return [_basis_of(agency, version) for agency in agencies]
