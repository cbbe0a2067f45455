"""Services of the membership app: rules of ToR III.1, V, VI and VII."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from agencies.models import AgencyStatus, Representative
from consensus.models import DecisionState, ElectorateMember, Outcome
from consensus.services import decision_close_if_due, decision_open, position_cast
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import AuditEvent, Notification
from membership import selectors, services
from membership.models import (
    REQUEST_TRANSITIONS,
    MembershipRequest,
    ProposalState,
    RequestState,
    ToRAcceptance,
    ToRAmendment,
    ToRExtension,
    ToRVersion,
    proposal_transition_allowed,
    request_transition_allowed,
)
from tests.factories import AgencyFactory, make_representative
from tests.membership.conftest import pdf, request_fields

pytestmark = pytest.mark.django_db


def _deadline(days: int = 14) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def _record(users: dict[str, Any], applicant: Any, **overrides: Any) -> MembershipRequest:
    return services.membership_request_record(
        actor=users["secretariat"], agency=applicant, **request_fields(**overrides)
    )


# --- transitions (no database needed) --------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        ("submitted", "returned", True),
        ("submitted", "circulated", True),
        ("returned", "submitted", True),
        ("circulated", "decision_open", True),
        ("decision_open", "approved", True),
        ("decision_open", "declined", True),
        ("submitted", "approved", False),
        ("approved", "withdrawn", False),
        ("declined", "submitted", False),
    ],
)
def test_request_transitions(before: str, after: str, allowed: bool) -> None:
    assert request_transition_allowed(before, after) is allowed


def test_applicant_can_withdraw_from_every_open_state() -> None:
    for state in ("submitted", "returned", "circulated", "decision_open"):
        assert RequestState.WITHDRAWN in REQUEST_TRANSITIONS[state]


def test_proposal_transitions() -> None:
    assert proposal_transition_allowed("proposed", "decision_open")
    assert not proposal_transition_allowed("adopted", "proposed")


# --- versions -------------------------------------------------------------


def test_version_in_force_and_superseded(tor_versions: dict[str, Any]) -> None:
    assert selectors.version_in_force() == tor_versions["current"]
    assert selectors.version_in_force(on=dt.date(2015, 1, 1)) == tor_versions["old"]
    assert selectors.version_is_superseded(tor_versions["old"])
    assert not selectors.version_is_superseded(tor_versions["current"])


def test_version_create_is_idempotent_and_secretariat_only(users: Any, tor: Any) -> None:
    again = services.tor_version_create(
        actor=None,
        label=tor.label,
        text="x",
        adopted_on=tor.adopted_on,
        effective_from=tor.effective_from,
        expires_on=tor.expires_on,
    )
    assert again == tor
    with pytest.raises(PermissionDeniedError):
        services.tor_version_create(
            actor=users["rep_a"],
            label="new",
            text="x",
            adopted_on=dt.date(2026, 1, 1),
            effective_from=dt.date(2026, 1, 1),
            expires_on=dt.date(2030, 1, 1),
        )


# --- acceptance -----------------------------------------------------------


def test_head_of_delegation_accepts_online(users: Any, tor: Any, agency_a: Any) -> None:
    acceptance = services.tor_accept(
        actor=users["rep_a"],
        agency=agency_a,
        version=tor,
        signatory_name="A. Head",
        signatory_title="Administrator",
        letter=pdf(),
    )
    assert acceptance.source == ToRAcceptance.Source.ONLINE
    assert acceptance.letter.name.startswith("membership/letters/toracceptance/")
    assert "letter" not in acceptance.letter.name.rsplit("/", 1)[-1]
    again = services.tor_accept(
        actor=users["secretariat"],
        agency=agency_a,
        version=tor,
        signatory_name="A. Head",
        signatory_title="Administrator",
        letter=pdf(),
    )
    assert again.pk == acceptance.pk
    assert AuditEvent.objects.filter(action="tor.accepted").count() == 1


def test_other_agency_cannot_accept_for_a(users: Any, tor: Any, agency_a: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.tor_accept(
            actor=users["rep_b"],
            agency=agency_a,
            version=tor,
            signatory_name="x",
            signatory_title="y",
            letter=pdf(),
        )


def test_accepting_a_superseded_version_is_a_conflict(
    users: Any, tor_versions: dict[str, Any], agency_a: Any
) -> None:
    with pytest.raises(ConflictError) as err:
        services.tor_accept(
            actor=users["secretariat"],
            agency=agency_a,
            version=tor_versions["old"],
            signatory_name="x",
            signatory_title="y",
            letter=pdf(),
        )
    assert err.value.code == "tor_version_superseded"


def test_framework_contributor_becomes_participating_on_acceptance(users: Any, tor: Any) -> None:
    """ToR III.1: contributors are automatically invited and join by accepting."""
    invited = AgencyFactory(
        acronym="INV", status=AgencyStatus.INVITED, framework_contributor=True, joined_on=None
    )
    services.tor_accept(
        actor=users["secretariat"],
        agency=invited,
        version=tor,
        signatory_name="x",
        signatory_title="y",
        letter=pdf(),
    )
    invited.refresh_from_db()
    assert invited.status == AgencyStatus.PARTICIPATING
    assert invited.joined_on == timezone.localdate()


def test_accept_without_letter_is_refused(users: Any, tor: Any, agency_a: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.tor_accept(
            actor=users["secretariat"],
            agency=agency_a,
            version=tor,
            signatory_name="x",
            signatory_title="y",
            letter=None,
        )
    assert err.value.field == "letter"


def test_applicant_cannot_accept_directly(users: Any, tor: Any, applicant: Any) -> None:
    with pytest.raises(ConflictError):
        services.tor_accept(
            actor=users["secretariat"],
            agency=applicant,
            version=tor,
            signatory_name="x",
            signatory_title="y",
            letter=pdf(),
        )


# --- membership requests --------------------------------------------------


def test_request_without_letter_or_acceptance_is_invalid(
    users: Any, tor: Any, applicant: Any
) -> None:
    with pytest.raises(ValidationFailed) as err:
        _record(users, applicant, letter=None)
    assert err.value.field == "letter"
    with pytest.raises(ValidationFailed) as err:
        _record(users, applicant, accepts_tor=False)
    assert err.value.field == "accepts_tor"
    with pytest.raises(ValidationFailed) as err:
        _record(users, applicant, shares_principles=False)
    assert err.value.field == "shares_principles"


def test_second_open_request_is_a_conflict(users: Any, tor: Any, applicant: Any) -> None:
    _record(users, applicant)
    with pytest.raises(ConflictError) as err:
        _record(users, applicant)
    assert err.value.code == "open_request_exists"


def test_participating_or_invited_agency_does_not_request(
    users: Any, tor: Any, agency_a: Any
) -> None:
    with pytest.raises(ConflictError):
        _record(users, agency_a)
    invited = AgencyFactory(acronym="INV", status=AgencyStatus.INVITED, joined_on=None)
    with pytest.raises(ConflictError) as err:
        _record(users, invited)
    assert err.value.code == "invited_accepts"


def test_only_secretariat_records(users: Any, tor: Any, applicant: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.membership_request_record(
            actor=users["rep_a"], agency=applicant, **request_fields()
        )


def test_return_and_complete(users: Any, tor: Any, applicant: Any) -> None:
    req = _record(users, applicant)
    services.membership_request_return(
        actor=users["secretariat"], request=req, reason="Signatory must be executive level."
    )
    req.refresh_from_db()
    assert req.state == RequestState.RETURNED
    services.membership_request_complete(
        actor=users["secretariat"], request=req, signatory_title="Chief Executive"
    )
    req.refresh_from_db()
    assert (req.state, req.signatory_title) == (RequestState.SUBMITTED, "Chief Executive")
    assert [e.after for e in req.events.all()] == ["submitted", "returned", "submitted"]


def test_circulate_informs_chair_and_participating_and_opens_decision(
    users: Any, tor: Any, applicant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    req = _record(users, applicant)
    with django_capture_on_commit_callbacks(execute=True):
        req = services.membership_request_circulate(
            actor=users["secretariat"], request=req, procedure="silence", deadline=_deadline()
        )
    assert req.state == RequestState.DECISION_OPEN
    assert req.decision.kind == "membership_request"
    assert req.decision.procedure == "silence"
    assert req.decision.subject == req
    informed = set(
        Notification.objects.filter(kind="membership.request_circulated").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"rep.a", "rep.b", "chair.hod"} <= informed
    # Idempotent: circulating again does not open a second decision.
    again = services.membership_request_circulate(
        actor=users["secretariat"], request=req, procedure="silence", deadline=_deadline()
    )
    assert again.decision_id == req.decision_id


def test_silence_adopts_and_agency_joins_with_acceptance(
    users: Any, tor: Any, applicant: Any
) -> None:
    req = _record(users, applicant)
    req = services.membership_request_circulate(
        actor=users["secretariat"], request=req, procedure="silence", deadline=_deadline(10)
    )
    after = req.decision.deadline + dt.timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        decision = decision_close_if_due(decision_id=req.decision_id, now=after)
        decision_close_if_due(decision_id=req.decision_id, now=after)
    assert decision.outcome == Outcome.ADOPTED
    req.refresh_from_db()
    applicant.refresh_from_db()
    assert req.state == RequestState.APPROVED
    assert applicant.status == AgencyStatus.PARTICIPATING
    acceptance = ToRAcceptance.objects.get(agency=applicant)
    assert acceptance.version == tor
    assert acceptance.source == ToRAcceptance.Source.REQUEST
    assert acceptance.letter.name == req.letter.name
    assert acceptance.signatory_name == req.signatory_name


def test_objection_blocks_and_request_is_declined(users: Any, tor: Any, applicant: Any) -> None:
    req = _record(users, applicant)
    req = services.membership_request_circulate(
        actor=users["secretariat"], request=req, procedure="silence", deadline=_deadline(10)
    )
    position_cast(
        actor=users["rep_a"],
        decision=req.decision,
        agency=users["rep_a"].designations.get().agency,
        value="object",
        statement="Capabilities are not described.",
    )
    after = req.decision.deadline + dt.timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        decision_close_if_due(decision_id=req.decision_id, now=after)
    req.refresh_from_db()
    applicant.refresh_from_db()
    assert req.state == RequestState.DECLINED
    assert applicant.status == AgencyStatus.APPLICANT
    # It may ask again.
    assert _record(users, applicant).state == RequestState.SUBMITTED


def test_explicit_consensus_adopts_when_everyone_concurs(
    users: Any, tor: Any, applicant: Any, agency_a: Any, agency_b: Any, chair_agency: Any
) -> None:
    req = _record(users, applicant)
    req = services.membership_request_circulate(
        actor=users["secretariat"], request=req, procedure="explicit", deadline=_deadline()
    )
    for role, agency in (("rep_a", agency_a), ("rep_b", agency_b), ("chair", chair_agency)):
        position_cast(actor=users[role], decision=req.decision, agency=agency, value="concur")
    decision_close_if_due(decision_id=req.decision_id)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED


def test_withdrawing_request_withdraws_open_decision(users: Any, tor: Any, applicant: Any) -> None:
    req = _record(users, applicant)
    req = services.membership_request_circulate(
        actor=users["secretariat"], request=req, procedure="silence", deadline=_deadline()
    )
    services.membership_request_withdraw(actor=users["secretariat"], request=req, reason="Asked.")
    req.refresh_from_db()
    req.decision.refresh_from_db()
    assert req.state == RequestState.WITHDRAWN
    assert req.decision.outcome == Outcome.WITHDRAWN
    assert applicant.membership_requests.count() == 1


def test_online_application_creates_applicant_agency(
    tor: Any, users: Any, applicant_user: Any
) -> None:
    person = applicant_user
    req = services.membership_request_submit_online(
        actor=person,
        agency_name="Fictional Space Agency of Atlantis (FICTIONAL)",
        agency_acronym="FSAA",
        country="Atlantis",
        **request_fields(),
    )
    assert req.agency.status == AgencyStatus.APPLICANT
    assert req.submitted_by == person and req.submitted_online
    with pytest.raises(ConflictError):
        services.membership_request_submit_online(
            actor=person,
            agency_name="Other",
            agency_acronym="OTH",
            country="Atlantis",
            **request_fields(),
        )
    # The applicant can withdraw its own request; another user cannot.
    with pytest.raises(PermissionDeniedError):
        services.membership_request_withdraw(actor=users["rep_a"], request=req)
    services.membership_request_withdraw(actor=person, request=req)


def test_representative_cannot_apply_online(users: Any, tor: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.membership_request_submit_online(
            actor=users["rep_a"],
            agency_name="X",
            agency_acronym="XX",
            country="Y",
            **request_fields(),
        )


# --- withdrawal (ToR VI) --------------------------------------------------


def test_withdrawal_revokes_and_leaves_open_electorates(
    users: Any, tor: Any, agency_a: Any
) -> None:
    decision = decision_open(
        actor=None,
        kind="motion",
        title="A motion",
        text="Text",
        deadline=_deadline(),
        procedure="silence",
    )
    assert ElectorateMember.objects.filter(
        decision=decision, agency=agency_a, excluded_at__isnull=True
    ).exists()
    withdrawal = services.withdrawal_record(
        actor=users["secretariat"], agency=agency_a, letter=pdf()
    )
    agency_a.refresh_from_db()
    assert withdrawal.applied_at is not None
    assert agency_a.status == AgencyStatus.WITHDRAWN
    assert not Representative.objects.filter(agency=agency_a, revoked_at__isnull=True).exists()
    member = ElectorateMember.objects.get(decision=decision, agency=agency_a)
    assert member.excluded_at is not None
    decision.refresh_from_db()
    assert decision.state == DecisionState.OPEN
    # History stays; a new request brings it back as an applicant.
    assert agency_a.status_changes.filter(after=AgencyStatus.WITHDRAWN).exists()
    req = _record(users, agency_a)
    agency_a.refresh_from_db()
    assert agency_a.status == AgencyStatus.APPLICANT and req.state == RequestState.SUBMITTED


def test_withdrawing_non_participating_agency_is_a_conflict(
    users: Any, tor: Any, applicant: Any
) -> None:
    with pytest.raises(ConflictError) as err:
        services.withdrawal_record(actor=users["secretariat"], agency=applicant, letter=pdf())
    assert err.value.code == "not_participating"


def test_future_withdrawal_applies_on_its_date(users: Any, tor: Any, agency_b: Any) -> None:
    today = timezone.localdate()
    services.withdrawal_record(
        actor=users["secretariat"],
        agency=agency_b,
        letter=pdf(),
        effective_on=today + dt.timedelta(days=30),
    )
    assert services.withdrawals_apply_due(today=today) == 0
    agency_b.refresh_from_db()
    assert agency_b.status == AgencyStatus.PARTICIPATING
    with time_machine.travel(today + dt.timedelta(days=31)):
        assert services.withdrawals_apply_due() == 1
        assert services.withdrawals_apply_due() == 0
    agency_b.refresh_from_db()
    assert agency_b.status == AgencyStatus.WITHDRAWN


# --- amendments (ToR V) ---------------------------------------------------


def test_amendment_adopted_takes_effect_on_its_date(
    users: Any, tor: Any, agency_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invited = AgencyFactory(acronym="INV", status=AgencyStatus.INVITED, joined_on=None)
    make_representative(invited, "inv.hod")
    effective = timezone.localdate() + dt.timedelta(days=60)
    amendment = services.tor_amendment_propose(
        actor=users["rep_a"],
        proposing_agency=agency_a,
        label="2027 amendment",
        new_text=tor.text + "\nVIII. A new paragraph.\n",
        rationale="Clarity.",
        effective_from=effective,
    )
    assert "+VIII. A new paragraph." in amendment.diff
    assert amendment.base_version == tor
    with pytest.raises(PermissionDeniedError):
        services.tor_amendment_open_decision(
            actor=users["rep_b"], amendment=amendment, procedure="silence", deadline=_deadline()
        )
    amendment = services.tor_amendment_open_decision(
        actor=users["chair"], amendment=amendment, procedure="silence", deadline=_deadline(10)
    )
    assert amendment.decision.kind == "tor_amendment"
    after = amendment.decision.deadline + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        decision_close_if_due(decision_id=amendment.decision_id, now=after)
    amendment.refresh_from_db()
    assert amendment.state == ProposalState.ADOPTED
    new = amendment.resulting_version
    assert new.effective_from == effective
    assert new.adopted_by_decision_id == amendment.decision_id
    assert new.expires_on == tor.expires_on
    assert selectors.version_in_force() == tor
    with time_machine.travel(effective + dt.timedelta(days=1)):
        assert selectors.version_in_force() == new
        # Invited agencies must accept the new version; the old one is superseded.
        with pytest.raises(ConflictError):
            services.tor_accept(
                actor=users["secretariat"],
                agency=invited,
                version=tor,
                signatory_name="x",
                signatory_title="y",
                letter=pdf(),
            )
    assert Notification.objects.filter(
        kind="membership.tor_amended", recipient__username="inv.hod"
    ).exists()


def test_amendment_by_non_participating_or_other_agency_refused(
    users: Any, tor: Any, agency_a: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        services.tor_amendment_propose(
            actor=users["rep_b"],
            proposing_agency=agency_a,
            label="x",
            new_text="new",
            rationale="r",
        )


def test_blocked_amendment_is_rejected(users: Any, tor: Any, agency_a: Any) -> None:
    amendment = services.tor_amendment_propose(
        actor=users["secretariat"],
        proposing_agency=agency_a,
        label="2027",
        new_text="changed",
        rationale="r",
    )
    amendment = services.tor_amendment_open_decision(
        actor=users["secretariat"], amendment=amendment, procedure="silence", deadline=_deadline()
    )
    position_cast(
        actor=users["rep_b"],
        decision=amendment.decision,
        agency=users["rep_b"].designations.get().agency,
        value="object",
        statement="No.",
    )
    decision_close_if_due(
        decision_id=amendment.decision_id,
        now=amendment.decision.deadline + dt.timedelta(seconds=1),
    )
    amendment.refresh_from_db()
    assert amendment.state == ProposalState.REJECTED
    assert ToRVersion.objects.count() == 2


# --- extension (ToR VII) --------------------------------------------------


def test_extension_adopted_moves_expiry_and_history(users: Any, tor: Any) -> None:
    proposal = services.tor_extension_propose(
        actor=users["secretariat"], proposed_expires_on=dt.date(2035, 12, 31), rationale="More."
    )
    with pytest.raises(ValidationFailed):
        services.tor_extension_propose(
            actor=users["secretariat"], proposed_expires_on=dt.date(2030, 1, 1), rationale="x"
        )
    proposal = services.tor_extension_open_decision(
        actor=users["secretariat"], proposal=proposal, procedure="silence", deadline=_deadline()
    )
    assert proposal.decision.kind == "tor_extension"
    decision_close_if_due(
        decision_id=proposal.decision_id,
        now=proposal.decision.deadline + dt.timedelta(seconds=1),
    )
    tor.refresh_from_db()
    assert tor.expires_on == dt.date(2035, 12, 31)
    extension = ToRExtension.objects.get(proposal=proposal)
    assert (extension.previous_expires_on, extension.new_expires_on) == (
        dt.date(2030, 12, 31),
        dt.date(2035, 12, 31),
    )
    assert list(selectors.extension_history()) == [extension]


def test_second_amendment_on_the_same_base_does_not_undo_the_first(
    users: Any, tor: Any, agency_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Issue 12 (ToR V): this test used to assert that both amendments drafted against the
    same base took effect, the second's text replacing the first's. Now the first is
    adopted; the second's decision keeps its outcome but the amendment is superseded."""
    proposals = [
        services.tor_amendment_propose(
            actor=users["secretariat"],
            proposing_agency=agency_a,
            label=f"2027 ({n})",
            new_text=f"Text {n}",
            rationale="r",
        )
        for n in (1, 2)
    ]
    opened = [
        services.tor_amendment_open_decision(
            actor=None, amendment=proposal, procedure="silence", deadline=_deadline()
        )
        for proposal in proposals
    ]
    after = opened[1].decision.deadline + dt.timedelta(seconds=1)
    with time_machine.travel(after, tick=False), django_capture_on_commit_callbacks(execute=True):
        for proposal in opened:
            decision = decision_close_if_due(decision_id=proposal.decision_id, now=after)
            assert decision.outcome == Outcome.ADOPTED
        first, second = (ToRAmendment.objects.get(pk=p.pk) for p in proposals)
        assert first.state == ProposalState.ADOPTED
        assert second.state == ProposalState.SUPERSEDED
        assert second.resulting_version is None
        # Both closed the same day: the line of versions decides, not the dates.
        assert selectors.version_in_force() == first.resulting_version
        assert selectors.version_in_force().text == "Text 1"
    assert ToRVersion.objects.count() == 3
    assert AuditEvent.objects.filter(action="tor.amendment_superseded").count() == 1
    assert Notification.objects.filter(
        kind="membership.amendment_superseded", recipient__username="secretariat"
    ).exists()


def test_lapsed_explicit_decision_declines_the_request(
    users: Any, tor: Any, applicant: Any
) -> None:
    req = _record(users, applicant)
    req = services.membership_request_circulate(
        actor=users["secretariat"], request=req, procedure="explicit", deadline=_deadline(5)
    )
    decision = decision_close_if_due(
        decision_id=req.decision_id, now=req.decision.deadline + dt.timedelta(seconds=1)
    )
    assert decision.outcome == Outcome.LAPSED
    req.refresh_from_db()
    assert req.state == RequestState.DECLINED
    assert Notification.objects.filter(
        kind="membership.request_declined", recipient__username="secretariat"
    ).exists()
