"""Core services: the audit log, the notification outbox, user preferences."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from isecg.errors import ValidationFailed
from isecg.models import (
    ANY_KIND,
    AuditEvent,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    User,
)

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
        from isecg.tasks import deliveries_enqueue

        ids = [n.pk for n in created]
        transaction.on_commit(lambda: deliveries_enqueue(ids))
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
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.state == Notification.State.SENT:
            return DELIVERY_ALREADY_SENT
        if notification.state == Notification.State.FAILED:
            return DELIVERY_GAVE_UP
        recipient = notification.recipient
        # The recipient's preference for this kind (notification center): a digest or
        # in-app-only notice is delivered without an email now.
        delivery = notification_delivery_for(recipient, notification.kind)
        try:
            if delivery == NotificationDelivery.DIGEST and notification.send_email:
                notification.digest_due = True
                notification.save(update_fields=["digest_due"])
            elif (
                delivery == NotificationDelivery.IMMEDIATE
                and notification.send_email
                and recipient.email
            ):
                _notification_email(notification).send()
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


# --- The notification center: preferences per kind, unsubscribe links, daily digest ---

UNSUBSCRIBE_SALT = "isecg.notification.unsubscribe"


def notification_delivery_for(user: User, kind: str) -> str:
    """The user's delivery for a kind: its own preference, else the "*" one, else immediate."""
    chosen = dict(
        NotificationPreference.objects.filter(user=user, kind__in=[kind, ANY_KIND]).values_list(
            "kind", "delivery"
        )
    )
    return chosen.get(kind) or chosen.get(ANY_KIND) or NotificationDelivery.IMMEDIATE


def unsubscribe_token(*, user: User, kind: str) -> str:
    """A signed token that lets the holder stop emails of one kind for one user."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user: User, kind: str) -> str:
    from django.urls import reverse

    token = unsubscribe_token(user=user, kind=kind)
    return f"{settings.SITE_URL}{reverse('notification-unsubscribe', args=[token])}"


def _notification_email(notification: Notification) -> EmailMessage:
    recipient = notification.recipient
    link = f"\n\n{settings.SITE_URL}{notification.url}" if notification.url else ""
    stop = unsubscribe_url(user=recipient, kind=notification.kind)
    return EmailMessage(
        subject=f"[ISECG] {notification.title}",
        body=f"{notification.body}\n\n(Stop emails of this kind: {stop}){link}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{stop}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def notification_preference_set(*, actor: User, kind: str, delivery: str) -> NotificationPreference:
    """Choose how notices of one kind (or "*" for every other kind) reach the actor."""
    if delivery not in NotificationDelivery.values:
        raise ValidationFailed(
            f"Unknown delivery {delivery!r}.", code="unknown_delivery", field="delivery"
        )
    kind = kind.strip()[:60]
    if not kind:
        raise ValidationFailed("Choose a kind of notice.", code="kind_required", field="kind")
    with transaction.atomic():
        preference, created = NotificationPreference.objects.select_for_update().get_or_create(
            user=actor, kind=kind, defaults={"delivery": delivery}
        )
        before = None if created else preference.delivery
        if not created and before == delivery:
            return preference
        if not created:
            preference.delivery = delivery
            preference.updated_at = timezone.now()
            preference.save(update_fields=["delivery", "updated_at"])
        audit_record(
            actor=actor,
            action="notification.preference_set",
            obj=actor,
            data={"kind": kind, "before": before, "after": delivery},
        )
    return preference


def notification_unsubscribe(*, token: str) -> NotificationPreference:
    """One-click unsubscribe from a signed email link: that kind becomes in-app only."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=data["u"], is_active=True)
        kind = str(data["k"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError) as exc:
        raise ValidationFailed(
            "This unsubscribe link is not valid.", code="bad_unsubscribe_token", field="token"
        ) from exc
    return notification_preference_set(actor=user, kind=kind, delivery=NotificationDelivery.IN_APP)


def notification_digest_send(*, user_id: int) -> int:
    """Email one user a digest of their notices waiting for it; each notice goes out once.

    The rows are locked, so two workers running the digest send it once. Returns the count.
    """
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update()
            .filter(recipient_id=user_id, digest_due=True)
            .order_by("created_at", "pk")
        )
        if not due:
            return 0
        recipient = User.objects.get(pk=user_id)
        if recipient.email and recipient.is_active:
            lines = []
            for n in due:
                url = f" {settings.SITE_URL}{n.url}" if n.url else ""
                lines.append(f"- {n.title}{url}")
            stop = f"{settings.SITE_URL}/accounts/preferences/#notices"
            EmailMessage(
                subject=f"[ISECG] Your daily digest: {len(due)} notice{'s' if len(due) != 1 else ''}",
                body="\n".join(lines) + f"\n\n--\nChoose what you receive: {stop}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[recipient.email],
            ).send()
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in due]).update(
            digest_due=False, digested_at=now
        )
    return len(due)
