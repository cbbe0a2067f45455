"""Periodic jobs of this app, merged into CELERY_BEAT_SCHEDULE (no Django imports here)."""

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "meetings-series-generate": {
        "task": "meetings.tasks.series_generate_all",
        "schedule": 6 * 3600.0,
    },
    "meetings-reminders": {"task": "meetings.tasks.meeting_reminders_send", "schedule": 900.0},
    "meetings-minutes-overdue": {
        "task": "meetings.tasks.minutes_overdue_notices",
        "schedule": 3600.0,
    },
    "meetings-action-item-reminders": {
        "task": "meetings.tasks.action_item_reminders",
        "schedule": 3600.0,
    },
    "meetings-chair-rotation": {
        "task": "meetings.tasks.chair_rotation_notices",
        "schedule": 6 * 3600.0,
    },
    "meetings-annual-rule": {
        "task": "meetings.tasks.annual_meeting_rule_check",
        "schedule": 6 * 3600.0,
    },
}
