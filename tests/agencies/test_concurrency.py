"""Concurrent writers on PostgreSQL: row locks keep designations single and sends single."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from agencies import services
from agencies.models import AgencyStatus, Representative, StatusBasis
from isecg.models import AuditEvent, Notification
from tests.factories import AgencyFactory, UserFactory, make_secretariat

pytestmark = [
    pytest.mark.real_stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL row locks (set DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _race(work: Callable[[], Any], n: int = 4) -> list[Any]:
    """Run `work` in n threads released at the same moment; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome: Any = work()
        except Exception as exc:
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_designations_of_one_person_make_one_row() -> None:
    sec = make_secretariat("sec.race")
    agency = AgencyFactory(acronym="RACE")
    user = UserFactory(username="raced")

    results = _race(
        lambda: services.representative_designate(
            actor=sec,
            agency=agency,
            user=user,
            kind="head",
            attested_agency_staff=True,
            attested_no_conflict=True,
        )
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.pk for r in results}) == 1
    assert Representative.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="representative.designated").count() == 1


def test_concurrent_withdrawal_and_designation_leave_no_current_representative() -> None:
    sec = make_secretariat("sec.race2")
    agency = AgencyFactory(acronym="WDR")
    people = [UserFactory(username=f"p{i}") for i in range(3)]
    counter = iter(range(100))
    counter_lock = threading.Lock()

    def work() -> Any:
        with counter_lock:
            i = next(counter)
        if i == 0:
            return services.agency_status_follow(
                actor=sec, agency=agency, basis=StatusBasis.WITHDRAWAL, reason="ToR VI."
            )
        return services.representative_designate(
            actor=sec,
            agency=agency,
            user=people[i - 1],
            kind="representative",
            attested_agency_staff=True,
            attested_no_conflict=True,
        )

    results = _race(work)
    unexpected = [
        r
        for r in results
        if isinstance(r, Exception) and getattr(r, "code", "") != "agency_withdrawn"
    ]
    assert not unexpected, unexpected
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.WITHDRAWN
    assert not Representative.objects.filter(agency=agency, revoked_at__isnull=True).exists()


def test_concurrent_deliveries_send_one_email() -> None:
    from django.core import mail

    from isecg.services import notification_deliver

    notification = Notification.objects.create(
        kind="k", recipient=UserFactory(email="hod@agency.example"), key="race", title="Once"
    )
    results = _race(lambda: notification_deliver(notification_id=notification.pk))
    assert sorted(results) == ["already_sent", "already_sent", "already_sent", "sent"]
    assert len(mail.outbox) == 1
