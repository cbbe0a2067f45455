"""Admin: for looking things up. History, roles and schedules are read-only here.

The users' roles come from their records, never from this admin: the secretariat from a
secretariat member record (ToR IV, `secretariat.services`), an agency's representatives
from their designations (ToR III.2.1, `agencies.services`), superusers from the command
line (`manage.py createsuperuser`). Nor does anyone take over another person's account here,
which would let them act for that person's agency: no password is set for someone else (the
password-reset e-mail serves that), the e-mail address that reset goes to is corrected only
with a reason (`isecg.corrections`), and no authenticator is made or edited for anyone (a
lost one is deleted, and its owner enrols again). The scheduled jobs (closing due decisions, ledger
verification, applying withdrawals) come from settings (`CELERY_BEAT_SCHEDULE`) and the
command line; switching one off here would let deadlines pass with nobody having agreed.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as BaseTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken import admin as token_admin
from rest_framework.authtoken.models import TokenProxy

from isecg.models import AuditEvent, Notification, User


class NoDeleteAdmin:
    """No hard delete from the admin (issue 8): records are deactivated or closed instead,
    and history pointing at them (on_delete=PROTECT) must survive."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyMixin:
    """View and search only: no add, change, delete or bulk action."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    pass


# The fields that make a role: read-only for everyone, superusers included.
USER_ROLE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(NoDeleteAdmin, BaseUserAdmin):  # a person leaves by deactivation
    """Accounts: made here, looked up, deactivated; preferences. Roles are read-only (above)."""

    fieldsets = (*BaseUserAdmin.fieldsets, ("Preferences", {"fields": ("time_zone",)}))  # type: ignore[misc]
    # Names and e-mail of an existing account are corrected with a reason (isecg.corrections).
    readonly_fields = (
        *USER_ROLE_FIELDS,
        "first_name",
        "last_name",
        "email",
        "last_login",
        "date_joined",
    )
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser")
    filter_horizontal = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A new account is made with its details; an existing one's are corrected (above).
        return self.readonly_fields if obj is not None else (*USER_ROLE_FIELDS,)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """ToR III.2.1: whoever sets a representative's password can act for the agency.
        Nobody sets another person's password here; the password-reset e-mail does that."""
        if str(request.user.pk) != str(id):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


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


# --- Groups: the `secretariat` group is a projection of the member records. ---

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ReadOnlyMixin, BaseGroupAdmin):
    """Groups and their permissions are set by `seed_demo` and the command line."""


# --- django-celery-beat: the schedules, read-only (settings and command line change them). ---

for _model in (PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    admin.site.unregister(_model)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(ReadOnlyMixin, beat_admin.PeriodicTaskAdmin):  # type: ignore[misc]
    # The library's form adds fields of its own (a task picker, a cron translation) that a
    # read-only page cannot show; these are the task's own fields.
    fieldsets = (
        (None, {"fields": ("name", "task", "enabled", "description")}),
        (
            "Schedule",
            {
                "fields": (
                    "interval",
                    "crontab",
                    "solar",
                    "clocked",
                    "start_time",
                    "last_run_at",
                    "one_off",
                )
            },
        ),
        ("Arguments", {"fields": ("args", "kwargs")}),
        (
            "Execution options",
            {"fields": ("expires", "expire_seconds", "queue", "exchange", "routing_key")},
        ),
    )


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(ReadOnlyMixin, beat_admin.IntervalScheduleAdmin):  # type: ignore[misc]
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(ReadOnlyMixin, beat_admin.CrontabScheduleAdmin):  # type: ignore[misc]
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(ReadOnlyMixin, beat_admin.SolarScheduleAdmin):  # type: ignore[misc]
    pass


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(ReadOnlyMixin, beat_admin.ClockedScheduleAdmin):  # type: ignore[misc]
    pass


# --- API tokens: each person's own, from the token endpoint (password and second factor). ---

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(token_admin.TokenAdmin):  # type: ignore[misc]
    """No token is made or shown here: a token made for someone else, or a key copied from
    this list, would let its holder act as them (cast an agency's positions, ToR III.2.1).
    Revoking one (delete) stays possible."""

    list_display = ("user", "created")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Authenticators: each person enrols their own (/accounts/2fa/). ---

admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(BaseTOTPDeviceAdmin):
    """View and delete only: an authenticator made or edited here for someone else would give
    its maker that person's second factor. Deleting a lost one lets its owner enrol again."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
