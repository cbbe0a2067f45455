"""Role flags for navigation and the ToR expiry banner, computed lazily so pages that do not
use them pay nothing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from agencies.roles import agencies_represented, is_chair, is_secretariat
from isecg.models import Notification
from membership.selectors import tor_status_cached


def roles(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"is_secretariat": False, "is_chair": False, "my_agencies": [], "unread_count": 0}
    return {
        "is_secretariat": SimpleLazyObject(lambda: is_secretariat(user)),
        "is_chair": SimpleLazyObject(lambda: is_chair(user)),
        "my_agencies": SimpleLazyObject(lambda: list(agencies_represented(user))),
        "unread_count": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        ),
    }


def tor_banner(request: HttpRequest) -> dict[str, Any]:
    """ToR VII: the expiry status for the banner of every page (base.html), for signed-in
    users; cached (membership.selectors.tor_status_cached), so a warm page adds no query."""
    if not request.user.is_authenticated:
        return {"tor_banner": None}
    return {"tor_banner": SimpleLazyObject(tor_status_cached)}
