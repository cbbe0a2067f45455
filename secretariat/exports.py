"""Exports for spreadsheets and other systems: decisions with every agency's position,
the agency register and the membership history.

Rows are plain dicts with ISO 8601 dates and instants (UTC, "Z"); CSV is UTF-8 with a
byte-order mark so spreadsheets detect the encoding, and cells that a spreadsheet would
read as a formula are prefixed with an apostrophe. Each export is one fixed set of
queries starting from a permission-scoped read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch

from agencies.models import AgencyStatusChange, Representative
from agencies.selectors import agencies_visible_to

NO_RESPONSE = "no_response"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def iso(value: Any) -> str:
    """ISO 8601: dates as YYYY-MM-DD, instants in UTC with a trailing Z."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cell(value: Any) -> str:
    text = iso(value) if isinstance(value, dt.date) else ("" if value is None else str(value))
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def to_csv(rows: Iterable[dict[str, Any]], columns: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json_ready(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: iso(v) if isinstance(v, dt.date) else v for k, v in row.items()} for row in rows]


# --- Decisions ------------------------------------------------------------------------

DECISION_COLUMNS = [
    "decision_id",
    "title",
    "kind",
    "procedure",
    "state",
    "outcome",
    "round",
    "opened_at",
    "deadline",
    "closed_at",
    "agency",
    "agency_name",
    "in_electorate",
    "position",
    "reservation",
    "grounds",
    "statement",
    "position_at",
    "receipt_hash",
]


def decision_rows(user: Any) -> list[dict[str, Any]]:
    """One row per decision and electorate agency (ToR III.2.2), with its current position:
    the statement is the reservation for `concur_with_reservation` and the grounds for
    `object`. Four queries."""
    from consensus.models import Decision, ElectorateMember, Position

    if user is None or not user.is_authenticated:
        return []
    decisions = Decision.objects.order_by("opened_at", "pk").prefetch_related(
        Prefetch(
            "electorate",
            queryset=ElectorateMember.objects.select_related("agency").order_by("agency__acronym"),
        ),
        Prefetch("positions", queryset=Position.objects.select_related("event")),
    )
    rows = []
    for decision in decisions:
        positions = {p.agency_id: p for p in decision.positions.all()}
        for member in decision.electorate.all():
            position = positions.get(member.agency_id)
            value = position.value if position else NO_RESPONSE
            statement = position.statement if position else ""
            rows.append(
                {
                    "decision_id": decision.pk,
                    "title": decision.title,
                    "kind": decision.kind,
                    "procedure": decision.procedure,
                    "state": decision.state,
                    "outcome": decision.outcome,
                    "round": decision.round_number,
                    "opened_at": decision.opened_at,
                    "deadline": decision.deadline,
                    "closed_at": decision.closed_at,
                    "agency": member.agency.acronym,
                    "agency_name": member.agency.name,
                    "in_electorate": member.excluded_at is None,
                    "position": value,
                    "reservation": statement if value == "concur_with_reservation" else "",
                    "grounds": statement if value == "object" else "",
                    "statement": statement,
                    "position_at": position.updated_at if position else None,
                    "receipt_hash": position.event.hash if position else "",
                }
            )
    return rows


def decisions_json(user: Any) -> list[dict[str, Any]]:
    """The same data nested: one object per decision with its positions."""
    nested: dict[int, dict[str, Any]] = {}
    for row in _json_ready(decision_rows(user)):
        entry = nested.setdefault(
            row["decision_id"],
            {k: row[k] for k in DECISION_COLUMNS[:10]} | {"positions": []},
        )
        entry["positions"].append({k: row[k] for k in DECISION_COLUMNS[10:]})
    return list(nested.values())


# --- The agency register ---------------------------------------------------------------

AGENCY_COLUMNS = [
    "acronym",
    "name",
    "country",
    "status",
    "framework_contributor",
    "joined_on",
    "withdrawn_on",
    "website",
    "representatives",
]


def agency_rows(user: Any) -> list[dict[str, Any]]:
    """The register as the user may see it (anonymous: participating agencies, no names)."""
    signed_in = user is not None and user.is_authenticated
    queryset = agencies_visible_to(user).order_by("acronym")
    if signed_in:
        queryset = queryset.prefetch_related(
            Prefetch(
                "representatives",
                queryset=Representative.objects.filter(revoked_at__isnull=True)
                .select_related("user")
                .order_by("kind", "user__last_name"),
                to_attr="current_reps",
            )
        )
    rows = []
    for agency in queryset:
        reps = getattr(agency, "current_reps", [])
        rows.append(
            {
                "acronym": agency.acronym,
                "name": agency.name,
                "country": agency.country,
                "status": agency.status,
                "framework_contributor": agency.framework_contributor,
                "joined_on": agency.joined_on,
                "withdrawn_on": agency.withdrawn_on,
                "website": agency.website,
                "representatives": "; ".join(
                    f"{r.user.get_full_name() or r.user.username} ({r.get_kind_display()})"
                    for r in reps
                ),
            }
        )
    return rows


# --- Membership history ------------------------------------------------------------------

HISTORY_COLUMNS = [
    "agency",
    "effective_on",
    "before",
    "after",
    "basis",
    "basis_ref",
    "reason",
    "recorded_at",
]


def membership_history_rows(user: Any) -> list[dict[str, Any]]:
    """Every status change of every agency (ToR III.1 joining, ToR VI withdrawal): signed-in
    users only, one query."""
    if user is None or not user.is_authenticated:
        return []
    changes = AgencyStatusChange.objects.select_related("agency").order_by(
        "effective_on", "at", "pk"
    )
    return [
        {
            "agency": change.agency.acronym,
            "effective_on": change.effective_on,
            "before": change.before,
            "after": change.after,
            "basis": change.basis,
            "basis_ref": change.basis_ref,
            "reason": change.reason,
            "recorded_at": change.at,
        }
        for change in changes
    ]


EXPORTS: dict[str, tuple[Any, list[str]]] = {
    "decisions": (decision_rows, DECISION_COLUMNS),
    "agencies": (agency_rows, AGENCY_COLUMNS),
    "membership-history": (membership_history_rows, HISTORY_COLUMNS),
}


def export_json(name: str, user: Any) -> list[dict[str, Any]]:
    if name == "decisions":
        return decisions_json(user)
    rows_for, _columns = EXPORTS[name]
    return _json_ready(rows_for(user))


def export_csv(name: str, user: Any) -> bytes:
    rows_for, columns = EXPORTS[name]
    return to_csv(rows_for(user), columns)
