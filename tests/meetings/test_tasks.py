"""Time-travel tests of every notice: each is sent once even when the beat task runs twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from isecg.models import Notification
from meetings import services, tasks
from meetings.models import ChairTerm, MeetingKind, MeetingState
from meetings.schedule import BEAT_SCHEDULE
from tests.meetings.conftest import at, make_meeting

pytestmark = pytest.mark.django_db


def _kinds(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "key"))


def _run_twice(task: Any) -> None:
    task.delay()
    task.delay()


def test_every_task_is_scheduled() -> None:
    names = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    for name in names:
        module, func = name.rsplit(".", 1)
        assert module == "meetings.tasks" and hasattr(tasks, func)
    assert len(names) == 6


def test_meeting_reminders_7d_and_1d_once_each(users: Any, agency_a: Any) -> None:
    meeting = make_meeting(starts_at=at(2027, 3, 10, 8))
    services.attendance_register(
        actor=users["rep_a"], meeting=meeting, agency=agency_a, user=users["rep_a"]
    )
    with time_machine.travel(at(2027, 3, 1, 8), tick=False):  # 9 days ahead: nothing
        _run_twice(tasks.meeting_reminders_send)
    assert not Notification.objects.filter(kind__startswith="meetings.reminder").exists()
    with time_machine.travel(at(2027, 3, 3, 9), tick=False):
        _run_twice(tasks.meeting_reminders_send)
    with time_machine.travel(at(2027, 3, 5, 9), tick=False):
        _run_twice(tasks.meeting_reminders_send)
    assert _kinds("meetings.reminder_7d") == [("rep.a", f"meeting:{meeting.pk}:reminder:7d")]
    assert _kinds("meetings.reminder_1d") == []
    with time_machine.travel(at(2027, 3, 9, 9), tick=False):
        _run_twice(tasks.meeting_reminders_send)
    assert _kinds("meetings.reminder_1d") == [("rep.a", f"meeting:{meeting.pk}:reminder:1d")]
    with time_machine.travel(at(2027, 3, 10, 9), tick=False):  # started: no more
        _run_twice(tasks.meeting_reminders_send)
    assert Notification.objects.filter(kind__startswith="meetings.reminder").count() == 2


def test_cancelled_meeting_gets_no_reminder(users: Any) -> None:
    meeting = make_meeting(starts_at=at(2027, 3, 10, 8))
    services.meeting_cancel(actor=None, meeting=meeting, reason="The host withdrew.")
    with time_machine.travel(at(2027, 3, 9, 9), tick=False):
        _run_twice(tasks.meeting_reminders_send)
    assert not Notification.objects.filter(kind__startswith="meetings.reminder").exists()


def test_minutes_not_issued_after_30_days_once(users: Any) -> None:
    with time_machine.travel(at(2027, 5, 1), tick=False):
        meeting = make_meeting(starts_at=at(2027, 4, 1, 8), state=MeetingState.HELD)
    with time_machine.travel(at(2027, 4, 30), tick=False):
        _run_twice(tasks.minutes_overdue_notices)
    assert not Notification.objects.filter(kind="meetings.minutes_overdue").exists()
    with time_machine.travel(at(2027, 5, 2), tick=False):
        _run_twice(tasks.minutes_overdue_notices)
    with time_machine.travel(at(2027, 6, 2), tick=False):
        _run_twice(tasks.minutes_overdue_notices)
    key = f"meeting:{meeting.pk}:minutes-overdue"
    assert _kinds("meetings.minutes_overdue") == [("chair.hod", key), ("secretariat", key)]


def test_action_item_due_and_overdue_once_each(users: Any, agency_a: Any) -> None:
    meeting = make_meeting(starts_at=at(2026, 10, 6, 8), state=MeetingState.HELD)
    item = services.action_item_create(
        actor=None,
        meeting=meeting,
        title="Circulate the GER outline",
        owner_agency=agency_a,
        due_on=dt.date(2027, 1, 15),
    )
    with time_machine.travel(at(2027, 1, 5), tick=False):
        _run_twice(tasks.action_item_reminders)
    assert not Notification.objects.filter(kind__startswith="meetings.action").exists()
    with time_machine.travel(at(2027, 1, 13), tick=False):
        _run_twice(tasks.action_item_reminders)
    with time_machine.travel(at(2027, 1, 14), tick=False):
        _run_twice(tasks.action_item_reminders)
    assert _kinds("meetings.action_due") == [("rep.a", f"action_item:{item.pk}:due")]
    with time_machine.travel(at(2027, 1, 16), tick=False):
        _run_twice(tasks.action_item_reminders)
    assert _kinds("meetings.action_overdue") == [("rep.a", f"action_item:{item.pk}:overdue")]
    services.action_item_set_status(actor=None, item=item, status="done")
    with time_machine.travel(at(2027, 2, 16), tick=False):
        _run_twice(tasks.action_item_reminders)
    assert Notification.objects.filter(kind__startswith="meetings.action").count() == 2


def test_chair_rotation_notices_12_and_18_months_once_per_term(
    users: Any, agency_a: Any, chair_agency: Any
) -> None:
    term = ChairTerm.objects.get(ends_on__isnull=True)  # CHR since 1 Jan 2026
    with time_machine.travel(at(2026, 12, 31), tick=False):
        _run_twice(tasks.chair_rotation_notices)
    assert not Notification.objects.filter(kind__startswith="meetings.chair_rotation").exists()
    with time_machine.travel(at(2027, 1, 2), tick=False):
        _run_twice(tasks.chair_rotation_notices)
    with time_machine.travel(at(2027, 3, 2), tick=False):
        _run_twice(tasks.chair_rotation_notices)
    key12 = f"chair_term:{term.pk}:12m"
    assert _kinds("meetings.chair_rotation_plan") == [("chair.hod", key12), ("secretariat", key12)]
    assert not Notification.objects.filter(kind="meetings.chair_rotation_overdue").exists()
    with time_machine.travel(at(2027, 7, 2), tick=False):
        _run_twice(tasks.chair_rotation_notices)
    key18 = f"chair_term:{term.pk}:18m"
    assert _kinds("meetings.chair_rotation_overdue") == [
        ("chair.hod", key18),
        ("secretariat", key18),
    ]
    assert Notification.objects.filter(kind="meetings.chair_rotation_plan").count() == 2

    # A new term starts its own count.
    services.chair_term_start(actor=None, agency=agency_a, starts_on=dt.date(2027, 7, 3))
    with time_machine.travel(at(2027, 8, 1), tick=False):
        _run_twice(tasks.chair_rotation_notices)
    assert Notification.objects.filter(kind__startswith="meetings.chair_rotation").count() == 4


def test_annual_meeting_rule_notice_once(users: Any) -> None:
    with time_machine.travel(at(2026, 11, 1), tick=False):
        last = make_meeting(starts_at=at(2026, 3, 3, 8), state=MeetingState.HELD)
    with time_machine.travel(at(2027, 3, 1), tick=False):
        _run_twice(tasks.annual_meeting_rule_check)
    assert not Notification.objects.filter(kind="meetings.annual_rule").exists()
    with time_machine.travel(at(2027, 3, 4), tick=False):
        _run_twice(tasks.annual_meeting_rule_check)
    with time_machine.travel(at(2027, 4, 4), tick=False):
        _run_twice(tasks.annual_meeting_rule_check)
    assert _kinds("meetings.annual_rule") == [("secretariat", f"annual_rule:after:{last.pk}")]


def test_annual_rule_quiet_when_next_plenary_is_scheduled(users: Any) -> None:
    with time_machine.travel(at(2026, 11, 1), tick=False):
        make_meeting(starts_at=at(2026, 3, 3, 8), state=MeetingState.HELD)
        make_meeting(starts_at=at(2027, 5, 3, 8))
        make_meeting(
            title="Teleconference",
            kind=MeetingKind.TELECONFERENCE,
            city="",
            starts_at=at(2027, 1, 3, 8),
        )
    with time_machine.travel(at(2027, 3, 4), tick=False):
        _run_twice(tasks.annual_meeting_rule_check)
    assert not Notification.objects.filter(kind="meetings.annual_rule").exists()


def test_series_generation_task(users: Any) -> None:
    with time_machine.travel(at(2026, 11, 21), tick=False):
        series = services.series_create(
            actor=None,
            title="Monthly",
            rule="FREQ=MONTHLY;BYDAY=2TU",
            local_time=dt.time(13),
            starts_on=dt.date(2026, 1, 1),
            horizon_days=40,
        )
    assert series.meetings.count() == 1
    with time_machine.travel(at(2027, 1, 1), tick=False):
        _run_twice(tasks.series_generate_all)
    assert series.meetings.count() == 3
