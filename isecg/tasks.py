"""Delivery of the notification outbox."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from isecg import services
from isecg.models import Notification

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = [30, 60, 120, 300, 600, 600, 600]


@shared_task(bind=True, max_retries=len(RETRY_BACKOFF_SECONDS), acks_late=True)
def notification_deliver_task(self, notification_id: int) -> str:  # type: ignore[no-untyped-def]
    """Deliver one notice; safe to run twice (the service locks and re-checks)."""
    result = services.notification_deliver(notification_id=notification_id)
    if result == services.DELIVERY_RETRY:
        if self.request.retries >= (self.max_retries or 0):
            # NOTIFICATION_MAX_ATTEMPTS allows more tries than this task's retries:
            # the row stays pending and the sweep picks it up later.
            return result
        # Countdowns stay far below the broker's visibility timeout (celery #3270).
        delay = RETRY_BACKOFF_SECONDS[min(self.request.retries, len(RETRY_BACKOFF_SECONDS) - 1)]
        raise self.retry(countdown=delay)
    return result


@shared_task(acks_late=True)
def notifications_deliver_pending() -> int:
    """Sweep: deliver notices whose delivery task was lost (each one isolated)."""
    cutoff = timezone.now() - timedelta(minutes=2)
    ids = list(
        Notification.objects.filter(
            state=Notification.State.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
    deliveries_enqueue(ids)
    return len(ids)


def deliveries_enqueue(notification_ids: Iterable[int]) -> int:
    """Publish one delivery task per notice; returns how many were published.

    The outbox rows are committed before this runs, so a broker that cannot be reached
    loses nothing: the rest is left to the sweep above rather than failing the request
    that wrote them. Publishing stops at the first failure, so an unreachable broker costs
    one bounded publish retry (Celery's default policy: 3 tries, about a second in all),
    not one per notice.
    """
    ids = list(notification_ids)
    for published, pk in enumerate(ids):
        try:
            notification_deliver_task.delay(pk)
        except OperationalError as exc:
            logger.warning(
                "broker unreachable, %d notices left for the sweep: %s", len(ids) - published, exc
            )
            return published
    return len(ids)


@shared_task(acks_late=True)
def notification_digests_send() -> int:
    """Daily: email each user the digest of notices they asked to receive that way.

    Each user is isolated: one failure does not stop the others; a rerun sends nothing twice.
    """
    user_ids = sorted(
        set(Notification.objects.filter(digest_due=True).values_list("recipient_id", flat=True))
    )
    sent = 0
    for user_id in user_ids:
        try:
            sent += services.notification_digest_send(user_id=user_id)
        except Exception:
            logger.exception("digest for user %s failed", user_id)
    return sent
