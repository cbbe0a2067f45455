"""Concurrent corrections of one record on PostgreSQL: the row lock keeps the history exact."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from agencies.models import Agency
from isecg.corrections import record_correct
from isecg.models import AuditEvent, Correction
from tests.factories import AgencyFactory, make_secretariat

pytestmark = [
    pytest.mark.real_stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL row locks (set DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _race(works: list[Callable[[], Any]]) -> list[Any]:
    """Run each work in its own thread, released at the same moment."""
    barrier = threading.Barrier(len(works))
    results: list[Any] = []
    lock = threading.Lock()

    def run(work: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcome: Any = work()
        except Exception as exc:
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_the_same_correction_sent_four_times_is_recorded_once() -> None:
    sec = make_secretariat("sec.race")
    agency = AgencyFactory(acronym="RACE", name="Raec Agency")

    def work() -> Any:
        return record_correct(
            actor=sec, obj=Agency(pk=agency.pk), changes={"name": "Race Agency"}, reason="Typo."
        )

    results = _race([work] * 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert Correction.objects.get().before == "Raec Agency"
    assert AuditEvent.objects.filter(action="record.corrected").count() == 1


def test_competing_corrections_chain_their_before_values() -> None:
    sec = make_secretariat("sec.race2")
    agency = AgencyFactory(acronym="RACE", country="Start")
    values = ["One", "Two", "Three", "Four"]

    def work_for(value: str) -> Callable[[], Any]:
        return lambda: record_correct(
            actor=sec, obj=Agency(pk=agency.pk), changes={"country": value}, reason="Race."
        )

    results = _race([work_for(v) for v in values])

    assert not [r for r in results if isinstance(r, Exception)], results
    rows = list(Correction.objects.order_by("id"))
    assert rows[0].before == "Start"
    assert [r.before for r in rows[1:]] == [r.after for r in rows[:-1]]
    agency.refresh_from_db()
    assert agency.country == rows[-1].after
