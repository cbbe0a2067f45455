"""The daily-work journeys, end to end in Debian's chromium against a live server with
the demo data. Each saves screenshots of its key pages (docs/screenshots/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

LETTER = (
    Path(__file__).resolve().parents[2] / "membership" / "data" / "fictional_atlantis_letter.pdf"
)


def open_silence_decision(days: int = 3) -> Any:
    """A motion under the silence procedure, opened by the system (journeys 2 and 3)."""
    from consensus import services as consensus

    return consensus.decision_open(
        actor=None,
        kind="motion",
        title="Adopt the 2027 Global Exploration Roadmap supplement",
        text="The participating agencies **endorse** the supplement.",
        deadline=timezone.now() + dt.timedelta(days=days),
        procedure="silence",
    )


def test_secretariat_records_circulates_and_opens_a_silence_decision(
    demo: None, open_session: Any
) -> None:
    from consensus.models import Decision
    from membership.models import MembershipRequest

    s = open_session("secretariat")
    page = s.page
    s.goto("/")
    assert page.url.endswith("/secretariat/")
    s.screenshot("dashboard")
    s.assert_accessible()

    s.goto("/membership/requests/new/")
    page.get_by_label("Agency").select_option(
        label=page.locator("#id_agency option", has_text="FSAA").first.inner_text()
    )
    page.get_by_label("Received on").fill("2026-11-20")
    page.get_by_label("Letter").set_input_files(str(LETTER))
    page.get_by_label("Signatory name").fill("Dr. Cleito Poseidonis")
    page.get_by_label("Signatory title").fill("Director General")
    page.get_by_label("Shares the principles").check()
    page.get_by_label("Accepts the Terms of Reference").check()
    page.get_by_label("Objectives in joining").fill("To coordinate lunar exploration plans.")
    page.get_by_label("Exploration capabilities").fill("A lunar lander in development.")
    s.assert_accessible()
    page.get_by_role("button", name="Submit the request").click()
    page.wait_for_url("**/membership/requests/*/")
    request = MembershipRequest.objects.get(agency__acronym="FSAA")
    s.screenshot("journey1-request-recorded")

    page.get_by_label("Procedure").select_option("silence")
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=14), dt.UTC)
    page.get_by_label("Deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    s.assert_accessible()
    page.get_by_role("button", name="Circulate and open the decision").click()
    page.wait_for_load_state()
    request.refresh_from_db()
    assert request.state == "decision_open"
    decision = Decision.objects.get(pk=request.decision_id)
    assert decision.procedure == "silence" and decision.state == "open"
    s.screenshot("journey1-decision-opened")

    s.goto("/secretariat/")
    assert page.get_by_role("link", name=decision.title).count() >= 1
    s.screenshot("journey1-dashboard")


def test_two_representatives_concur_and_object_then_the_objection_is_withdrawn(
    demo: None, open_session: Any
) -> None:
    from consensus.models import Position, PositionEvent

    decision = open_silence_decision()
    url = f"/decisions/{decision.pk}/"

    esa = open_session("esa.hod")
    esa.goto(url)
    esa.page.locator("#id_value").select_option("concur")
    with esa.page.expect_navigation():
        esa.page.get_by_role("button", name="Record position").click()
    assert Position.objects.get(decision=decision, agency__acronym="ESA").value == "concur"

    # The objector votes with the keyboard alone (WCAG 2.1.1).
    jaxa = open_session("jaxa.hod", phone=True)
    jaxa.goto(url)
    page = jaxa.page
    active = (
        "document.activeElement && (document.activeElement.id || document.activeElement.tagName)"
    )
    for _ in range(80):  # from the top of the page, Tab until the position control
        page.keyboard.press("Tab")
        if page.evaluate(active) == "id_value":
            break
    assert page.evaluate(active) == "id_value"
    page.keyboard.type("Object")
    assert page.locator("#id_value").input_value() == "object"
    page.keyboard.press("Tab")
    assert page.evaluate(active) == "id_statement"
    page.keyboard.type("The proposed timeline conflicts with our launch manifest.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Record position"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Nothing is recorded before the delegate confirms what will be (issue 12).
    assert page.locator(".confirm-summary").inner_text() == "JAXA will OBJECT."
    assert not Position.objects.filter(decision=decision, agency__acronym="JAXA").exists()
    confirm = page.get_by_role("button", name="Confirm: record Object")
    confirm.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    objection = Position.objects.get(decision=decision, agency__acronym="JAXA")
    assert objection.value == "object" and "launch manifest" in objection.statement
    jaxa.screenshot("vote-390px")
    jaxa.assert_accessible()
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right + window.scrollX > 392)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right + window.scrollX))
            .slice(0, 8)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 391, wide

    # A second submit while the first is on its way is cancelled (static/js/submit-once.js).
    # A listener on window, after the script's own on document, sees each submit event
    # and keeps this page from leaving, so the check needs no race against the network.
    prevented = page.evaluate(
        """() => {
            const seen = [];
            const spy = (e) => { seen.push(e.defaultPrevented); e.preventDefault(); };
            window.addEventListener("submit", spy);
            const form = document.querySelector("#id_statement").form;
            form.requestSubmit();
            form.requestSubmit();
            window.removeEventListener("submit", spy);
            return seen;
        }"""
    )
    assert prevented == [False, True]
    page.reload()

    # Sending the same position again records no new event.
    events = PositionEvent.objects.filter(decision=decision, agency__acronym="JAXA").count()
    page.locator("#id_value").select_option("object")
    page.locator("#id_statement").fill("The proposed timeline conflicts with our launch manifest.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record position").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm: record Object").click()
    assert PositionEvent.objects.filter(decision=decision, agency__acronym="JAXA").count() == events

    # The objector withdraws the objection: a change of position, confirmed in words.
    page.locator("#id_value").select_option("concur")
    page.locator("#id_statement").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Record position").click()
    assert page.locator(".confirm-summary").inner_text() == (
        "JAXA will change its position from Object to Concur."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm: record Concur").click()
    assert Position.objects.get(decision=decision, agency__acronym="JAXA").value == "concur"
    esa.goto(url)
    esa.screenshot("decision")
    esa.assert_accessible()


def test_deadline_passes_the_worker_closes_and_both_homes_show_the_outcome(
    demo: None, open_session: Any
) -> None:
    from agencies.models import Agency
    from consensus import services as consensus
    from consensus.tasks import decisions_close_due_task
    from isecg.models import User

    decision = open_silence_decision(days=2)
    esa = Agency.objects.get(acronym="ESA")
    consensus.position_cast(
        actor=User.objects.get(username="esa.hod"), decision=decision, agency=esa, value="concur"
    )
    with time_machine.travel(decision.deadline + dt.timedelta(minutes=5), tick=True):
        decisions_close_due_task()  # the worker's beat sweep, run eagerly
        decision.refresh_from_db()
        assert (decision.state, decision.outcome) == ("closed", "adopted")

        rep = open_session("nasa.hod")
        rep.goto("/")
        assert rep.page.url.endswith("/secretariat/my-agency/")
        outcomes = rep.page.locator("#outcomes-h + ul")
        assert decision.title in outcomes.inner_text() and "Adopted" in outcomes.inner_text()
        rep.screenshot("representative-home")
        rep.assert_accessible()

        sec = open_session("secretariat")
        sec.goto("/")
        outcomes = sec.page.locator("#outcomes-h + ul")
        assert decision.title in outcomes.inner_text() and "Adopted" in outcomes.inner_text()
        sec.screenshot("journey3-dashboard-outcome")


def test_secretariat_schedules_a_meeting_minutes_are_drafted_and_the_chair_issues_them(
    demo: None, open_session: Any
) -> None:
    from agencies.models import Representative
    from agencies.roles import chair_agency_id
    from meetings.models import Meeting, Minutes

    chair_username = (
        Representative.objects.filter(
            agency_id=chair_agency_id(), revoked_at__isnull=True, kind="head"
        )
        .values_list("user__username", flat=True)
        .order_by("user__username")
        .first()
    )
    assert chair_username, "the demo data names a chair agency with a head of delegation"
    starts = (
        (timezone.now() + dt.timedelta(days=2))
        .astimezone(dt.UTC)
        .replace(minute=0, second=0, microsecond=0)
    )

    sec = open_session("secretariat")
    page = sec.page
    # ToR III.2.2: the secretariat schedules remote meetings; a hosted one is agreed by consensus.
    sec.goto("/meetings/new/")
    page.get_by_label("Title").fill("ISECG extraordinary teleconference")
    page.locator("#id_kind").select_option("teleconference")
    page.locator("#id_starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_ends_at").fill((starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_time_zone").select_option("UTC")
    page.get_by_label("Dial-in details").fill("https://meet.isecg.example/plenary")
    sec.assert_accessible()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    meeting = Meeting.objects.get(title="ISECG extraordinary teleconference")
    if meeting.state == "proposed":
        with page.expect_navigation():
            page.get_by_role("button", name="Schedule").click()
    meeting.refresh_from_db()
    assert meeting.state == "scheduled"
    sec.screenshot("journey4-meeting-scheduled")

    with time_machine.travel(starts + dt.timedelta(hours=9), tick=True):
        # Days later: the secretariat signs in again (sessions end when idle).
        sec = open_session("secretariat")
        page = sec.page
        sec.goto(f"/meetings/{meeting.pk}/")
        with page.expect_navigation():
            page.get_by_role("button", name="Record as held").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Draft the minutes").click()
        minutes = Minutes.objects.get(meeting=meeting)
        assert minutes.state == "draft"
        sec.goto(f"/meetings/{meeting.pk}/")
        deadline = (timezone.now() + dt.timedelta(days=2)).astimezone(dt.UTC)
        page.locator("form[action$='/circulate/'] input[name=deadline]").fill(
            deadline.strftime("%Y-%m-%dT%H:%M")
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Circulate for comments").click()
        minutes.refresh_from_db()
        assert minutes.state == "circulated"
        sec.screenshot("journey4-minutes-circulated")
        sec.assert_accessible()

    with time_machine.travel(starts + dt.timedelta(days=3, hours=9), tick=True):
        chair = open_session(chair_username)
        chair.goto(f"/meetings/{meeting.pk}/")
        with chair.page.expect_navigation():
            chair.page.get_by_role("link", name="Issue the minutes").click()
        chair.page.get_by_label("I confirm").check()  # issuing is irreversible
        with chair.page.expect_navigation():
            chair.page.get_by_role("button", name="Issue the minutes").click()
        minutes.refresh_from_db()
        meeting.refresh_from_db()
        assert minutes.state == "issued" and meeting.state == "minutes_issued"
        chair.screenshot("journey4-minutes-issued")
        chair.assert_accessible()
