"""The issue's "done when", through the pages: venue proposed and agreed by consensus, the
meeting held, minutes drafted, commented and issued by the chair, the chair handed over."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from meetings.models import ChairTerm, HandoverChecklist, MeetingState, MinutesState, VenueProposal
from tests.meetings.conftest import at

pytestmark = pytest.mark.django_db


def test_venue_to_handover_through_the_pages(
    web_as: Any, users: Any, agency_a: Any, chair_agency: Any, adopt: Any
) -> None:
    with time_machine.travel(at(2026, 11, 21, 10), tick=False):
        secretariat, chair, rep_a = web_as("secretariat"), web_as("chair"), web_as("rep_a")
        response = secretariat.post(
            "/meetings/propose/",
            {
                "title": "ISECG plenary 2027",
                "kind": "plenary",
                "host_agencies": [agency_a.pk],
                "city": "Rome",
                "country": "Italy",
                "starts_at": "2027-02-10T09:00",
                "ends_at": "2027-02-11T17:00",
                "time_zone": "Europe/Rome",
                "associated_event": "Exploration conference",
                "cost_acknowledged": "on",
            },
        )
        assert response.status_code == 302
        proposal = VenueProposal.objects.get()
        meeting = proposal.meeting
        assert (
            secretariat.post(
                f"/meetings/{meeting.pk}/venue/decide/", {"deadline": "2026-12-15T12:00"}
            ).status_code
            == 302
        )
        from consensus.selectors import decisions_for_subject

        adopt(decisions_for_subject(proposal).get())
        meeting.refresh_from_db()
        assert meeting.state == MeetingState.SCHEDULED
        nomination = meeting.chair_nominations.get()
        assert (
            chair.post(
                f"/meetings/chair/nominations/{nomination.pk}/decide/",
                {"deadline": "2026-12-20T12:00"},
            ).status_code
            == 302
        )
        adopt(decisions_for_subject(nomination).get())
        assert (
            rep_a.post(f"/meetings/{meeting.pk}/delegation/", {"agency": agency_a.pk}).status_code
            == 302
        )

    with time_machine.travel(at(2027, 2, 11, 15), tick=False):
        # Sessions expire over months: sign in again.
        secretariat, rep_a = web_as("secretariat"), web_as("rep_a")
        assert secretariat.post(f"/meetings/{meeting.pk}/state/held/").status_code == 302
        meeting.refresh_from_db()
        assert meeting.state == MeetingState.HELD
        term = ChairTerm.objects.get(ends_on__isnull=True)
        assert term.agency == agency_a and term.assumed_at == meeting
        checklist = HandoverChecklist.objects.get(term=term)
        page = web_as("chair").get("/meetings/chair/").content.decode()
        assert "Handover checklist" in page
        assert secretariat.post(f"/meetings/{meeting.pk}/minutes/draft/").status_code == 302
        minutes = meeting.minutes.get()
        assert "Decisions taken since the previous meeting" in minutes.body
        assert "Venue: ISECG plenary 2027 in Rome" in minutes.body
        assert (
            secretariat.post(
                f"/meetings/{meeting.pk}/minutes/{minutes.pk}/circulate/",
                {"deadline": "2027-02-25T12:00"},
            ).status_code
            == 302
        )
        assert (
            rep_a.post(
                f"/meetings/{meeting.pk}/minutes/{minutes.pk}/comment/",
                {"agency": agency_a.pk, "body": "Please add our thanks to the hosts."},
            ).status_code
            == 302
        )
        item = checklist.items.first()
        if item is not None:
            assert secretariat.post(f"/meetings/chair/handover/{item.pk}/done/").status_code == 302

    with time_machine.travel(at(2027, 2, 26), tick=False):
        # The new chair (AAA's head of delegation) issues the minutes.
        new_chair = web_as("rep_a")
        assert (
            new_chair.post(
                f"/meetings/{meeting.pk}/minutes/{minutes.pk}/issue/", {"confirm": "on"}
            ).status_code
            == 302
        )
    minutes.refresh_from_db()
    meeting.refresh_from_db()
    assert minutes.state == MinutesState.ISSUED
    assert meeting.state == MeetingState.MINUTES_ISSUED
    assert minutes.comments.get().body == "Please add our thanks to the hosts."
    assert minutes.issued_by == users["rep_a"] and minutes.approved_by == users["rep_a"]
    assert minutes.approval_agency == agency_a
