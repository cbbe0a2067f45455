"""Periodic jobs of this app, merged into CELERY_BEAT_SCHEDULE (no Django imports here)."""

DAY = 24 * 3600.0

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # ToR VII: expiry notices at the configured offsets, and daily after expiry.
    "membership-tor-expiry-notices": {
        "task": "membership.tasks.tor_expiry_notices_task",
        "schedule": DAY,
    },
    # ToR VI: withdrawals recorded with a later effective date.
    "membership-withdrawals-apply-due": {
        "task": "membership.tasks.withdrawals_apply_due_task",
        "schedule": 6 * 3600.0,
    },
}
