"""The decisions API: role matrix, bad input, filters, ledger, schema, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from agencies.models import Agency
from agencies.roles import represented_agency_ids
from consensus import services
from consensus.models import Decision, PositionEvent
from tests.consensus.conftest import NOW
from tests.factories import AgencyFactory, make_representative

pytestmark = pytest.mark.django_db

BASE = "/api/v1/decisions/"


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


# --- role matrix ----------------------------------------------------------------------

READ_EXPECT = {
    "anonymous": 401,
    "rep_a": 200,
    "rep_b": 200,
    "chair": 200,
    "secretariat": 200,
    "api_client": 200,
}


@pytest.mark.parametrize(("role", "expected"), READ_EXPECT.items())
def test_read_matrix(api_as: Any, open_motion: Any, frozen: Any, role: str, expected: int) -> None:
    decision = open_motion()
    client = api_as(role)
    for url in (BASE, f"{BASE}{decision.pk}/", f"{BASE}{decision.pk}/ledger/"):
        assert client.get(url).status_code == expected, url


OPEN_EXPECT = {
    "anonymous": 401,
    "rep_a": 403,
    "rep_b": 403,
    "chair": 201,
    "secretariat": 201,
    "api_client": 403,
}


@pytest.mark.parametrize(("role", "expected"), OPEN_EXPECT.items())
def test_open_matrix(api_as: Any, frozen: Any, role: str, expected: int) -> None:
    response = api_as(role).post(
        BASE,
        {
            "title": "Welcome the Artemis Accords update",
            "text": "The group *welcomes* it.",
            "deadline": _iso(NOW + dt.timedelta(days=5)),
            "procedure": "silence",
        },
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert body["procedure"] == "silence"
        assert body["subject"]["type"] == "motion"
        assert "<em>welcomes</em>" in body["text_html"]
        assert sorted(body["not_responded"]) == ["AAA", "BBB", "CHR"]
    else:
        assert "code" in response.json()


CAST_EXPECT = {
    "anonymous": 401,
    "rep_a": 201,
    "rep_b": 403,
    "chair": 403,
    "secretariat": 403,
    "api_client": 403,
}


@pytest.mark.parametrize(("role", "expected"), CAST_EXPECT.items())
def test_cast_matrix(api_as: Any, open_motion: Any, frozen: Any, role: str, expected: int) -> None:
    decision = open_motion()
    response = api_as(role).post(
        f"{BASE}{decision.pk}/positions/", {"agency": "AAA", "value": "concur"}
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert len(body["receipt"]) == 64
        assert body["receipt"] == PositionEvent.objects.get().hash
        assert body["agency"] == "AAA"


MANAGE_EXPECT = {
    "anonymous": 401,
    "rep_a": 403,
    "rep_b": 403,
    "chair": 200,
    "secretariat": 200,
    "api_client": 403,
}


@pytest.mark.parametrize(("role", "expected"), MANAGE_EXPECT.items())
def test_extend_and_withdraw_matrix(
    api_as: Any, open_motion: Any, frozen: Any, role: str, expected: int
) -> None:
    decision = open_motion(days=2)
    client = api_as(role)
    response = client.post(
        f"{BASE}{decision.pk}/extend/",
        {"deadline": _iso(NOW + dt.timedelta(days=4)), "reason": "More time."},
    )
    assert response.status_code == expected, response.content
    response = client.post(f"{BASE}{decision.pk}/withdraw/", {"reason": "Overtaken by events."})
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json()["outcome"] == "withdrawn"


ON_BEHALF_EXPECT = {
    "anonymous": 401,
    "rep_a": 403,
    "rep_b": 403,
    "chair": 403,
    "secretariat": 201,
    "api_client": 403,
}


@pytest.mark.parametrize(("role", "expected"), ON_BEHALF_EXPECT.items())
def test_record_on_behalf_matrix(
    api_as: Any, open_motion: Any, frozen: Any, role: str, expected: int
) -> None:
    decision = open_motion()
    response = api_as(role).post(
        f"{BASE}{decision.pk}/record-on-behalf/",
        {"agency": "BBB", "value": "abstain", "evidence": "Email from head of delegation, 3 May"},
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        assert response.json()["on_behalf"] is True


# --- bad input (issue 3) --------------------------------------------------------------


def test_cast_for_an_agency_not_your_own_is_403(api_as: Any, open_motion: Any, frozen: Any) -> None:
    decision = open_motion()
    response = api_as("rep_a").post(
        f"{BASE}{decision.pk}/positions/", {"agency": "BBB", "value": "concur"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_your_agency"


def test_agency_outside_electorate_is_403_not_in_electorate(
    api_as: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    late = AgencyFactory(acronym="LATE")
    from tests.conftest import api_client_for

    client = api_client_for(make_representative(late, "rep.late"))
    response = client.post(f"{BASE}{decision.pk}/positions/", {"value": "concur"})
    assert response.status_code == 403
    assert response.json()["code"] == "not_in_electorate"


def test_cast_after_close_is_409(api_as: Any, open_motion: Any, frozen: Any) -> None:
    decision = open_motion()
    services.decision_withdraw(actor=None, decision=decision, reason="Moot.")
    response = api_as("rep_a").post(f"{BASE}{decision.pk}/positions/", {"value": "concur"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "decision_closed"
    assert "closed" in body["detail"]


def test_object_without_grounds_is_400_with_field_error(
    api_as: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    response = api_as("rep_a").post(f"{BASE}{decision.pk}/positions/", {"value": "object"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "grounds_required"
    assert "statement" in body["errors"]


def test_plain_concur_with_a_statement_is_400_pointing_to_a_reservation(
    api_as: Any, open_motion: Any, frozen: Any
) -> None:
    """ToR III.2.2: a statement goes with a reservation, not with a plain concurrence."""
    decision = open_motion()
    url = f"{BASE}{decision.pk}/positions/"
    response = api_as("rep_a").post(url, {"value": "concur", "statement": "Fine, but."})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "statement_needs_reservation"
    assert "Concur with reservation" in body["errors"]["statement"][0]
    assert not PositionEvent.objects.exists()
    response = api_as("rep_a").post(
        url, {"value": "concur_with_reservation", "statement": "Fine, but."}
    )
    assert response.status_code == 201
    assert api_as("rep_a").post(url, {"value": "concur", "statement": "  "}).status_code == 201


def test_record_on_behalf_of_a_plain_concur_with_a_statement_is_400(
    api_as: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    response = api_as("secretariat").post(
        f"{BASE}{decision.pk}/record-on-behalf/",
        {"agency": "BBB", "value": "concur", "statement": "Noted.", "evidence": "Email, 3 May"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "statement_needs_reservation"
    assert not PositionEvent.objects.exists()


def test_deadline_in_the_past_is_400(api_as: Any, frozen: Any) -> None:
    response = api_as("chair").post(
        BASE, {"title": "T", "text": "x", "deadline": _iso(NOW - dt.timedelta(hours=1))}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["deadline"]


def test_extending_after_the_deadline_is_409(api_as: Any, open_motion: Any, frozen: Any) -> None:
    decision = open_motion(days=1)
    frozen.move_to(NOW + dt.timedelta(days=1, minutes=1), tick=False)
    response = api_as("chair").post(
        f"{BASE}{decision.pk}/extend/", {"deadline": _iso(NOW + dt.timedelta(days=3))}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"


def test_unknown_position_value_is_400(api_as: Any, open_motion: Any, frozen: Any) -> None:
    decision = open_motion()
    response = api_as("rep_a").post(f"{BASE}{decision.pk}/positions/", {"value": "maybe"})
    assert response.status_code == 400
    assert "value" in response.json()["errors"]


def test_unknown_decision_is_404(api_as: Any, frozen: Any) -> None:
    assert api_as("rep_a").get(f"{BASE}999999/").status_code == 404
    assert api_as("rep_a").post(f"{BASE}999999/positions/", {"value": "concur"}).status_code == 404


# --- behaviour ------------------------------------------------------------------------


def test_detail_shows_tally_reservations_grounds_history(
    api_as: Any, users: dict, agency_a: Any, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(procedure="silence")
    services.position_cast(
        actor=users["rep_a"],
        decision=decision,
        agency=agency_a,
        value="concur_with_reservation",
        statement="Pending budget.",
    )
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="object", statement="No."
    )
    body = api_as("api_client").get(f"{BASE}{decision.pk}/").json()
    rows = {row["agency"]: row for row in body["agencies"]}
    assert rows["AAA"]["statement"] == "Pending budget."
    assert rows["BBB"]["position"] == "object"
    assert len(rows["BBB"]["receipt"]) == 64
    assert body["not_responded"] == ["CHR"]
    assert body["blocking"] == ["BBB"]
    assert body["tally"]["counts"]["object"] == 1
    kinds = [item["kind"] for item in body["history"]]
    assert kinds[0] == "opened"
    assert "silence_broken" in kinds
    assert kinds.count("position_cast") == 2


def test_filters(api_as: Any, users: dict, agency_a: Any, open_motion: Any, frozen: Any) -> None:
    first = open_motion(title="First")
    second = open_motion(title="Second")
    services.decision_withdraw(actor=None, decision=second, reason="x")
    services.position_cast(actor=users["rep_a"], decision=first, agency=agency_a, value="concur")
    third = open_motion(title="Third")
    client = api_as("rep_a")

    def ids(query: str) -> set[int]:
        return {row["id"] for row in client.get(f"{BASE}?{query}").json()["results"]}

    assert ids("state=open") == {first.pk, third.pk}
    assert ids("outcome=withdrawn") == {second.pk}
    assert ids("kind=motion") == {first.pk, second.pk, third.pk}
    assert ids("awaiting=mine") == {third.pk}
    assert api_as("secretariat").get(f"{BASE}?awaiting=mine").json()["results"] == []
    assert client.get(f"{BASE}?state=bogus").status_code == 400


def test_new_round_api(
    api_as: Any, users: dict, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(procedure="silence", days=1)
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="object", statement="No"
    )
    services.decision_close_if_due(decision_id=decision.pk, now=NOW + dt.timedelta(days=1))
    frozen.move_to(NOW + dt.timedelta(days=1, hours=1), tick=False)
    response = api_as("rep_a").post(
        f"{BASE}{decision.pk}/new-round/",
        {"text": "Revised", "deadline": _iso(NOW + dt.timedelta(days=5))},
    )
    assert response.status_code == 403
    response = api_as("chair").post(
        f"{BASE}{decision.pk}/new-round/",
        {"text": "Revised", "deadline": _iso(NOW + dt.timedelta(days=5))},
    )
    assert response.status_code == 201, response.content
    assert response.json()["previous_round"] == decision.pk


def test_ledger_endpoint_reports_tampering(
    api_as: Any, users: dict, agency_a: Any, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="abstain"
    )
    body = api_as("api_client").get(f"{BASE}{decision.pk}/ledger/").json()
    assert body["verified"] is True
    assert body["length"] == 2
    assert body["entries"][1]["prev_hash"] == body["entries"][0]["hash"]
    assert body["head"] == body["entries"][1]["hash"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE consensus_positionevent SET statement = 'forged' WHERE seq = 1 AND decision_id = %s",
            [decision.pk],
        )
    body = api_as("api_client").get(f"{BASE}{decision.pk}/ledger/").json()
    assert body["verified"] is False
    assert body["broken_at"] == 1


def test_schema_lists_every_route(api_as: Any) -> None:
    response = api_as("secretariat").get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/decisions/",
        "/api/v1/decisions/{id}/",
        "/api/v1/decisions/{id}/positions/",
        "/api/v1/decisions/{id}/extend/",
        "/api/v1/decisions/{id}/withdraw/",
        "/api/v1/decisions/{id}/new-round/",
        "/api/v1/decisions/{id}/record-on-behalf/",
        "/api/v1/decisions/{id}/ledger/",
    ):
        assert path in paths, path
    post = paths["/api/v1/decisions/{id}/positions/"]["post"]
    assert {"201", "400", "403", "409"} <= set(post["responses"])


# --- query counts ---------------------------------------------------------------------


def _populate(agencies: int, decisions: int, users: dict) -> None:
    for i in range(agencies - 3):
        AgencyFactory(acronym=f"X{i:02d}")
    for i in range(decisions):
        services.decision_open(
            actor=None,
            kind="motion",
            title=f"D{i}",
            text="x",
            deadline=timezone.now() + dt.timedelta(days=3),
        )


def _count(client: Any, url: str, django_assert_num_queries: Any) -> int:
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm per-user role caches
    with CaptureQueriesContext(conn) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["rep_a", "secretariat"])
def test_list_and_detail_query_counts_do_not_grow(
    api_as: Any, users: dict, agency_a: Any, frozen: Any, role: str, django_assert_num_queries: Any
) -> None:
    client = api_as(role)
    _populate(3, 5, users)
    small_list = _count(client, f"{BASE}?awaiting=mine", django_assert_num_queries)
    small_detail = _count(
        client, f"{BASE}{Decision.objects.first().pk}/", django_assert_num_queries
    )
    _populate(30, 45, users)
    for decision in Decision.objects.all()[:3]:
        services.position_cast(
            actor=users["rep_a"], decision=decision, agency=agency_a, value="concur"
        )
    big_decision = Decision.objects.order_by("-pk").first()
    services.position_cast(
        actor=users["rep_a"], decision=big_decision, agency=agency_a, value="abstain"
    )
    assert _count(client, f"{BASE}?awaiting=mine", django_assert_num_queries) == small_list
    assert _count(client, f"{BASE}{big_decision.pk}/", django_assert_num_queries) == small_detail


def test_a_cast_costs_the_same_queries_whatever_the_electorate_and_history(
    api_as: Any, users: dict, frozen: Any
) -> None:
    """A cast locks the decision, reads its head and its electorate with the positions
    (one query), and writes the entry, the position and the audit row (bench/)."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    client = api_as("rep_a")

    def cast_count(decision_id: int, value: str) -> int:
        url = f"{BASE}{decision_id}/positions/"
        with CaptureQueriesContext(conn) as ctx:
            response = client.post(url, {"value": value}, format="json")
        assert response.status_code == 201, response.content
        return len(ctx.captured_queries)

    _populate(3, 2, users)
    warm, small = Decision.objects.order_by("pk")
    cast_count(warm.pk, "concur")  # the process's content-type cache fills once
    first_small = cast_count(small.pk, "concur")
    recast_small = cast_count(small.pk, "abstain")
    _populate(30, 1, users)
    big = Decision.objects.order_by("-pk").first()
    for agency in Agency.objects.exclude(pk__in=represented_agency_ids(users["rep_a"]))[:20]:
        services.position_record_on_behalf(
            actor=None, decision=big, agency=agency, value="concur", evidence="Letter."
        )
    assert cast_count(big.pk, "concur") == first_small
    assert cast_count(big.pk, "abstain") == recast_small
    # 6 statements and the test transaction's savepoint pair.
    assert recast_small == first_small == 8
