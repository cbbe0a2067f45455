"""API authentication, and the read-only client (DESIGN.md "Roles").

A signed-in caller (token or session) who is neither a current representative of an
agency (ToR III.2.1) nor in the secretariat (ToR IV) reads and writes nothing: every unsafe
method answers 403 `read_only_client`. The check sits in the authentication classes, the
one step every API view shares whatever its own permission classes, so an endpoint cannot
forget it. Anonymous-by-design endpoints (the token endpoint) authenticate no one.
A domain app may admit one role of its own to the writes it names (`register_api_writer`):
membership lets an applicant account file its online request (ToR III.1), nothing else.

This module imports nothing from `rest_framework.views`: DRF loads it while defining
`APIView`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from agencies.roles import is_secretariat, represented_agency_ids
from isecg.errors import PermissionDeniedError

READ_ONLY_CLIENT = "read_only_client"

ApiWriter = Callable[[Any, Request], bool]
_api_writers: list[ApiWriter] = []


def register_api_writer(predicate: ApiWriter) -> None:
    """Admit the callers `predicate(user, request)` accepts to that write (once per predicate).

    The predicate names the route itself: it sees the request with its resolved URL.
    """
    if predicate not in _api_writers:
        _api_writers.append(predicate)


def may_write_through_api(user: Any) -> bool:
    """A current representative of some agency (ToR III.2.1) or a secretariat member (ToR IV).

    Representatives first: their agencies are then cached on the user object, and the cast
    that follows asks the database nothing more for them.
    """
    return bool(represented_agency_ids(user)) or is_secretariat(user)


class _ReadOnlyClientCheck:
    """Refuses an unsafe method from a signed-in caller who may not write (module docstring).

    Raised as a domain error, not a DRF exception, so that DRF does not sign the caller out
    first: the refusal's audit record (`auth.denied`) names them.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result: tuple[Any, Any] | None = super().authenticate(request)  # type: ignore[misc]
        if result is None or request.method in SAFE_METHODS:
            return result
        user = result[0]
        if not may_write_through_api(user) and not any(
            writer(user, request) for writer in _api_writers
        ):
            request._request.user = user
            raise PermissionDeniedError(
                "This account reads only: it is neither an agency's representative nor in "
                "the secretariat, so it makes no changes through the API.",
                code=READ_ONLY_CLIENT,
            )
        return result


class ApiTokenAuthentication(_ReadOnlyClientCheck, TokenAuthentication):
    """`Authorization: Token <key>`; a read-only client writes nothing."""


class ApiSessionAuthentication(_ReadOnlyClientCheck, SessionAuthentication):
    """The web session, with its CSRF check; a read-only client writes nothing."""
