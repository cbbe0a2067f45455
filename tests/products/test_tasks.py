"""Reminders: pending endorsements weekly, comment deadlines once per deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from isecg.models import Notification
from products import services, tasks
from products.models import EndorsementWaiver
from tests.factories import make_representative

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _endorse(version: Any, agency: Any) -> None:
    services.endorsement_record(
        actor=None,
        version=version,
        agency=agency,
        endorser_name="N",
        managerial_level="Director",
        endorsed_on=dt.date(2026, 11, 20),
        evidence="Memo",
    )


def test_endorsement_reminder_weekly_and_only_to_pending_agencies(
    users: dict[str, Any], in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    _endorse(in_review, agency_a)
    second_rep_b = make_representative(agency_b, "rep.b2", kind="representative")
    with time_machine.travel(MONDAY, tick=False):
        tasks.product_endorsement_reminders.delay()
        tasks.product_endorsement_reminders.delay()  # twice the same week: sent once
    notices = Notification.objects.filter(kind="product.endorsement_reminder")
    assert {n.recipient for n in notices} == {users["rep_b"], second_rep_b}
    with time_machine.travel(MONDAY + dt.timedelta(days=3), tick=False):
        assert services.endorsement_reminders_send() == 0  # same ISO week
    with time_machine.travel(MONDAY + dt.timedelta(days=7), tick=False):
        assert services.endorsement_reminders_send() == 2  # next week
        assert services.endorsement_reminders_send() == 0
    assert Notification.objects.filter(kind="product.endorsement_reminder").count() == 4


def test_a_waiver_of_old_does_not_stop_reminders_an_endorsement_on_behalf_does(
    users: dict[str, Any], in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    """ToR III.2.2: only the agency's own endorsement counts, recorded by it or for it."""
    _endorse(in_review, agency_a)
    EndorsementWaiver.objects.bulk_create(  # a row of record from before issue 12
        [EndorsementWaiver(version=in_review, agency=agency_b, reason="On leave")]
    )
    with time_machine.travel(MONDAY, tick=False):
        assert services.endorsement_reminders_send() == 1
    services.endorsement_record_on_behalf(
        actor=users["secretariat"],
        version=in_review,
        agency=agency_b,
        endorser_name="Dr. B",
        managerial_level="Director",
        endorsed_on=dt.date(2026, 11, 20),
        evidence="Email from the head of delegation of BBB, 20 Nov",
    )
    with time_machine.travel(MONDAY + dt.timedelta(days=7), tick=False):
        assert services.endorsement_reminders_send() == 0


def test_comment_deadline_reminder_once_per_deadline(users: dict[str, Any], in_review: Any) -> None:
    deadline = MONDAY + dt.timedelta(days=5)
    with time_machine.travel(MONDAY - dt.timedelta(days=1), tick=False):
        services.review_deadline_set(actor=None, version=in_review, comment_deadline=deadline)
        assert services.comment_deadline_reminders_send() == 0  # six days away: not yet
    with time_machine.travel(deadline - dt.timedelta(days=2), tick=False):
        first = services.comment_deadline_reminders_send()
        tasks.product_comment_deadline_reminders.delay()
        assert services.comment_deadline_reminders_send() == 0
    # every participating agency's representatives hear (drafts are shared with all)
    assert first == 3
    recipients = set(
        Notification.objects.filter(kind="product.comment_deadline").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"rep.a", "rep.b", "chair.hod"}
    with time_machine.travel(deadline + dt.timedelta(hours=1), tick=False):
        assert services.comment_deadline_reminders_send() == 0  # passed
    # a new deadline is a new period
    later = deadline + dt.timedelta(days=7)
    with time_machine.travel(deadline - dt.timedelta(days=1), tick=False):
        services.review_deadline_set(actor=None, version=in_review, comment_deadline=later)
    with time_machine.travel(later - dt.timedelta(days=1), tick=False):
        assert services.comment_deadline_reminders_send() == 3
