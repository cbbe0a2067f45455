"""Periodic jobs of this app, merged into CELERY_BEAT_SCHEDULE (no Django imports here)."""

from celery.schedules import crontab

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
    # Tamper evidence (issue 8): every ledger chain is re-verified each night.
    "consensus-ledger-verify": {
        "task": "consensus.tasks.ledger_verify_all_task",
        "schedule": crontab(hour=2, minute=30),
    },
}
