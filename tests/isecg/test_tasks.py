"""Celery tasks of the outbox, run eagerly (CELERY_TASK_ALWAYS_EAGER in test settings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import override_settings

from isecg import services, tasks
from isecg.models import Notification
from tests.factories import UserFactory
from tests.isecg.test_services import FAILING_BACKEND, FlakyEmailBackend

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def _notice(key: str, **kw: Any) -> Notification:
    return Notification.objects.create(
        kind="k",
        recipient=kw.pop("recipient", None) or UserFactory(email=f"{key}@agency.example"),
        key=key,
        title=f"Notice {key}",
        **kw,
    )


def test_celery_is_configured_for_at_least_once_delivery() -> None:
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert tasks.notification_deliver_task.acks_late
    assert max(tasks.RETRY_BACKOFF_SECONDS) <= 600


def test_deliver_task_sends_once_when_run_twice() -> None:
    notification = _notice("a")
    assert tasks.notification_deliver_task.delay(notification.pk).get() == "sent"
    assert tasks.notification_deliver_task.delay(notification.pk).get() == "already_sent"
    assert len(mail.outbox) == 1


@pytest.fixture
def eager_retries() -> Any:
    """Eager mode replays retries in-process only when task errors are not propagated."""
    from isecg.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


@pytest.mark.usefixtures("eager_retries")
def test_deliver_task_retries_on_failure() -> None:
    FlakyEmailBackend.calls = 0
    FlakyEmailBackend.failures = 2
    notification = _notice("b")
    with override_settings(EMAIL_BACKEND="tests.isecg.test_services.FlakyEmailBackend"):
        result = tasks.notification_deliver_task.delay(notification.pk)
    assert result.get() == "sent"
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert notification.attempts == 3
    assert "TimeoutError" in notification.last_error
    assert FlakyEmailBackend.calls == 3
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("eager_retries")
@override_settings(EMAIL_BACKEND=FAILING_BACKEND)
def test_deliver_task_gives_up_after_max_attempts() -> None:
    notification = _notice("c")
    result = tasks.notification_deliver_task.delay(notification.pk)
    assert result.get() == "gave_up"
    notification.refresh_from_db()
    assert notification.state == Notification.State.FAILED
    assert notification.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert mail.outbox == []


@pytest.mark.usefixtures("eager_retries")
@override_settings(EMAIL_BACKEND=FAILING_BACKEND, NOTIFICATION_MAX_ATTEMPTS=20)
def test_task_retries_end_before_the_attempts_the_sweep_carries_on() -> None:
    notification = _notice("d")
    assert tasks.notification_deliver_task.delay(notification.pk).get() == "retry"
    notification.refresh_from_db()
    assert notification.state == Notification.State.PENDING
    assert notification.attempts == len(tasks.RETRY_BACKOFF_SECONDS) + 1


@override_settings(EMAIL_BACKEND=FAILING_BACKEND)
def test_deliver_task_asks_for_a_retry_with_a_short_countdown() -> None:
    """With errors propagated, eager mode shows the retry the worker would schedule."""
    from celery.exceptions import Retry

    notification = _notice("r")
    with pytest.raises(Retry) as info:
        tasks.notification_deliver_task.delay(notification.pk)
    assert info.value.when == tasks.RETRY_BACKOFF_SECONDS[0]
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == (Notification.State.PENDING, 1)


def test_sweep_delivers_only_stale_pending_notices() -> None:
    with time_machine.travel(T0, tick=False):
        stale = _notice("stale")
        sent = _notice("sent", state=Notification.State.SENT)
        failed = _notice("failed", state=Notification.State.FAILED)
    with time_machine.travel(T0 + dt.timedelta(minutes=4), tick=False):
        fresh = _notice("fresh")
        assert tasks.notifications_deliver_pending.delay().get() == 1
        assert tasks.notifications_deliver_pending.delay().get() == 0  # idempotent

    assert [m.to for m in mail.outbox] == [["stale@agency.example"]]
    states = {n.key: n.state for n in Notification.objects.all()}
    assert states == {
        "stale": Notification.State.SENT,
        "sent": Notification.State.SENT,
        "failed": Notification.State.FAILED,
        "fresh": Notification.State.PENDING,
    }
    assert {stale.pk, sent.pk, failed.pk, fresh.pk}


def test_send_then_deliver_end_to_end(django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory(email="hod@agency.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_send(kind="k", recipients=[user], key="e2e", title="Hello")
    assert Notification.objects.get().state == Notification.State.SENT
    assert len(mail.outbox) == 1


def test_representatives_expire_task() -> None:
    from agencies import tasks as agency_tasks
    from agencies.services import representative_designate
    from tests.factories import AgencyFactory

    with time_machine.travel(T0, tick=False):
        rep = representative_designate(
            actor=None,
            agency=AgencyFactory(),
            user=UserFactory(),
            kind="head",
            attested_agency_staff=True,
            attested_no_conflict=True,
            active_until=T0 + dt.timedelta(days=1),
        )
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        assert agency_tasks.representatives_expire.delay().get() == 1
        assert agency_tasks.representatives_expire.delay().get() == 0
    rep.refresh_from_db()
    assert not rep.is_current


def test_beat_schedule_lists_the_core_sweeps() -> None:
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "isecg.tasks.notifications_deliver_pending" in tasks_scheduled
    assert "agencies.tasks.representatives_expire" in tasks_scheduled
