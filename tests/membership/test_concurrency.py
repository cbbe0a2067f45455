"""Concurrent writers on PostgreSQL: one open membership request per agency (ToR III.1)."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.db import connection

from isecg.errors import ConflictError
from membership import services
from membership.models import MembershipRequest
from tests.membership.conftest import request_fields

pytestmark = [
    pytest.mark.real_stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL row locks",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_two_secretaries_record_the_same_request_at_once(tor: Any, applicant: Any) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def record() -> None:
        try:
            barrier.wait()
            services.membership_request_record(actor=None, agency=applicant, **request_fields())
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert MembershipRequest.objects.filter(agency=applicant).count() == 1
