"""The applicant role (ToR III.1): sign-up, e-mail confirmation, and the one write it allows.

A space agency that wishes to join files its executive-level request online only through an
applicant account of its own, once the account's e-mail address is confirmed. Every other
account (a read-only API client, a representative, the secretariat) files none, and an
applicant writes nothing else through the API.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agencies.models import Agency, AgencyStatus
from isecg.errors import PermissionDeniedError
from isecg.models import AuditEvent, Notification, User
from membership import applicants, services
from membership.models import ApplicantAccount, MembershipRequest
from tests.conftest import ROLES, api_client_for
from tests.membership.conftest import make_applicant, request_fields

pytestmark = pytest.mark.django_db

SIGN_UP = "/membership/apply/sign-up/"
APPLY = "/membership/apply/"
API_APPLY = "/api/v1/membership-requests/apply/"
PASSWORD = "Orbit-Lunar-2040!"


def _sign_up_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "username": "selene.dg",
        "email": "dg@selene.example",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "contact_name": "Dr. S. Elene",
        "contact_title": "Director General",
        "agency_name": "Fictional Lunar Agency of Selene (FICTIONAL)",
        "agency_acronym": "FLAS",
        "country": "Selene",
        "on_behalf": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _token_client(user: Any) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


class _Controls(HTMLParser):
    """Collects the form controls, the labels' targets and every id of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if attr.get("id"):
            self.ids.append(str(attr["id"]))
        if tag == "label" and attr.get("for"):
            self.label_for.add(str(attr["for"]))
        if tag in {"input", "select", "textarea"} and attr.get("type") not in {"hidden", "submit"}:
            self.controls.append(attr)


# --- sign-up --------------------------------------------------------------


def test_sign_up_page_labels_every_control(client: Client) -> None:
    response = client.get(SIGN_UP)
    assert response.status_code == 200
    page = _Controls()
    page.feed(response.content.decode())
    assert len(page.controls) == 10
    for control in page.controls:
        assert control.get("id") in page.label_for, control
        described = control.get("aria-describedby")
        assert described is None or described in page.ids, control
    assert len(page.ids) == len(set(page.ids))
    assert 'type="password"' in response.content.decode()


def test_sign_up_creates_a_role_less_user_and_an_applicant_account(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGN_UP, _sign_up_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("membership-applicant-sign-up-done")
    assert "dg@selene.example" in client.get(response["Location"]).content.decode()

    user = User.objects.get(username="selene.dg")
    assert user.check_password(PASSWORD) and user.email == "dg@selene.example"
    assert not user.is_staff and not user.is_superuser
    assert not user.groups.exists() and not user.user_permissions.exists()
    account = user.applicant_account
    assert (account.contact_name, account.contact_title) == ("Dr. S. Elene", "Director General")
    assert (account.agency_name, account.agency_acronym, account.country) == (
        "Fictional Lunar Agency of Selene (FICTIONAL)",
        "FLAS",
        "Selene",
    )
    assert account.email_verified_at is None
    # No agency is registered before the request is submitted.
    assert not Agency.objects.filter(acronym="FLAS").exists()
    event = AuditEvent.objects.get(action="membership.applicant_signed_up")
    assert event.actor == user and event.object_id == str(account.pk)
    assert "password" not in str(event.data)

    notice = Notification.objects.get(recipient=user, kind="membership.applicant_email_verify")
    assert notice.url.startswith("/membership/apply/verify/")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dg@selene.example"]
    assert notice.url in mail.outbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "Another-Pass-77"}, "password2", "The two passwords differ."),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "too common"),
        ({"on_behalf": None}, "on_behalf", "on behalf of the agency"),
        ({"contact_name": ""}, "contact_name", "Your name is required."),
        ({"agency_name": ""}, "agency_name", "The agency&#x27;s name is required."),
        ({"country": ""}, "country", "The country is required."),
        ({"email": "not-an-address"}, "email", "valid email address"),
        ({"username": "with space"}, "username", "Enter a valid username"),
    ],
)
def test_sign_up_field_errors(
    client: Client, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = client.post(SIGN_UP, _sign_up_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in response.content.decode()
    assert not User.objects.filter(username="selene.dg").exists()
    assert not ApplicantAccount.objects.exists()


def test_sign_up_refuses_a_taken_username_or_email(client: Client, users: Any) -> None:
    users["rep_a"].email = "rep.a@agency-a.example"
    users["rep_a"].save()
    response = client.post(SIGN_UP, _sign_up_data(username="REP.A"))
    assert "username" in response.context["form"].errors
    response = client.post(SIGN_UP, _sign_up_data(email="Rep.A@Agency-A.example"))
    assert "email" in response.context["form"].errors
    assert "exists already" in response.content.decode()
    assert not ApplicantAccount.objects.exists()
    assert User.objects.filter(email__iexact="rep.a@agency-a.example").count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_sign_up_is_for_anonymous_visitors_only(web_as: Any, role: str) -> None:
    web = web_as(role)
    before = User.objects.count()
    page = web.get(SIGN_UP)
    posted = web.post(SIGN_UP, _sign_up_data())
    if role == "anonymous":
        assert page.status_code == 200 and posted.status_code == 302
        assert User.objects.count() == before + 1
    else:
        assert page.status_code == 403 and posted.status_code == 403
        assert "you have an account already" in page.content.decode()
        assert User.objects.count() == before


def test_sign_up_service_refuses_a_signed_in_actor(users: Any) -> None:
    with pytest.raises(PermissionDeniedError) as refused:
        applicants.applicant_sign_up(
            actor=users["api_client"],
            username="x.y",
            email="x@y.example",
            password=PASSWORD,
            contact_name="X",
            contact_title="Y",
            agency_name="Z",
            country="W",
            on_behalf=True,
        )
    assert refused.value.code == "already_signed_in"


def test_the_tor_and_home_pages_link_to_the_sign_up(client: Client, tor: Any) -> None:
    assert SIGN_UP in client.get(reverse("tor-current")).content.decode()
    assert SIGN_UP in client.get(reverse("home")).content.decode()


# --- e-mail confirmation --------------------------------------------------


def _verify_url(user: Any) -> str:
    return str(Notification.objects.get(recipient=user).url)


def test_the_link_confirms_the_address_once(client: Client) -> None:
    user = make_applicant(verified=False)
    url = _verify_url(user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Your e-mail address is confirmed" in response.content.decode()
    account = ApplicantAccount.objects.get(user=user)
    first = account.email_verified_at
    assert first is not None
    again = client.get(url)
    assert again.status_code == 200
    account.refresh_from_db()
    assert account.email_verified_at == first
    assert AuditEvent.objects.filter(action="membership.applicant_email_verified").count() == 1


def test_an_expired_link_is_refused_clearly(client: Client) -> None:
    user = make_applicant(verified=False)
    url = _verify_url(user)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3, minutes=1), tick=False):
        response = client.get(url)
    assert response.status_code == 400
    assert "This confirmation link has expired" in response.content.decode()
    assert ApplicantAccount.objects.get(user=user).email_verified_at is None


def test_a_link_still_valid_on_the_third_day(client: Client) -> None:
    user = make_applicant(verified=False)
    url = _verify_url(user)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2, hours=23), tick=False):
        assert client.get(url).status_code == 200
    assert ApplicantAccount.objects.get(user=user).email_verified_at is not None


def test_a_tampered_link_is_refused(client: Client) -> None:
    user = make_applicant(verified=False)
    url = _verify_url(user)
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = reverse("membership-applicant-verify", args=[token[:-3] + "abc"])
    response = client.get(tampered)
    assert response.status_code == 400
    assert "This confirmation link is not valid." in response.content.decode()
    assert client.get(reverse("membership-applicant-verify", args=["garbage"])).status_code == 400
    assert ApplicantAccount.objects.get(user=user).email_verified_at is None


def test_a_link_for_a_former_address_is_refused(client: Client) -> None:
    user = make_applicant(verified=False)
    url = _verify_url(user)
    user.email = "new@atlantis.example"
    user.save()
    assert client.get(url).status_code == 400
    assert ApplicantAccount.objects.get(user=user).email_verified_at is None


# --- the web application (ToR III.1) -----------------------------------------


def _apply_data(**overrides: Any) -> dict[str, Any]:
    return {
        "agency_name": "Fictional Space Agency of Atlantis (FICTIONAL)",
        "agency_acronym": "FSAA",
        "country": "Atlantis",
        **request_fields(),
        **overrides,
    }


def test_a_role_less_account_files_no_request_on_the_web(web_as: Any, tor: Any, users: Any) -> None:
    web = web_as("api_client")
    page = web.get(APPLY)
    assert page.status_code == 403
    assert SIGN_UP in page.content.decode()
    assert web.post(APPLY, _apply_data()).status_code == 403
    assert not MembershipRequest.objects.exists()
    assert not Agency.objects.filter(acronym="FSAA").exists()
    denied = AuditEvent.objects.filter(action="auth.denied").last()
    assert denied is not None and denied.data["reason"] == "applicant_account_required"
    with pytest.raises(PermissionDeniedError) as refused:
        services_submit(users["api_client"])
    assert refused.value.code == "applicant_account_required"


def services_submit(user: Any) -> Any:
    return services.membership_request_submit_online(actor=user, **_apply_data())


def test_an_unverified_applicant_files_no_request(tor: Any, unverified_applicant_user: Any) -> None:
    web = Client()
    web.force_login(unverified_applicant_user)
    page = web.get(APPLY)
    assert page.status_code == 403
    assert "Confirm your e-mail address first" in page.content.decode()
    assert web.post(APPLY, _apply_data()).status_code == 403
    assert not MembershipRequest.objects.exists()
    with pytest.raises(PermissionDeniedError) as refused:
        services_submit(unverified_applicant_user)
    assert refused.value.code == "email_not_verified"


def test_a_verified_applicant_applies_with_the_agency_from_its_account(
    tor: Any, applicant_user: Any
) -> None:
    web = Client()
    web.force_login(applicant_user)
    page = web.get(APPLY)
    assert page.status_code == 200
    assert 'value="Fictional Space Agency of Atlantis (FICTIONAL)"' in page.content.decode()
    # The agency fields left empty default to the account's.
    response = web.post(APPLY, _apply_data(agency_name="", agency_acronym="", country=""))
    assert response.status_code == 302
    req = MembershipRequest.objects.get()
    assert req.submitted_by == applicant_user and req.submitted_online
    assert (req.agency.acronym, req.agency.country) == ("FSAA", "Atlantis")
    assert req.agency.status == AgencyStatus.APPLICANT


def test_the_home_page_shows_the_applicant_its_request(tor: Any, applicant_user: Any) -> None:
    web = Client()
    web.force_login(applicant_user)
    home = web.get(reverse("home")).content.decode()
    assert "Your request to join the ISECG" in home
    assert f'href="{APPLY}"' in home
    services_submit(applicant_user)
    home = web.get(reverse("home")).content.decode()
    assert "Submitted" in home and f'href="{APPLY}"' not in home


def test_the_home_page_asks_an_unverified_applicant_to_confirm(
    unverified_applicant_user: Any, users: Any
) -> None:
    web = Client()
    web.force_login(unverified_applicant_user)
    home = web.get(reverse("home")).content.decode()
    assert "Confirm your e-mail address first" in home and f'href="{APPLY}"' not in home
    web.force_login(users["api_client"])
    assert "Your request to join the ISECG" not in web.get(reverse("home")).content.decode()


def test_no_admin_page_makes_or_verifies_an_applicant_account(web_as: Any) -> None:
    """The admin lists applicant accounts; add and change are refused (test_admin.py too)."""
    account = make_applicant(verified=False).applicant_account
    web = web_as("secretariat")
    base = "/admin/membership/applicantaccount/"
    assert web.get(f"{base}add/").status_code == 403
    refused = web.post(
        f"{base}{account.pk}/change/", {"email_verified_at_0": "2026-01-01", "contact_name": "X"}
    )
    assert refused.status_code == 403
    account.refresh_from_db()
    assert account.email_verified_at is None and account.contact_name == "Dr. A. Tlantis"


# --- the API: the application endpoint's role matrix -------------------------


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("anonymous", 401, None),
        ("rep_a", 403, "permission_denied"),
        ("rep_b", 403, "permission_denied"),
        ("chair", 403, "permission_denied"),
        ("secretariat", 403, "permission_denied"),
        ("api_client", 403, "read_only_client"),
        ("applicant", 201, None),
        ("unverified_applicant", 403, "email_not_verified"),
    ],
)
def test_api_application_role_matrix(
    users: Any, tor: Any, role: str, status: int, code: str | None
) -> None:
    if role == "applicant":
        client = _token_client(make_applicant())
    elif role == "unverified_applicant":
        client = _token_client(make_applicant(verified=False))
    else:
        client = api_client_for(users[role])
    response = client.post(API_APPLY, _apply_data(), format="multipart")
    assert response.status_code == status, response.json()
    if code is not None:
        assert response.json()["code"] == code
    assert MembershipRequest.objects.count() == (1 if status == 201 else 0)


def test_api_application_agency_defaults_from_the_account(tor: Any, applicant_user: Any) -> None:
    response = _token_client(applicant_user).post(API_APPLY, request_fields(), format="multipart")
    assert response.status_code == 201, response.json()
    assert MembershipRequest.objects.get().agency.acronym == "FSAA"


@pytest.mark.parametrize("by", ["token", "session"])
def test_an_applicant_writes_nothing_else_through_the_api(
    tor: Any, applicant_user: Any, by: str
) -> None:
    if by == "token":
        client = _token_client(applicant_user)
    else:
        client = APIClient()
        client.force_login(applicant_user)  # a real session: the session class runs
    assert client.get("/api/v1/membership-requests/").status_code == 200
    refused = client.post("/api/v1/agencies/", {"acronym": "X", "name": "X", "country": "X"})
    assert refused.status_code == 403 and refused.json()["code"] == "read_only_client"
    assert not Agency.objects.filter(acronym="X").exists()
    # Not even a membership request by the secretariat's route.
    refused = client.post("/api/v1/membership-requests/", {}, format="multipart")
    assert refused.status_code == 403 and refused.json()["code"] == "read_only_client"


def test_the_sign_up_verification_link_has_a_three_day_token(applicant_user: Any) -> None:
    notice = Notification.objects.get(recipient=applicant_user)
    assert re.fullmatch(r"/membership/apply/verify/[^/]+/", notice.url)
    assert len(notice.url) <= 300


def test_an_applicant_asks_for_a_new_link_once_an_hour(
    unverified_applicant_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = unverified_applicant_user
    web = Client()
    web.force_login(user)
    resend = reverse("membership-applicant-verify-resend")
    assert 'action="' + resend + '"' in web.get(reverse("home")).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert web.post(resend).status_code == 302
        assert web.post(resend).status_code == 302
    assert len(mail.outbox) == 1
    links = Notification.objects.filter(recipient=user).order_by("pk")
    assert links.count() == 2
    # The new link works, even after the first one expired.
    with time_machine.travel(timezone.now() + dt.timedelta(days=4), tick=False):
        assert web.get(links[0].url).status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            web.post(resend)
        fresh = Notification.objects.filter(recipient=user).latest("pk")
        assert web.get(fresh.url).status_code == 200
    assert ApplicantAccount.objects.get(user=user).email_verified_at is not None


@pytest.mark.parametrize("role", ROLES)
def test_only_an_applicant_asks_for_a_new_link(web_as: Any, role: str) -> None:
    response = web_as(role).post(reverse("membership-applicant-verify-resend"))
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert not Notification.objects.filter(kind="membership.applicant_email_verify").exists()
