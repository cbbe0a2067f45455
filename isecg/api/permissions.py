"""API permission classes shared by every app."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from agencies.roles import is_secretariat


class ReadAnyWriteSecretariat(BasePermission):
    """Signed-in users (including API clients) read; only the secretariat writes.

    What each user may read is decided by the view's permission-scoped queryset.
    """

    message = "Only the secretariat may make this change."

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return is_secretariat(request.user)


class PublicReadWriteSecretariat(ReadAnyWriteSecretariat):
    """Like ReadAnyWriteSecretariat, but anonymous visitors may read what the queryset shows."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return is_secretariat(request.user)
