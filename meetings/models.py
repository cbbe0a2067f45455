"""Meetings and the rotating chair (ToR III.2.2). Meetings themselves arrive with issue 6."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ChairTerm(models.Model):
    """ToR III.2.2: the chairmanship rotates on average about every 12-18 months.

    The chair is the head(s) of delegation of the agency holding the current term.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="chair_terms"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty while the term is current.")
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["ends_on"], condition=Q(ends_on__isnull=True), name="chair_term_one_open"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="chair_term_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} chair from {self.starts_on}"
