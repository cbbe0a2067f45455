"""`{% record_corrections obj %}`: a record's corrections, for its history section.

Any record page can show them: `{% load corrections %}` then `{% record_corrections agency %}`.
Signed-in viewers of the page see them; one query, whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from isecg import corrections

register = template.Library()


@register.inclusion_tag("partials/_corrections.html", takes_context=True)
def record_corrections(context: template.Context, obj: models.Model) -> dict[str, Any]:
    user = context.get("user")
    registration = corrections.registration_for(type(obj))
    if user is None or not user.is_authenticated or registration is None:
        return {"shown": False}
    rows = [
        {"correction": row, "label": registration.field_label(row.field)}
        for row in corrections.corrections_of(obj)
    ]
    return {"shown": True, "rows": rows}
