"""Template helpers shared by every app."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def instant(value: dt.datetime | None, fmt: str = "%d %b %Y, %H:%M %Z") -> str:
    """An instant in the viewer's time zone, with the UTC time on hover (DESIGN.md "Time")."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    utc = value.astimezone(dt.UTC)
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>',
        utc.isoformat(),
        utc.strftime("%Y-%m-%d %H:%M"),
        local.strftime(fmt),
    )
