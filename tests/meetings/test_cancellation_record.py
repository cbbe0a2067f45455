"""Issue 12: what a cancellation leaves behind.

ToR III.2.2: the host of a meeting assumes the chair there, and "the chair ensures
continuity with the next chair". Formerly a chair nomination agreed for a meeting that was
then cancelled stayed "agreed" for ever and could never take effect; it now lapses, recorded
and announced, and the current chair stays. The cancellation (who, on whose behalf, why, the
evidence) was on the web page only; it is now a typed read model
(`meetings.selectors.meeting_cancellation`) shared by the page and the API detail.
"""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from consensus.models import Decision
from isecg.errors import ConflictError
from isecg.models import AuditEvent, Notification
from meetings import selectors, services
from meetings.models import ChairNomination, ChairNominationState, ChairTerm, Meeting
from tests.conftest import ROLES
from tests.meetings.conftest import at
from tests.meetings.test_cancel import EVERYONE, _agreed_meeting, _teleconference

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 21, 10)


def _lapse_events(nomination: ChairNomination) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="chair_nomination.lapsed", object_id=str(nomination.pk))
    )


def _lapse_notified(nomination: ChairNomination) -> set[str]:
    return set(
        Notification.objects.filter(
            kind="meetings.chair_nomination_lapsed", key=f"chair_nomination:{nomination.pk}:lapsed"
        ).values_list("recipient__username", flat=True)
    )


# --- chair nominations of a cancelled meeting ---------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_agreed_nomination_lapses_when_the_meeting_is_cancelled(
    users: Any, agency_a: Any, chair_agency: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    nomination = meeting.chair_nominations.get()
    adopt(
        services.chair_nomination_put_to_decision(
            actor=users["secretariat"], nomination=nomination, deadline=at(2027, 2, 1)
        )
    )
    nomination.refresh_from_db()
    assert nomination.state == ChairNominationState.AGREED
    services.meeting_cancel(actor=users["rep_a"], meeting=meeting, reason="Venue lost.")
    nomination.refresh_from_db()
    assert nomination.state == ChairNominationState.LAPSED
    [event] = _lapse_events(nomination)
    assert event.actor == users["rep_a"]
    assert event.data == {
        "before": "agreed",
        "after": "lapsed",
        "meeting": meeting.pk,
        "reason": "Venue lost.",
        "decision": None,
        "current_chair": "CHR",
    }
    assert _lapse_notified(nomination) == EVERYONE
    notice = Notification.objects.filter(kind="meetings.chair_nomination_lapsed").first()
    assert notice is not None and "Chair Agency (CHR) remains chair" in notice.body
    assert "ToR III.2.2" in notice.body
    # The current chair stays; nothing can revive the nomination.
    assert ChairTerm.objects.get(ends_on__isnull=True).agency == chair_agency
    with pytest.raises(ConflictError) as caught:
        services.chair_nomination_put_to_decision(
            actor=users["secretariat"], nomination=nomination, deadline=at(2027, 2, 1)
        )
    assert caught.value.code == "invalid_transition"
    with pytest.raises(ConflictError) as caught:
        services.chair_nomination_create(actor=users["chair"], agency=agency_a, meeting=meeting)
    assert caught.value.code == "meeting_cancelled"
    # Cancelling again lapses nothing again.
    services.meeting_cancel(actor=users["rep_a"], meeting=meeting, reason="Again.")
    assert len(_lapse_events(nomination)) == 1


@time_machine.travel(NOW, tick=False)
def test_nomination_under_decision_lapses_and_its_decision_is_withdrawn(
    users: Any, agency_a: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    nomination = meeting.chair_nominations.get()
    decision = services.chair_nomination_put_to_decision(
        actor=users["secretariat"], nomination=nomination, deadline=at(2027, 2, 1)
    )
    services.meeting_cancel(
        actor=users["secretariat"],
        meeting=meeting,
        reason="AAA withdrew.",
        evidence="Letter of 20 Nov.",
    )
    decision = Decision.objects.get(pk=decision.pk)
    assert (decision.state, decision.outcome) == ("closed", "withdrawn")
    nomination.refresh_from_db()
    assert nomination.state == ChairNominationState.LAPSED
    [event] = _lapse_events(nomination)
    assert event.data["before"] == "under_decision" and event.data["decision"] == decision.pk
    assert _lapse_notified(nomination) == EVERYONE


@time_machine.travel(NOW, tick=False)
def test_enacted_and_unrelated_nominations_are_untouched(
    users: Any, agency_a: Any, agency_b: Any
) -> None:
    meeting = _teleconference(users)
    other = services.chair_nomination_create(actor=users["chair"], agency=agency_b)
    services.meeting_cancel(actor=users["chair"], meeting=meeting, reason="Holiday.")
    other.refresh_from_db()
    assert other.state == ChairNominationState.PROPOSED
    assert not AuditEvent.objects.filter(action="chair_nomination.lapsed").exists()


# --- the read model and the API ----------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_selector_reads_the_cancellation(users: Any, agency_a: Any, adopt: Any) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    assert selectors.meeting_cancellation(meeting) is None
    services.meeting_cancel(
        actor=users["secretariat"],
        meeting=meeting,
        reason="AAA cannot host.",
        evidence="Email of 20 Nov.",
    )
    meeting.refresh_from_db()
    cancellation = selectors.meeting_cancellation(meeting)
    assert cancellation == selectors.MeetingCancellation(
        at=NOW,
        by=users["secretariat"],
        basis="host_withdrawal",
        host_agency="AAA",
        on_behalf=True,
        reason="AAA cannot host.",
        evidence="Email of 20 Nov.",
    )
    assert cancellation.by_name == str(users["secretariat"])


@pytest.mark.parametrize("role", ROLES)
def test_api_detail_shows_the_cancellation(
    api_as: Any, users: Any, agency_a: Any, adopt: Any, role: str
) -> None:
    with time_machine.travel(NOW, tick=False):
        meeting = _agreed_meeting(users, [agency_a], adopt)
        services.meeting_cancel(actor=users["rep_a"], meeting=meeting, reason="Venue lost.")
        response = api_as(role).get(f"/api/v1/meetings/{meeting.pk}/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response.json()["cancellation"] == {
        "at": "2026-11-21T10:00:00Z",
        "by": users["rep_a"].pk,
        "by_name": str(users["rep_a"]),
        "basis": "host_withdrawal",
        "host_agency": "AAA",
        "on_behalf": False,
        "reason": "Venue lost.",
        "evidence": "",
    }


@time_machine.travel(NOW, tick=False)
def test_api_detail_cancellation_is_null_unless_cancelled(
    api_as: Any, users: Any, django_assert_max_num_queries: Any
) -> None:
    meeting = _teleconference(users)
    client = api_as("rep_b")
    assert client.get(f"/api/v1/meetings/{meeting.pk}/").json()["cancellation"] is None
    services.meeting_cancel(actor=users["chair"], meeting=meeting, reason="Holiday.")
    with django_assert_max_num_queries(14):
        body = client.get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert body["cancellation"]["basis"] == "chair_or_secretariat"
    assert body["cancellation"]["by_name"] == str(users["chair"])
    # The list stays lean: no cancellation there (its query count is pinned in test_api).
    assert "cancellation" not in client.get("/api/v1/meetings/").json()["results"][0]
    assert Meeting.objects.get(pk=meeting.pk).state == "cancelled"


def test_schema_documents_the_cancellation(client: Any) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    detail = schema["components"]["schemas"]["MeetingDetail"]["properties"]["cancellation"]
    text = str(detail)
    assert "MeetingCancellation" in text and "null" in text.lower()
    component = schema["components"]["schemas"]["MeetingCancellation"]
    assert {
        "at",
        "by",
        "by_name",
        "basis",
        "host_agency",
        "on_behalf",
        "reason",
        "evidence",
    } <= set(component["properties"])
