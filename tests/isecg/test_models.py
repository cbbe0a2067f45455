"""Constraints the database enforces, and the append-only history rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from agencies.models import Agency, AgencyStatus, AgencyStatusChange, Representative
from isecg.models import AppendOnlyError, AuditEvent, Notification
from tests.factories import AgencyFactory, UserFactory, current_designation, make_representative

pytestmark = pytest.mark.django_db


def test_audit_event_cannot_be_edited_or_deleted() -> None:
    event = AuditEvent.objects.create(action="x")
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_status_history_cannot_be_edited_or_deleted() -> None:
    agency = AgencyFactory()
    change = AgencyStatusChange.objects.create(
        agency=agency, before="", after="participating", effective_on=dt.date(2020, 1, 1)
    )
    change.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Representative, "agency"),
        (Representative, "user"),
        (AgencyStatusChange, "agency"),
        (AuditEvent, "actor"),
    ],
)
def test_records_protect_what_they_refer_to(model: type, field: str) -> None:
    from django.db import models

    assert model._meta.get_field(field).remote_field.on_delete is models.PROTECT


def test_notification_unique_per_kind_recipient_key() -> None:
    user = UserFactory()
    Notification.objects.create(kind="k", recipient=user, key="a", title="t")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(kind="k", recipient=user, key="a", title="t again")
    Notification.objects.create(kind="k2", recipient=user, key="a", title="t")
    assert Notification.objects.count() == 2


def test_acronym_unique_and_withdrawn_needs_a_date() -> None:
    AgencyFactory(acronym="NASA")
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.create(name="Dup", acronym="NASA", country="US")
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.create(
            name="Gone", acronym="GONE", country="X", status=AgencyStatus.WITHDRAWN
        )


def test_one_current_designation_per_person_in_the_database() -> None:
    agency_a, agency_b = AgencyFactory(), AgencyFactory()
    user = make_representative(agency_a, "rep")
    with pytest.raises(IntegrityError), transaction.atomic():
        Representative.objects.create(
            user=user,
            agency=agency_b,
            kind="head",
            attested_agency_staff=True,
            attested_no_conflict=True,
        )
    assert current_designation(user).agency == agency_a


def test_unattested_designation_is_refused_by_the_database() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Representative.objects.create(
            user=UserFactory(), agency=AgencyFactory(), kind="head", attested_agency_staff=True
        )


def test_string_forms() -> None:
    user = UserFactory(username="jdoe", first_name="Jane", last_name="Doe")
    assert str(user) == "Jane Doe"
    assert str(UserFactory(username="bare", first_name="", last_name="")) == "bare"
    agency = AgencyFactory(acronym="KARI")
    assert str(agency) == "KARI"
    rep = current_designation(make_representative(agency, "kari.hod"))
    assert "KARI" in str(rep) and "Head of delegation" in str(rep)
    notification = Notification.objects.create(kind="k", recipient=user, key="a", title="Hello")
    assert not notification.is_read
    assert "Hello" in str(notification)


def test_audit_log_is_read_only_in_the_admin(db: object) -> None:
    from django.test import Client

    from isecg.services import audit_record

    event = audit_record(actor=None, action="agency.created", obj=AgencyFactory(acronym="ADM"))
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/isecg/auditevent/")
    assert listing.status_code == 200
    assert "agency.created" in listing.content.decode()
    assert client.get("/admin/isecg/auditevent/add/").status_code == 403
    detail = client.get(f"/admin/isecg/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert 'type="submit" value="Save"' not in detail.content.decode()
    assert (
        client.post(f"/admin/isecg/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
