"""Reads for meetings and the chair: permission-scoped, with their joins chosen here once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from agencies.models import Agency
from agencies.roles import is_chair, is_secretariat
from isecg.models import AuditEvent
from meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    CalendarFeedToken,
    ChairNomination,
    ChairTerm,
    HandoverChecklist,
    HandoverItem,
    Meeting,
    MeetingState,
    Minutes,
    MinutesComment,
    MinutesState,
    TeleconferenceSeries,
    VenueProposal,
)

MINUTES_PEOPLE = (
    "issued_by",
    "approved_by",
    "approval_agency",
    "approval_recorded_by",
    "comments_closed_by",
)


def current_chair_agency() -> Agency | None:
    """The agency holding the open chair term, if any (ToR III.2.2)."""
    term = current_chair_term()
    return term.agency if term else None


def current_chair_term() -> ChairTerm | None:
    return (
        ChairTerm.objects.select_related("agency", "assumed_at", "decision")
        .filter(ends_on__isnull=True)
        .first()
    )


def may_manage(user: Any) -> bool:
    """The chair or the secretariat (ToR III.2.2)."""
    return is_secretariat(user) or is_chair(user)


def meetings_visible_to(user: Any) -> QuerySet[Meeting]:
    """Signed-in users see every meeting; anonymous visitors none."""
    if user is None or not user.is_authenticated:
        return Meeting.objects.none()
    return (
        Meeting.objects.select_related("series")
        .prefetch_related(Prefetch("hosts", queryset=Agency.objects.order_by("acronym")))
        .order_by("-starts_at", "-id")
    )


def meeting_detail(user: Any, pk: int) -> Meeting | None:
    """One meeting with everything its page shows, in a fixed number of queries."""
    return (
        meetings_visible_to(user)
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("decision", "withdrawn_by").order_by(
                    "position", "id"
                ),
            ),
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("agency", "user").order_by(
                    "agency__acronym", "id"
                ),
            ),
            "advisors__agency",
            Prefetch(
                "minutes",
                queryset=Minutes.objects.select_related(*MINUTES_PEOPLE, "corrects")
                .prefetch_related(
                    Prefetch(
                        "comments",
                        queryset=MinutesComment.objects.select_related("agency", "author"),
                    )
                )
                .order_by("-version"),
            ),
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("owner_agency").order_by("due_on", "id"),
            ),
            Prefetch(
                "chair_nominations",
                queryset=ChairNomination.objects.select_related("agency"),
            ),
            Prefetch(
                "venue_proposals",
                queryset=VenueProposal.objects.select_related("chair_agency")
                .prefetch_related(
                    Prefetch("host_agencies", queryset=Agency.objects.order_by("acronym"))
                )
                .order_by("-pk"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class MeetingCancellation:
    """ToR III.2.2: how a meeting was cancelled, read from its event row.

    `basis`: `host_withdrawal` (a host withdrew its offer to host an agreed meeting),
    `venue_proposal_withdrawn` (the proposers withdrew the venue proposal of a meeting never
    agreed) or `chair_or_secretariat` (a meeting without a venue decision). `on_behalf`:
    the secretariat recorded the agency's withdrawal with `evidence`."""

    at: dt.datetime
    by: Any
    basis: str
    host_agency: str | None
    on_behalf: bool
    reason: str
    evidence: str

    @property
    def by_name(self) -> str:
        return str(self.by) if self.by is not None else "the system"


def meeting_cancellation(meeting: Meeting) -> MeetingCancellation | None:
    """Who cancelled the meeting, on whose behalf, why and with what evidence (one query);
    None while the meeting is not cancelled."""
    if meeting.state != MeetingState.CANCELLED:
        return None
    event = (
        AuditEvent.objects.filter(
            action="meeting.cancelled",
            content_type=ContentType.objects.get_for_model(Meeting),
            object_id=str(meeting.pk),
        )
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    if event is None:
        return None
    data = event.data or {}
    return MeetingCancellation(
        at=event.at,
        by=event.actor,
        basis=str(data.get("basis") or ""),
        host_agency=data.get("host_agency"),
        on_behalf=bool(data.get("on_behalf")),
        reason=str(data.get("reason") or ""),
        evidence=str(data.get("evidence") or ""),
    )


@dataclass(frozen=True)
class VenueProposalView:
    """A venue proposal of a meeting with the consensus decisions taken on it."""

    proposal: VenueProposal
    decisions: list[Any]


def venue_proposals_of(meeting: Meeting) -> list[VenueProposalView]:
    """ToR III.2.2: the meeting's venue proposals (newest first), each with its decisions,
    in one query for the decisions whatever the number of proposals."""
    from consensus.models import Decision

    proposals = sorted(meeting.venue_proposals.all(), key=lambda p: p.pk, reverse=True)
    if not proposals:
        return []
    content_type = ContentType.objects.get_for_model(VenueProposal)
    by_subject: dict[int, list[Any]] = {}
    for decision in Decision.objects.filter(
        subject_content_type=content_type,
        subject_object_id__in=[p.pk for p in proposals],
    ).order_by("-opened_at", "-pk"):
        by_subject.setdefault(decision.subject_object_id or 0, []).append(decision)
    return [VenueProposalView(p, by_subject.get(p.pk, [])) for p in proposals]


def minutes_visible(user: Any, minutes: Minutes) -> bool:
    """Drafts: the chair and the secretariat; circulated and issued: every signed-in user."""
    if user is None or not user.is_authenticated:
        return False
    if minutes.state == MinutesState.DRAFT:
        return may_manage(user)
    return True


def minutes_visible_to(user: Any) -> QuerySet[Minutes]:
    if user is None or not user.is_authenticated:
        return Minutes.objects.none()
    queryset = Minutes.objects.select_related("meeting", *MINUTES_PEOPLE, "corrects")
    if may_manage(user):
        return queryset
    return queryset.exclude(state=MinutesState.DRAFT)


def series_visible_to(user: Any) -> QuerySet[TeleconferenceSeries]:
    if user is None or not user.is_authenticated:
        return TeleconferenceSeries.objects.none()
    return TeleconferenceSeries.objects.all()


def venue_proposals_visible_to(user: Any) -> QuerySet[VenueProposal]:
    if user is None or not user.is_authenticated:
        return VenueProposal.objects.none()
    return VenueProposal.objects.select_related("meeting").prefetch_related("host_agencies")


def action_items_visible_to(user: Any) -> QuerySet[ActionItem]:
    if user is None or not user.is_authenticated:
        return ActionItem.objects.none()
    return ActionItem.objects.select_related("owner_agency", "meeting")


def chair_terms() -> QuerySet[ChairTerm]:
    return ChairTerm.objects.select_related("agency", "assumed_at", "decision").order_by(
        "-starts_on", "-id"
    )


def chair_nominations() -> QuerySet[ChairNomination]:
    return ChairNomination.objects.select_related("agency", "meeting").order_by("-created_at")


def handover_for(term: ChairTerm | None) -> HandoverChecklist | None:
    if term is None:
        return None
    return (
        HandoverChecklist.objects.select_related("term__agency", "previous_term__agency")
        .prefetch_related(
            Prefetch("items", queryset=HandoverItem.objects.select_related("done_by"))
        )
        .filter(term=term)
        .first()
    )


@dataclass(frozen=True)
class RotationStats:
    """ToR III.2.2: the chairmanship rotates on average about every 12-18 months."""

    current_agency: str | None
    current_days: int | None
    current_months: float | None
    average_months: float | None
    completed_terms: int
    uncertain_terms: int
    status: str  # "ok", "plan" (12+ months), "overdue" (18+ months), "none"


def rotation_stats(today: dt.date | None = None) -> RotationStats:
    today = today or timezone.localdate()
    terms = list(ChairTerm.objects.select_related("agency"))
    current = next((t for t in terms if t.ends_on is None), None)
    completed = [t for t in terms if t.ends_on is not None]
    average = (
        round(sum(t.length_days() for t in completed) / len(completed) / 30.44, 1)
        if completed
        else None
    )
    if current is None:
        return RotationStats(None, None, None, average, len(completed), 0, "none")
    days = current.length_days(today)
    months = round(days / 30.44, 1)
    status = "overdue" if months >= 18 else "plan" if months >= 12 else "ok"
    return RotationStats(
        current.agency.acronym,
        days,
        months,
        average,
        len(completed),
        sum(1 for t in terms if t.dates_uncertain),
        status,
    )


def product_by_id(pk: int) -> Any:
    """A product of the products app, linked to agenda items only through a generic key."""
    from django.apps import apps

    try:
        model = apps.get_model("products", "Product")
    except LookupError:
        return None
    return model._default_manager.filter(pk=pk).first()


def feed_user(token: str) -> Any:
    """The user of an active calendar token, or None."""
    row = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token=token, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return row.user if row else None


def active_feed_token(user: Any) -> CalendarFeedToken | None:
    if user is None or not user.is_authenticated:
        return None
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_meetings(user: Any, *, since_days: int = 365) -> QuerySet[Meeting]:
    cutoff = timezone.now() - dt.timedelta(days=since_days)
    return meetings_visible_to(user).filter(starts_at__gte=cutoff).order_by("starts_at")


def feed_decisions(user: Any) -> Any:
    """Open decisions with their deadlines (read through the consensus selectors)."""
    from consensus.models import Decision, DecisionState
    from consensus.selectors import decisions_visible_to

    if user is None or not user.is_authenticated:
        return Decision.objects.none()
    return (
        decisions_visible_to(user)
        .filter(state=DecisionState.OPEN)
        .prefetch_related(None)
        .order_by("deadline")
    )
