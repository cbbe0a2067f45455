"""Concurrent writers on PostgreSQL: two submissions open one decision; two identical
endorsements record one row."""

from __future__ import annotations

import datetime as dt
import os
import threading
from typing import Any

import pytest
from django.db import connection

from consensus.models import Decision
from products import services
from products.models import Endorsement

pytestmark = [
    pytest.mark.real_stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL row locks",
    ),
    pytest.mark.django_db(transaction=True),
]


def _race(fn: Any, times: int = 2) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(times)

    def run() -> None:
        try:
            barrier.wait()
            fn()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_endorsements_and_submissions(
    users: dict[str, Any], in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    def endorse() -> None:
        services.endorsement_record(
            actor=None,
            version=in_review,
            agency=agency_a,
            endorser_name="N",
            managerial_level="L",
            endorsed_on=dt.date(2026, 11, 20),
            evidence="e",
        )

    assert _race(endorse) == []
    assert Endorsement.objects.filter(agency=agency_a).count() == 1
    services.endorsement_record(
        actor=None,
        version=in_review,
        agency=agency_b,
        endorser_name="M",
        managerial_level="L",
        endorsed_on=dt.date(2026, 11, 20),
        evidence="e",
    )
    errors = _race(lambda: services.product_submit_to_plenary(actor=None, version=in_review))
    assert errors == []
    assert Decision.objects.filter(kind="product").count() == 1
