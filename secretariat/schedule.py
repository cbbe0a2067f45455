"""Periodic jobs of this app, merged into CELERY_BEAT_SCHEDULE (no Django imports here)."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # The notification center's daily digest (isecg.tasks), at 06:00 UTC.
    "notification-digests-send": {
        "task": "isecg.tasks.notification_digests_send",
        "schedule": crontab(hour=6, minute=0),
    },
}
