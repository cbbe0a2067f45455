"""ToR V: the texts form one line; an adopted amendment never silently undoes another.

The base an amendment was drafted against is checked by identity in the line (never by
date) when it is proposed with a known base, when its decision opens, and under the lock
when its decision closes; a stale base is `base_superseded`, and a new round on the current
text is the way forward (service, API and web).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from consensus.models import Outcome
from consensus.services import decision_close_if_due
from isecg.errors import ConflictError, PermissionDeniedError
from isecg.models import AuditEvent, Notification
from membership import selectors, services
from membership.models import ProposalState, ToRAmendment, ToRExtensionProposal, ToRVersion
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db


def _deadline(days: int = 14) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def _propose(actor: Any, agency: Any, n: int, **extra: Any) -> ToRAmendment:
    return services.tor_amendment_propose(
        actor=actor,
        proposing_agency=agency,
        label=f"Amendment {n}",
        new_text=f"# ToR\n\nText {n}.\n",
        rationale=f"Reason {n}.",
        **extra,
    )


def _open(amendment: ToRAmendment) -> ToRAmendment:
    return services.tor_amendment_open_decision(
        actor=None, amendment=amendment, procedure="silence", deadline=_deadline()
    )


def _adopt(amendment: ToRAmendment) -> ToRAmendment:
    """Open (if needed) and close by silence right after the deadline; return it fresh."""
    if amendment.state == ProposalState.PROPOSED:
        amendment = _open(amendment)
    after = amendment.decision.deadline + dt.timedelta(seconds=1)
    with time_machine.travel(after, tick=False):
        decision = decision_close_if_due(decision_id=amendment.decision_id, now=after)
    assert decision.outcome == Outcome.ADOPTED
    return ToRAmendment.objects.get(pk=amendment.pk)


# --- the line of versions --------------------------------------------------------


def test_versions_are_numbered_and_the_sequence_decides_what_is_in_force(
    tor_versions: dict[str, Any],
) -> None:
    old, current = tor_versions["old"], tor_versions["current"]
    assert (old.sequence, current.sequence) == (1, 2)
    # A later text recorded with the same effective date as the one in force: the line
    # decides, not the dates (the old comparison of dates returned the lower id by chance).
    same_day = services.tor_version_create(
        actor=None,
        label="October 2022 bis",
        text="# ToR\n\nbis\n",
        adopted_on=current.effective_from,
        effective_from=current.effective_from,
        expires_on=current.expires_on,
        supersedes=current,
    )
    assert same_day.sequence == 3
    assert selectors.version_in_force() == same_day
    assert selectors.version_is_superseded(current)
    assert not selectors.version_is_current_text(current)


def test_a_version_supersedes_only_the_current_text(tor_versions: dict[str, Any]) -> None:
    with pytest.raises(ConflictError) as error:
        services.tor_version_create(
            actor=None,
            label="A fork",
            text="fork",
            adopted_on=dt.date(2023, 1, 1),
            effective_from=dt.date(2023, 1, 1),
            expires_on=dt.date(2030, 12, 31),
            supersedes=tor_versions["old"],
        )
    assert error.value.code == "base_superseded"
    assert not ToRVersion.objects.filter(label="A fork").exists()


# --- opening and closing -------------------------------------------------------


def test_opening_on_a_superseded_base_is_refused(users: Any, tor: Any, agency_a: Any) -> None:
    first, second = (_propose(users["rep_a"], agency_a, n) for n in (1, 2))
    _adopt(first)
    with pytest.raises(ConflictError) as error:
        _open(second)
    assert error.value.code == "base_superseded"
    assert "new round" in error.value.detail
    second.refresh_from_db()
    assert second.state == ProposalState.PROPOSED and second.decision is None


def test_a_pending_adopted_text_is_the_base_even_before_it_takes_effect(
    users: Any, tor: Any, agency_a: Any
) -> None:
    """Adopted but not yet in force: in force by date is still the old text, but an
    amendment of the old text would undo the pending one; it is refused at opening."""
    later = timezone.localdate() + dt.timedelta(days=120)
    stale = _propose(users["rep_a"], agency_a, 2)
    pending = _adopt(_propose(users["rep_a"], agency_a, 1, effective_from=later))
    assert selectors.version_in_force() == tor
    with pytest.raises(ConflictError) as error:
        _open(stale)
    assert error.value.code == "base_superseded"
    # A new proposal is drafted on the pending text, which it then follows.
    fresh = _propose(users["rep_a"], agency_a, 3)
    assert fresh.base_version == pending.resulting_version
    adopted = _adopt(fresh)
    new = adopted.resulting_version
    assert new.supersedes == pending.resulting_version
    assert new.effective_from == later  # never before its base
    with time_machine.travel(later + dt.timedelta(days=1)):
        assert selectors.version_in_force() == new


def test_same_day_adoptions_both_open_only_the_first_applies(
    users: Any, tor: Any, agency_a: Any, agency_b: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Both decisions open on the same base and close adopted the same day."""
    first = _open(_propose(users["rep_a"], agency_a, 1))
    second = _open(_propose(users["rep_b"], agency_b, 2))
    with django_capture_on_commit_callbacks(execute=True):
        first = _adopt(first)
        second = _adopt(second)
    assert first.state == ProposalState.ADOPTED
    assert second.state == ProposalState.SUPERSEDED
    assert second.decision.outcome == Outcome.ADOPTED  # the record says what was decided
    assert second.resulting_version is None
    assert ToRVersion.objects.filter(supersedes=tor).get() == first.resulting_version
    assert selectors.version_latest() == first.resulting_version
    event = AuditEvent.objects.get(action="tor.amendment_base_superseded")
    assert event.data["base"] == tor.label
    assert event.data["current"] == first.resulting_version.label
    assert event.data["decision"] == second.decision_id
    notice = Notification.objects.get(
        kind="membership.amendment_superseded", recipient__username="rep.b"
    )
    assert "new round" in notice.body
    # Closing again changes nothing.
    decision_close_if_due(decision_id=second.decision_id)
    assert ToRVersion.objects.count() == 3


def test_proposing_against_a_text_that_is_no_longer_current_is_refused(
    users: Any, tor: Any, agency_a: Any
) -> None:
    _adopt(_propose(users["rep_a"], agency_a, 1))
    with pytest.raises(ConflictError) as error:
        _propose(users["rep_a"], agency_a, 2, base_version=tor)
    assert error.value.code == "base_superseded"


# --- the new round -------------------------------------------------------------


def test_new_round_on_the_current_text_links_and_closes_the_stale_proposal(
    users: Any, tor: Any, agency_a: Any, agency_b: Any
) -> None:
    stale = _propose(users["rep_b"], agency_b, 2)
    first = _adopt(_propose(users["rep_a"], agency_a, 1))
    with pytest.raises(PermissionDeniedError):
        services.tor_amendment_new_round(
            actor=users["rep_a"], amendment=stale, label="x", new_text="y", rationale="z"
        )
    current = first.resulting_version
    new = services.tor_amendment_new_round(
        actor=users["rep_b"],
        amendment=stale,
        label="Amendment 2, round 2",
        new_text=current.text + "\nAnd text 2.\n",
        rationale="Again, on the current text.",
        base_version=current,
    )
    assert new.previous_round == stale and new.base_version == current
    assert new.proposing_agency == agency_b
    stale.refresh_from_db()
    assert stale.state == ProposalState.SUPERSEDED
    # Asking again returns the open round instead of a duplicate.
    again = services.tor_amendment_new_round(
        actor=users["rep_b"], amendment=stale, label="other", new_text="other", rationale="r"
    )
    assert again == new
    adopted = _adopt(new)
    assert adopted.resulting_version.supersedes == current
    with time_machine.travel(adopted.resulting_version.effective_from + dt.timedelta(days=1)):
        assert selectors.version_in_force() == adopted.resulting_version


def test_no_new_round_for_a_live_proposal_on_the_current_text(
    users: Any, tor: Any, agency_a: Any
) -> None:
    live = _propose(users["rep_a"], agency_a, 1)
    with pytest.raises(ConflictError) as error:
        services.tor_amendment_new_round(
            actor=users["rep_a"], amendment=live, label="x", new_text="y", rationale="z"
        )
    assert error.value.code == "invalid_state"


def test_new_round_through_the_api(api_as: Any, users: Any, tor: Any, agency_a: Any) -> None:
    first = _open(_propose(users["rep_a"], agency_a, 1))
    second = _open(_propose(users["rep_a"], agency_a, 2))
    _adopt(first)
    _adopt(second)
    client = api_as("rep_a")
    shown = client.get(f"/api/v1/amendments/{second.pk}/").json()
    assert shown["state"] == "superseded"
    current = selectors.version_latest()
    payload = {
        "label": "Amendment 2 again",
        "new_text": current.text + "\nText 2.\n",
        "rationale": "On the current text.",
        "base_version": current.pk,
    }
    for role in ("rep_b", "chair", "api_client"):
        refused = api_as(role).post(f"/api/v1/amendments/{second.pk}/new-round/", payload)
        assert refused.status_code == 403, (role, refused.json())
    made = client.post(f"/api/v1/amendments/{second.pk}/new-round/", payload)
    assert made.status_code == 201, made.json()
    assert made.json()["previous_round"] == second.pk
    assert made.json()["base_version"] == current.pk
    # Opening an amendment with a stale base through the API: 409 base_superseded.
    stale = _propose(users["rep_a"], agency_a, 9)
    _adopt(_propose(users["rep_a"], agency_a, 10))
    opened = api_as("secretariat").post(
        f"/api/v1/amendments/{stale.pk}/open-decision/",
        {"procedure": "silence", "deadline": _deadline().isoformat()},
    )
    assert opened.status_code == 409
    assert opened.json()["code"] == "base_superseded"
    # Proposing against a stale base through the API: 409 too.
    proposed = client.post(
        "/api/v1/amendments/",
        {
            "proposing_agency": "AAA",
            "label": "Late draft",
            "new_text": "late",
            "rationale": "r",
            "base_version": tor.pk,
        },
    )
    assert proposed.status_code == 409 and proposed.json()["code"] == "base_superseded"


def test_new_round_through_the_web(web_as: Any, users: Any, tor: Any, agency_a: Any) -> None:
    stale = _propose(users["rep_a"], agency_a, 2)
    _adopt(_propose(users["rep_a"], agency_a, 1))
    web = web_as("rep_a")
    page = web.get(reverse("tor-amendment-detail", args=[stale.pk])).content.decode()
    assert "Its base text was amended" in page
    url = reverse("tor-amendment-new-round", args=[stale.pk])
    assert f'href="{url}"' in page
    assert "Open the decision" not in page
    # The chair trying to open it anyway gets the refusal as a form error.
    refused = web_as("chair").post(
        reverse("tor-amendment-action", args=[stale.pk, "open"]),
        {"procedure": "silence", "deadline": _deadline().strftime("%Y-%m-%dT%H:%M")},
    )
    assert refused.status_code == 409
    assert "Start a new round on the current text" in refused.content.decode()
    form = web.get(url)
    assert form.status_code == 200
    current = selectors.version_latest()
    assert f'name="base_version" value="{current.pk}"' in form.content.decode()
    for role in ("rep_b", "chair"):
        assert web_as(role).get(url).status_code == 403
    assert web_as("anonymous").get(url).status_code == 302
    done = web.post(
        url,
        {
            "label": "Amendment 2, round 2",
            "rationale": "Again.",
            "new_text": current.text + "\nText 2.\n",
            "base_version": current.pk,
        },
    )
    assert done.status_code == 302, done.content.decode()[:3000]
    new = ToRAmendment.objects.get(previous_round=stale)
    assert done["Location"] == reverse("tor-amendment-detail", args=[new.pk])


@pytest.mark.parametrize("role", ROLES)
def test_new_round_page_role_matrix(
    web_as: Any, users: Any, tor: Any, agency_a: Any, role: str
) -> None:
    stale = _propose(users["rep_a"], agency_a, 2)
    _adopt(_propose(users["rep_a"], agency_a, 1))
    status = web_as(role).get(reverse("tor-amendment-new-round", args=[stale.pk])).status_code
    expected = {"anonymous": 302, "rep_a": 200, "secretariat": 200}.get(role, 403)
    assert status == expected


def test_web_draft_on_a_superseded_text_is_a_form_error(
    web_as: Any, users: Any, tor: Any, agency_a: Any
) -> None:
    """The form carries the text the drafter saw; if another was adopted meanwhile the
    proposal is refused instead of silently undoing it."""
    _adopt(_propose(users["rep_a"], agency_a, 1))
    response = web_as("rep_a").post(
        reverse("tor-amendment-create"),
        {
            "proposing_agency": agency_a.pk,
            "label": "Old draft",
            "rationale": "r",
            "new_text": tor.text + "\nold draft\n",
            "base_version": tor.pk,
        },
    )
    assert response.status_code == 200
    assert "Start a new round on the current text" in response.content.decode()
    assert not ToRAmendment.objects.filter(label="Old draft").exists()


# --- extensions (ToR VII): the same rule for the expiry date ---------------------------


def test_second_extension_from_the_same_expiry_is_superseded(users: Any, tor: Any) -> None:
    proposals = [
        services.tor_extension_open_decision(
            actor=None,
            proposal=services.tor_extension_propose(
                actor=None, proposed_expires_on=until, rationale="r"
            ),
            procedure="silence",
            deadline=_deadline(),
        )
        for until in (dt.date(2040, 12, 31), dt.date(2035, 12, 31))
    ]
    for proposal in proposals:
        decision_close_if_due(
            decision_id=proposal.decision_id,
            now=proposal.decision.deadline + dt.timedelta(seconds=1),
        )
    first, second = (ToRExtensionProposal.objects.get(pk=p.pk) for p in proposals)
    assert first.state == ProposalState.ADOPTED
    assert second.state == ProposalState.SUPERSEDED
    tor.refresh_from_db()
    assert tor.expires_on == dt.date(2040, 12, 31)  # not moved back to 2035
    assert Notification.objects.filter(kind="membership.extension_superseded").exists()
    late = services.tor_extension_propose(
        actor=None, proposed_expires_on=dt.date(2045, 1, 1), rationale="r"
    )
    tor.expires_on = dt.date(2041, 1, 1)
    ToRVersion.objects.filter(pk=tor.pk).update(expires_on=dt.date(2041, 1, 1))
    with pytest.raises(ConflictError) as error:
        services.tor_extension_open_decision(
            actor=None, proposal=late, procedure="silence", deadline=_deadline()
        )
    assert error.value.code == "base_superseded"
