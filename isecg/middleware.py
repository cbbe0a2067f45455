"""Show times in each signed-in user's own time zone (DESIGN.md "Time")."""

from __future__ import annotations

import logging
import time
import zoneinfo
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp import user_has_device

logger = logging.getLogger(__name__)


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


class DatabaseErrorMiddleware:
    """Database failures become clean answers instead of 500s (issue 8, hardening).

    A lost connection (OperationalError/InterfaceError) is a 503: the request's
    transaction was rolled back, nothing was saved. A uniqueness race that slipped
    past a service's own check (IntegrityError) is a 409. The API's exception handler
    does the same for DRF views; this covers the pages. The body is built without the
    database (no template context processors), since it may be down.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import IntegrityError, InterfaceError, OperationalError
        from django.http import JsonResponse

        from isecg.api.errors import CONFLICT_DETAIL, UNAVAILABLE_DETAIL

        if isinstance(exception, OperationalError | InterfaceError):
            status, code, detail, title = (
                503,
                "database_unavailable",
                UNAVAILABLE_DETAIL,
                "Service unavailable",
            )
        elif isinstance(exception, IntegrityError):
            status, code, detail, title = 409, "conflict", CONFLICT_DETAIL, "Conflict"
        else:
            return None
        if request.path.startswith("/api/") or "application/json" in request.headers.get(
            "Accept", ""
        ):
            response: HttpResponse = JsonResponse({"detail": detail, "code": code}, status=status)
        else:
            response = HttpResponse(
                f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                f"<title>{title} · ISECG</title></head><body><main><h1>{title}</h1>"
                f'<p>{escape(detail)}</p><p><a href="{escape(request.get_full_path())}">'
                f"Try again</a></p></main></body></html>",
                status=status,
                content_type="text/html; charset=utf-8",
            )
        if status == 503:
            response["Retry-After"] = "5"
        return response


class RejectNulMiddleware:
    """A NUL character in the path or the query string is a 400 (issue 8, fuzzing).

    PostgreSQL cannot store or compare text containing NUL (0x00); a filter or search
    term carrying one would otherwise fail inside the database driver as a 500. Form
    and serializer fields already refuse NUL in bodies (ProhibitNullCharactersValidator).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            from django.http import HttpResponseBadRequest, JsonResponse

            detail = "Null characters are not allowed."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": detail, "code": "null_characters"}, status=400)
            return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# --- Security (issue 8) ------------------------------------------------------

SESSION_STARTED_KEY = "_isecg_started"
SESSION_SEEN_KEY = "_isecg_seen"
# The last-activity stamp is rewritten at most this often, not on every request.
SEEN_RESOLUTION_SECONDS = 60
# Pages a signed-in user may reach before two-factor verification or enrolment.
TWO_FACTOR_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz")


def session_stamp(session: Any) -> None:
    """Start both session clocks; called on sign-in (isecg.signals)."""
    now = int(time.time())
    session[SESSION_STARTED_KEY] = now
    session[SESSION_SEEN_KEY] = now


class SessionTimeoutMiddleware:
    """Sign out a session idle for SESSION_IDLE_TIMEOUT, or older than SESSION_COOKIE_AGE.

    Django's SESSION_COOKIE_AGE alone slides with every save, so the absolute limit
    is counted here from the sign-in instant.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            started = session.get(SESSION_STARTED_KEY)
            seen = session.get(SESSION_SEEN_KEY)
            idle_limit = getattr(settings, "SESSION_IDLE_TIMEOUT", 30 * 60)
            if (seen is not None and now - seen > idle_limit) or (
                started is not None and now - started > settings.SESSION_COOKIE_AGE
            ):
                logout(request)  # flushes the session: a new key, no data
                request.user = AnonymousUser()
            elif started is None or seen is None:
                session_stamp(session)
            elif now - seen >= SEEN_RESOLUTION_SECONDS:
                session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """A user with a TOTP device verifies it after the password; secretariat staff must
    enrol one first when ISECG_REQUIRE_2FA_FOR_SECRETARIAT is on (production)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = two_factor_step(request)
        if step and not request.path.startswith(TWO_FACTOR_OPEN_PREFIXES):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Two-factor verification is required.", "code": "otp_required"},
                    status=403,
                )
            target = reverse("otp-verify" if step == "verify" else "otp-enrol")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def two_factor_step(request: HttpRequest) -> str:
    """ "verify", "enrol" or "" (nothing to do) for this request's session user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    if user.is_verified():
        return ""
    if request.session.get(OTP_PENDING_KEY):
        return "verify"
    from isecg.twofactor import two_factor_enrolment_required

    if two_factor_enrolment_required(user):
        return "verify" if user_has_device(user) else "enrol"
    return ""


OTP_PENDING_KEY = "_isecg_otp_pending"


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


class DeniedAuditMiddleware:
    """Every refused request (PermissionDenied, any 403) goes to the audit log as auth.denied.

    The API's exception handler records its own refusals first (isecg/api/errors.py) and
    marks the request, so a refusal is recorded once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403 and not getattr(request, DENIED_RECORDED, False):
            audit_denied(request, reason=getattr(request, "_isecg_denied_reason", ""))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        from isecg.errors import PermissionDeniedError

        if isinstance(exception, PermissionDenied | PermissionDeniedError):
            request._isecg_denied_reason = str(exception)  # type: ignore[attr-defined]
        return None


DENIED_RECORDED = "_isecg_denied_recorded"


def audit_denied(request: Any, *, reason: str = "") -> None:
    """Record one refused request (web or API). Never lets the audit write break the 403."""
    from isecg.services import audit_record

    request = getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest
    if getattr(request, DENIED_RECORDED, False):
        return
    setattr(request, DENIED_RECORDED, True)
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    try:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="auth.denied",
                data={
                    "path": request.path[:500],
                    "method": request.method,
                    "user": actor.get_username() if actor is not None else "",
                    "ip": client_ip(request),
                    "reason": reason[:200],
                },
            )
    except DatabaseError:  # pragma: no cover - a broken connection must not turn 403 into 500
        logger.exception("could not record a refused request")
