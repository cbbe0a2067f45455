"""Pages of the applicant role (ToR III.1): sign-up and e-mail confirmation.

Thin adapters over membership.applicants; they work without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from isecg.errors import DomainError
from isecg.forms_util import add_domain_error
from isecg.http import actor
from membership import applicants
from membership.forms import ApplicantSignUpForm

_SIGNED_IN = "You are signed in, so you have an account already: sign out to open another."


@never_cache
@sensitive_post_parameters("password1", "password2")
def applicant_sign_up(request: HttpRequest) -> HttpResponse:
    """ToR III.1: a person writing for a space agency that wishes to join opens an account."""
    if request.user.is_authenticated:
        request._isecg_denied_reason = "already_signed_in"  # type: ignore[attr-defined]
        return render(
            request,
            "membership/applicant_refused.html",
            {"title": "Sign up to apply", "reason": _SIGNED_IN},
            status=403,
        )
    form = ApplicantSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = applicants.applicant_sign_up(
                actor=None,
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                contact_name=data["contact_name"],
                contact_title=data["contact_title"],
                agency_name=data["agency_name"],
                agency_acronym=data["agency_acronym"],
                country=data["country"],
                on_behalf=data["on_behalf"],
            )
        except DomainError as error:
            if error.field == "password":
                error.field = "password1"
            add_domain_error(form, error)
        else:
            request.session["applicant_signed_up_email"] = account.user.email
            return redirect("membership-applicant-sign-up-done")
    return render(request, "membership/applicant_sign_up.html", {"form": form})


def applicant_sign_up_done(request: HttpRequest) -> HttpResponse:
    email = request.session.get("applicant_signed_up_email", "")
    return render(request, "membership/applicant_sign_up_done.html", {"email": email})


@never_cache
def applicant_email_verify(request: HttpRequest, token: str) -> HttpResponse:
    """ToR III.1: the link from the sign-up e-mail confirms the address (idempotent)."""
    try:
        account = applicants.applicant_email_verify(token=token)
    except DomainError as error:
        return render(
            request,
            "membership/applicant_verify.html",
            {"error": error.detail, "expired": error.code == "token_expired"},
            status=400,
        )
    return render(request, "membership/applicant_verify.html", {"account": account})


@login_required
@require_POST
def applicant_verify_link_resend(request: HttpRequest) -> HttpResponse:
    """ToR III.1: a new confirmation link for the signed-in applicant (one an hour at most)."""
    try:
        account = applicants.applicant_verify_link_resend(actor=actor(request))
    except DomainError as error:
        raise PermissionDenied(error.detail) from None
    if account.is_verified:
        messages.info(request, "Your e-mail address is confirmed already.")
    else:
        messages.success(request, f"A new link is on its way to {account.user.email}.")
    return redirect("home")
