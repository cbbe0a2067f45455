"""Reads for the two daily-work homes: the secretariat's dashboard and the representative's
home. Each panel costs a fixed number of queries, whatever the data (STYLE.md "Selectors").

Panels read the domain apps' models directly (read-only) and link every figure to the
filtered list behind it; a link whose page does not exist yet is left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from agencies.models import Agency
from agencies.roles import agencies_represented
from isecg.models import AuditEvent

# ToR VII: the ISECG is established until this date unless extended (ISECG_FACTS.md).
TOR_DEFAULT_EXPIRY = dt.date(2030, 12, 31)
# ToR III.2.2: the chairmanship rotates on average about every 12-18 months.
ROTATION_MONTHS = (12, 18)
DAYS_PER_MONTH = 30.44
LIST_LIMIT = 10


def link(name: str, *args: Any, **query: Any) -> str:
    """The URL of a named page with a query string, or "" when the page does not exist."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


# --- Decisions -----------------------------------------------------------------------


@dataclass
class OpenDecision:
    decision: Any
    url: str
    eligible: int
    responded: int
    silent_agencies: list[Agency]
    objections: int

    @property
    def response_rate(self) -> int:
        return round(100 * self.responded / self.eligible) if self.eligible else 0


def _open_decisions(limit: int = LIST_LIMIT) -> tuple[int, list[OpenDecision]]:
    """Open decisions by deadline with response rate and the agencies yet to respond.

    Three queries: the count, the page of decisions, electorate + agencies, positions.
    """
    from consensus.models import Decision, DecisionState, ElectorateMember, Position

    base = Decision.objects.filter(state=DecisionState.OPEN)
    total = base.count()
    decisions = list(
        base.order_by("deadline", "pk").prefetch_related(
            Prefetch(
                "electorate",
                queryset=ElectorateMember.objects.filter(excluded_at__isnull=True)
                .select_related("agency")
                .order_by("agency__acronym"),
                to_attr="eligible_members",
            ),
            Prefetch(
                "positions",
                queryset=Position.objects.only("id", "decision_id", "agency_id", "value"),
                to_attr="current_positions",
            ),
        )[:limit]
    )
    rows = []
    for decision in decisions:
        answered = {p.agency_id: p.value for p in decision.current_positions}
        eligible = [m.agency for m in decision.eligible_members]
        rows.append(
            OpenDecision(
                decision=decision,
                url=link("decision-detail", decision.pk),
                eligible=len(eligible),
                responded=sum(1 for a in eligible if a.pk in answered),
                silent_agencies=[a for a in eligible if a.pk not in answered],
                objections=sum(1 for v in answered.values() if v == "object"),
            )
        )
    return total, rows


# --- Membership ------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    count: int
    url: str
    state: str = ""


def _membership_requests_by_state() -> list[Figure]:
    """Pending (open) membership requests counted by state: one query. ToR III.1."""
    from membership.models import OPEN_REQUEST_STATES, MembershipRequest, RequestState

    counts = dict(
        MembershipRequest.objects.filter(state__in=OPEN_REQUEST_STATES)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return [
        Figure(
            label=RequestState(state).label,
            count=counts.get(state, 0),
            url=link("membership-request-list", state=state),
            state=state,
        )
        for state in RequestState.values
        if state in OPEN_REQUEST_STATES
    ]


# --- Meetings, minutes, action items, chair ----------------------------------------------


def _upcoming_meetings(now: dt.datetime, limit: int = 5) -> list[Any]:
    from meetings.models import Meeting, MeetingState

    return list(
        Meeting.objects.filter(
            starts_at__gte=now, state__in=[MeetingState.PROPOSED, MeetingState.SCHEDULED]
        ).order_by("starts_at", "pk")[:limit]
    )


def _minutes_outstanding(limit: int = LIST_LIMIT) -> tuple[int, list[Any]]:
    """Meetings held whose minutes are not yet issued (ToR III.2.2: the chair issues them)."""
    from meetings.models import Meeting, MeetingState

    queryset = Meeting.objects.filter(state=MeetingState.HELD).order_by("starts_at", "pk")
    return queryset.count(), list(queryset[:limit])


def _overdue_action_items(
    today: dt.date, agency_ids: frozenset[int] | None = None, limit: int = LIST_LIMIT
) -> tuple[int, list[Any]]:
    from meetings.models import ActionItem, ActionItemStatus

    queryset = ActionItem.objects.filter(status=ActionItemStatus.OPEN, due_on__lt=today)
    if agency_ids is not None:
        queryset = queryset.filter(owner_agency_id__in=agency_ids)
    queryset = queryset.select_related("owner_agency", "meeting").order_by("due_on", "pk")
    return queryset.count(), list(queryset[:limit])


@dataclass
class ChairPanel:
    agency: Agency | None
    starts_on: dt.date | None
    months: float | None
    status: str  # ok / plan / overdue / none
    url: str = ""


def _chair_panel(today: dt.date) -> ChairPanel:
    """ToR III.2.2: months in office against the 12-18-month rotation: one query."""
    from meetings.models import ChairTerm

    term = ChairTerm.objects.filter(ends_on__isnull=True).select_related("agency").first()
    url = link("chair-overview")
    if term is None:
        return ChairPanel(None, None, None, "none", url)
    months = round((today - term.starts_on).days / DAYS_PER_MONTH, 1)
    low, high = ROTATION_MONTHS
    status = "overdue" if months >= high else "plan" if months >= low else "ok"
    return ChairPanel(term.agency, term.starts_on, months, status, url)


@dataclass
class TorPanel:
    label: str
    expires_on: dt.date
    days_left: int
    url: str = ""


def _tor_panel(today: dt.date) -> TorPanel:
    """ToR VII: the countdown to the expiry of the Terms of Reference in force: one query."""
    from membership.selectors import version_in_force

    version = version_in_force(on=today)
    expires_on = version.expires_on if version else TOR_DEFAULT_EXPIRY
    return TorPanel(
        label=version.label if version else "Terms of Reference",
        expires_on=expires_on,
        days_left=(expires_on - today).days,
        url=link("tor-current"),
    )


def _latest_audit_events(limit: int = LIST_LIMIT) -> list[AuditEvent]:
    return list(AuditEvent.objects.select_related("actor").order_by("-at", "-id")[:limit])


# --- The secretariat's dashboard ---------------------------------------------------------


@dataclass
class SecretariatDashboard:
    now: dt.datetime
    requests_by_state: list[Figure]
    open_decision_count: int
    open_decisions: list[OpenDecision]
    deadlines: list[tuple[dt.datetime, str, str]]
    upcoming_meetings: list[Any]
    minutes_outstanding_count: int
    minutes_outstanding: list[Any]
    overdue_action_count: int
    overdue_actions: list[Any]
    chair: ChairPanel
    tor: TorPanel
    audit_events: list[AuditEvent]
    recent_outcomes: list[Any] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)

    @property
    def pending_request_total(self) -> int:
        return sum(f.count for f in self.requests_by_state)


def secretariat_dashboard(now: dt.datetime | None = None) -> SecretariatDashboard:
    """Everything the secretariat's home shows, in a fixed number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    open_count, open_rows = _open_decisions()
    meetings = _upcoming_meetings(now)
    deadlines = sorted(
        [(row.decision.deadline, row.decision.title, row.url) for row in open_rows]
        + [(m.starts_at, f"{m.title} begins", link("meeting-detail", m.pk)) for m in meetings]
    )[:LIST_LIMIT]
    minutes_count, minutes_rows = _minutes_outstanding()
    overdue_count, overdue_rows = _overdue_action_items(today)
    return SecretariatDashboard(
        now=now,
        requests_by_state=_membership_requests_by_state(),
        open_decision_count=open_count,
        open_decisions=open_rows,
        deadlines=deadlines,
        upcoming_meetings=meetings,
        minutes_outstanding_count=minutes_count,
        minutes_outstanding=minutes_rows,
        overdue_action_count=overdue_count,
        overdue_actions=overdue_rows,
        chair=_chair_panel(today),
        tor=_tor_panel(today),
        audit_events=_latest_audit_events(),
        recent_outcomes=_recent_outcomes(),
        links={
            "requests": link("membership-request-list"),
            "decisions_open": link("decision-list", state="open"),
            "meetings": link("meeting-list", when="upcoming"),
            "minutes_outstanding": link("meeting-list", when="past"),
            "actions_overdue": link("secretariat-action-items", overdue="1"),
            "audit": link("admin:isecg_auditevent_changelist"),
            "decisions_closed": link("decision-list", state="closed"),
        },
    )


# --- The representative's home ----------------------------------------------------------


@dataclass
class MeetingWithDelegation:
    meeting: Any
    url: str
    delegates: list[Any]
    advisors: list[Any]


@dataclass
class RepresentativeHome:
    agencies: list[Agency]
    awaiting_decisions: list[Any]
    comment_rounds: list[Any]
    endorsements_due: list[Any]
    meetings: list[MeetingWithDelegation]
    action_items: list[Any]
    recent_outcomes: list[Any]
    links: dict[str, str] = field(default_factory=dict)


def _awaiting_decisions(agency_ids: frozenset[int]) -> list[Any]:
    """Open decisions where one of the agencies is in the electorate and has not answered."""
    from consensus.models import Decision, DecisionState, ElectorateMember, Position

    member = ElectorateMember.objects.filter(
        decision=OuterRef("pk"), agency_id__in=agency_ids, excluded_at__isnull=True
    )
    unanswered = member.exclude(
        Exists(Position.objects.filter(decision=OuterRef("decision"), agency=OuterRef("agency")))
    )
    return list(
        Decision.objects.filter(Exists(unanswered), state=DecisionState.OPEN).order_by(
            "deadline", "pk"
        )[:LIST_LIMIT]
    )


def _superseded_version() -> Exists:
    """A newer version of the same product exists: only the latest version is under review."""
    from products.models import ProductVersion

    return Exists(
        ProductVersion.objects.filter(
            product=OuterRef("version__product"), number__gt=OuterRef("version__number")
        )
    )


def _comment_rounds(now: dt.datetime) -> list[Any]:
    """Agency-review rounds still open for comments (ToR III.2.2)."""
    from products.models import ProductState, ReviewRound

    return list(
        ReviewRound.objects.filter(
            Q(comment_deadline__isnull=True) | Q(comment_deadline__gte=now),
            version__product__state=ProductState.AGENCY_REVIEW,
        )
        .exclude(_superseded_version())
        .select_related("version__product")
        .order_by("comment_deadline", "pk")[:LIST_LIMIT]
    )


def _endorsements_due(agency_ids: frozenset[int]) -> list[Any]:
    """Versions under agency review that one of the agencies has not yet endorsed."""
    from products.models import Endorsement, ProductState, ReviewRound

    endorsed = Endorsement.objects.filter(version=OuterRef("version"), agency_id__in=agency_ids)
    return list(
        ReviewRound.objects.filter(version__product__state=ProductState.AGENCY_REVIEW)
        .exclude(Exists(endorsed))
        .exclude(_superseded_version())
        .select_related("version__product")
        .order_by("comment_deadline", "pk")[:LIST_LIMIT]
    )


def _meetings_with_delegation(now: dt.datetime, agency_ids: frozenset[int]) -> list[Any]:
    from meetings.models import Advisor, Attendance, Meeting, MeetingState

    meetings = list(
        Meeting.objects.filter(
            starts_at__gte=now, state__in=[MeetingState.PROPOSED, MeetingState.SCHEDULED]
        )
        .prefetch_related(
            Prefetch(
                "attendances",
                queryset=Attendance.objects.filter(agency_id__in=agency_ids).select_related(
                    "user", "agency"
                ),
                to_attr="my_delegates",
            ),
            Prefetch(
                "advisors",
                queryset=Advisor.objects.filter(agency_id__in=agency_ids),
                to_attr="my_advisors",
            ),
        )
        .order_by("starts_at", "pk")[:5]
    )
    return [
        MeetingWithDelegation(m, link("meeting-detail", m.pk), m.my_delegates, m.my_advisors)
        for m in meetings
    ]


def _agency_action_items(agency_ids: frozenset[int]) -> list[Any]:
    from meetings.models import ActionItem, ActionItemStatus

    return list(
        ActionItem.objects.filter(status=ActionItemStatus.OPEN, owner_agency_id__in=agency_ids)
        .select_related("owner_agency", "meeting")
        .order_by("due_on", "pk")[:LIST_LIMIT]
    )


def _recent_outcomes(limit: int = 5) -> list[Any]:
    """The latest closed decisions, read from the decision list's index (no sort)."""
    from consensus.models import Decision, DecisionState
    from consensus.selectors import decisions_list_order

    closed = Decision.objects.filter(state=DecisionState.CLOSED)
    return list(decisions_list_order(closed)[:limit])


def representative_home(user: Any, now: dt.datetime | None = None) -> RepresentativeHome:
    """What the user's agency must answer, and by when; its meetings, actions and outcomes."""
    now = now or timezone.now()
    agencies = list(agencies_represented(user).order_by("acronym"))
    agency_ids = frozenset(a.pk for a in agencies)
    first = agencies[0].acronym if agencies else ""
    return RepresentativeHome(
        agencies=agencies,
        awaiting_decisions=_awaiting_decisions(agency_ids),
        comment_rounds=_comment_rounds(now),
        endorsements_due=_endorsements_due(agency_ids),
        meetings=_meetings_with_delegation(now, agency_ids),
        action_items=_agency_action_items(agency_ids),
        recent_outcomes=_recent_outcomes(),
        links={
            "awaiting": link("decision-awaiting"),
            "decisions_closed": link("decision-list", state="closed"),
            "products": link("product-list", state="agency_review"),
            "meetings": link("meeting-list", when="upcoming"),
            "actions": link("secretariat-action-items", agency=first),
        },
    )
