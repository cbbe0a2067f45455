"""Decision pages: role matrix, casting with and without HTMX, chair forms, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consensus import services
from consensus.models import Decision, Position, PositionEvent
from tests.consensus.conftest import NOW
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


PAGE_EXPECT = {
    "anonymous": 302,
    "rep_a": 200,
    "rep_b": 200,
    "chair": 200,
    "secretariat": 200,
    "api_client": 200,
}


@pytest.mark.parametrize(("role", "expected"), PAGE_EXPECT.items())
def test_pages_role_matrix(
    web_as: Any, open_motion: Any, frozen: Any, role: str, expected: int
) -> None:
    decision = open_motion()
    client = web_as(role)
    for url in (
        "/decisions/",
        "/decisions/awaiting/",
        f"/decisions/{decision.pk}/",
        f"/decisions/{decision.pk}/ledger/",
    ):
        assert client.get(url).status_code == expected, url


OPEN_PAGE_EXPECT = {
    "anonymous": 302,
    "rep_a": 403,
    "rep_b": 403,
    "chair": 200,
    "secretariat": 200,
    "api_client": 403,
}


@pytest.mark.parametrize(("role", "expected"), OPEN_PAGE_EXPECT.items())
def test_open_page_role_matrix(web_as: Any, frozen: Any, role: str, expected: int) -> None:
    assert web_as(role).get("/decisions/new/").status_code == expected


def test_chair_opens_a_motion_in_their_time_zone(web_as: Any, users: dict, frozen: Any) -> None:
    chair = users["chair"]
    chair.time_zone = "Asia/Tokyo"
    chair.save()
    response = web_as("chair").post(
        "/decisions/new/",
        {
            "title": "Endorse the GER supplement",
            "text": "The group endorses it.",
            "deadline": "2026-11-28T09:00",
            "procedure": "silence",
            "quorum_numerator": 2,
            "quorum_denominator": 3,
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.deadline == dt.datetime(2026, 11, 28, 0, 0, tzinfo=dt.UTC)
    assert decision.procedure == "silence"


def test_open_with_past_deadline_shows_field_error(web_as: Any, frozen: Any) -> None:
    response = web_as("secretariat").post(
        "/decisions/new/",
        {
            "title": "T",
            "text": "x",
            "deadline": "2026-11-01T09:00",
            "procedure": "explicit",
            "quorum_numerator": 2,
            "quorum_denominator": 3,
        },
    )
    assert response.status_code == 200
    assert "must be in the future" in response.content.decode()
    assert not Decision.objects.exists()


def test_detail_page_shows_text_tally_table_history(
    web_as: Any, users: dict, agency_a: Any, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(procedure="silence", text="We **welcome** it. <script>alert(1)</script>")
    services.position_cast(
        actor=users["rep_a"],
        decision=decision,
        agency=agency_a,
        value="concur_with_reservation",
        statement="Subject to our board.",
    )
    services.position_cast(
        actor=users["rep_b"],
        decision=decision,
        agency=agency_b,
        value="object",
        statement="Timing is wrong.",
    )
    html = web_as("rep_a").get(f"/decisions/{decision.pk}/").content.decode()
    assert "<strong>welcome</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'class="countdown"' in html
    assert "Subject to our board." in html
    assert "Timing is wrong." in html
    assert "silence is broken" in html
    assert 'role="img" aria-label="With reservation: 1, Object: 1, No response: 1"' in html
    assert "Silence broken" in html or "Silencebroken" in html
    assert "Your agency's position" in html


def test_outcome_with_reason_shown_after_close(web_as: Any, open_motion: Any, frozen: Any) -> None:
    decision = open_motion(procedure="silence", days=1)
    services.decision_close_if_due(decision_id=decision.pk, now=NOW + dt.timedelta(days=1))
    html = web_as("rep_b").get(f"/decisions/{decision.pk}/").content.decode()
    assert "Outcome: Adopted" in html
    assert "No agency broke silence" in html
    assert "Record position" not in html


def test_one_click_concur_without_javascript(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    client = web_as("rep_a")
    assert decision.title in client.get("/decisions/awaiting/").content.decode()
    response = client.post(
        f"/decisions/{decision.pk}/cast/",
        {"agency": agency_a.pk, "value": "concur", "from": "inbox"},
        follow=True,
    )
    event = PositionEvent.objects.get()
    html = response.content.decode()
    assert event.hash in html  # the receipt
    assert "Nothing awaits your agency" in html


def test_one_click_abstain_with_htmx_returns_receipt_fragment(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    response = web_as("rep_a").post(
        f"/decisions/{decision.pk}/cast/",
        {"agency": agency_a.pk, "value": "abstain", "from": "inbox"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert PositionEvent.objects.get().hash in html
    assert Position.objects.get().value == "abstain"


def test_objection_without_grounds_is_refused_in_the_form(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    response = web_as("rep_a").post(
        f"/decisions/{decision.pk}/cast/", {"agency": agency_a.pk, "value": "object"}
    )
    assert response.status_code == 400
    assert "An objection needs written grounds." in response.content.decode()
    response = web_as("rep_a").post(
        f"/decisions/{decision.pk}/cast/",
        {"agency": agency_a.pk, "value": "object", "from": "inbox"},
        HTTP_HX_REQUEST="true",
    )
    assert "An objection needs written grounds." in response.content.decode()
    assert not PositionEvent.objects.exists()


def test_cannot_cast_for_another_agency_in_the_ui(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    response = web_as("rep_b").post(
        f"/decisions/{decision.pk}/cast/", {"agency": agency_a.pk, "value": "concur"}
    )
    assert response.status_code == 400
    assert not PositionEvent.objects.exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("rep_a", False), ("api_client", False), ("chair", True), ("secretariat", True)],
)
def test_extend_and_withdraw_forms(
    web_as: Any, open_motion: Any, frozen: Any, role: str, allowed: bool
) -> None:
    decision = open_motion(days=2)
    client = web_as(role)
    response = client.post(
        f"/decisions/{decision.pk}/extend/", {"deadline": "2026-11-30T12:00", "reason": "x"}
    )
    assert response.status_code == (302 if allowed else 403)
    # Withdrawing asks for confirmation first: the first POST records nothing.
    response = client.post(f"/decisions/{decision.pk}/withdraw/", {"reason": "Moot"})
    assert response.status_code == (200 if allowed else 403)
    decision.refresh_from_db()
    assert decision.state == "open"
    response = client.post(
        f"/decisions/{decision.pk}/withdraw/", {"reason": "Moot", "confirmed": "1"}
    )
    assert response.status_code == (302 if allowed else 403)
    decision.refresh_from_db()
    assert (decision.outcome == "withdrawn") is allowed


def test_record_on_behalf_form(web_as: Any, agency_b: Any, open_motion: Any, frozen: Any) -> None:
    decision = open_motion()
    client = web_as("secretariat")
    assert (
        "Record a position on an agency"
        in client.get(f"/decisions/{decision.pk}/").content.decode()
    )
    response = client.post(
        f"/decisions/{decision.pk}/record/",
        {"agency": agency_b.pk, "value": "concur", "evidence": ""},
    )
    assert response.status_code == 400
    response = client.post(
        f"/decisions/{decision.pk}/record/",
        {"agency": agency_b.pk, "value": "concur", "evidence": "Email from HoD, 3 May"},
    )
    assert response.status_code == 302
    assert PositionEvent.objects.get().on_behalf
    assert (
        web_as("chair")
        .post(
            f"/decisions/{decision.pk}/record/",
            {"agency": agency_b.pk, "value": "abstain", "evidence": "x"},
        )
        .status_code
        == 403
    )


def test_list_filter_and_htmx_fragment(web_as: Any, open_motion: Any, frozen: Any) -> None:
    open_motion(title="Alpha motion")
    closed = open_motion(title="Beta motion")
    services.decision_withdraw(actor=None, decision=closed, reason="x")
    client = web_as("rep_a")
    html = client.get("/decisions/?state=open").content.decode()
    assert "Alpha motion" in html and "Beta motion" not in html
    fragment = client.get("/decisions/?outcome=withdrawn", HTTP_HX_REQUEST="true").content.decode()
    assert "Beta motion" in fragment and "<html" not in fragment


def _queries(client: Any, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(agencies: int, decisions: int) -> None:
    for i in range(agencies):
        AgencyFactory(acronym=f"Q{i:02d}")
    for i in range(decisions):
        services.decision_open(
            actor=None,
            kind="motion",
            title=f"D{i}",
            text="x",
            deadline=timezone.now() + dt.timedelta(days=3),
        )


def test_page_query_counts_do_not_grow(
    web_as: Any, users: dict, agency_a: Any, frozen: Any
) -> None:
    client = web_as("rep_a")
    _grow(0, 5)  # 3 agencies, 5 decisions
    first = Decision.objects.order_by("pk").first()
    small = [
        _queries(client, "/decisions/"),
        _queries(client, f"/decisions/{first.pk}/"),
        _queries(client, "/decisions/awaiting/"),
    ]
    _grow(27, 45)  # 30 agencies, 50 decisions
    last = Decision.objects.order_by("pk").last()
    services.position_cast(actor=users["rep_a"], decision=last, agency=agency_a, value="concur")
    big = [
        _queries(client, "/decisions/"),
        _queries(client, f"/decisions/{last.pk}/"),
        _queries(client, "/decisions/awaiting/"),
    ]
    assert big == small


def test_get_on_cast_url_goes_to_the_decision_page(
    client: Any, users: Any, open_motion: Any
) -> None:
    """Signing in again after a session expired mid-form lands on the cast URL with a GET."""
    decision = open_motion()
    client.force_login(users["rep_a"])
    response = client.get(f"/decisions/{decision.pk}/cast/")
    assert response.status_code == 302
    assert response["Location"] == f"/decisions/{decision.pk}/"
    assert not PositionEvent.objects.filter(decision=decision).exists()


def test_decision_list_pages_open_first_and_keeps_the_filter(
    web_as: Any, users: dict, frozen: Any, monkeypatch: Any
) -> None:
    """The list shows a page at a time: open decisions by nearest deadline, then closed ones."""
    from consensus import views

    assert views.LIST_PAGE_SIZE == 50
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 5)
    soon = timezone.now() + dt.timedelta(days=2)
    for number in range(7):
        services.decision_open(
            actor=None,
            kind="motion",
            title=f"Open motion {number:02d}",
            text="x",
            deadline=soon + dt.timedelta(hours=7 - number),
        )
    closed = services.decision_open(
        actor=None, kind="motion", title="Withdrawn motion", text="x", deadline=soon
    )
    services.decision_withdraw(actor=None, decision=closed, reason="Superseded.")
    client = web_as("rep_a")

    first = client.get("/decisions/").content.decode()
    # Nearest deadline first: motion 06 is due first, motion 00 last.
    assert first.index("Open motion 06") < first.index("Open motion 02")
    assert "Open motion 01" not in first and "Withdrawn motion" not in first
    assert "Page 1 of 2" in first and "(1\N{EN DASH}5 of 8)" in first
    assert 'href="?page=2" rel="next"' in first

    second = client.get("/decisions/?page=2").content.decode()
    assert "Open motion 00" in second and "Withdrawn motion" in second
    assert second.index("Open motion 00") < second.index("Withdrawn motion")
    assert "Open motion 06" not in second

    # A filter survives paging; a page past the end shows the last page.
    filtered = client.get("/decisions/?state=open&page=2").content.decode()
    assert "Withdrawn motion" not in filtered and "Open motion 00" in filtered
    assert 'href="?state=open&amp;page=1" rel="first"' in filtered
    assert "Page 2 of 2" in client.get("/decisions/?page=99").content.decode()
    assert "Page 1 of 2" in client.get("/decisions/?page=x").content.decode()


def test_awaiting_badge_is_exact_then_capped(
    web_as: Any, users: dict, agency_a: Any, frozen: Any, monkeypatch: Any
) -> None:
    """The list's badge counts decisions awaiting the agency, reading at most cap + 1 rows."""
    from consensus import selectors

    client = web_as("rep_a")
    assert "Awaiting your agency" not in client.get("/decisions/").content.decode()
    for number in range(3):
        services.decision_open(
            actor=None,
            kind="motion",
            title=f"Motion {number}",
            text="x",
            deadline=timezone.now() + dt.timedelta(days=3),
        )
    assert "Awaiting your agency (3)" in client.get("/decisions/").content.decode()
    monkeypatch.setattr(selectors, "AWAITING_BADGE_CAP", 2)
    assert "Awaiting your agency (2+)" in client.get("/decisions/").content.decode()
    monkeypatch.setattr(selectors, "AWAITING_BADGE_CAP", 99)
    first = Decision.objects.order_by("pk").first()
    services.position_cast(actor=users["rep_a"], decision=first, agency=agency_a, value="concur")
    assert "Awaiting your agency (2)" in client.get("/decisions/").content.decode()


# --- the position form says what it will record (issue 12, section 3) -----------------


def _cast(client: Any, decision: Any, **data: Any) -> Any:
    return client.post(f"/decisions/{decision.pk}/cast/", data)


def test_first_answer_preselects_nothing_and_a_missing_choice_is_a_field_error(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    client = web_as("rep_a")
    html = client.get(f"/decisions/{decision.pk}/").content.decode()
    assert '<option value="" selected>Choose a position</option>' in html
    assert "selected>Concur</option>" not in html
    response = _cast(client, decision, agency=agency_a.pk, value="", statement="")
    assert response.status_code == 400
    assert "Choose the position to record." in response.content.decode()
    assert not PositionEvent.objects.exists()


def test_the_form_preselects_the_position_on_record(
    web_as: Any, users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(
        actor=users["rep_a"],
        decision=decision,
        agency=agency_a,
        value="concur_with_reservation",
        statement="Subject to our board.",
    )
    html = web_as("rep_a").get(f"/decisions/{decision.pk}/").content.decode()
    assert '<option value="concur_with_reservation" selected>' in html
    assert ">\nSubject to our board.</textarea>" in html


def test_an_objection_is_confirmed_in_words_before_it_is_recorded(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion(procedure="silence")
    client = web_as("rep_a")
    grounds = "Our launch manifest conflicts."
    response = _cast(client, decision, agency=agency_a.pk, value="object", statement=grounds)
    assert response.status_code == 200
    html = response.content.decode()
    assert "AAA will OBJECT." in html
    assert "It breaks the silence" in html
    assert grounds in html
    assert 'name="confirmed" value="1"' in html
    assert 'name="expected" value=""' in html
    assert not PositionEvent.objects.exists()

    response = _cast(
        client,
        decision,
        agency=agency_a.pk,
        value="object",
        statement=grounds,
        confirmed="1",
        expected="",
    )
    assert response.status_code == 302
    event = PositionEvent.objects.get()
    assert (event.value, event.statement) == ("object", grounds)
    html = client.get(f"/decisions/{decision.pk}/").content.decode()
    assert '<option value="object" selected>' in html


def test_a_change_of_position_is_confirmed_and_a_change_meanwhile_asks_again(
    web_as: Any, users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    client = web_as("rep_a")
    assert _cast(client, decision, agency=agency_a.pk, value="concur").status_code == 302
    response = _cast(client, decision, agency=agency_a.pk, value="abstain")
    assert response.status_code == 200
    assert "AAA will change its position from Concur to Abstain." in response.content.decode()
    assert 'name="expected" value="concur"' in response.content.decode()
    assert Position.objects.get().value == "concur"

    # Another delegate of AAA changes the position before this one confirms.
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="recuse")
    response = _cast(
        client, decision, agency=agency_a.pk, value="abstain", confirmed="1", expected="concur"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "changed while you were confirming" in html
    assert "AAA will change its position from Recuse to Abstain." in html
    assert Position.objects.get().value == "recuse"

    response = _cast(
        client, decision, agency=agency_a.pk, value="abstain", confirmed="1", expected="recuse"
    )
    assert response.status_code == 302
    assert Position.objects.get().value == "abstain"
    assert PositionEvent.objects.count() == 3


def test_change_it_goes_back_to_the_form_as_filled_in(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    response = _cast(
        web_as("rep_a"),
        decision,
        agency=agency_a.pk,
        value="object",
        statement="Too early.",
        edit="1",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="object" selected>' in html
    assert "Too early.</textarea>" in html
    assert 'class="errorlist' not in html
    assert not PositionEvent.objects.exists()


def test_an_objection_from_the_inbox_is_confirmed_in_the_htmx_fragment(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    client = web_as("rep_a")
    target = f"quick-{decision.pk}-{agency_a.pk}"
    data = {"agency": agency_a.pk, "value": "object", "statement": "No.", "from": "inbox"}
    response = client.post(
        f"/decisions/{decision.pk}/cast/", data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "AAA will OBJECT." in html
    assert f'hx-target="#{target}"' in html
    assert 'name="from" value="inbox"' in html
    assert not PositionEvent.objects.exists()
    response = client.post(
        f"/decisions/{decision.pk}/cast/",
        {**data, "confirmed": "1", "expected": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=target,
    )
    assert PositionEvent.objects.get().hash in response.content.decode()


def test_a_first_concurrence_needs_no_confirmation_nor_does_the_api(
    web_as: Any, api_as: Any, agency_a: Any, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    assert _cast(web_as("rep_a"), decision, agency=agency_a.pk, value="concur").status_code == 302
    response = api_as("rep_b").post(
        f"/api/v1/decisions/{decision.pk}/positions/",
        {"value": "object", "statement": "No."},
        format="json",
    )
    assert response.status_code == 201
    assert Position.objects.get(agency=agency_b).value == "object"


def test_plain_concur_with_a_statement_is_refused_in_the_form(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    client = web_as("rep_a")
    response = _cast(client, decision, agency=agency_a.pk, value="concur", statement="Fine, but.")
    assert response.status_code == 400
    html = response.content.decode()
    assert "choose &quot;Concur with reservation&quot;" in html
    response = client.post(
        f"/decisions/{decision.pk}/cast/",
        {"agency": agency_a.pk, "value": "concur", "statement": "Fine, but.", "from": "inbox"},
        HTTP_HX_REQUEST="true",
    )
    assert "Concur with reservation" in response.content.decode()
    assert not PositionEvent.objects.exists()


CAST_CONFIRM_EXPECT = {
    "anonymous": 302,
    "rep_a": 200,
    "rep_b": 400,
    "chair": 400,
    "secretariat": 400,
    "api_client": 400,
}


@pytest.mark.parametrize(("role", "expected"), CAST_CONFIRM_EXPECT.items())
def test_only_the_agency_reaches_its_confirmation_step(
    web_as: Any, agency_a: Any, open_motion: Any, frozen: Any, role: str, expected: int
) -> None:
    decision = open_motion()
    response = _cast(web_as(role), decision, agency=agency_a.pk, value="object", statement="No.")
    assert response.status_code == expected
    assert ("AAA will OBJECT." in response.content.decode()) is (expected == 200)
    assert not PositionEvent.objects.exists()


def test_withdraw_confirmation_page_says_what_happens(
    web_as: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    client = web_as("secretariat")
    response = client.post(f"/decisions/{decision.pk}/withdraw/", {"reason": "Superseded."})
    html = response.content.decode()
    assert "Withdraw this decision?" in html and "cannot be undone" in html
    assert 'name="reason" value="Superseded."' in html
    assert 'name="confirmed" value="1"' in html
    # A missing reason is a field error, before any confirmation.
    response = client.post(f"/decisions/{decision.pk}/withdraw/", {"reason": ""})
    assert response.status_code == 400
    assert "Withdraw this decision?" not in response.content.decode()
    decision.refresh_from_db()
    assert decision.state == "open"


def test_new_grounds_for_a_standing_objection_are_confirmed(
    web_as: Any, users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(
        actor=users["rep_a"], decision=decision, agency=agency_a, value="object", statement="A."
    )
    response = _cast(web_as("rep_a"), decision, agency=agency_a.pk, value="object", statement="B.")
    assert response.status_code == 200
    assert "AAA will still OBJECT, as recorded below." in response.content.decode()
    assert Position.objects.get().statement == "A."
