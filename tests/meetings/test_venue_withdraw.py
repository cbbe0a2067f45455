"""Issue 12: a venue proposal is withdrawn only by its proposers (or for them, with evidence).

ToR III.2.2: "Meetings are hosted by the Participating Agencies on a voluntary basis. Meeting
venues will be agreed by the ISECG by consensus, upon proposal by one or more of the
Participating Agency(ies)". Formerly a bypass: the secretariat withdrew any host's proposal
(and so dropped the proposed meeting) with no reason and no act of the proposer, and an open
venue decision stayed open. Each other role is tried through the service, the API, the web
form and the admin, and is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
import time_machine

from consensus.models import Decision
from consensus.selectors import decisions_for_subject
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import AuditEvent, Notification, User
from meetings import services
from meetings.models import MeetingState, VenueProposal, VenueProposalState
from tests.conftest import ROLES
from tests.meetings.conftest import at
from tests.meetings.test_cancel import _agreed_meeting

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 21, 10)
REFUSED = "venue_withdraw_needs_proposer"
EVERYONE = {"rep.a", "rep.b", "chair.hod", "secretariat"}


def _propose(users: Any, hosts: list[Any], **extra: Any) -> VenueProposal:
    values = {
        "host_agencies": hosts,
        "title": "ISECG plenary 2027",
        "starts_at": at(2027, 4, 20, 7),
        "ends_at": at(2027, 4, 21, 15),
        "time_zone": "Europe/Rome",
        "city": "Rome",
        "country": "Italy",
        "cost_acknowledged": True,
    }
    values.update(extra)
    return services.venue_proposal_submit(actor=users["secretariat"], **values)


def _events(proposal: VenueProposal) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="venue_proposal.withdrawn", object_id=str(proposal.pk))
    )


def _notified(proposal: VenueProposal) -> set[str]:
    return set(
        Notification.objects.filter(
            kind="meetings.venue_withdrawn", key__startswith=f"venue_proposal:{proposal.pk}:"
        )
        .values_list("recipient__username", flat=True)
        .distinct()
    )


def _unchanged(proposal: VenueProposal, state: str = VenueProposalState.SUBMITTED) -> None:
    proposal.refresh_from_db()
    assert proposal.state == state
    assert proposal.meeting.state == MeetingState.PROPOSED
    assert _events(proposal) == [] and _notified(proposal) == set()


# --- the service -----------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_service_refuses_everyone_but_the_proposers(users: Any, agency_a: Any) -> None:
    proposal = _propose(users, [agency_a])
    for role in ("rep_b", "chair", "api_client"):
        with pytest.raises(PermissionDeniedError) as caught:
            services.venue_proposal_withdraw(
                actor=users[role], proposal=proposal, reason="We prefer not."
            )
        assert caught.value.code == REFUSED, role
    with pytest.raises(ConflictError) as caught:
        services.venue_proposal_withdraw(
            actor=users["secretariat"], proposal=proposal, reason="Budget."
        )
    assert (caught.value.code, caught.value.field) == (REFUSED, "evidence")
    with pytest.raises(ValidationFailed) as caught:
        services.venue_proposal_withdraw(actor=users["rep_a"], proposal=proposal, reason=" ")
    assert caught.value.field == "reason"
    _unchanged(proposal)


@time_machine.travel(NOW, tick=False)
def test_proposer_withdraws_recorded_announced_and_the_meeting_dropped(
    users: Any, agency_a: Any
) -> None:
    proposal = _propose(users, [agency_a])
    services.venue_proposal_withdraw(
        actor=users["rep_a"], proposal=proposal, reason="Our venue is no longer available."
    )
    proposal.refresh_from_db()
    assert proposal.state == VenueProposalState.WITHDRAWN
    assert proposal.meeting.state == MeetingState.CANCELLED
    [event] = _events(proposal)
    assert event.actor == users["rep_a"]
    assert event.data == {
        "before": "submitted",
        "after": "withdrawn",
        "reason": "Our venue is no longer available.",
        "agency": "AAA",
        "on_behalf": False,
        "evidence": "",
        "decision": None,
    }
    cancelled = AuditEvent.objects.get(
        action="meeting.cancelled", object_id=str(proposal.meeting_id)
    )
    assert cancelled.data["basis"] == "venue_proposal_withdrawn"
    assert cancelled.data["reason"] == "Our venue is no longer available."
    assert _notified(proposal) == EVERYONE
    notice = Notification.objects.filter(kind="meetings.venue_withdrawn").first()
    assert notice is not None and "AAA withdrew its offer" in notice.body
    assert "Our venue is no longer available." in notice.body
    # A second call (a double click) changes nothing and tells no one again.
    services.venue_proposal_withdraw(actor=users["rep_a"], proposal=proposal, reason="Again.")
    assert len(_events(proposal)) == 1
    assert Notification.objects.filter(kind="meetings.venue_withdrawn").count() == len(EVERYONE)


@time_machine.travel(NOW, tick=False)
def test_secretariat_records_the_withdrawal_with_evidence(users: Any, agency_a: Any) -> None:
    proposal = _propose(users, [agency_a])
    services.venue_proposal_withdraw(
        actor=users["secretariat"],
        proposal=proposal,
        reason="AAA cannot host in April.",
        evidence="Letter from AAA's head of delegation, 20 Nov 2026.",
    )
    [event] = _events(proposal)
    assert event.actor == users["secretariat"]
    assert (event.data["agency"], event.data["on_behalf"]) == ("AAA", True)
    assert event.data["evidence"] == "Letter from AAA's head of delegation, 20 Nov 2026."
    assert _notified(proposal) == EVERYONE


@time_machine.travel(NOW, tick=False)
def test_open_venue_decision_is_withdrawn_with_the_proposal(users: Any, agency_a: Any) -> None:
    proposal = _propose(users, [agency_a])
    decision = services.venue_proposal_put_to_decision(
        actor=users["chair"], proposal=proposal, deadline=at(2027, 1, 1)
    )
    services.venue_proposal_withdraw(
        actor=users["rep_a"], proposal=proposal, reason="AAA withdraws its offer."
    )
    decision = Decision.objects.get(pk=decision.pk)
    assert (decision.state, decision.outcome) == ("closed", "withdrawn")
    assert "AAA withdrew the venue proposal" in decision.outcome_reason
    proposal.refresh_from_db()
    assert proposal.state == VenueProposalState.WITHDRAWN
    assert proposal.meeting.state == MeetingState.CANCELLED
    [event] = _events(proposal)
    assert event.data["before"] == "under_decision" and event.data["decision"] == decision.pk
    assert decisions_for_subject(proposal).filter(state="open").count() == 0


@time_machine.travel(NOW, tick=False)
def test_co_proposers_name_the_agency_that_withdraws(
    users: Any, agency_a: Any, agency_b: Any, chair_agency: Any
) -> None:
    proposal = _propose(users, [agency_a, agency_b], chair_agency=agency_a)
    evidence = "Email from BBB, 19 Nov."
    with pytest.raises(ValidationFailed) as caught:
        services.venue_proposal_withdraw(
            actor=users["secretariat"], proposal=proposal, reason="R.", evidence=evidence
        )
    assert (caught.value.code, caught.value.field) == ("required", "agency")
    with pytest.raises(ValidationFailed) as caught:
        services.venue_proposal_withdraw(
            actor=users["secretariat"],
            proposal=proposal,
            reason="R.",
            evidence=evidence,
            agency=chair_agency,
        )
    assert caught.value.code == "not_proposer"
    # A representative of one proposer cannot withdraw in the other's name.
    with pytest.raises(PermissionDeniedError):
        services.venue_proposal_withdraw(
            actor=users["rep_a"], proposal=proposal, reason="R.", agency=agency_b
        )
    _unchanged(proposal)
    services.venue_proposal_withdraw(actor=users["rep_b"], proposal=proposal, reason="BBB out.")
    [event] = _events(proposal)
    assert event.data["agency"] == "BBB" and event.data["on_behalf"] is False


@time_machine.travel(NOW, tick=False)
def test_agreed_venue_is_cancelled_by_the_host_not_withdrawn(
    users: Any, agency_a: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    proposal = VenueProposal.objects.get(meeting=meeting)
    with pytest.raises(ConflictError) as caught:
        services.venue_proposal_withdraw(actor=users["rep_a"], proposal=proposal, reason="R.")
    assert caught.value.code == "venue_already_agreed"
    proposal.refresh_from_db()
    assert proposal.state == VenueProposalState.AGREED


@time_machine.travel(NOW, tick=False)
def test_withdrawing_a_venue_change_leaves_the_meeting_where_it_was(
    users: Any, agency_a: Any, agency_b: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    change = services.venue_change_propose(
        actor=users["rep_b"],
        meeting=meeting,
        host_agencies=[agency_b],
        city="Paris",
        reason="BBB offers to host instead.",
        cost_acknowledged=True,
    )
    with pytest.raises(PermissionDeniedError):
        services.venue_proposal_withdraw(actor=users["rep_a"], proposal=change, reason="No.")
    services.venue_proposal_withdraw(actor=users["rep_b"], proposal=change, reason="Not now.")
    change.refresh_from_db()
    meeting.refresh_from_db()
    assert change.state == VenueProposalState.WITHDRAWN
    assert (meeting.state, meeting.city) == (MeetingState.SCHEDULED, "Rome")


@time_machine.travel(NOW, tick=False)
def test_a_proposal_not_agreed_can_be_withdrawn_by_its_proposer(
    users: Any, agency_a: Any, agency_b: Any
) -> None:
    from consensus.services import decision_close_if_due, position_cast

    proposal = _propose(users, [agency_a])
    decision = services.venue_proposal_put_to_decision(
        actor=users["secretariat"], proposal=proposal, deadline=at(2027, 1, 1)
    )
    position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="object", statement="No."
    )
    decision_close_if_due(decision_id=decision.pk, now=at(2027, 1, 2))
    proposal.refresh_from_db()
    assert proposal.state == VenueProposalState.NOT_AGREED
    services.venue_proposal_withdraw(actor=users["rep_a"], proposal=proposal, reason="Moving on.")
    proposal.refresh_from_db()
    assert proposal.state == VenueProposalState.WITHDRAWN
    assert proposal.meeting.state == MeetingState.CANCELLED


# --- the API -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_withdraw_role_matrix(api_as: Any, users: Any, agency_a: Any, role: str) -> None:
    with time_machine.travel(NOW, tick=False):
        proposal = _propose(users, [agency_a])
        response = api_as(role).post(
            f"/api/v1/venue-proposals/{proposal.pk}/withdraw/",
            {"reason": "The venue fell through."},
            format="json",
        )
    expected = {"anonymous": 401, "rep_a": 200, "secretariat": 409}.get(role, 403)
    assert response.status_code == expected
    code = {"rep_b": REFUSED, "chair": REFUSED, "secretariat": REFUSED}.get(role)
    if role == "api_client":
        code = "read_only_client"
    if code:
        assert response.json()["code"] == code
    if role == "secretariat":
        assert list(response.json()["errors"]) == ["evidence"]
    proposal.refresh_from_db()
    assert (proposal.state == VenueProposalState.WITHDRAWN) == (expected == 200)
    if expected == 200:
        assert response.json()["state"] == "withdrawn"
        assert response.json()["meeting"]["state"] == "cancelled"
        assert _events(proposal)[0].data["agency"] == "AAA"
        assert _notified(proposal) == EVERYONE
    else:
        _unchanged(proposal)


@time_machine.travel(NOW, tick=False)
def test_api_secretariat_with_evidence_and_reason_required(
    api_as: Any, users: Any, agency_a: Any
) -> None:
    proposal = _propose(users, [agency_a])
    url = f"/api/v1/venue-proposals/{proposal.pk}/withdraw/"
    blank = api_as("rep_a").post(url, {"reason": ""}, format="json")
    assert blank.status_code == 400 and blank.json()["code"] == "required"
    assert api_as("rep_a").post(url, {}, format="json").status_code == 400
    _unchanged(proposal)
    response = api_as("secretariat").post(
        url,
        {"reason": "AAA withdrew.", "agency": "AAA", "evidence": "Email of 20 Nov."},
        format="json",
    )
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    [event] = _events(proposal)
    assert event.data["on_behalf"] is True and event.data["evidence"] == "Email of 20 Nov."


def test_schema_documents_the_withdrawal(client: Any) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/venue-proposals/{id}/withdraw/"]["post"]
    assert {"200", "400", "403", "409"} <= set(operation["responses"])
    assert REFUSED in operation["description"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert {"reason", "agency", "evidence"} <= set(component["properties"])


# --- the web -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_withdraw_page_role_matrix(web_as: Any, users: Any, agency_a: Any, role: str) -> None:
    with time_machine.travel(NOW, tick=False):
        proposal = _propose(users, [agency_a])
        meeting = proposal.meeting
        url = f"/meetings/{meeting.pk}/venue/withdraw/"
        detail = web_as(role).get(f"/meetings/{meeting.pk}/")
        if role != "anonymous":
            assert (url in detail.content.decode()) == (role in ("rep_a", "secretariat"))
        page = web_as(role).get(url)
        expected = {"anonymous": 302, "rep_a": 200, "secretariat": 200}.get(role, 403)
        assert page.status_code == expected
        posted = web_as(role).post(url, {"agency": agency_a.pk, "reason": "R.", "confirm": "on"})
        assert posted.status_code == {"rep_a": 302, "secretariat": 409}.get(role, expected)
    proposal.refresh_from_db()
    assert (proposal.state == VenueProposalState.WITHDRAWN) == (role == "rep_a")


@time_machine.travel(NOW, tick=False)
def test_withdraw_page_confirms_and_shows_field_errors(
    web_as: Any, users: Any, agency_a: Any
) -> None:
    proposal = _propose(users, [agency_a])
    meeting = proposal.meeting
    url = f"/meetings/{meeting.pk}/venue/withdraw/"
    page = web_as("secretariat").get(url).content.decode()
    for name in ("agency", "reason", "evidence", "confirm"):
        assert f'for="id_{name}"' in page or f'<label><input type="checkbox" name="{name}"' in page
    ids = Counter(re.findall(r'id="([^"]+)"', page))
    assert [name for name, count in ids.items() if count > 1] == []
    assert "voluntary basis" in page and "cancels the proposed meeting" in page
    rep_page = web_as("rep_a").get(url).content.decode()
    assert 'name="evidence"' not in rep_page
    # No confirmation: nothing happens, the field says why.
    response = web_as("secretariat").post(url, {"agency": agency_a.pk, "reason": "R."})
    assert response.status_code == 400 and "confirm" in response.context["form"].errors
    # The secretariat without evidence: a field error in words, not a code.
    response = web_as("secretariat").post(
        url, {"agency": agency_a.pk, "reason": "R.", "confirm": "on"}
    )
    assert response.status_code == 409 and "evidence" in response.context["form"].errors
    assert REFUSED not in response.content.decode()
    blank = web_as("rep_a").post(url, {"agency": agency_a.pk, "reason": "", "confirm": "on"})
    assert blank.status_code == 400 and "reason" in blank.context["form"].errors
    _unchanged(proposal)
    response = web_as("secretariat").post(
        url,
        {
            "agency": agency_a.pk,
            "reason": "AAA cannot host in April.",
            "evidence": "Letter from AAA, 20 Nov.",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    detail = web_as("rep_b").get(f"/meetings/{meeting.pk}/").content.decode()
    assert "AAA withdrew its venue proposal" in detail
    assert f"recorded on its behalf by {users['secretariat']}" in detail
    assert "AAA cannot host in April." in detail and "Letter from AAA, 20 Nov." in detail
    assert _notified(proposal) == EVERYONE
    # The page of a withdrawn proposal sends back to the meeting.
    assert web_as("secretariat").get(url).status_code == 302


# --- the admin -----------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_admin_change_to_withdrawn_is_refused(client: Any, users: Any, agency_a: Any) -> None:
    proposal = _propose(users, [agency_a])
    superuser = User.objects.create_superuser("root", "root@example.org", "pw-long-enough-123")
    client.force_login(superuser)
    response = client.post(
        f"/admin/meetings/venueproposal/{proposal.pk}/change/",
        {"state": "withdrawn", "city": "Rome"},
    )
    if response.status_code == 302 and "/admin/" not in response["Location"]:
        pytest.skip("the admin asks for a second factor first")
    assert response.status_code == 403
    _unchanged(proposal)
