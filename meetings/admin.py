"""Admin for the secretariat's rare corrections. Domain changes still go through services,
so records of history are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from isecg.admin import NoDeleteAdmin
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


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AgendaInline(admin.TabularInline):  # type: ignore[type-arg]
    """Items are withdrawn through the services (with a reason), never deleted."""

    model = AgendaItem
    extra = 0
    can_delete = False
    fields = [
        "position",
        "title",
        "description",
        "product_title",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawal_reason",
    ]
    readonly_fields = ["withdrawn_at", "withdrawn_by", "withdrawal_reason"]


@admin.register(Meeting)
class MeetingAdmin(NoDeleteAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "kind", "state", "starts_at", "time_zone", "city", "dates_uncertain"]
    list_filter = ["kind", "state", "dates_uncertain"]
    search_fields = ["title", "city", "country"]
    readonly_fields = ["state", "series", "occurrence_key", "created_by", "created_at"]
    inlines = [AgendaInline]


@admin.register(TeleconferenceSeries)
class SeriesAdmin(NoDeleteAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "rule", "local_time", "time_zone", "active"]
    readonly_fields = ["rule", "created_by", "created_at"]


@admin.register(ChairTerm)
class ChairTermAdmin(ReadOnlyAdmin):
    list_display = ["agency", "starts_on", "ends_on", "dates_uncertain", "assumed_at"]


for model in (
    VenueProposal,
    ChairNomination,
    HandoverChecklist,
    Minutes,
    MinutesComment,
    Advisor,
    ActionItem,
):
    admin.site.register(model, ReadOnlyAdmin)
