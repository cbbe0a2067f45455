"""Helpers for the consensus tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from consensus import services

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def open_motion(users: dict[str, Any]) -> Any:
    """Open a motion as the secretariat; deadline defaults to 10 days from now."""

    def make(procedure: str = "explicit", days: float = 10, **kwargs: Any) -> Any:
        return services.motion_propose(
            actor=users["secretariat"],
            title=kwargs.pop("title", "Statement on lunar surface cooperation"),
            text=kwargs.pop("text", "The ISECG **welcomes** the report."),
            deadline=timezone.now() + dt.timedelta(days=days),
            procedure=procedure,
            **kwargs,
        )

    return make
