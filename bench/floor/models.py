from django.conf import settings
from django.db import models
from django.utils import timezone


class FloorWrite(models.Model):
    """One row per floor request: the least a write endpoint can do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.CharField(max_length=30)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"floor write {self.pk}"
