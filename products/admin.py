"""Admin for looking products up. Every record here is governed: it changes only through
its service (products.services), so nothing is added, changed or deleted here.

ToR I.2 and III.2.2: working groups (their lead and members), products (their participating
agencies and state), versions, endorsements and workplans follow the ToR's steps; an edit in
place (a published product's text, an adopted workplan's items) would bypass them.
"""

from django.contrib import admin

from isecg.admin import ReadOnlyAdmin
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
class WorkingGroupAdmin(ReadOnlyAdmin):
    list_display = ["acronym", "name", "kind", "lead_agency", "active_from", "active_until"]
    list_filter = ["kind"]
    list_select_related = ["lead_agency"]


@admin.register(ExpertReferral)
class ExpertReferralAdmin(ReadOnlyAdmin):
    list_display = ["issue", "expert_group", "referred_on", "outcome_on"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "state", "working_group", "published_on"]
    list_filter = ["kind", "state", "working_group"]
    list_select_related = ["working_group"]
    search_fields = ["title", "slug"]


@admin.register(ProductVersion)
class ProductVersionAdmin(ReadOnlyAdmin):
    list_display = ["product", "number", "file_format", "size", "uploaded_at"]
    list_select_related = ["product"]


@admin.register(Endorsement)
class EndorsementAdmin(ReadOnlyAdmin):
    list_display = [
        "version",
        "agency",
        "endorser_name",
        "managerial_level",
        "endorsed_on",
        "on_behalf",
        "recorded_by",
    ]
    list_filter = ["on_behalf"]
    list_select_related = ["version__product", "agency", "recorded_by"]


@admin.register(EndorsementWaiver)
class EndorsementWaiverAdmin(ReadOnlyAdmin):
    """History only: waivers are no longer recorded and never count (ToR III.2.2)."""

    list_display = ["version", "agency", "reason", "waived_at"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["version", "agency", "author", "created_at", "resolved_at"]


class WorkplanItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = WorkplanItem
    extra = 0

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Workplan)
class WorkplanAdmin(ReadOnlyAdmin):
    list_display = ["year", "title", "state", "adopted_at"]
    inlines = [WorkplanItemInline]
