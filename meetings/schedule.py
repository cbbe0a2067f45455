"""Periodic jobs of this app, merged into CELERY_BEAT_SCHEDULE (no Django imports here)."""

BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
