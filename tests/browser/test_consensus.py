"""In a real browser, on the demo data: two representatives respond to the silence
motion in the UI, the deadline passes, the sweep closes it, and every decision page is
free of serious accessibility violations. Skips when chromium is missing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from consensus import tasks
from consensus.demo import EXPLICIT_TITLE, SILENCE_TITLE
from consensus.models import Decision, Position
from tests.browser.conftest import CHROMIUM

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


def test_silence_motion_answered_in_the_ui_and_closed_by_the_sweep(
    demo: Any,
    open_session: Any,
    time_machine: Any,
) -> None:
    decision = Decision.objects.get(title=SILENCE_TITLE)

    jaxa = open_session("jaxa.hod")
    jaxa.goto("/decisions/awaiting/")
    card = jaxa.page.locator(f"#inbox-{decision.pk}")
    card.get_by_role("button", name="Concur").click()
    card.locator(".receipt").wait_for()
    receipt = card.locator(".receipt code").inner_text()
    position = Position.objects.select_related("event").get(
        decision=decision, agency__acronym="JAXA"
    )
    assert receipt == position.event.hash

    csa = open_session("csa.hod")
    csa.goto(f"/decisions/{decision.pk}/")
    csa.page.locator("#cast #id_value").select_option("concur_with_reservation")
    csa.page.locator("#cast #id_statement").fill("CSA notes the schedule risk.")
    csa.page.get_by_role("button", name="Record position").click()
    csa.page.get_by_text("Receipt:").first.wait_for()
    assert "CSA notes the schedule risk." in csa.page.content()

    time_machine.move_to(decision.deadline + dt.timedelta(minutes=1), tick=True)
    tasks.decisions_close_due_task.delay()
    decision.refresh_from_db()
    assert decision.outcome == "adopted"
    jaxa.goto(f"/decisions/{decision.pk}/")
    assert "Outcome: Adopted" in jaxa.page.content()
    assert timezone.now() > decision.deadline


def test_decision_pages_are_accessible(demo: Any, open_session: Any) -> None:
    explicit = Decision.objects.get(title=EXPLICIT_TITLE)
    session = open_session("secretariat")
    problems: list[str] = []
    for path in (
        "/decisions/",
        "/decisions/awaiting/",
        "/decisions/new/",
        f"/decisions/{explicit.pk}/",
        f"/decisions/{explicit.pk}/ledger/",
    ):
        session.goto(path)
        problems += [f"{path}: {v['id']} {v['nodes']}" for v in session.axe_violations()]
    rep = open_session("nasa.hod")
    for path in ("/decisions/awaiting/", f"/decisions/{explicit.pk}/"):
        rep.goto(path)
        problems += [f"{path}: {v['id']} {v['nodes']}" for v in rep.axe_violations()]
    assert problems == []
