"""The one-current-chair-term rule under concurrent writers, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import threading
from typing import Any

import pytest
from django.db import connection, connections

from isecg.errors import ConflictError
from meetings import services
from meetings.models import ChairTerm
from tests.factories import AgencyFactory

pytestmark = [
    pytest.mark.real_stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL row locks and a real unique index",
    ),
    pytest.mark.django_db(transaction=True),
]


def _race(agencies: list[Any], starts_on: dt.date) -> list[Any]:
    barrier = threading.Barrier(len(agencies))
    results: list[Any] = [None] * len(agencies)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = services.chair_term_start(
                actor=None, agency=agencies[index], starts_on=starts_on, handover=False
            )
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(agencies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_first_terms_written_concurrently_leave_exactly_one_current() -> None:
    assert connection.vendor == "postgresql"
    agencies = [AgencyFactory(acronym=f"CC{i}") for i in range(6)]
    results = _race(agencies, dt.date(2026, 1, 1))
    terms = [r for r in results if isinstance(r, ChairTerm)]
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert len(terms) + len(conflicts) == len(agencies), results
    assert len(terms) >= 1 and all(c.code == "chair_term_current_exists" for c in conflicts)
    assert ChairTerm.objects.filter(ends_on__isnull=True).count() == 1


def test_handovers_written_concurrently_leave_exactly_one_current() -> None:
    first = AgencyFactory(acronym="FIRST")
    services.chair_term_start(actor=None, agency=first, starts_on=dt.date(2025, 1, 1))
    agencies = [AgencyFactory(acronym=f"NX{i}") for i in range(6)]
    results = _race(agencies, dt.date(2026, 6, 1))
    assert all(isinstance(r, ChairTerm | ConflictError) for r in results), results
    assert ChairTerm.objects.filter(ends_on__isnull=True).count() == 1
    # The history stays consistent: every closed term ends after it starts.
    for term in ChairTerm.objects.exclude(ends_on__isnull=True):
        assert term.ends_on >= term.starts_on
