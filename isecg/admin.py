"""Admin: for the secretariat's rare corrections. History is read-only here."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from isecg.models import AuditEvent, Notification, User


class NoDeleteAdmin:
    """No hard delete from the admin (issue 8): records are deactivated or closed instead,
    and history pointing at them (on_delete=PROTECT) must survive."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(NoDeleteAdmin, BaseUserAdmin):  # a person leaves by deactivation
    fieldsets = (*BaseUserAdmin.fieldsets, ("Preferences", {"fields": ("time_zone",)}))  # type: ignore[misc]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "object_repr", "actor"]
    list_filter = ["action"]
    search_fields = ["object_repr", "action"]
    list_select_related = ["actor"]
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "recipient", "title", "state", "attempts", "read_at"]
    list_filter = ["state", "kind"]
    search_fields = ["title", "key"]
    list_select_related = ["recipient"]
