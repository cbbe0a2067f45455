"""Periodic jobs for agencies."""

from celery import shared_task

from agencies import services


@shared_task(acks_late=True)
def representatives_expire() -> int:
    """Revoke designations whose period has ended (idempotent)."""
    return services.representatives_expire()
