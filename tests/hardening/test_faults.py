"""Faults on the real stack (issue 8, item 4): a killed worker, a dropped database
connection, sweeps running twice at once. PostgreSQL + Redis; bounded waits only."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg2
import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from isecg import celery_app, services, tasks
from isecg.models import Notification
from tests.factories import UserFactory
from tests.isecg.test_real_stack import REAL_STACK_MARKS, Worker

pytestmark = [*REAL_STACK_MARKS, pytest.mark.django_db(transaction=True)]

DEADLINE_SECONDS = 90
SLOW_MAIL = {"EMAIL_BACKEND": "tests.hardening.slow_email.SlowFileBackend"}


def wait_for(condition: Any, what: str, seconds: float = DEADLINE_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def _sent() -> int:
    return Notification.objects.filter(state=Notification.State.SENT).count()


def test_kill_9_mid_delivery_then_restart_and_sweep_delivers_each_notice_once(
    tmp_path: Path,
) -> None:
    queue = f"faults-{uuid.uuid4().hex}"
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_default_queue)
    conf.task_always_eager, conf.task_default_queue = False, queue
    workers: list[Worker] = []
    try:
        first = Worker(tmp_path, queue, extra_env=SLOW_MAIL, name="first")
        workers.append(first)
        first.wait_ready()
        recipients = [UserFactory(email=f"u{i}@example.org") for i in range(20)]
        created = services.notification_send(
            kind="faults.test", recipients=recipients, key="faults:kill", title="Kill test"
        )
        assert len(created) == 20
        wait_for(lambda: _sent() >= 3, "a few deliveries before the kill")
        os.kill(first.process.pid, signal.SIGKILL)  # no warm shutdown, no ack
        first.process.wait(timeout=10)
        assert _sent() < 20, "the kill came too late to test anything"

        second = Worker(tmp_path, queue, extra_env=SLOW_MAIL, name="second")
        workers.append(second)
        second.wait_ready()
        # The queued notices go on; the one the killed worker held stays unacked in
        # Redis until the visibility timeout, so the beat sweep recovers it.
        wait_for(lambda: _sent() >= 18, "the queued notices to be delivered")
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=3), tick=True):
            tasks.notifications_deliver_pending()
        wait_for(lambda: _sent() == 20, "the sweep to recover the lost notice")
        mails = sorted(first.mail_dir.glob("*.log"))
        recipients_mailed = [
            line
            for path in mails
            for line in path.read_text().splitlines()
            if line.startswith("To:")
        ]
        assert len(recipients_mailed) == 20, recipients_mailed
        assert len(set(recipients_mailed)) == 20  # each notice exactly once
        assert Notification.objects.filter(kind="faults.test", attempts=1).count() == 20
    finally:
        conf.task_always_eager, conf.task_default_queue = saved
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait(timeout=10)


def test_a_dropped_database_connection_is_a_clean_503_without_partial_write(
    users: dict[str, Any], api_as: Any
) -> None:
    from consensus import services as consensus_services
    from consensus.models import PositionEvent

    decision = consensus_services.motion_propose(
        actor=None,
        title="Drop",
        text="x",
        deadline=timezone.now() + dt.timedelta(days=5),
        procedure="explicit",
    )
    real_cast = consensus_services.position_cast
    settings_dict = connection.settings_dict

    def cast_after_the_connection_drops(**kwargs: Any) -> Any:
        # Another session terminates ours mid-request, as a failover or restart would.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        killer = psycopg2.connect(
            dbname=settings_dict["NAME"],
            user=settings_dict["USER"],
            host=settings_dict["HOST"] or "127.0.0.1",
            port=settings_dict["PORT"] or 5432,
            password=settings_dict["PASSWORD"] or None,
        )
        try:
            killer.autocommit = True
            killer.cursor().execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            killer.close()
        return real_cast(**kwargs)

    client = api_as("rep_a")
    with mock.patch.object(
        consensus_services, "position_cast", side_effect=cast_after_the_connection_drops
    ):
        response = client.post(
            f"/api/v1/decisions/{decision.pk}/positions/",
            {"value": "concur_with_reservation", "statement": "Yes."},
            format="json",
        )
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "database_unavailable"
    connection.close()  # the test's own connection was the one dropped
    assert not PositionEvent.objects.filter(decision=decision).exists()
    # The next request works again on a fresh connection.
    again = api_as("rep_a").post(
        f"/api/v1/decisions/{decision.pk}/positions/",
        {"value": "concur_with_reservation", "statement": "Yes."},
        format="json",
    )
    assert again.status_code == 201, again.content


def test_two_sweeps_at_once_send_no_duplicate(users: dict[str, Any]) -> None:
    """Two beat processes firing the same sweep: the row locks keep each notice single."""
    mail.outbox = []
    recipients = [UserFactory(email=f"s{i}@example.org") for i in range(10)]
    with mock.patch.object(tasks.notification_deliver_task, "delay"):
        services.notification_send(
            kind="faults.sweep", recipients=recipients, key="faults:sweep", title="Sweep"
        )
    assert Notification.objects.filter(kind="faults.sweep", state="pending").count() == 10
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=30)
            tasks.notifications_deliver_pending()  # eager: delivers in this thread
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3), tick=True):
        threads = [threading.Thread(target=sweep) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert Notification.objects.filter(kind="faults.sweep", state="sent").count() == 10
    sent_to = [m.to[0] for m in mail.outbox if m.subject.endswith("Sweep")]
    assert sorted(sent_to) == sorted(u.email for u in recipients)
