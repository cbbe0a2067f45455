"""Admin for looking things up. Governed records change only through their ToR services
(venues by consensus, the chair by the host assuming it or an adopted nomination, minutes
issued by the chair), so they are read-only here: no add, no change, no delete."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from isecg.admin import ReadOnlyAdmin
from meetings.models import (
    ActionItem,
    Advisor,
    AgendaItem,
    ChairNomination,
    ChairTerm,
    HandoverChecklist,
    Meeting,
    Minutes,
    MinutesComment,
    TeleconferenceSeries,
    VenueProposal,
)

AGENDA_FIELDS: list[str] = [
    "position",
    "title",
    "description",
    "product_title",
    "withdrawn_at",
    "withdrawn_by",
    "withdrawal_reason",
]


class AgendaInline(admin.TabularInline):  # type: ignore[type-arg]
    """Shown with its meeting, read-only: items are withdrawn through the services."""

    model = AgendaItem
    extra = 0
    can_delete = False
    fields = tuple(AGENDA_FIELDS)
    readonly_fields = AGENDA_FIELDS

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    """ToR III.2.2: hosts and venues by consensus; dates changed with a reason (services)."""

    list_display = ["title", "kind", "state", "starts_at", "time_zone", "city", "dates_uncertain"]
    list_filter = ["kind", "state", "dates_uncertain"]
    search_fields = ["title", "city", "country"]
    inlines = [AgendaInline]


@admin.register(TeleconferenceSeries)
class SeriesAdmin(ReadOnlyAdmin):
    """Teleconference series stay with the chair and the secretariat (ToR III.2.2), through
    the series services: pausing or moving a series here would skip its notices."""

    list_display = ["title", "rule", "local_time", "time_zone", "active"]


@admin.register(ChairTerm)
class ChairTermAdmin(ReadOnlyAdmin):
    list_display = ["agency", "starts_on", "ends_on", "dates_uncertain", "assumed_at", "decision"]


@admin.register(VenueProposal)
class VenueProposalAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "state", "is_change", "city", "chair_agency", "created_at"]
    list_filter = ["state", "is_change"]


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "version", "state", "issued_at", "issued_by", "approval_agency"]
    list_filter = ["state"]


for model in (
    ChairNomination,
    HandoverChecklist,
    MinutesComment,
    Advisor,
    ActionItem,
):
    admin.site.register(model, ReadOnlyAdmin)
