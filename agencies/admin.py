"""Admin for agencies. Changes of record go through services; history is read-only."""

from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from agencies.models import Agency, AgencyStatusChange, Representative
from isecg.admin import NoDeleteAdmin, ReadOnlyAdmin


@admin.register(Agency)
class AgencyAdmin(GuardedModelAdmin):
    # NoDeleteAdmin's rule, taken rather than mixed in: guardian and django-stubs declare
    # change_form_template differently, which mypy refuses in a class with two bases.
    has_delete_permission = NoDeleteAdmin.has_delete_permission
    list_display = ["acronym", "name", "country", "status", "framework_contributor", "joined_on"]
    list_filter = ["status", "framework_contributor"]
    search_fields = ["acronym", "name", "country"]
    readonly_fields = ["status", "joined_on", "withdrawn_on"]


@admin.register(AgencyStatusChange)
class AgencyStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["agency", "before", "after", "effective_on", "actor"]
    list_select_related = ["agency", "actor"]


@admin.register(Representative)
class RepresentativeAdmin(ReadOnlyAdmin):
    list_display = ["user", "agency", "kind", "active_from", "revoked_at"]
    list_filter = ["kind", "agency"]
    list_select_related = ["user", "agency"]
