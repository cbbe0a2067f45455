"""Periodic jobs of the membership app: each calls one idempotent service."""

from __future__ import annotations

from celery import shared_task

from membership import services


@shared_task(acks_late=True)
def tor_expiry_notices_task() -> list[str]:
    """ToR VII: the expiry notices due today (each sent once, however often this runs)."""
    return services.tor_expiry_notices_send()


@shared_task(acks_late=True)
def withdrawals_apply_due_task() -> int:
    """ToR VI: withdrawals whose effective date has come."""
    return services.withdrawals_apply_due()
