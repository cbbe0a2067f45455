"""A private Redis and `celery beat` processes for the broker fault tests.

The shared Redis on 6379 serves the other real-stack tests, so these tests start a
Redis of their own (no persistence: a SIGKILL loses every queued message) and point
the worker, the beat processes and this process's publisher at it.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from isecg import celery_app
from tests.isecg.test_real_stack import CeleryProcess

START_DEADLINE_SECONDS = 30
POLL_SECONDS = 0.1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A `redis-server` subprocess on a port of its own, nothing kept on disk."""

    def __init__(self, tmp: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed: cannot run a private Redis to kill")
        self.binary = binary
        self.dir = tmp / f"redis-{uuid.uuid4().hex[:8]}"
        self.dir.mkdir()
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.dir / f"redis-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited with {self.process.returncode}")
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                pass
            time.sleep(POLL_SECONDS)
        pytest.fail(f"redis-server not answering on {self.port} after {START_DEADLINE_SECONDS}s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save; every queued and unacked message is gone."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def queued(self, queue: str, task: str | None = None) -> int:
        """Messages (of `task`, or all) waiting in the queue or delivered but unacknowledged."""
        client = self.client()
        try:
            waiting = client.lrange(queue, 0, -1)
            unacked = [json.loads(value)[0] for value in client.hvals("unacked")]
        finally:
            client.close()
        messages = [json.loads(raw) for raw in waiting] + unacked
        return sum(1 for m in messages if task is None or m["headers"].get("task") == task)


class Beat(CeleryProcess):
    """A `celery beat` subprocess with the DatabaseScheduler, on pytest's test database."""

    kind = "celery beat"

    def __init__(self, tmp: Path, broker_url: str, name: str = "beat") -> None:
        super().__init__(
            tmp,
            name,
            [
                "beat",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
                "--max-interval",
                "1",  # re-reads changed PeriodicTask rows within a second
                "--loglevel=DEBUG",  # "Ticking" tells when start-up is over
                "--schedule",
                str(tmp / f"{name}-schedule"),
            ],
            {"REDIS_URL": broker_url},
        )

    def wait_ticking(self) -> None:
        """Wait until start-up is over: beat has rewritten the CELERY_BEAT_SCHEDULE rows.

        A row changed while beat is still starting may be left off its heap until the
        next change, so tests re-time rows only after this.
        """
        self.wait_for_log("beat: Ticking with max interval", "ticking")

    def sent(self, entry: str) -> int:
        """How many times this beat has dispatched the named periodic task."""
        return self.log().count(f"Sending due task {entry} ")


@contextmanager
def publishing_to(broker_url: str, queue: str) -> Iterator[None]:
    """This process publishes tasks to `broker_url` (not eagerly), on `queue`."""
    conf = celery_app.conf
    amqp = celery_app.amqp
    saved = (
        conf.task_always_eager,
        conf.task_default_queue,
        conf.broker_url,
        celery_app._pool,
        amqp._producer_pool,
    )
    conf.task_always_eager, conf.task_default_queue, conf.broker_url = False, queue, broker_url
    celery_app._pool = amqp._producer_pool = None  # new pools for the new URL
    try:
        yield
    finally:
        private = celery_app._pool
        (
            conf.task_always_eager,
            conf.task_default_queue,
            conf.broker_url,
            celery_app._pool,
            amqp._producer_pool,
        ) = saved
        if private is not None:
            private.force_close_all()
