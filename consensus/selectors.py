"""Permission-scoped reads of decisions, their tallies and the awaiting inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from agencies.roles import represented_agency_ids
from consensus import tally as rules
from consensus.models import (
    Decision,
    DecisionEvent,
    DecisionState,
    ElectorateMember,
    Position,
    PositionEvent,
)


def decisions_visible_to(user: Any) -> QuerySet[Decision]:
    """Signed-in users (representatives, secretariat, API clients) see every decision.

    Prefetches what the list needs to compute each tally, so the query count does not
    grow with the number of decisions or agencies.
    """
    if user is None or not user.is_authenticated:
        return Decision.objects.none()
    # order_by(): a tally needs no order, and the models' default orderings would join
    # every prefetched row to its decision and agency only to sort it.
    return Decision.objects.select_related("subject_content_type", "opened_by").prefetch_related(
        Prefetch(
            "electorate",
            queryset=ElectorateMember.objects.only(
                "id", "decision_id", "agency_id", "excluded_at"
            ).order_by(),
        ),
        Prefetch(
            "positions",
            queryset=Position.objects.only("id", "decision_id", "agency_id", "value").order_by(),
        ),
    )


def _awaiting_filter(agency_ids: frozenset[int]) -> models.Q:
    member = ElectorateMember.objects.filter(
        decision=OuterRef("pk"), agency_id__in=agency_ids, excluded_at__isnull=True
    )
    unanswered = member.exclude(
        Exists(Position.objects.filter(decision=OuterRef("decision"), agency=OuterRef("agency")))
    )
    return models.Q(Exists(unanswered), state=DecisionState.OPEN)


def decisions_awaiting(user: Any, queryset: QuerySet[Decision] | None = None) -> QuerySet[Decision]:
    """Open decisions where an agency the user represents has not yet responded."""
    agency_ids = represented_agency_ids(user) if user is not None else frozenset()
    queryset = queryset if queryset is not None else decisions_visible_to(user)
    if not agency_ids:
        return queryset.none()
    return queryset.filter(_awaiting_filter(agency_ids)).order_by("deadline", "pk")


def decision_detail(user: Any, pk: int) -> Decision | None:
    """One decision with everything its page shows, in a fixed number of queries."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Decision.objects.select_related(
            "subject_content_type", "opened_by", "previous_round", "next_round"
        )
        .prefetch_related(
            Prefetch(
                "electorate",
                queryset=ElectorateMember.objects.select_related("agency").order_by(
                    "agency__acronym"
                ),
            ),
            Prefetch(
                "positions",
                queryset=Position.objects.select_related("agency", "event", "event__cast_by"),
            ),
            Prefetch(
                "position_events",
                queryset=PositionEvent.objects.select_related("agency", "cast_by").order_by("seq"),
            ),
            Prefetch("events", queryset=DecisionEvent.objects.select_related("actor")),
        )
        .filter(pk=pk)
        .first()
    )


def decision_tally(decision: Decision, now: dt.datetime | None = None) -> rules.TallyResult:
    """The tally of one decision (uses prefetched electorate and positions when present)."""
    electorate = [m.agency_id for m in decision.electorate.all() if m.excluded_at is None]
    positions = {p.agency_id: p.value for p in decision.positions.all()}
    return rules.tally(
        procedure=decision.procedure,
        quorum=decision.quorum,
        electorate=electorate,
        positions=positions,
        deadline=decision.deadline,
        now=now or timezone.now(),
    )


def decisions_for_subject(subject: models.Model) -> QuerySet[Decision]:
    """Every decision (all rounds) taken on one subject, newest first."""
    content_type = ContentType.objects.get_for_model(subject)
    return Decision.objects.filter(
        subject_content_type=content_type, subject_object_id=subject.pk
    ).order_by("-opened_at", "-pk")


def decisions_due(now: dt.datetime | None = None) -> QuerySet[Decision]:
    """Open decisions whose deadline has passed: the sweep closes them."""
    return Decision.objects.filter(
        state=DecisionState.OPEN, deadline__lte=now or timezone.now()
    ).order_by("deadline", "pk")
