"""Every API error is JSON with `detail` and a stable `code`.

Validation errors add `errors`: a mapping of field name to messages.
Domain errors raised by services map to 400/403/404/409 here, once.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from isecg.errors import DomainError
from isecg.middleware import audit_denied


def _first_code(codes: Any) -> str:
    if isinstance(codes, str):
        return codes
    if isinstance(codes, dict):
        for value in codes.values():
            return _first_code(value)
    if isinstance(codes, list) and codes:
        return _first_code(codes[0])
    return "invalid"


def _messages(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_messages(item) for item in detail]
    return str(detail)


CONFLICT_DETAIL = "This change conflicts with a record written at the same time; reload and retry."
UNAVAILABLE_DETAIL = "The database is unavailable; nothing was saved. Retry shortly."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _handle(exc, context)
    if response is not None and response.status_code == status.HTTP_403_FORBIDDEN:
        request = context.get("request")
        if request is not None:
            # Failed authorisations belong in the audit log (issue 8).
            data = response.data if isinstance(response.data, dict) else {}
            audit_denied(request, reason=str(data.get("code", "")))
    return response


def _handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, IntegrityError):
        # Safety net: services raise ConflictError themselves; a uniqueness race that
        # slips past them is still a 409, never a 500 (DRF #3876).
        return Response({"detail": CONFLICT_DETAIL, "code": "conflict"}, status=409)
    if isinstance(exc, OperationalError | InterfaceError):
        # The connection dropped mid-request: the transaction rolled back.
        return Response(
            {"detail": UNAVAILABLE_DETAIL, "code": "database_unavailable"},
            status=503,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.detail, "code": exc.code}
        if exc.field:
            body["errors"] = {exc.field: [exc.detail]}
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        errors = _messages(exc.detail)
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
        response.data = {
            "detail": "Invalid input.",
            "code": _first_code(exc.get_codes()),
            "errors": errors,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    detail = exc.detail
    response.data = {
        "detail": str(detail if not isinstance(detail, dict | list) else _messages(detail)),
        "code": _first_code(exc.get_codes()),
    }
    return response
