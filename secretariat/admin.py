from django.contrib import admin

from isecg.admin import ReadOnlyAdmin
from secretariat.models import SecretariatMember


@admin.register(SecretariatMember)
class SecretariatMemberAdmin(ReadOnlyAdmin):
    list_display = ["user", "proposed_by", "role", "since", "ended_on"]
    list_select_related = ["user", "proposed_by"]
