"""The one family of domain errors.

Services raise these; the API maps them to JSON with `detail` and `code`
(isecg.api.errors) and the UI turns them into form errors or messages.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action. Maps to HTTP 400."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.field = field


class ValidationFailed(DomainError):
    """Input is invalid (400); `field` names the offending field when there is one."""


class PermissionDeniedError(DomainError):
    """The actor may not do this (403)."""

    status_code = 403
    default_code = "permission_denied"


class NotFoundError(DomainError):
    """The object does not exist or is not visible to the actor (404)."""

    status_code = 404
    default_code = "not_found"


class ConflictError(DomainError):
    """The object's state does not allow this now (409)."""

    status_code = 409
    default_code = "conflict"
