"""Admin for the secretariat's rare corrections; every domain change still goes through services."""

from django.contrib import admin

from isecg.admin import NoDeleteAdmin
from products.models import (
    Comment,
    Endorsement,
    EndorsementWaiver,
    ExpertReferral,
    Product,
    ProductVersion,
    WorkingGroup,
    Workplan,
    WorkplanItem,
)


@admin.register(WorkingGroup)
class WorkingGroupAdmin(NoDeleteAdmin, admin.ModelAdmin):
    list_display = ["acronym", "name", "kind", "lead_agency", "active_from", "active_until"]
    list_filter = ["kind"]
    filter_horizontal = ["member_agencies"]


@admin.register(ExpertReferral)
class ExpertReferralAdmin(NoDeleteAdmin, admin.ModelAdmin):
    list_display = ["issue", "expert_group", "referred_on", "outcome_on"]


@admin.register(Product)
class ProductAdmin(NoDeleteAdmin, admin.ModelAdmin):
    list_display = ["title", "kind", "state", "working_group", "published_on"]
    list_filter = ["kind", "state", "working_group"]
    search_fields = ["title", "slug"]
    readonly_fields = ["state", "endorsed_version", "endorsed_at", "published_at", "superseded_by"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is append-only: viewable, never edited here."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ProductVersion)
class ProductVersionAdmin(ReadOnlyAdmin):
    list_display = ["product", "number", "file_format", "size", "uploaded_at"]


@admin.register(Endorsement)
class EndorsementAdmin(ReadOnlyAdmin):
    list_display = ["version", "agency", "endorser_name", "managerial_level", "endorsed_on"]


@admin.register(EndorsementWaiver)
class EndorsementWaiverAdmin(ReadOnlyAdmin):
    list_display = ["version", "agency", "reason", "waived_at"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["version", "agency", "author", "created_at", "resolved_at"]


class WorkplanItemInline(admin.TabularInline):
    model = WorkplanItem
    extra = 0
    readonly_fields = ["status", "progress_percent", "progress_note", "updated_at"]


@admin.register(Workplan)
class WorkplanAdmin(NoDeleteAdmin, admin.ModelAdmin):
    list_display = ["year", "title", "state", "adopted_at"]
    readonly_fields = ["state", "adopted_at"]
    inlines = [WorkplanItemInline]
