"""Periodic jobs of this app, merged into CELERY_BEAT_SCHEDULE (no Django imports here)."""

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Runs daily; the notice key names the ISO week, so each agency hears once a week.
    "products-endorsement-reminders": {
        "task": "products.tasks.product_endorsement_reminders",
        "schedule": 86400.0,
    },
    # Runs hourly; the notice key names the round and its deadline, so once per deadline.
    "products-comment-deadline-reminders": {
        "task": "products.tasks.product_comment_deadline_reminders",
        "schedule": 3600.0,
    },
}
