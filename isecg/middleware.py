"""Show times in each signed-in user's own time zone (DESIGN.md "Time")."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class UserTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        name = (
            getattr(user, "time_zone", None) if user is not None and user.is_authenticated else None
        )
        try:
            if name:
                timezone.activate(zoneinfo.ZoneInfo(name))
            else:
                timezone.deactivate()
        except zoneinfo.ZoneInfoNotFoundError:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
