"""The Django admin is for looking things up: every governed membership record is read-only
there (ToR III.1, V, VI, VII: each changes only through its service)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.utils import timezone

from isecg.models import User
from membership import services
from membership.models import (
    ApplicantAccount,
    MembershipRequest,
    MembershipRequestEvent,
    ToRAcceptance,
    ToRAmendment,
    ToRExtension,
    ToRExtensionProposal,
    ToRVersion,
    Withdrawal,
)
from tests.factories import UserFactory
from tests.membership.conftest import make_applicant, pdf, request_fields

pytestmark = pytest.mark.django_db

GOVERNED = [
    ToRVersion,
    ToRAcceptance,
    MembershipRequest,
    MembershipRequestEvent,
    ToRAmendment,
    ToRExtensionProposal,
    ToRExtension,
    Withdrawal,
    ApplicantAccount,
]


@pytest.fixture
def records(users: Any, tor: Any, agency_a: Any, agency_b: Any, applicant: Any) -> dict[Any, Any]:
    acceptance = services.tor_accept(
        actor=None,
        agency=agency_a,
        version=tor,
        signatory_name="",
        signatory_title="",
        accepted_on=dt.date(2022, 10, 1),
        historical=True,
    )
    request = services.membership_request_record(
        actor=users["secretariat"], agency=applicant, **request_fields()
    )
    amendment = services.tor_amendment_propose(
        actor=None, proposing_agency=agency_a, label="2027", new_text="new", rationale="r"
    )
    proposal = services.tor_extension_propose(
        actor=None, proposed_expires_on=dt.date(2040, 1, 1), rationale="r"
    )
    extension = services.tor_extension_record_historical(
        actor=None,
        version=tor,
        previous_expires_on=dt.date(2022, 11, 6),
        new_expires_on=dt.date(2030, 12, 31),
        decided_on=dt.date(2022, 10, 1),
    )
    withdrawal = services.withdrawal_record(
        actor=None,
        agency=agency_b,
        letter=pdf(),
        effective_on=timezone.localdate() + dt.timedelta(days=30),
    )
    return {
        ToRVersion: tor,
        ToRAcceptance: acceptance,
        MembershipRequest: request,
        MembershipRequestEvent: request.events.first(),
        ToRAmendment: amendment,
        ToRExtensionProposal: proposal,
        ToRExtension: extension,
        Withdrawal: withdrawal,
        ApplicantAccount: make_applicant().applicant_account,
    }


def test_every_membership_model_in_the_admin_is_read_only() -> None:
    """Whatever is registered later from this app is caught here too."""
    registered = {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "membership"
    }
    assert set(registered) == set(GOVERNED)
    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    for model, model_admin in registered.items():
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model


@pytest.mark.parametrize("model", GOVERNED, ids=lambda m: m.__name__)
def test_admin_refuses_add_and_change(records: dict[Any, Any], model: Any) -> None:
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    base = f"/admin/membership/{model._meta.model_name}/"
    obj = records[model]
    assert client.get(base).status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}add/", {}).status_code == 403
    page = client.get(f"{base}{obj.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    before = {f.name: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    assert client.post(f"{base}{obj.pk}/change/", {"note": "edited"}).status_code == 403
    assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    obj.refresh_from_db()
    assert {f.name: getattr(obj, f.attname) for f in model._meta.concrete_fields} == before
