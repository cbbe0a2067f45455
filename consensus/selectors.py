"""Permission-scoped reads of decisions, their tallies and the awaiting inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
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
    decision_list_order,
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


def decisions_list_order(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    """Open decisions first, the nearest deadline first; then closed ones, latest first."""
    return decisions.order_by(*decision_list_order())


AWAITING_BADGE_CAP = 99


def decisions_awaiting_badge(user: Any) -> str:
    """The number of decisions awaiting the user's agency, for a badge: exact up to 99,
    then "99+". It reads at most 100 rows, so its cost does not grow with the record."""
    count = decisions_awaiting(user).order_by().values("pk")[: AWAITING_BADGE_CAP + 1].count()
    if count > AWAITING_BADGE_CAP:
        return f"{AWAITING_BADGE_CAP}+"
    return str(count) if count else ""


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


def tally_from(
    decision: Decision,
    *,
    electorate: list[int],
    positions: dict[int, str],
    now: dt.datetime | None = None,
) -> rules.TallyResult:
    """The tally of a decision from its counted electorate (agency ids) and current
    positions (agency id -> value), however they were read."""
    return rules.tally(
        procedure=decision.procedure,
        quorum=decision.quorum,
        electorate=electorate,
        positions=positions,
        deadline=decision.deadline,
        now=now or timezone.now(),
    )


def decision_tally(decision: Decision, now: dt.datetime | None = None) -> rules.TallyResult:
    """The tally of one decision (uses prefetched electorate and positions when present)."""
    return tally_from(
        decision,
        electorate=[m.agency_id for m in decision.electorate.all() if m.excluded_at is None],
        positions={p.agency_id: p.value for p in decision.positions.all()},
        now=now,
    )


def decision_tallies(
    decisions: list[Decision], now: dt.datetime | None = None
) -> dict[int, rules.TallyResult]:
    """The tally of each decision of a page, from two queries of plain tuples.

    The same tally as `decision_tally`, without building a model instance for every
    electorate member and position (the bulk of a list page's time before).
    """
    now = now or timezone.now()
    ids = [d.pk for d in decisions]
    electorate: dict[int, list[int]] = {pk: [] for pk in ids}
    for decision_id, agency_id in (
        ElectorateMember.objects.filter(decision_id__in=ids, excluded_at__isnull=True)
        .order_by()
        .values_list("decision_id", "agency_id")
    ):
        electorate[decision_id].append(agency_id)
    positions: dict[int, dict[int, str]] = {pk: {} for pk in ids}
    for decision_id, agency_id, value in (
        Position.objects.filter(decision_id__in=ids)
        .order_by()
        .values_list("decision_id", "agency_id", "value")
    ):
        positions[decision_id][agency_id] = value
    return {
        d.pk: tally_from(d, electorate=electorate[d.pk], positions=positions[d.pk], now=now)
        for d in decisions
    }


def current_position_value(decision_id: int, agency_id: int) -> str | None:
    """ToR III.2.2: the agency's position on record in the decision (None before its first
    answer): one query, for the confirmation step of a cast."""
    return (
        Position.objects.filter(decision_id=decision_id, agency_id=agency_id)
        .values_list("value", flat=True)
        .first()
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


# --- the cast's reads, under the decision's lock -----------------------------------------
# Fixed SQL on two indexed lookups: a cast reads these on every call, and the ORM's query
# building cost more than the queries themselves (bench/, issue 8). Portable to SQLite.


def ledger_head(decision_id: int) -> tuple[int, str] | None:
    """(seq, hash) of the decision's last ledger entry, or None before the first."""
    table = PositionEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, hash FROM {table} WHERE decision_id = %s ORDER BY seq DESC LIMIT 1",  # noqa: S608
            [decision_id],
        )
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else None


def electorate_with_positions(decision_id: int) -> list[tuple[Any, ...]]:
    """Each electorate member with its current position, if any, in one query.

    Rows: (agency_id, excluded_at, exclusion_reason, position_id, value, statement,
    event_id); the last four are None for a member that has not responded. Only
    `excluded_at is None` is tested: SQLite gives it as text, PostgreSQL as a datetime.
    """
    member, position = ElectorateMember._meta.db_table, Position._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.agency_id, m.excluded_at, m.exclusion_reason,"  # noqa: S608
            " p.id, p.value, p.statement, p.event_id"
            f" FROM {member} m LEFT JOIN {position} p"
            " ON p.decision_id = m.decision_id AND p.agency_id = m.agency_id"
            " WHERE m.decision_id = %s",
            [decision_id],
        )
        return [tuple(row) for row in cursor.fetchall()]
