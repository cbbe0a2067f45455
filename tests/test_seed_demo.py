"""`manage.py seed_demo`: the real agencies, demo people, and safe to run again."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from rest_framework.test import APIClient

from agencies.demo_data import AGENCIES, DEMO_PASSWORD, REPRESENTATIVES
from agencies.models import Agency, AgencyStatus, AgencyStatusChange, Representative
from agencies.roles import is_secretariat, represents
from isecg.models import AuditEvent, User

pytestmark = pytest.mark.django_db

DEMO_LOGINS = [
    "secretariat",
    "nasa.hod",
    "nasa.rep",
    "esa.hod",
    "jaxa.hod",
    "csa.hod",
    "kari.hod",
    "dlr.alt",
]


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "users": User.objects.count(),
        "representatives": Representative.objects.count(),
        "status_changes": AgencyStatusChange.objects.count(),
        "agency_events": AuditEvent.objects.filter(action__startswith="agency.").count(),
        "designations": AuditEvent.objects.filter(action__startswith="representative.").count(),
    }


@pytest.fixture
def seeded(db: Any) -> str:
    return _seed()


def _check_the_real_agencies(seeded: str) -> None:
    assert len(AGENCIES) == 27
    assert Agency.objects.filter(status=AgencyStatus.PARTICIPATING).count() == 27
    assert Agency.objects.filter(framework_contributor=True).count() == 14
    participating = Agency.objects.filter(status=AgencyStatus.PARTICIPATING)
    assert not participating.filter(joined_on__isnull=True).exists()
    # Other apps' demo data may add applicants; the 27 are ours.
    ours = {fact.acronym for fact in AGENCIES}
    assert set(participating.values_list("acronym", flat=True)) == ours
    assert {"NASA", "ESA", "JAXA", "CSA", "KARI", "DLR", "UKSA", "ISRO"} <= set(
        Agency.objects.values_list("acronym", flat=True)
    )


def test_running_twice_changes_nothing(seeded: str) -> None:
    first = _counts()
    second_output = _seed()
    assert _counts() == first
    assert "(0 agencies added)" in second_output
    assert Agency.objects.filter(acronym__in=[a.acronym for a in AGENCIES]).count() == 27
    assert first["representatives"] == len(REPRESENTATIVES)


def _check_output_prints_the_demo_logins(seeded: str) -> None:
    assert "(27 agencies added)" in seeded
    assert DEMO_PASSWORD in seeded
    for username in DEMO_LOGINS:
        assert username in seeded


def _login_request() -> Any:
    # django-axes (issue 8) counts sign-in attempts per address: it needs the request.
    from django.test import RequestFactory

    return RequestFactory().post("/accounts/login/")


def _check_demo_logins_authenticate(seeded: str) -> None:
    for username in DEMO_LOGINS:
        user = authenticate(_login_request(), username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.username == username
    assert authenticate(_login_request(), username="nasa.hod", password="wrong") is None


def _check_demo_roles(seeded: str) -> None:
    assert is_secretariat(User.objects.get(username="secretariat"))
    nasa = Agency.objects.get(acronym="NASA")
    assert represents(User.objects.get(username="nasa.hod"), nasa)
    assert represents(User.objects.get(username="nasa.rep"), nasa)
    assert not represents(User.objects.get(username="esa.hod"), nasa)
    assert not is_secretariat(User.objects.get(username="nasa.hod"))
    # The secretariat's admin rights never include acting for an agency.
    assert not represents(User.objects.get(username="secretariat"), nasa)


def _check_api_lists_27_participating_agencies(seeded: str) -> None:
    response = APIClient().get("/api/v1/agencies/?status=participating")
    assert response.status_code == 200
    assert response.json()["count"] == 27
    founders = APIClient().get("/api/v1/agencies/?framework_contributor=true").json()
    assert founders["count"] == 14


def _check_demo_login_through_the_web(seeded: str) -> None:
    from django.test import Client

    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "esa.hod", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].username == "esa.hod"


def _check_integration_client_token_is_read_only(seeded: str) -> None:
    from rest_framework.authtoken.models import Token

    token = Token.objects.get(user__username="integration.client")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").json()["username"] == "integration.client"
    denied = client.post("/api/v1/agencies/", {"acronym": "X", "name": "X", "country": "X"})
    assert denied.status_code == 403


def test_seed_demo_gives_a_usable_demo(seeded: str) -> None:
    """One seed (it takes seconds), every promise of the demo checked against it."""
    _check_the_real_agencies(seeded)
    _check_output_prints_the_demo_logins(seeded)
    _check_demo_logins_authenticate(seeded)
    _check_demo_roles(seeded)
    _check_api_lists_27_participating_agencies(seeded)
    _check_demo_login_through_the_web(seeded)
    _check_integration_client_token_is_read_only(seeded)
