"""Corrections in the admin: read-only, for looking them up (imported from IsecgConfig.ready()).

A correction is made only through `isecg.corrections.record_correct` (the secretariat's
"Correct a record" page or `POST /api/v1/corrections/`), never added, changed or
deleted here.
"""

from django.contrib import admin

from isecg.admin import ReadOnlyAdmin
from isecg.models import Correction


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ["at", "object_repr", "field", "before", "after", "actor"]
    list_filter = ["content_type", "field"]
    search_fields = ["object_repr", "field", "reason"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"
