"""Broker and scheduler faults on the real stack (issue 8, item 4): Redis restarted
mid-run, two beat processes at once. PostgreSQL + a private Redis; bounded waits only."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db.models import F
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from consensus import services as consensus_services
from consensus.models import ReminderSent
from isecg import services
from isecg.models import Notification
from tests.factories import AgencyFactory, UserFactory, make_representative
from tests.hardening.broker import Beat, RedisServer, publishing_to
from tests.hardening.test_faults import SLOW_MAIL, wait_for
from tests.isecg.test_real_stack import REAL_STACK_MARKS, Worker

pytestmark = [*REAL_STACK_MARKS, pytest.mark.django_db(transaction=True)]

QUEUE = "celery"  # the private Redis serves these tests only: beat's default queue will do
SWEEP = "notifications-deliver-pending"
REMIND = "faults-remind-due"
DELIVER = "isecg.tasks.notification_deliver_task"
WAIT_SECONDS = 40  # per wait; each test normally ends well inside a minute


def _every_second(name: str, task: str | None = None) -> PeriodicTask:
    """Make (or re-time) a periodic task so that beat fires it every second."""
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    if task is None:
        periodic = PeriodicTask.objects.get(name=name)
    else:
        periodic = PeriodicTask(name=name, task=task)
    periodic.interval = every
    periodic.crontab = None
    periodic.save()  # the signal marks the schedule changed; beat re-reads it
    return periodic


def _schedule() -> dict[str, tuple[Any, ...]]:
    """The PeriodicTask rows as beat reads them (run counts and times left out)."""
    return {
        row.name: (
            row.task,
            row.enabled,
            row.interval_id and (row.interval.every, row.interval.period),
            row.crontab_id and str(row.crontab),
            row.args,
            row.kwargs,
            row.queue,
        )
        for row in PeriodicTask.objects.select_related("interval", "crontab")
    }


def _mailed_to(worker: Worker) -> list[str]:
    return [
        line.removeprefix("To: ")
        for path in worker.mail_files()
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    ]


def _sent() -> int:
    return Notification.objects.filter(kind="faults.redis", state=Notification.State.SENT).count()


def _idle(broker: RedisServer, *workers: Worker) -> bool:
    """Nothing queued or unacknowledged, and every task a worker received has finished."""
    if broker.queued(QUEUE):
        return False
    logs = [worker.log() for worker in workers]
    return all(log.count("] received") == log.count("] succeeded in ") for log in logs)


def _stop_all(*processes: Any) -> None:
    for process in processes:
        if process is not None:
            process.stop()


def test_redis_restart_mid_run_loses_no_notice_and_the_beat_sweep_recovers(
    tmp_path: Path,
) -> None:
    broker = RedisServer(tmp_path)
    worker = beat = None
    try:
        broker.start()
        worker = Worker(tmp_path, QUEUE, extra_env={**SLOW_MAIL, "REDIS_URL": broker.url})
        worker.wait_ready()
        beat = Beat(tmp_path, broker.url)
        beat.wait_ticking()
        _every_second(SWEEP)
        wait_for(lambda: beat.sent(SWEEP) >= 1, "beat to fire the sweep", WAIT_SECONDS)
        schedule_before = _schedule()
        assert SWEEP in schedule_before and len(schedule_before) > 5

        with publishing_to(broker.url, QUEUE):
            first = [UserFactory(email=f"first{i}@example.org") for i in range(20)]
            services.notification_send(
                kind="faults.redis", recipients=first, key="faults:redis", title="Before"
            )
            wait_for(lambda: _sent() >= 2, "a few deliveries before the kill", WAIT_SECONDS)
            assert broker.queued(QUEUE, DELIVER) > 0, "nothing was queued when Redis died"
            broker.kill()  # the queued delivery tasks are gone with it

            # The broker is down: writing notices still commits, promptly, without error.
            later = [UserFactory(email=f"later{i}@example.org") for i in range(5)]
            started = time.monotonic()
            written = services.notification_send(
                kind="faults.redis", recipients=later, key="faults:redis", title="During"
            )
            assert time.monotonic() - started < 10
            assert len(written) == 5
            assert Notification.objects.filter(kind="faults.redis").count() == 25

            broker.start()  # same port, empty
        wait_for(
            lambda: worker.log().count("Connected to redis://") >= 2,
            "the worker to reconnect",
            WAIT_SECONDS,
        )
        # The schedule lives in PostgreSQL, not in Redis: nothing of it was lost.
        assert _schedule() == schedule_before
        fired_before_restart = beat.sent(SWEEP)
        # Redis came back empty: notices written before the kill wait with no task queued,
        # and so do the five written while it was down.
        assert broker.queued(QUEUE, DELIVER) == 0
        pending = Notification.objects.filter(kind="faults.redis", state=Notification.State.PENDING)
        assert pending.filter(title="Before").exists(), "the kill came too late to test anything"
        assert pending.filter(title="During").count() == 5

        # Stand for the sweep's two minutes passing: the notices are older than its cutoff.
        pending.update(created_at=F("created_at") - dt.timedelta(minutes=3))
        wait_for(lambda: _sent() == 25, "the beat sweep to deliver every notice", WAIT_SECONDS)
        assert beat.process.poll() is None, beat.log()
        assert beat.sent(SWEEP) > fired_before_restart  # the same beat went on dispatching

        beat.stop()
        wait_for(lambda: _idle(broker, worker), "the worker to finish", WAIT_SECONDS)
        mailed = _mailed_to(worker)
        assert len(mailed) == 25, mailed  # every notice once: the sweep re-sent none
        assert set(mailed) == {u.email for u in first + later}
        assert Notification.objects.filter(kind="faults.redis", attempts=1).count() == 25
    finally:
        _stop_all(beat, worker, broker)


def test_two_beats_at_once_send_each_reminder_once(users: dict[str, Any], tmp_path: Path) -> None:
    """Two beat processes (a deploy overlap, a second host) both fire the reminder sweep."""
    extra = [AgencyFactory(acronym=f"X{i}") for i in range(4)]
    for i, agency in enumerate(extra):
        make_representative(agency, f"rep.x{i}")
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=3)):  # opened three days ago,
        decision = consensus_services.motion_propose(  # the 2-day reminder is due now
            actor=None,
            title="Two beats",
            text="x",
            deadline=now + dt.timedelta(days=1, hours=12),
        )
    representatives = sorted(
        [users[role].email for role in ("rep_a", "rep_b", "chair")]
        + [f"rep.x{i}@example.org" for i in range(4)]
    )
    broker = RedisServer(tmp_path)
    workers: list[Worker] = []
    beats: list[Beat] = []
    try:
        broker.start()
        # Two workers, so that sweeps dispatched twice can also run at the same time.
        for name in ("worker1", "worker2"):
            workers.append(Worker(tmp_path, QUEUE, extra_env={"REDIS_URL": broker.url}, name=name))
        for worker in workers:
            worker.wait_ready()
        beats = [Beat(tmp_path, broker.url, name=f"beat{i}") for i in (1, 2)]
        for beat in beats:
            beat.wait_ticking()
        # A row of the test's own, added while both beats run: each sees it within a
        # second and both fire it at once, then every second after.
        _every_second(REMIND, "consensus.tasks.decisions_remind_due_task")
        wait_for(
            lambda: all(beat.sent(REMIND) >= 3 for beat in beats),
            "both beats to fire the reminder sweep several times",
            WAIT_SECONDS,
        )
        for beat in beats:
            assert beat.process.poll() is None, beat.log()
            beat.stop()
        wait_for(lambda: _idle(broker, *workers), "the workers to finish", WAIT_SECONDS)

        reminders = Notification.objects.filter(kind="decision.reminder")
        assert sorted(reminders.values_list("recipient__email", flat=True)) == representatives
        assert set(reminders.values_list("key", flat=True)) == {
            f"decision:{decision.pk}:reminder:2d"
        }
        assert set(reminders.values_list("state", flat=True)) == {Notification.State.SENT}
        assert ReminderSent.objects.filter(decision=decision).count() == 7
        assert decision.events.filter(kind="reminder_sent").count() == 1
        assert sorted(_mailed_to(workers[0])) == representatives  # the workers share a mail dir
    finally:
        _stop_all(*beats, *workers, broker)
