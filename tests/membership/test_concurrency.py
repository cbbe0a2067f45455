"""Concurrent writers on PostgreSQL: one open membership request per agency (ToR III.1);
one text per base when two amendments close at once (ToR V)."""

from __future__ import annotations

import datetime as dt
import os
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from consensus.services import decision_close_if_due
from isecg.errors import ConflictError
from membership import services
from membership.models import MembershipRequest, ProposalState, ToRAmendment, ToRVersion
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


@pytest.mark.django_db(transaction=True)
def test_two_amendments_on_one_base_closing_at_once_apply_one(tor: Any, agency_a: Any) -> None:
    """ToR V: both decisions close adopted at the same instant; the base's row lock makes
    the second handler see the first's text: one takes effect, the other is superseded."""
    amendments = [
        services.tor_amendment_open_decision(
            actor=None,
            amendment=services.tor_amendment_propose(
                actor=None,
                proposing_agency=agency_a,
                label=f"Concurrent {n}",
                new_text=f"Text {n}",
                rationale="r",
            ),
            procedure="silence",
            deadline=timezone.now() + dt.timedelta(days=1),
        )
        for n in (1, 2)
    ]
    after = max(a.decision.deadline for a in amendments) + dt.timedelta(seconds=1)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def close(decision_id: int) -> None:
        try:
            barrier.wait()
            decision_close_if_due(decision_id=decision_id, now=after)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(a.decision_id,)) for a in amendments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    states = sorted(ToRAmendment.objects.values_list("state", flat=True))
    assert states == [ProposalState.ADOPTED, ProposalState.SUPERSEDED]
    assert ToRVersion.objects.filter(supersedes=tor).count() == 1
