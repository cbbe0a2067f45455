"""Admin for agencies: for looking things up. Changes of record go through services.

ToR III.2.1: the power to act for an agency comes only from a designation
(`services.representative_designate`), so this admin has no object-permission pages
(django-guardian's would hand out `act_for_agency` to anyone). ToR III.1, VI, VII: a status
follows from its act (`services.agency_status_follow`), so it is read-only here, and so is
everything the status rests on. Agencies are registered on the "Register an agency" page,
and a data error in their details is fixed through the audited correction page, which asks for
a reason (`isecg.corrections`): the admin edits nothing in place.
"""

from django.contrib import admin
from django.db import models

from agencies.models import Agency, AgencyStatusChange, Representative
from isecg.admin import ReadOnlyAdmin


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ["acronym", "name", "country", "status", "framework_contributor", "joined_on"]
    list_filter = ["status", "framework_contributor"]
    search_fields = ["acronym", "name", "country"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(AgencyStatusChange)
class AgencyStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["agency", "before", "after", "basis", "effective_on", "actor"]
    list_filter = ["basis"]
    list_select_related = ["agency", "actor"]


@admin.register(Representative)
class RepresentativeAdmin(ReadOnlyAdmin):
    list_display = ["user", "agency", "kind", "active_from", "revoked_at"]
    list_filter = ["kind", "agency"]
    list_select_related = ["user", "agency"]
