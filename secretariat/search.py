"""Search across agencies, decisions, products, meetings and minutes.

PostgreSQL: full-text search (django.contrib.postgres.search) with `websearch` query
parsing and ts_rank. SQLite: a case-insensitive substring match, ranked by where it
matched (title over body). Either way the term is passed as a bound parameter (never
into SQL text) and every source starts from its app's permission-scoped selector, so a
user only finds what they may see. One query per source, whatever the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.urls import reverse

MAX_TERM_LENGTH = 200
PER_SOURCE = 20


@dataclass(frozen=True)
class Hit:
    source: str
    title: str
    url: str
    snippet: str
    rank: float


@dataclass(frozen=True)
class Source:
    label: str
    queryset: Callable[[Any], QuerySet[Any]]
    title_fields: tuple[str, ...]
    body_fields: tuple[str, ...]
    to_hit: Callable[[Any], tuple[str, str, str]]


def _snippet(text: str, term: str, width: int = 160) -> str:
    text = " ".join((text or "").split())
    at = text.lower().find(term.lower())
    start = max(0, at - width // 3) if at >= 0 else 0
    piece = text[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def _agencies(user: Any) -> QuerySet[Any]:
    from agencies.selectors import agencies_visible_to

    return agencies_visible_to(user)


def _decisions(user: Any) -> QuerySet[Any]:
    from consensus.models import Decision

    if user is None or not user.is_authenticated:
        return Decision.objects.none()
    return Decision.objects.all()


def _products(user: Any) -> QuerySet[Any]:
    from products.selectors import products_visible_to

    return products_visible_to(user)


def _meetings(user: Any) -> QuerySet[Any]:
    from meetings.selectors import meetings_visible_to

    return meetings_visible_to(user)


def _minutes(user: Any) -> QuerySet[Any]:
    from meetings.selectors import minutes_visible_to

    return minutes_visible_to(user)


SOURCES: dict[str, Source] = {
    "agencies": Source(
        "Agencies",
        _agencies,
        ("acronym", "name"),
        ("country",),
        lambda a: (
            f"{a.name} ({a.acronym})",
            reverse("agency-detail", args=[a.acronym]),
            a.country,
        ),
    ),
    "decisions": Source(
        "Decisions",
        _decisions,
        ("title",),
        ("text",),
        lambda d: (d.title, reverse("decision-detail", args=[d.pk]), d.text),
    ),
    "products": Source(
        "Products",
        _products,
        ("title",),
        ("summary",),
        lambda p: (p.title, reverse("product-detail", args=[p.slug]), p.summary),
    ),
    "meetings": Source(
        "Meetings",
        _meetings,
        ("title",),
        ("city", "country", "venue", "notes"),
        lambda m: (m.title, reverse("meeting-detail", args=[m.pk]), f"{m.city} {m.notes}"),
    ),
    "minutes": Source(
        "Minutes",
        _minutes,
        ("meeting__title",),
        ("body",),
        lambda m: (
            f"Minutes of {m.meeting.title} (v{m.version})",
            reverse("meeting-detail", args=[m.meeting_id]),
            m.body,
        ),
    ),
}


def clean_term(raw: str) -> str:
    """Collapse whitespace and drop NUL bytes (which PostgreSQL rejects in text)."""
    return " ".join(raw.replace("\x00", " ").split())[:MAX_TERM_LENGTH]


def _ranked_postgres(queryset: QuerySet[Any], source: Source, term: str) -> QuerySet[Any]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = SearchVector(*source.title_fields, weight="A", config="english") + SearchVector(
        *source.body_fields, weight="B", config="english"
    )
    query = SearchQuery(term, search_type="websearch", config="english")
    # Substring matches on titles catch acronyms and partial words that stemming misses.
    title_match = Q()
    for name in source.title_fields:
        title_match |= Q(**{f"{name}__icontains": term})
    return (
        queryset.annotate(search_document=vector, search_rank=SearchRank(vector, query))
        .filter(Q(search_document=query) | title_match)
        .annotate(
            search_score=F("search_rank")
            + Case(
                When(title_match, then=Value(1.0)), default=Value(0.0), output_field=FloatField()
            )
        )
        .order_by("-search_score", "-pk")
    )


def _ranked_fallback(queryset: QuerySet[Any], source: Source, term: str) -> QuerySet[Any]:
    title_match = Q()
    for name in source.title_fields:
        title_match |= Q(**{f"{name}__icontains": term})
    body_match = Q()
    for name in source.body_fields:
        body_match |= Q(**{f"{name}__icontains": term})
    return (
        queryset.filter(title_match | body_match)
        .annotate(
            search_score=Case(
                When(title_match, then=Value(2.0)), default=Value(1.0), output_field=FloatField()
            )
        )
        .order_by("-search_score", "-pk")
    )


def search(user: Any, raw_term: str, *, sources: list[str] | None = None) -> list[Hit]:
    """Ranked hits the user may see, best first: one query per source."""
    term = clean_term(raw_term)
    if len(term) < 2:
        return []
    ranked = _ranked_postgres if connection.vendor == "postgresql" else _ranked_fallback
    hits: list[Hit] = []
    for key in sources or list(SOURCES):
        source = SOURCES[key]
        rows = ranked(source.queryset(user), source, term)
        if key == "minutes":
            rows = rows.select_related("meeting")
        for row in rows[:PER_SOURCE]:
            title, url, text = source.to_hit(row)
            hits.append(
                Hit(source.label, title, url, _snippet(text, term), float(row.search_score))
            )
    return sorted(hits, key=lambda h: -h.rank)
