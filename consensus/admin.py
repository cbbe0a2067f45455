"""Admin for consensus records: read-only. Every change goes through consensus.services."""

from django.contrib import admin

from consensus.models import (
    Decision,
    DecisionEvent,
    ElectorateMember,
    Motion,
    Position,
    PositionEvent,
    ReminderSent,
)
from isecg.admin import ReadOnlyAdmin


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "kind", "procedure", "state", "outcome", "deadline"]
    list_filter = ["state", "outcome", "kind", "procedure"]
    search_fields = ["title"]


@admin.register(ElectorateMember)
class ElectorateMemberAdmin(ReadOnlyAdmin):
    list_display = ["decision", "agency", "excluded_at"]
    list_select_related = ["decision", "agency"]


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["decision", "agency", "value", "updated_at"]
    list_select_related = ["decision", "agency"]


@admin.register(PositionEvent)
class PositionEventAdmin(ReadOnlyAdmin):
    list_display = ["decision", "seq", "agency", "value", "on_behalf", "at", "hash"]
    list_select_related = ["decision", "agency"]


@admin.register(DecisionEvent)
class DecisionEventAdmin(ReadOnlyAdmin):
    list_display = ["decision", "kind", "actor", "at"]
    list_select_related = ["decision", "actor"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["decision", "agency", "offset_seconds", "at"]


@admin.register(Motion)
class MotionAdmin(ReadOnlyAdmin):
    list_display = ["title", "state", "created_at", "decided_at"]
