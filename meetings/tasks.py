"""Periodic sweeps of the meetings app: each calls one service, is idempotent and safe
to run twice (every notice has a once-only key)."""

from __future__ import annotations

from celery import shared_task

from meetings import services


@shared_task(acks_late=True)
def series_generate_all() -> int:
    """Generate teleconference occurrences within each series' horizon."""
    return services.series_generate_all()


@shared_task(acks_late=True)
def meeting_reminders_send() -> int:
    """Meeting in 7 days / in 1 day, to attendees."""
    return services.meeting_reminders_send()


@shared_task(acks_late=True)
def minutes_overdue_notices() -> int:
    """Minutes not issued 30 days after a meeting, to the chair and the secretariat."""
    return services.minutes_overdue_notices()


@shared_task(acks_late=True)
def action_item_reminders() -> int:
    return services.action_item_reminders()


@shared_task(acks_late=True)
def chair_rotation_notices() -> list[str]:
    """ToR III.2.2: 12- and 18-month chair rotation notices, once per term."""
    return services.chair_rotation_notices()


@shared_task(acks_late=True)
def annual_meeting_rule_check() -> bool:
    """ToR III.2.2: at least one meeting a year."""
    return services.annual_meeting_rule_check()
