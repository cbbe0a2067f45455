"""Celery tasks and the beat schedule: deadlines close by sweep, reminders go once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings

from consensus import tasks
from consensus.models import DecisionEvent, Motion
from isecg.models import Notification
from tests.consensus.conftest import NOW

pytestmark = pytest.mark.django_db


def test_beat_schedule_sweeps_every_minute() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["consensus-close-due"]
    assert entry["task"] == "consensus.tasks.decisions_close_due_task"
    assert entry["schedule"] == 60.0
    assert "consensus-remind-due" in settings.CELERY_BEAT_SCHEDULE


def test_sweep_closes_due_decisions_without_anyone_clicking(
    users: dict,
    agency_a: Any,
    open_motion: Any,
    frozen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    silence = open_motion(procedure="silence", days=1)
    explicit = open_motion(days=1)
    later = open_motion(days=5)
    assert tasks.decisions_close_due_task.delay().get() == []
    frozen.move_to(NOW + dt.timedelta(days=1, seconds=30), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        closed = tasks.decisions_close_due_task.delay().get()
    assert sorted(closed) == sorted([silence.pk, explicit.pk])
    silence.refresh_from_db()
    explicit.refresh_from_db()
    later.refresh_from_db()
    assert (silence.outcome, explicit.outcome, later.state) == ("adopted", "lapsed", "open")
    assert Motion.objects.filter(state="adopted").count() == 1
    outcome = Notification.objects.filter(kind="decision.outcome")
    assert outcome.count() == 8  # 4 people x 2 decisions
    assert set(outcome.values_list("state", flat=True)) == {"sent"}  # delivered on commit
    # Running again changes nothing and sends nothing more.
    assert tasks.decisions_close_due_task.delay().get() == []
    assert Notification.objects.filter(kind="decision.outcome").count() == 8
    assert DecisionEvent.objects.filter(kind="closed").count() == 2


def test_close_task_is_idempotent(users: dict, open_motion: Any, frozen: Any) -> None:
    decision = open_motion(procedure="silence", days=1)
    assert tasks.decision_close_task.delay(decision.pk).get() == "open"
    frozen.move_to(NOW + dt.timedelta(days=2), tick=False)
    assert tasks.decision_close_task.delay(decision.pk).get() == "closed"
    assert tasks.decision_close_task.delay(decision.pk).get() == "closed"
    assert DecisionEvent.objects.filter(kind="closed").count() == 1


def test_reminder_sweep_at_offsets(users: dict, open_motion: Any, frozen: Any) -> None:
    decision = open_motion(days=10)
    frozen.move_to(NOW + dt.timedelta(days=3, minutes=1), tick=False)
    assert tasks.decisions_remind_due_task.delay().get() == 3
    assert tasks.decisions_remind_due_task.delay().get() == 0
    frozen.move_to(NOW + dt.timedelta(days=9, minutes=1), tick=False)
    assert tasks.decisions_remind_due_task.delay().get() == 3
    reminders = Notification.objects.filter(kind="decision.reminder")
    assert reminders.count() == 6
    assert {n.recipient.username for n in reminders} == {"rep.a", "rep.b", "chair.hod"}
    assert decision.reminders.count() == 6


def test_a_failing_decision_does_not_stop_the_sweep(
    users: dict, open_motion: Any, frozen: Any
) -> None:
    from consensus import registry

    first = open_motion(procedure="silence", days=1, title="First")
    second = open_motion(procedure="silence", days=1, title="Second")

    def fail_first(decision: Any) -> None:
        if decision.pk == first.pk:
            raise RuntimeError("boom")

    registry.register_subject(Motion, on_adopted=fail_first)
    try:
        frozen.move_to(NOW + dt.timedelta(days=1, minutes=1), tick=False)
        assert tasks.decisions_close_due_task.delay().get() == [second.pk]
    finally:
        from consensus.services import register_motion_handlers

        register_motion_handlers()
    first.refresh_from_db()
    assert first.state == "open"
