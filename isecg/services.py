"""Core services: the audit log, the notification outbox, user preferences."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from isecg.errors import ValidationFailed
from isecg.models import AuditEvent, Notification, User

logger = logging.getLogger(__name__)


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row to the audit log. Every service that changes state calls this."""
    content_type = ContentType.objects.get_for_model(obj) if obj is not None else None
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=content_type,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
    )


def notification_send(
    *,
    kind: str,
    recipients: Iterable[User],
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    send_email: bool = True,
) -> list[Notification]:
    """Write one notice per recipient to the outbox and deliver it after commit.

    A notice already written for the same (kind, recipient, key) is not written
    again, so calling this twice is harmless. Returns the notices written now.
    """
    users = {user.pk: user for user in recipients if user.is_active}
    if not users:
        return []
    existing = set(
        Notification.objects.filter(kind=kind, key=key, recipient_id__in=users).values_list(
            "recipient_id", flat=True
        )
    )
    created: list[Notification] = []
    for user_id in sorted(users.keys() - existing):
        # A savepoint per row: a concurrent writer of the same key loses quietly.
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        kind=kind,
                        recipient_id=user_id,
                        key=key,
                        title=title[:200],
                        body=body,
                        url=url,
                        send_email=send_email,
                    )
                )
        except IntegrityError as exc:
            if not Notification.objects.filter(kind=kind, key=key, recipient_id=user_id).exists():
                raise
            logger.info("notification %s/%s for %s already written: %s", kind, key, user_id, exc)
    if created:
        from isecg.tasks import notification_deliver_task

        ids = [n.pk for n in created]
        transaction.on_commit(lambda: [notification_deliver_task.delay(pk) for pk in ids])
    return created


DELIVERY_SENT = "sent"
DELIVERY_ALREADY_SENT = "already_sent"
DELIVERY_RETRY = "retry"
DELIVERY_GAVE_UP = "gave_up"


def notification_deliver(*, notification_id: int) -> str:
    """Deliver one notice: email it (if asked) and mark it sent, exactly once.

    The row is locked while sending, so two workers given the same id send once.
    A failure is recorded on the row; the caller retries until the attempts run out.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.state == Notification.State.SENT:
            return DELIVERY_ALREADY_SENT
        if notification.state == Notification.State.FAILED:
            return DELIVERY_GAVE_UP
        recipient = notification.recipient
        try:
            if notification.send_email and recipient.email:
                link = f"\n\n{settings.SITE_URL}{notification.url}" if notification.url else ""
                send_mail(
                    subject=f"[ISECG] {notification.title}",
                    message=f"{notification.body}{link}",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[recipient.email],
                )
        except Exception as exc:
            notification.attempts += 1
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            gave_up = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
            if gave_up:
                notification.state = Notification.State.FAILED
            notification.save(update_fields=["attempts", "last_error", "state"])
            logger.warning("notification %s failed: %s", notification_id, exc)
            return DELIVERY_GAVE_UP if gave_up else DELIVERY_RETRY
        notification.attempts += 1
        notification.state = Notification.State.SENT
        notification.sent_at = timezone.now()
        notification.save(update_fields=["attempts", "state", "sent_at"])
        return DELIVERY_SENT


def notification_mark_read(*, actor: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notices read (all unread ones when no ids are given)."""
    queryset = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


def user_time_zone_set(*, actor: User, time_zone: str) -> User:
    """Set the time zone deadlines and meetings are shown in for this user."""
    if time_zone not in zoneinfo.available_timezones():
        raise ValidationFailed(
            f"Unknown time zone {time_zone!r}.", code="unknown_time_zone", field="time_zone"
        )
    with transaction.atomic():
        before = actor.time_zone
        if before == time_zone:
            return actor
        actor.time_zone = time_zone
        actor.save(update_fields=["time_zone"])
        audit_record(
            actor=actor,
            action="user.time_zone_set",
            obj=actor,
            data={"before": before, "after": time_zone},
        )
    return actor
