"""The notification outbox through a REAL Celery worker process, over Redis, on PostgreSQL.

Run by .ci/run's second pass (DATABASE_URL=postgres://..., REDIS_URL=redis://...).
The worker is a separate process started with the `local` settings (tasks are not
eager there) and pointed at pytest-django's test database, so what it writes is
checked here in PostgreSQL. Each test module gets its own queue name, so parallel
runs sharing one Redis never take each other's messages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
from django.db import connection

from isecg import celery_app, services
from isecg.models import Notification
from isecg.tasks import notification_deliver_task
from tests.factories import UserFactory

# The marks of every test that starts real Celery processes (also tests/hardening/test_faults*).
REAL_STACK_MARKS = [
    pytest.mark.real_stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres")
        or not os.environ.get("REDIS_URL"),
        reason="needs DATABASE_URL=postgres://... and REDIS_URL (run by .ci/run)",
    ),
]
pytestmark = REAL_STACK_MARKS

REPO_ROOT = Path(__file__).resolve().parents[2]
START_DEADLINE_SECONDS = 60
DELIVERY_DEADLINE_SECONDS = 60
POLL_SECONDS = 0.2


def _test_database_url() -> str:
    """A URL for the database pytest-django created (test_<name>, _gwN under xdist)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{db['NAME']}"


class CeleryProcess:
    """A `celery` subprocess (worker or beat) on pytest's test database, with its log."""

    kind = "celery"

    def __init__(self, tmp: Path, name: str, args: list[str], env: dict[str, str]) -> None:
        self.log_path = tmp / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "isecg", *args],
            cwd=REPO_ROOT,
            env={
                **os.environ,
                # `local` settings: tasks really go through the broker (test settings run
                # them eagerly).
                "DJANGO_SETTINGS_MODULE": "isecg.settings.local",
                "DEBUG": "false",
                "DATABASE_URL": _test_database_url(),
                # no idle connection left to block dropping the test database
                "DATABASE_CONN_MAX_AGE": "0",
                "ISECG_VAR_DIR": str(tmp / "var"),
                "PYTHONUNBUFFERED": "1",
                **env,
            },
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, marker: str, what: str) -> None:
        """Wait (bounded) until `marker` is in the log; fail if the process exits first."""
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.kind} exited with {self.process.returncode}:\n{self.log()}")
            if marker in self.log():
                return
            time.sleep(POLL_SECONDS)
        pytest.fail(f"{self.kind} not {what} after {START_DEADLINE_SECONDS}s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: warm shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


class Worker(CeleryProcess):
    """A `celery worker` subprocess and what it leaves behind (log, mail files)."""

    kind = "celery worker"

    def __init__(
        self, tmp: Path, queue: str, extra_env: dict[str, str] | None = None, name: str = "worker"
    ) -> None:
        self.queue = queue
        self.mail_dir = tmp / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.nodename = f"realstack-{uuid.uuid4().hex[:8]}@%h"
        super().__init__(
            tmp,
            name,
            [
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                self.nodename,
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            {
                "REDIS_URL": os.environ["REDIS_URL"],
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(self.mail_dir),
                **(extra_env or {}),
            },
        )

    def wait_ready(self) -> None:
        self.wait_for_log(" ready.", "ready")

    def mail_files(self) -> list[Path]:
        return sorted(self.mail_dir.glob("*.log"))


@pytest.fixture(scope="module")
def worker(django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """One worker for this module, on a queue of its own; always terminated."""
    started = Worker(tmp_path_factory.mktemp("celery"), queue=f"realstack-{uuid.uuid4().hex}")
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


@pytest.fixture
def broker_mode(worker: Worker) -> Iterator[None]:
    """This process publishes to the broker (not eagerly), on the worker's queue."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_default_queue)
    conf.task_always_eager = False
    conf.task_default_queue = worker.queue
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_default_queue = saved


def wait_until(condition: Any, worker: Worker, what: str) -> None:
    """Poll a state written by the worker, bounded by a deadline."""
    deadline = time.monotonic() + DELIVERY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            pytest.fail(f"celery worker died while waiting for {what}:\n{worker.log()}")
        time.sleep(POLL_SECONDS)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{worker.log()}")


def _state(notification_id: int) -> str:
    return Notification.objects.values_list("state", flat=True).get(pk=notification_id)


@pytest.mark.django_db(transaction=True)
def test_notification_is_delivered_by_a_real_worker(worker: Worker, broker_mode: None) -> None:
    user = UserFactory(username="real.stack", email="real.stack@example.org")

    created = services.notification_send(
        kind="realstack.test",
        recipients=[user],
        key="realstack:1",
        title="Delivered through Redis",
        body="A real worker sent this.",
        url="/notifications/",
    )

    assert len(created) == 1
    notification_id = created[0].pk
    wait_until(
        lambda: _state(notification_id) == Notification.State.SENT and worker.mail_files(),
        worker,
        "the notification to be sent",
    )
    notification = Notification.objects.get(pk=notification_id)
    assert notification.attempts == 1
    assert notification.sent_at is not None
    [mail] = worker.mail_files()
    text = mail.read_text()
    assert "To: real.stack@example.org" in text
    assert "Subject: [ISECG] Delivered through Redis" in text
    assert "A real worker sent this." in text


@pytest.mark.django_db(transaction=True)
def test_the_same_task_twice_delivers_one_email(worker: Worker, broker_mode: None) -> None:
    user = UserFactory(username="real.twice", email="real.twice@example.org")
    before = set(worker.mail_files())
    # Write the outbox row without its own enqueue, then enqueue the same task twice
    # (what at-least-once delivery may do after a lost acknowledgement).
    with mock.patch.object(notification_deliver_task, "delay"):
        [notification] = services.notification_send(
            kind="realstack.test", recipients=[user], key="realstack:twice", title="Only once"
        )

    first = notification_deliver_task.delay(notification.pk)
    second = notification_deliver_task.delay(notification.pk)

    wait_until(
        lambda: all(f"[{r.id}] succeeded" in worker.log() for r in (first, second)),
        worker,
        "both task runs to finish",
    )
    log = worker.log()
    outcomes = sorted(
        line.rsplit(": ", 1)[-1].strip()
        for line in log.splitlines()
        for r in (first, second)
        if f"[{r.id}] succeeded" in line
    )
    assert outcomes == ["'already_sent'", "'sent'"]
    assert _state(notification.pk) == Notification.State.SENT
    new_mail = [p for p in worker.mail_files() if p not in before]
    assert len(new_mail) == 1
    assert "To: real.twice@example.org" in new_mail[0].read_text()
