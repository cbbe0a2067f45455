"""Periodic jobs of this app, merged into CELERY_BEAT_SCHEDULE (no Django imports here)."""

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Deadlines are closed by this sweep, never by long ETAs (celery/celery #3270).
    "consensus-close-due": {
        "task": "consensus.tasks.decisions_close_due_task",
        "schedule": 60.0,
    },
    "consensus-remind-due": {
        "task": "consensus.tasks.decisions_remind_due_task",
        "schedule": 300.0,
    },
}
