"""The secretariat (ToR IV): its members and, later, its dashboard."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SecretariatMember(models.Model):
    """ToR IV: the secretariat consists of staff proposed by participating agencies
    on a voluntary basis without exchange of funds. Each member records the agency
    that proposed them; ending a membership keeps the row as history."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="secretariat_memberships"
    )
    proposed_by = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="secretariat_members"
    )
    role = models.CharField(max_length=200, blank=True, help_text="e.g. Executive Secretary.")
    voluntary_unpaid = models.BooleanField(
        default=False,
        help_text="ToR IV: proposed on a voluntary basis, without exchange of funds.",
    )
    since = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposed_by__acronym", "since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(ended_on__isnull=True),
                name="secretariat_member_one_current_per_user",
            ),
            # ToR IV: no membership without its voluntary, unpaid basis.
            models.CheckConstraint(
                condition=Q(voluntary_unpaid=True), name="secretariat_member_voluntary_unpaid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} (proposed by {self.proposed_by})"
