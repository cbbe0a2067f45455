"""Concurrency through the API on PostgreSQL (issue 8, item 3).

Existing service-level races live in tests/<app>/test_concurrency.py; these go
through the HTTP layer (DRF views, token authentication, the exception handler),
each thread with its own APIClient, token and database connection, released
together by a barrier. The contract: one row where one row is the rule, every
loser gets a 409 with a code, never a 500 (DRF #3876).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from consensus import ledger
from consensus import services as consensus_services
from consensus.models import Decision, DecisionEvent, Position, PositionEvent
from isecg.errors import ConflictError
from meetings.models import ChairTerm
from membership import services as membership_services
from membership.models import ToRAcceptance
from membership.uploads import minimal_pdf
from tests.factories import AgencyFactory, make_representative, make_secretariat

pytestmark = [
    pytest.mark.real_stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs DATABASE_URL=postgres://... (row locks, real unique indexes)",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def token_client(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released at once by a barrier; results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def runner(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, j)) for i, j in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return results


def statuses(responses: list[Any]) -> list[int]:
    for response in responses:
        assert not isinstance(response, BaseException), response
        assert response.status_code < 500, (response.status_code, response.content)
        if response.status_code == 409:
            body = response.json()
            assert body["code"] and body["detail"], body
    return [r.status_code for r in responses]


def _poster(client: APIClient, url: str, payload: dict[str, Any]) -> Callable[[], Any]:
    return lambda: client.post(url, payload, format="json")


def _open_decision(**kwargs: Any) -> Decision:
    return consensus_services.motion_propose(
        actor=None,
        title="Concurrency through the API",
        text="Shall we?",
        deadline=timezone.now() + dt.timedelta(days=5),
        procedure=kwargs.get("procedure", "explicit"),
    )


def test_threads_posting_the_same_position_leave_one_current_row() -> None:
    assert connection.vendor == "postgresql"
    agency = AgencyFactory(acronym="AAA")
    other = AgencyFactory(acronym="BBB")
    # Several representatives of one agency (heads and alternates), one token each.
    reps = [make_representative(agency, f"rep.{i}") for i in range(THREADS - 2)]
    reps += [make_representative(other, f"other.{i}") for i in range(2)]
    AgencyFactory(acronym="CCC")  # has not responded: the decision stays open
    decision = _open_decision()
    clients = [token_client(user) for user in reps]
    url = f"/api/v1/decisions/{decision.pk}/positions/"

    def post(client: APIClient, acronym: str) -> Callable[[], Any]:
        return lambda: client.post(
            url,
            {"agency": acronym, "value": "concur_with_reservation", "statement": "Same."},
            format="json",
        )

    jobs = [post(client, "AAA" if i < THREADS - 2 else "BBB") for i, client in enumerate(clients)]
    responses = run_together(jobs)
    codes = statuses(responses)
    assert set(codes) <= {200, 201, 409}, codes
    assert codes.count(201) >= 1
    conflict_codes = {r.json()["code"] for r in responses if r.status_code == 409}
    assert conflict_codes <= {"conflict", "position_busy", "concurrent_cast"}, conflict_codes
    assert Position.objects.filter(decision=decision, agency=agency).count() == 1
    assert Position.objects.filter(decision=decision, agency=other).count() == 1
    events = list(PositionEvent.objects.filter(decision=decision).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    # Casting the same position again is idempotent: one ledger entry per agency.
    assert len(events) == 2
    check = ledger.verify_decision(decision)
    assert check.verified, check.problem


def test_concurrent_withdrawals_and_casts_settle_one_way() -> None:
    agency = AgencyFactory(acronym="AAA")
    rep = make_representative(agency, "rep.a")
    AgencyFactory(acronym="CCC")  # has not responded: the decision stays open
    secretaries = [make_secretariat(f"sec.{i}") for i in range(3)]
    for _round in range(3):
        decision = _open_decision()
        withdraw_url = f"/api/v1/decisions/{decision.pk}/withdraw/"
        cast_url = f"/api/v1/decisions/{decision.pk}/positions/"
        jobs: list[Callable[[], Any]] = [
            _poster(token_client(sec), withdraw_url, {"reason": "Moot."}) for sec in secretaries
        ]
        jobs.append(_poster(token_client(rep), cast_url, {"value": "object", "statement": "No."}))
        codes = statuses(run_together(jobs))
        withdraws, cast = codes[:3], codes[3]
        # A repeated withdrawal is idempotent (200) or refused (409); never a 500.
        assert set(withdraws) <= {200, 409} and 200 in withdraws, codes
        assert cast in (201, 409)
        decision.refresh_from_db()
        assert (decision.state, decision.outcome) == ("closed", "withdrawn")
        kinds = list(DecisionEvent.objects.filter(decision=decision).values_list("kind", flat=True))
        assert kinds.count("opened") == 1 and len(kinds) == 2, kinds  # opened, then one end
        assert ledger.verify_decision(decision).verified


def test_concurrent_closes_through_the_sweep_task_give_one_outcome() -> None:
    import time_machine

    from consensus import tasks

    decision = _open_decision(procedure="silence")
    with time_machine.travel(decision.deadline + dt.timedelta(seconds=1), tick=True):
        results = run_together([tasks.decisions_close_due_task] * 4)
    assert not [r for r in results if isinstance(r, BaseException)], results
    decision.refresh_from_db()
    assert decision.state == "closed"
    assert DecisionEvent.objects.filter(decision=decision, kind="closed").count() == 1


def test_concurrent_chair_changes_leave_one_current_term() -> None:
    """Terms start only as the system step of an agreed nomination or a host assuming the
    chair (ToR III.2.2; no API route creates one): several at once still leave one current."""
    agencies = [AgencyFactory(acronym=f"CH{i}") for i in range(THREADS)]
    first = AgencyFactory(acronym="FIRST")
    from meetings.services import chair_term_start

    chair_term_start(actor=None, agency=first, starts_on=dt.date(2025, 1, 1))

    def change(i: int) -> Callable[[], Any]:
        # Half hand over, half insist there is no current term (a 409 ConflictError).
        return lambda: chair_term_start(
            actor=None, agency=agencies[i], starts_on=dt.date(2026, 6, 1), end_current=i % 2 == 0
        )

    results = run_together([change(i) for i in range(THREADS)])
    started = [r for r in results if isinstance(r, ChairTerm)]
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(started) + len(refused) == THREADS, results
    assert started
    assert ChairTerm.objects.filter(ends_on__isnull=True).count() == 1
    for term in ChairTerm.objects.exclude(ends_on__isnull=True):
        assert term.ends_on >= term.starts_on


def test_concurrent_tor_acceptances_record_one(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    version = membership_services.tor_version_create(
        actor=None,
        label="October 2022",
        text="# ToR\n\nVII. Extended until 31 December 2030.\n",
        adopted_on=dt.date(2022, 10, 1),
        effective_from=dt.date(2022, 10, 1),
        expires_on=dt.date(2030, 12, 31),
    )
    agency = AgencyFactory(acronym="ACC")
    hod = make_representative(agency, "acc.hod")
    secretaries = [make_secretariat(f"sec.{i}") for i in range(THREADS - 1)]

    def accept(user: Any) -> Callable[[], Any]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = token_client(user)

        def job() -> Any:
            letter = SimpleUploadedFile("letter.pdf", minimal_pdf(), "application/pdf")
            return client.post(
                "/api/v1/acceptances/",
                {
                    "agency": "ACC",
                    "version": version.pk,
                    "signatory_name": "Dr. Accept",
                    "signatory_title": "Director",
                    "letter": letter,
                },
                format="multipart",
            )

        return job

    codes = statuses(run_together([accept(u) for u in [hod, *secretaries]]))
    # Accepting the same version twice returns the first acceptance (idempotent) or 409.
    assert set(codes) <= {200, 201, 409}, codes
    assert ToRAcceptance.objects.filter(agency=agency, version=version).count() == 1
