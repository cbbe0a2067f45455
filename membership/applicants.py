"""The applicant role (ToR III.1): a prospective agency's own sign-up, e-mail check and rights.

ToR III.1: "Other space agencies that wish to join the ISECG should submit an executive level
written request to the ISECG Secretariat." A person writing for such an agency signs up here;
the account (an `ApplicantAccount`, no staff flag, no group, no permission) may file that
request online once its e-mail address is verified, and do nothing else that writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.roles import is_secretariat, represented_agency_ids
from isecg.errors import PermissionDeniedError, ValidationFailed
from isecg.models import User
from isecg.services import audit_record, notification_send
from membership.models import ApplicantAccount

VERIFY_SALT = "membership.applicant-email-verify"
VERIFY_MAX_AGE = dt.timedelta(days=3)
APPLICANT_ACCOUNT_REQUIRED = "applicant_account_required"
EMAIL_NOT_VERIFIED = "email_not_verified"
API_APPLY_ROUTE = "api-membership-request-apply"


# --- policies --------------------------------------------------------------


def applicant_account_of(user: Any) -> ApplicantAccount | None:
    """The signed-in user's applicant account, if they have one."""
    if user is None or not user.is_authenticated:
        return None
    return ApplicantAccount.objects.filter(user_id=user.pk).first()


def applicant_account_required(user: Any) -> ApplicantAccount:
    """ToR III.1: only a verified applicant account files a request online; the reason otherwise."""
    account = applicant_account_of(user)
    if account is None:
        raise PermissionDeniedError(
            "Only an applicant account files a membership request online. A space agency that "
            f"wishes to join signs up for one at {reverse('membership-applicant-sign-up')}.",
            code=APPLICANT_ACCOUNT_REQUIRED,
        )
    if not account.is_verified:
        raise PermissionDeniedError(
            "Confirm your e-mail address first: follow the link we sent you when you signed up.",
            code=EMAIL_NOT_VERIFIED,
        )
    return account


def applicant_may_write_through_api(user: Any, request: Any) -> bool:
    """ToR III.1: through the API an applicant account files its online request, nothing else.

    Registered with isecg.api.authentication (membership.apps); the service then checks the
    account is verified. Representatives and the secretariat never reach this predicate.
    """
    match = getattr(getattr(request, "_request", request), "resolver_match", None)
    if match is None or match.url_name != API_APPLY_ROUTE or request.method != "POST":
        return False
    return applicant_account_of(user) is not None


# --- services --------------------------------------------------------------


def applicant_verify_token(account: ApplicantAccount) -> str:
    return signing.dumps(
        {"account": account.pk, "email": account.user.email.lower()},
        salt=VERIFY_SALT,
        compress=True,
    )


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(
            "Enter a valid e-mail address.", code="invalid_email", field="email"
        ) from None
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(
            "An account with this e-mail address exists already: sign in, or reset its password.",
            code="email_taken",
            field="email",
        )
    return email


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ValidationFailed("Choose a username.", code="required", field="username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as error:
        raise ValidationFailed(
            error.messages[0], code="invalid_username", field="username"
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(
            "This username is taken: choose another.", code="username_taken", field="username"
        )
    return username


def _required(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{label} is required.", code="required", field=field)
    return value


def _verify_link_send(account: ApplicantAccount, key: str) -> None:
    notification_send(
        kind="membership.applicant_email_verify",
        recipients=[account.user],
        key=key,
        title="Confirm your e-mail address",
        body=(
            f"Dear {account.contact_name},\n\nYou opened an ISECG applicant account for "
            f"{account.agency_name}. Follow the link below within three days to confirm "
            "your e-mail address; you can then submit the agency's request to join."
        ),
        url=reverse("membership-applicant-verify", args=[applicant_verify_token(account)]),
    )


def applicant_sign_up(
    *,
    actor: User | None,
    username: str,
    email: str,
    password: str,
    contact_name: str,
    contact_title: str,
    agency_name: str,
    agency_acronym: str = "",
    country: str,
    on_behalf: bool,
) -> ApplicantAccount:
    """ToR III.1: a person writing for a space agency that wishes to join opens an account.

    Anonymous only (a signed-in person has an account already). The user gets no staff flag,
    no group and no permission: the applicant role is the `ApplicantAccount` row. An e-mail
    with a link valid for three days confirms the address (`applicant_email_verify`).
    """
    if actor is not None and actor.is_authenticated:
        raise PermissionDeniedError(
            "You are signed in: you have an account already.", code="already_signed_in"
        )
    username = _clean_username(username)
    email = _clean_email(email)
    fields = {
        "contact_name": _required(contact_name, "contact_name", "Your name"),
        "contact_title": _required(contact_title, "contact_title", "Your title"),
        "agency_name": _required(agency_name, "agency_name", "The agency's name"),
        "agency_acronym": (agency_acronym or "").strip(),
        "country": _required(country, "country", "The country"),
    }
    if not on_behalf:
        raise ValidationFailed(
            "Confirm that you write on behalf of the agency that applies.",
            code="statement_required",
            field="on_behalf",
        )
    candidate = User(username=username, email=email, first_name=fields["contact_name"][:150])
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationFailed(
            " ".join(error.messages), code="weak_password", field="password"
        ) from None
    with transaction.atomic():
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username,
                    email=email,
                    password=password,
                    first_name=fields["contact_name"][:150],
                )
        except IntegrityError:
            raise ValidationFailed(
                "This username is taken: choose another.", code="username_taken", field="username"
            ) from None
        account = ApplicantAccount.objects.create(user=user, **fields)
        audit_record(
            actor=user,
            action="membership.applicant_signed_up",
            obj=account,
            data={"username": username, **fields},
        )
        _verify_link_send(account, key=f"applicant:{account.pk}")
    return account


def applicant_email_verify(*, token: str) -> ApplicantAccount:
    """ToR III.1: the link sent at sign-up confirms the applicant's e-mail address.

    Valid for three days; following it again changes nothing. A link for an address the
    account no longer has is refused.
    """
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationFailed(
            "This confirmation link has expired (links are valid for three days).",
            code="token_expired",
        ) from None
    except signing.BadSignature:
        raise ValidationFailed(
            "This confirmation link is not valid.", code="token_invalid"
        ) from None
    invalid = ValidationFailed("This confirmation link is not valid.", code="token_invalid")
    if not isinstance(data, dict) or not isinstance(data.get("account"), int):
        raise invalid
    with transaction.atomic():
        account = (
            ApplicantAccount.objects.select_for_update()
            .select_related("user")
            .filter(pk=data["account"])
            .first()
        )
        if account is None or account.user.email.lower() != data.get("email"):
            raise invalid
        if account.is_verified:
            return account
        account.email_verified_at = timezone.now()
        account.save(update_fields=["email_verified_at"])
        audit_record(
            actor=account.user,
            action="membership.applicant_email_verified",
            obj=account,
            data={"email": account.user.email},
        )
    return account


def applicant_verify_link_resend(*, actor: User) -> ApplicantAccount:
    """ToR III.1: a signed-in applicant whose link expired asks for a new one.

    At most one new link an hour: asking again within the hour sends nothing more.
    """
    account = applicant_account_of(actor)
    if account is None:
        raise PermissionDeniedError(
            "Only an applicant account confirms an e-mail address here.",
            code=APPLICANT_ACCOUNT_REQUIRED,
        )
    if account.is_verified:
        return account
    hour = int(timezone.now().timestamp() // 3600)
    with transaction.atomic():
        _verify_link_send(account, key=f"applicant:{account.pk}:resend:{hour}")
    return account


def applicant_refusal(user: Any) -> PermissionDeniedError | None:
    """Why this signed-in user may not file a request online (ToR III.1), or None."""
    if represented_agency_ids(user) or is_secretariat(user):
        return PermissionDeniedError(
            "Representatives and the secretariat do not submit requests for new agencies."
        )
    try:
        applicant_account_required(user)
    except PermissionDeniedError as error:
        return error
    return None
