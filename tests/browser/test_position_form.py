"""The position form says what it will record (issue 12, section 3), on a 390 px screen.

A delegate's first answer has nothing preselected; an objection typed before the session
expired comes back after signing in again with its choice as well as its grounds; the
delegate confirms in words ("NASA will OBJECT") before anything is recorded; the ledger
then holds the objection and the form preselects it. Skips when chromium is missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import CHROMIUM, DEMO_PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

GROUNDS = "The proposed timeline conflicts with our launch manifest."


def _fits_390(page: Any) -> None:
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right + window.scrollX > 392)
            .map(e => e.tagName + '.' + e.className)
            .slice(0, 8)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 391, wide


def test_an_objection_survives_an_expired_session_and_is_confirmed_in_words(
    demo: None, open_session: Any, settings: Any, time_machine: Any
) -> None:
    from consensus import services as consensus
    from consensus.models import Position, PositionEvent

    settings.SESSION_IDLE_TIMEOUT = 30 * 60  # production's idle limit
    decision = consensus.decision_open(
        actor=None,
        kind="motion",
        title="Adopt the 2027 Global Exploration Roadmap supplement",
        text="The participating agencies **endorse** the supplement.",
        deadline=timezone.now() + dt.timedelta(days=3),
        procedure="silence",
    )
    url = f"/decisions/{decision.pk}/"
    nasa = open_session("nasa.hod", phone=True)
    page = nasa.page
    nasa.goto(url)

    # 1. A first answer: nothing is preselected.
    value = page.get_by_role("combobox", name="Position")
    assert value.input_value() == ""
    assert value.locator("option:checked").inner_text() == "Choose a position"
    value.select_option("object")
    page.get_by_label("Statement or grounds").fill(GROUNDS)

    # The session expires (idle) while the delegate types; sending shows the sign-in page.
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=31), tick=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Record position").click()
    assert "/accounts/login/" in page.url
    assert "What you typed is kept" in page.locator(".draft-notice").inner_text()
    assert not PositionEvent.objects.filter(decision=decision).exists()

    page.get_by_label("Username").fill("nasa.hod")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Signing in returns to the cast URL with a GET, which goes on to the decision page.
    page.wait_for_url(f"**{url}")
    page.locator(".draft-notice").wait_for()

    # 2. The restored draft has every field: the choice as well as the grounds.
    assert "put back" in page.locator(".draft-notice").inner_text()
    assert page.get_by_role("combobox", name="Position").input_value() == "object"
    assert page.get_by_label("Statement or grounds").input_value() == GROUNDS

    # 3. Before anything is recorded, the delegate reads what will be, and confirms it.
    with page.expect_navigation():
        page.get_by_role("button", name="Record position").click()
    assert page.locator(".confirm-summary").inner_text() == "NASA will OBJECT."
    assert GROUNDS in page.locator(".confirm-statement").inner_text()
    assert not PositionEvent.objects.filter(decision=decision).exists()
    nasa.screenshot("confirm-objection-390px")
    nasa.assert_accessible()
    _fits_390(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm: record Object").click()

    event = PositionEvent.objects.get(decision=decision, agency__acronym="NASA")
    assert (event.value, event.statement) == ("object", GROUNDS)
    position = Position.objects.get(decision=decision, agency__acronym="NASA")
    assert position.value == "object" and position.event_id == event.pk
    assert event.hash in page.locator(".messages").inner_text()

    # The form now starts from the position on record, and the draft is gone.
    assert page.get_by_role("combobox", name="Position").input_value() == "object"
    assert page.get_by_label("Statement or grounds").input_value() == GROUNDS
    assert page.locator(".draft-notice").count() == 0

    # A change of position is put in words as well.
    page.get_by_role("combobox", name="Position").select_option("concur_with_reservation")
    page.get_by_label("Statement or grounds").fill("Subject to our launch manifest.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record position").click()
    assert page.locator(".confirm-summary").inner_text() == (
        "NASA will change its position from Object to Concur with reservation."
    )
    assert Position.objects.get(pk=position.pk).value == "object"
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm: record Concur with reservation").click()
    assert Position.objects.get(pk=position.pk).value == "concur_with_reservation"
    assert page.get_by_role("combobox", name="Position").input_value() == "concur_with_reservation"


def test_withdrawing_a_decision_asks_for_confirmation(demo: None, open_session: Any) -> None:
    from consensus import services as consensus

    decision = consensus.decision_open(
        actor=None,
        kind="motion",
        title="A motion to withdraw",
        text="x",
        deadline=timezone.now() + dt.timedelta(days=3),
        procedure="silence",
    )
    sec = open_session("secretariat", phone=True)
    page = sec.page
    sec.goto(f"/decisions/{decision.pk}/")
    page.get_by_label("Reason for withdrawing").fill("Superseded by the new roadmap.")
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw the decision").click()
    assert "cannot be undone" in page.content()
    decision.refresh_from_db()
    assert decision.state == "open"
    sec.assert_accessible()
    _fits_390(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm: withdraw the decision").click()
    decision.refresh_from_db()
    assert decision.outcome == "withdrawn"


def test_an_objection_from_the_inbox_is_confirmed_in_place(demo: None, open_session: Any) -> None:
    from consensus import services as consensus
    from consensus.models import Position

    decision = consensus.decision_open(
        actor=None,
        kind="motion",
        title="A motion answered from the inbox",
        text="x",
        deadline=timezone.now() + dt.timedelta(days=3),
        procedure="silence",
    )
    jaxa = open_session("jaxa.hod", phone=True)
    page = jaxa.page
    jaxa.goto("/decisions/awaiting/")
    card = page.locator(f"#inbox-{decision.pk}")
    card.get_by_text("Concur with a reservation, object or recuse").click()
    card.get_by_label("Position").select_option("object")
    card.get_by_label("Statement or grounds").fill(GROUNDS)
    card.get_by_role("button", name="Record position").click()
    summary = card.locator(".confirm-summary")
    summary.wait_for()
    assert summary.inner_text() == "JAXA will OBJECT."
    assert page.url.endswith("/decisions/awaiting/")  # swapped in place by htmx
    assert not Position.objects.filter(decision=decision).exists()
    jaxa.assert_accessible()
    card.get_by_role("button", name="Confirm: record Object").click()
    card.locator(".receipt").wait_for()
    position = Position.objects.select_related("event").get(decision=decision)
    assert (position.value, position.statement) == ("object", GROUNDS)
    assert position.event.hash in card.locator(".receipt").inner_text()
