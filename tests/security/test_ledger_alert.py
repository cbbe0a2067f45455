"""Tamper evidence in operation: the nightly sweep re-verifies every ledger and alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from consensus import services
from consensus.models import PositionEvent
from consensus.tasks import ledger_verify_all_task
from isecg.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)


def _decision_with_positions(users: dict[str, Any], agency_a: Any, agency_b: Any) -> Any:
    decision = services.motion_propose(
        actor=users["secretariat"],
        title="Statement on lunar surface cooperation",
        text="The ISECG welcomes the report.",
        deadline=timezone.now() + dt.timedelta(days=10),
        procedure="explicit",
    )
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="abstain"
    )
    return decision


def test_the_sweep_is_scheduled_nightly() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["consensus-ledger-verify"]
    assert entry["task"] == "consensus.tasks.ledger_verify_all_task"
    assert entry["schedule"].hour == {2}


def test_intact_ledgers_raise_no_alert(users: dict, agency_a: Any, agency_b: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        _decision_with_positions(users, agency_a, agency_b)
        assert ledger_verify_all_task.delay().get() == []
    assert not Notification.objects.filter(kind="consensus.ledger_mismatch").exists()
    assert not AuditEvent.objects.filter(action="consensus.ledger_mismatch").exists()


def test_a_tampered_position_alerts_the_secretariat_once_a_day(
    users: dict, agency_a: Any, agency_b: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        decision = _decision_with_positions(users, agency_a, agency_b)
        event = PositionEvent.objects.get(decision=decision, agency=agency_b)
        # Someone with database access turns an abstention into a concurrence.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {PositionEvent._meta.db_table} SET value = %s WHERE id = %s",  # noqa: S608
                ["concur", event.pk],
            )
        with django_capture_on_commit_callbacks(execute=True):
            assert ledger_verify_all_task.delay().get() == [decision.pk]
            assert ledger_verify_all_task.delay().get() == [decision.pk]  # same night again
        alerts = Notification.objects.filter(kind="consensus.ledger_mismatch")
        assert list(alerts.values_list("recipient__username", flat=True)) == ["secretariat"]
        alert = alerts.get()
        assert alert.key == f"ledger:{decision.pk}:2026-11-21"
        assert "does not verify" in alert.body
        audit = AuditEvent.objects.get(action="consensus.ledger_mismatch")
        assert audit.object_id == str(decision.pk)
        assert audit.data["broken_at"] == event.seq
        assert audit.data["date"] == "2026-11-21"

        clock.shift(dt.timedelta(days=1))
        ledger_verify_all_task.delay().get()
        assert alerts.count() == 2  # one a day while the ledger stays broken
        assert AuditEvent.objects.filter(action="consensus.ledger_mismatch").count() == 2
