"""ToR VII expiry notices and the withdrawal sweep, driven by the beat tasks with time travel."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import time_machine

from isecg.models import Notification
from membership import services
from membership.schedule import BEAT_SCHEDULE
from membership.tasks import tor_expiry_notices_task, withdrawals_apply_due_task

pytestmark = pytest.mark.django_db

NOON = dt.time(12, 0, tzinfo=dt.UTC)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def test_beat_schedule_lists_the_tasks() -> None:
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert tasks == {
        "membership.tasks.tor_expiry_notices_task",
        "membership.tasks.withdrawals_apply_due_task",
    }


def _travel_days() -> list[dt.date]:
    """Every 5th day from 2028 to 2031, plus the days around each notice and the expiry."""
    days = set(_days(dt.date(2028, 1, 1), dt.date(2031, 1, 3))[::5])
    for notice in NOTICE_DAYS.values():
        days.update(_days(notice - dt.timedelta(days=1), notice + dt.timedelta(days=1)))
    days.update(_days(dt.date(2030, 12, 20), dt.date(2031, 1, 3)))
    return sorted(days)


NOTICE_DAYS = {
    "24m": dt.date(2028, 12, 31),
    "12m": dt.date(2029, 12, 31),
    "6m": dt.date(2030, 6, 30),
    "3m": dt.date(2030, 9, 30),
    "1m": dt.date(2030, 11, 30),
    "7d": dt.date(2030, 12, 24),
}


def test_each_expiry_notice_exactly_once_2028_to_2031(users: Any, tor: Any) -> None:
    """Travel from 2028 to 2031, running the beat task twice on each day visited."""
    for day in _travel_days():
        with time_machine.travel(dt.datetime.combine(day, NOON), tick=False):
            tor_expiry_notices_task.delay()
            tor_expiry_notices_task.apply()
    before = Notification.objects.filter(kind="membership.tor_expiry")
    keys = Counter(before.values_list("key", "recipient__username"))
    assert set(keys.values()) == {1}
    offsets = sorted({key.rsplit(":", 1)[-1] for key, _user in keys})
    assert offsets == sorted(["24m", "12m", "6m", "3m", "1m", "7d"])
    recipients = {user for _key, user in keys}
    assert recipients == {"rep.a", "rep.b", "chair.hod", "secretariat"}
    sent_on = {
        n.key.rsplit(":", 1)[-1]: n.created_at.date()
        for n in before.filter(recipient__username="secretariat")
    }
    assert sent_on == NOTICE_DAYS
    notice = before.filter(recipient__username="rep.a").first()
    assert notice.url == "/membership/extensions/new/"
    # After expiry without an extension: one notice a day, to the secretariat only.
    expired = Notification.objects.filter(kind="membership.tor_expired")
    assert sorted(n.created_at.date() for n in expired) == [
        dt.date(2031, 1, 1),
        dt.date(2031, 1, 2),
        dt.date(2031, 1, 3),
    ]
    assert set(expired.values_list("recipient__username", flat=True)) == {"secretariat"}


def test_offsets_are_configurable(settings: Any, users: Any, tor: Any) -> None:
    settings.TOR_EXPIRY_NOTICE_OFFSETS = ["2m"]
    for day in (dt.date(2030, 10, 30), dt.date(2030, 10, 31), dt.date(2030, 11, 1)):
        services.tor_expiry_notices_send(today=day)
    keys = set(
        Notification.objects.filter(kind="membership.tor_expiry").values_list("key", flat=True)
    )
    assert keys == {f"tor:{tor.pk}:expires:2030-12-31:2m"}


def test_an_extension_starts_a_new_series(users: Any, tor: Any) -> None:
    services.tor_expiry_notices_send(today=dt.date(2030, 12, 25))
    tor.expires_on = dt.date(2035, 12, 31)
    tor.save(update_fields=["expires_on"])
    assert services.tor_expiry_notices_send(today=dt.date(2031, 1, 2)) == []
    assert services.tor_expiry_notices_send(today=dt.date(2033, 12, 31)) == [
        f"tor:{tor.pk}:expires:2035-12-31:24m"
    ]


def test_no_tor_no_notice(users: Any) -> None:
    assert services.tor_expiry_notices_send(today=dt.date(2030, 12, 30)) == []


def test_withdrawals_task_runs(users: Any, tor: Any) -> None:
    assert withdrawals_apply_due_task.delay().get() == 0
