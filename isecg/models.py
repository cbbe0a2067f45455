"""Core records: users, the append-only audit log and the notification outbox."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class User(AbstractUser):
    """A person who signs in: secretariat staff, agency representatives, API clients."""

    time_zone = models.CharField(
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        default="UTC",
        help_text="Deadlines and meeting times are shown in this time zone.",
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class AppendOnlyError(Exception):
    """A record of history was about to be changed or deleted."""


class AppendOnlyModel(models.Model):
    """History is written once and never edited or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")


class AuditEvent(AppendOnlyModel):
    """Who changed what, when: one row per state change made by any service."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        help_text="Empty when the system acted (a scheduled job).",
    )
    action = models.CharField(max_length=80, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class Correction(AppendOnlyModel):
    """One corrected field of one record: a real data error fixed, with its reason.

    Written only by `isecg.corrections.record_correct`, one row per field, never edited
    or deleted. `before` and `after` are plain JSON (dates as ISO 8601 strings). Only the
    fields an app registers as correctable can appear here: never a status, a position,
    an outcome or an issued text (DESIGN.md "Interfaces").
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=100)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="corrections_made"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="correction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.object_repr}: {self.field} corrected"


class Notification(models.Model):
    """One notice to one person, written by a service and delivered by a task.

    The unique key (kind, recipient, key) makes every notice happen at most once,
    however often the service or a retried task runs.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=60)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=200, help_text="What the notice is about, e.g. decision:12.")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    send_email = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the recipient asked for a daily digest of this kind; cleared by the digest.
    digest_due = models.BooleanField(default=False)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "key"], name="notification_once_per_kind_recipient_key"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["state", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationDelivery(models.TextChoices):
    IMMEDIATE = "immediate", "Email each notice at once"
    DIGEST = "digest", "One email a day (daily digest)"
    IN_APP = "in_app", "In the application only, no email"


# The preference row for every kind the user has not set individually.
ANY_KIND = "*"


class NotificationPreference(models.Model):
    """How one person wants notices of one kind delivered (kind "*": every other kind)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=60)
    delivery = models.CharField(
        max_length=10, choices=NotificationDelivery.choices, default=NotificationDelivery.IMMEDIATE
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="notification_preference_once_per_user_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} -> {self.delivery}"
