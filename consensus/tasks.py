"""Celery tasks: thin wrappers that take ids and call one service. Safe to run twice."""

from __future__ import annotations

from celery import shared_task

from consensus import services


@shared_task(acks_late=True)
def decisions_close_due_task() -> list[int]:
    """Beat sweep (every minute): close every decision whose deadline has passed.

    No ETA/countdown tasks are scheduled for deadlines: with Redis, tasks delayed beyond
    the visibility timeout are delivered again and again (celery/celery #3270).
    """
    return services.decisions_close_due()


@shared_task(acks_late=True)
def decision_close_task(decision_id: int) -> str:
    """Close one decision if it is due (idempotent)."""
    return services.decision_close_if_due(decision_id=decision_id).state


@shared_task(acks_late=True)
def decisions_remind_due_task() -> int:
    """Beat sweep: remind agencies that have not responded, once per agency and offset."""
    return services.decisions_remind_due()


@shared_task(acks_late=True)
def ledger_verify_all_task() -> list[int]:
    """Nightly beat job: verify every ledger chain, alert the secretariat on a mismatch."""
    return services.ledger_verify_sweep()
