"""Periodic sweeps of the products app: each calls one idempotent service."""

from __future__ import annotations

from celery import shared_task

from products import services


@shared_task(acks_late=True)
def product_endorsement_reminders() -> int:
    """Weekly reminder of pending internal endorsements (sent once per ISO week)."""
    return services.endorsement_reminders_send()


@shared_task(acks_late=True)
def product_comment_deadline_reminders() -> int:
    """Reminder that a review round's comment deadline is near (once per deadline)."""
    return services.comment_deadline_reminders_send()
