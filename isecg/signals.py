"""Sign-in bookkeeping (issue 8): session clocks, pending TOTP step, failed sign-ins audited.

Signal handlers here only record; no rule of the domain lives in them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import DatabaseError, transaction
from django.dispatch import receiver
from django_otp import user_has_device

from isecg.middleware import OTP_PENDING_KEY, client_ip, session_stamp


@receiver(user_logged_in, dispatch_uid="isecg-session-stamp")
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    session_stamp(request.session)
    # A password alone is half a sign-in for a user with a TOTP device.
    if user_has_device(user, confirmed=True):
        request.session[OTP_PENDING_KEY] = True
    else:
        request.session.pop(OTP_PENDING_KEY, None)


@receiver(user_login_failed, dispatch_uid="isecg-login-failed-audit")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    from isecg.services import audit_record

    http = getattr(request, "_request", request)
    data = {
        "username": str(credentials.get("username", ""))[:150],
        "path": getattr(http, "path", "")[:500],
        "method": getattr(http, "method", "") or "",
        "ip": client_ip(http) if http is not None else "",
        "locked_out": bool(getattr(request, "axes_locked_out", False)),
    }
    try:
        with transaction.atomic():
            audit_record(actor=None, action="auth.login_failed", data=data)
    except DatabaseError:  # pragma: no cover
        pass
