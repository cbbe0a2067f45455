"""Concurrency on PostgreSQL: row locks keep one position, one chain, one outcome.

Real threads, each with its own database connection, released together by a barrier.
Run by .ci/run's PostgreSQL pass (DATABASE_URL=postgres://...).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from consensus import ledger, services
from consensus.models import Decision, DecisionEvent, Position, PositionEvent
from isecg.errors import ConflictError
from isecg.models import AuditEvent, Notification

pytestmark = [
    pytest.mark.real_stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs DATABASE_URL=postgres://... (row locks)",
    ),
    pytest.mark.django_db(transaction=True),
]


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads released at the same instant; return results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def runner(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _open(procedure: str = "explicit", days: float = 5) -> Decision:
    return services.motion_propose(
        actor=None,
        title="Concurrency",
        text="x",
        deadline=timezone.now() + dt.timedelta(days=days),
        procedure=procedure,
    )


def test_threads_casting_for_one_agency_leave_one_position_and_an_unforked_chain(
    users: dict, agency_a: Any, agency_b: Any
) -> None:
    assert connection.vendor == "postgresql"
    decision = _open()
    rep_a, rep_b = users["rep_a"], users["rep_b"]

    def cast(i: int) -> Callable[[], Any]:
        def job() -> Any:
            if i % 4 == 3:  # another agency casting at the same time
                return services.position_cast(
                    actor=rep_b,
                    decision=decision.pk,
                    agency=agency_b,
                    value="abstain",
                    statement=f"b{i}",
                )
            value = "concur_with_reservation" if i % 2 else "object"
            return services.position_cast(
                actor=rep_a,
                decision=decision.pk,
                agency=agency_a,
                value=value,
                statement=f"statement {i}",
            )

        return job

    results = run_together(*(cast(i) for i in range(12)))
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert Position.objects.filter(decision=decision, agency=agency_a).count() == 1
    events = list(PositionEvent.objects.filter(decision=decision).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 13))
    check = ledger.verify_decision(decision)
    assert check.verified, check.problem
    # The current position is the last event cast for the agency.
    last_a = [e for e in events if e.agency_id == agency_a.pk][-1]
    assert Position.objects.get(decision=decision, agency=agency_a).event_id == last_a.pk


@pytest.mark.parametrize("round_", range(6))
def test_a_close_racing_a_cast_counts_it_or_rejects_it(
    users: dict, agency_a: Any, round_: int
) -> None:
    decision = _open(procedure="silence")
    closing_time = decision.deadline + dt.timedelta(seconds=1)

    def cast() -> Any:
        return services.position_cast(
            actor=users["rep_a"],
            decision=decision.pk,
            agency=agency_a,
            value="object",
            statement="We object.",
        )

    def close() -> Any:
        return services.decision_close_if_due(decision_id=decision.pk, now=closing_time)

    jobs = (cast, close) if round_ % 2 else (close, cast)
    results = run_together(*jobs)
    cast_result = results[0] if round_ % 2 else results[1]
    decision.refresh_from_db()
    assert decision.state == "closed"
    if isinstance(cast_result, ConflictError):
        assert cast_result.code == "decision_closed"
        assert decision.outcome == "adopted"
        assert not PositionEvent.objects.filter(decision=decision).exists()
    else:
        assert isinstance(cast_result, PositionEvent), cast_result
        # The objection was counted: it blocks.
        assert decision.outcome == "blocked"
        assert decision.events.get(kind="closed").data["blocking"] == ["AAA"]


def test_two_concurrent_closes_give_one_outcome_and_one_batch_of_notices(
    users: dict,
) -> None:
    decisions = [_open(procedure="silence") for _ in range(3)]
    for decision in decisions:
        closing_time = decision.deadline + dt.timedelta(seconds=1)

        def close(pk: int = decision.pk, now: dt.datetime = closing_time) -> Any:
            return services.decision_close_if_due(decision_id=pk, now=now)

        results = run_together(close, close, close)
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert {r.outcome for r in results} == {"adopted"}
        assert DecisionEvent.objects.filter(decision=decision, kind="closed").count() == 1
        key = f"decision:{decision.pk}:outcome"
        notices = Notification.objects.filter(kind="decision.outcome", key=key)
        assert notices.count() == 4  # rep.a, rep.b, chair.hod, secretariat: once each
        assert (
            AuditEvent.objects.filter(action="motion.settled", data__decision=decision.pk).count()
            == 1
        )
