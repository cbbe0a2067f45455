"""Issue 12: a meeting agreed by consensus is cancelled only by its host withdrawing its offer.

ToR III.2.2: "Meetings are hosted by the Participating Agencies on a voluntary basis. Meeting
venues will be agreed by the ISECG by consensus". Formerly a bypass: the secretariat cancelled
any meeting, agreed venue or not, with no reason, no act of the host and no notice. Each other
role is tried through the service, the API, the web form and the admin, and is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory

from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import AuditEvent, Notification, User
from meetings import services
from meetings.models import Meeting, MeetingState, VenueProposal
from tests.conftest import ROLES
from tests.meetings.conftest import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 21, 10)
REFUSED = "cancel_needs_host_or_decision"
EVERYONE = {"rep.a", "rep.b", "chair.hod", "secretariat"}


def _agreed_meeting(users: Any, hosts: list[Any], adopt: Any, **extra: Any) -> Meeting:
    """A meeting whose venue was agreed by consensus (the ToR III.2.2 path)."""
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
    proposal = services.venue_proposal_submit(actor=users["secretariat"], **values)
    decision = services.venue_proposal_put_to_decision(
        actor=users["secretariat"], proposal=proposal, deadline=at(2027, 1, 1)
    )
    adopt(decision)
    return Meeting.objects.get(pk=proposal.meeting_id)


def _teleconference(users: Any) -> Meeting:
    return services.meeting_create(
        actor=users["secretariat"],
        title="Plenary teleconference",
        kind="teleconference",
        starts_at=at(2027, 1, 12, 13),
        ends_at=at(2027, 1, 12, 14),
        dial_in="https://meet.example/isecg",
    )


def _events(meeting: Meeting) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="meeting.cancelled", object_id=str(meeting.pk)))


def _notified(meeting: Meeting) -> set[str]:
    return set(
        Notification.objects.filter(kind="meetings.cancelled", url__contains=f"/{meeting.pk}/")
        .values_list("recipient__username", flat=True)
        .distinct()
    )


def _unchanged(meeting: Meeting) -> None:
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED
    assert _events(meeting) == [] and _notified(meeting) == set()


# --- the service -----------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_service_refuses_everyone_but_the_host(users: Any, agency_a: Any, adopt: Any) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    for role in ("rep_b", "chair", "api_client"):
        with pytest.raises(PermissionDeniedError) as caught:
            services.meeting_cancel(actor=users[role], meeting=meeting, reason="We prefer not.")
        assert caught.value.code == REFUSED, role
    with pytest.raises(ConflictError) as caught:
        services.meeting_cancel(actor=users["secretariat"], meeting=meeting, reason="Budget.")
    assert (caught.value.code, caught.value.field) == (REFUSED, "evidence")
    with pytest.raises(ValidationFailed) as caught:
        services.meeting_cancel(actor=users["rep_a"], meeting=meeting, reason=" ")
    assert caught.value.field == "reason"
    _unchanged(meeting)


@time_machine.travel(NOW, tick=False)
def test_host_withdraws_its_offer_recorded_and_announced(
    users: Any, agency_a: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    services.meeting_cancel(
        actor=users["rep_a"], meeting=meeting, reason="Our venue is no longer available."
    )
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CANCELLED
    [event] = _events(meeting)
    assert event.actor == users["rep_a"]
    assert event.data == {
        "before": "scheduled",
        "after": "cancelled",
        "reason": "Our venue is no longer available.",
        "basis": "host_withdrawal",
        "host_agency": "AAA",
        "on_behalf": False,
        "evidence": "",
    }
    assert _notified(meeting) == EVERYONE
    notice = Notification.objects.filter(kind="meetings.cancelled").first()
    assert notice is not None and "Our venue is no longer available." in notice.body
    assert "AAA" in notice.body
    # A second call (a double click) changes nothing and tells no one again.
    services.meeting_cancel(actor=users["rep_a"], meeting=meeting, reason="Again.")
    assert len(_events(meeting)) == 1
    assert Notification.objects.filter(kind="meetings.cancelled").count() == len(EVERYONE)


@time_machine.travel(NOW, tick=False)
def test_secretariat_records_the_hosts_withdrawal_with_evidence(
    users: Any, agency_a: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    services.meeting_cancel(
        actor=users["secretariat"],
        meeting=meeting,
        reason="AAA cannot host in April.",
        evidence="Letter from AAA's head of delegation, 20 Nov 2026.",
    )
    [event] = _events(meeting)
    assert event.actor == users["secretariat"]
    assert event.data["basis"] == "host_withdrawal"
    assert (event.data["host_agency"], event.data["on_behalf"]) == ("AAA", True)
    assert event.data["evidence"] == "Letter from AAA's head of delegation, 20 Nov 2026."
    assert _notified(meeting) == EVERYONE


@time_machine.travel(NOW, tick=False)
def test_co_hosts_name_the_host_that_withdraws(
    users: Any, agency_a: Any, agency_b: Any, chair_agency: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a, agency_b], adopt, chair_agency=agency_b)
    evidence = "Email from BBB, 19 Nov."
    with pytest.raises(ValidationFailed) as caught:
        services.meeting_cancel(
            actor=users["secretariat"], meeting=meeting, reason="R.", evidence=evidence
        )
    assert (caught.value.code, caught.value.field) == ("required", "host_agency")
    with pytest.raises(ValidationFailed) as caught:
        services.meeting_cancel(
            actor=users["secretariat"],
            meeting=meeting,
            reason="R.",
            evidence=evidence,
            host_agency=chair_agency,
        )
    assert caught.value.code == "not_host"
    # A representative of one host cannot withdraw the other's offer.
    with pytest.raises(PermissionDeniedError):
        services.meeting_cancel(
            actor=users["rep_a"], meeting=meeting, reason="R.", host_agency=agency_b
        )
    services.meeting_cancel(actor=users["rep_b"], meeting=meeting, reason="BBB withdraws.")
    [event] = _events(meeting)
    assert event.data["host_agency"] == "BBB" and event.data["on_behalf"] is False


@time_machine.travel(NOW, tick=False)
def test_pending_venue_proposal_is_settled_first(
    users: Any, agency_a: Any, agency_b: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    services.venue_change_propose(
        actor=users["rep_b"],
        meeting=meeting,
        host_agencies=[agency_b],
        city="Paris",
        reason="BBB offers to host instead.",
        cost_acknowledged=True,
    )
    with pytest.raises(ConflictError) as caught:
        services.meeting_cancel(actor=users["rep_a"], meeting=meeting, reason="R.")
    assert caught.value.code == "venue_proposal_pending"
    _unchanged(meeting)
    # A first proposal awaiting its decision: its proposers withdraw it instead.
    proposal = services.venue_proposal_submit(
        actor=users["rep_b"],
        host_agencies=[agency_b],
        title="Plenary 2028",
        starts_at=at(2028, 4, 20, 7),
        ends_at=at(2028, 4, 21, 15),
        time_zone="Europe/Paris",
        city="Paris",
        country="France",
        cost_acknowledged=True,
    )
    with pytest.raises(ConflictError) as caught:
        services.meeting_cancel(actor=users["secretariat"], meeting=proposal.meeting, reason="R.")
    assert caught.value.code == "venue_proposal_pending"


@time_machine.travel(NOW, tick=False)
def test_teleconferences_stay_with_the_chair_and_the_secretariat(users: Any) -> None:
    first, second = _teleconference(users), _teleconference(users)
    for role in ("rep_a", "rep_b", "api_client"):
        with pytest.raises(PermissionDeniedError) as caught:
            services.meeting_cancel(actor=users[role], meeting=first, reason="R.")
        assert caught.value.code == "not_chair_or_secretariat"
    with pytest.raises(ValidationFailed) as caught:
        services.meeting_cancel(actor=users["chair"], meeting=first, reason="")
    assert caught.value.field == "reason"
    services.meeting_cancel(actor=users["chair"], meeting=first, reason="No quorum expected.")
    services.meeting_cancel(actor=users["secretariat"], meeting=second, reason="Holiday.")
    [event] = _events(first)
    assert event.actor == users["chair"]
    assert event.data["basis"] == "chair_or_secretariat" and event.data["host_agency"] is None
    assert event.data["reason"] == "No quorum expected."
    assert _notified(first) == EVERYONE and _notified(second) == EVERYONE


# --- the API -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_cancel_of_an_agreed_meeting_role_matrix(
    api_as: Any, users: Any, agency_a: Any, adopt: Any, role: str
) -> None:
    with time_machine.travel(NOW, tick=False):
        meeting = _agreed_meeting(users, [agency_a], adopt)
        response = api_as(role).post(
            f"/api/v1/meetings/{meeting.pk}/cancel/",
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
    meeting.refresh_from_db()
    assert (meeting.state == MeetingState.CANCELLED) == (expected == 200)
    if expected == 200:
        assert response.json()["state"] == "cancelled"
        assert _events(meeting)[0].data["host_agency"] == "AAA"
        assert _notified(meeting) == EVERYONE
    else:
        assert _events(meeting) == []


@time_machine.travel(NOW, tick=False)
def test_api_secretariat_with_evidence_and_reason_required(
    api_as: Any, users: Any, agency_a: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    url = f"/api/v1/meetings/{meeting.pk}/cancel/"
    blank = api_as("rep_a").post(url, {"reason": ""}, format="json")
    assert blank.status_code == 400 and blank.json()["code"] == "required"
    none = api_as("rep_a").post(url, {}, format="json")
    assert none.status_code == 400
    response = api_as("secretariat").post(
        url,
        {"reason": "AAA withdrew.", "host_agency": "AAA", "evidence": "Email of 20 Nov."},
        format="json",
    )
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    [event] = _events(meeting)
    assert event.data["on_behalf"] is True and event.data["evidence"] == "Email of 20 Nov."


@pytest.mark.parametrize("role", ROLES)
def test_api_cancel_of_a_teleconference_role_matrix(api_as: Any, users: Any, role: str) -> None:
    with time_machine.travel(NOW, tick=False):
        meeting = _teleconference(users)
        response = api_as(role).post(
            f"/api/v1/meetings/{meeting.pk}/cancel/", {"reason": "Holiday."}, format="json"
        )
    expected = {"anonymous": 401, "chair": 200, "secretariat": 200}.get(role, 403)
    assert response.status_code == expected
    meeting.refresh_from_db()
    assert (meeting.state == MeetingState.CANCELLED) == (expected == 200)


# --- the web -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_cancel_page_role_matrix(
    web_as: Any, users: Any, agency_a: Any, adopt: Any, role: str
) -> None:
    with time_machine.travel(NOW, tick=False):
        meeting = _agreed_meeting(users, [agency_a], adopt)
        url = f"/meetings/{meeting.pk}/cancel/"
        detail = web_as(role).get(f"/meetings/{meeting.pk}/")
        if role != "anonymous":
            assert (url in detail.content.decode()) == (role in ("rep_a", "secretariat"))
        page = web_as(role).get(url)
        expected = {"anonymous": 302, "rep_a": 200, "secretariat": 200}.get(role, 403)
        assert page.status_code == expected
        posted = web_as(role).post(
            url, {"host_agency": agency_a.pk, "reason": "R.", "confirm": "on"}
        )
        assert posted.status_code == {"rep_a": 302, "secretariat": 409}.get(role, expected)
    meeting.refresh_from_db()
    assert (meeting.state == MeetingState.CANCELLED) == (role == "rep_a")


@time_machine.travel(NOW, tick=False)
def test_cancel_page_confirms_and_shows_field_errors(
    web_as: Any, users: Any, agency_a: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    url = f"/meetings/{meeting.pk}/cancel/"
    page = web_as("secretariat").get(url).content.decode()
    for name in ("host_agency", "reason", "evidence", "confirm"):
        assert f'for="id_{name}"' in page or f'<label><input type="checkbox" name="{name}"' in page
    ids = Counter(re.findall(r'id="([^"]+)"', page))
    assert [name for name, count in ids.items() if count > 1] == []
    assert "voluntary basis" in page
    # No confirmation: nothing happens, the field says why.
    response = web_as("secretariat").post(url, {"host_agency": agency_a.pk, "reason": "R."})
    assert response.status_code == 400 and "confirm" in response.context["form"].errors
    # The secretariat without evidence: a field error in words, not a code.
    response = web_as("secretariat").post(
        url, {"host_agency": agency_a.pk, "reason": "R.", "confirm": "on"}
    )
    assert response.status_code == 409 and "evidence" in response.context["form"].errors
    assert REFUSED not in response.content.decode()
    _unchanged(meeting)
    response = web_as("secretariat").post(
        url,
        {
            "host_agency": agency_a.pk,
            "reason": "AAA cannot host in April.",
            "evidence": "Letter from AAA, 20 Nov.",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    detail = web_as("rep_b").get(f"/meetings/{meeting.pk}/").content.decode()
    assert "AAA withdrew its offer to host" in detail
    assert f"recorded on its behalf by {users['secretariat']}" in detail
    assert "AAA cannot host in April." in detail and "Letter from AAA, 20 Nov." in detail
    assert _notified(meeting) == EVERYONE
    # The page of a cancelled meeting sends back to the meeting.
    assert web_as("secretariat").get(url).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_web_teleconference_cancel_by_the_chair_and_old_route_gone(web_as: Any, users: Any) -> None:
    meeting = _teleconference(users)
    old = web_as("secretariat").post(
        f"/meetings/{meeting.pk}/state/cancel/", {"reason": "Holiday."}
    )
    assert old.status_code == 404
    url = f"/meetings/{meeting.pk}/cancel/"
    page = web_as("chair").get(url).content.decode()
    assert 'name="host_agency"' not in page and 'name="evidence"' not in page
    assert web_as("rep_a").get(url).status_code == 403
    blank = web_as("chair").post(url, {"reason": "", "confirm": "on"})
    assert blank.status_code == 400 and "reason" in blank.context["form"].errors
    done = web_as("chair").post(url, {"reason": "No quorum expected.", "confirm": "on"})
    assert done.status_code == 302
    detail = web_as("rep_a").get(f"/meetings/{meeting.pk}/").content.decode()
    assert f"by {users['chair']}" in detail and "No quorum expected." in detail


# --- the admin -----------------------------------------------------------------------------


def test_admin_offers_no_cancellation() -> None:
    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    model_admin = admin.site._registry[Meeting]
    assert not model_admin.has_change_permission(request)
    assert not any("cancel" in name for name in model_admin.get_actions(request))


@time_machine.travel(NOW, tick=False)
def test_admin_change_to_cancelled_is_refused(
    client: Any, users: Any, agency_a: Any, adopt: Any
) -> None:
    meeting = _agreed_meeting(users, [agency_a], adopt)
    superuser = User.objects.create_superuser("root", "root@example.org", "pw-long-enough-123")
    client.force_login(superuser)
    response = client.post(
        f"/admin/meetings/meeting/{meeting.pk}/change/",
        {"title": meeting.title, "kind": "plenary", "state": "cancelled"},
    )
    if response.status_code == 302 and "/admin/" not in response["Location"]:
        pytest.skip("the admin asks for a second factor first")
    assert response.status_code == 403
    _unchanged(meeting)
    assert VenueProposal.objects.filter(meeting=meeting).count() == 1
