"""ToR III.1, VII: every participating agency has a visible basis under the version in force.

A concurrence in the adopting decision counts as acceptance; the others accept explicitly;
versions adopted before this system carry over, visibly, from the basis they replaced.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyStatus
from consensus.services import decision_close_if_due, position_cast
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from membership import selectors, services
from membership.models import ToRAcceptance, ToRAmendment, ToRVersion
from tests.conftest import ROLES
from tests.factories import AgencyFactory
from tests.membership.conftest import pdf

pytestmark = pytest.mark.django_db


def _deadline(days: int = 14) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def _adopted_with_positions(
    users: Any, agency_a: Any, agency_b: Any, tor: Any
) -> tuple[ToRAmendment, dt.datetime]:
    """AAA concurs, BBB concurs with a reservation, CHR stays silent: adopted by silence."""
    amendment = services.tor_amendment_propose(
        actor=users["rep_a"],
        proposing_agency=agency_a,
        label="2027 text",
        new_text=tor.text + "\nVIII. New.\n",
        rationale="r",
    )
    amendment = services.tor_amendment_open_decision(
        actor=users["chair"], amendment=amendment, procedure="silence", deadline=_deadline()
    )
    position_cast(
        actor=users["rep_a"], decision=amendment.decision, agency=agency_a, value="concur"
    )
    position_cast(
        actor=users["rep_b"],
        decision=amendment.decision,
        agency=agency_b,
        value="concur_with_reservation",
        statement="We read VIII narrowly.",
    )
    after = amendment.decision.deadline + dt.timedelta(seconds=1)
    with time_machine.travel(after, tick=False):
        decision_close_if_due(decision_id=amendment.decision_id, now=after)
    amendment.refresh_from_db()
    return amendment, after


def test_concurrence_in_the_adopting_decision_counts_as_acceptance(
    users: Any, tor: Any, agency_a: Any, agency_b: Any, chair_agency: Any
) -> None:
    amendment, after = _adopted_with_positions(users, agency_a, agency_b, tor)
    new = amendment.resulting_version
    records = ToRAcceptance.objects.filter(version=new).order_by("agency__acronym")
    assert [(r.agency.acronym, r.source, r.decision_id) for r in records] == [
        ("AAA", "consensus_concurrence", amendment.decision_id),
        ("BBB", "consensus_concurrence", amendment.decision_id),
    ]
    with time_machine.travel(after + dt.timedelta(days=1), tick=False):
        assert selectors.version_in_force() == new
        basis_a = selectors.tor_basis(agency_a)
        assert (basis_a.kind, basis_a.covered, basis_a.lacking) == ("concurrence", True, False)
        assert f"decision {amendment.decision_id}" in basis_a.summary
        # Silence is consent for the decision, but not an acceptance: CHR accepts explicitly.
        basis_chr = selectors.tor_basis(chair_agency)
        assert (basis_chr.kind, basis_chr.lacking) == ("none", True)
        lacking = [b.agency.acronym for b in selectors.agencies_lacking_tor_basis()]
        assert lacking == ["CHR"]
        services.tor_accept(
            actor=users["secretariat"],
            agency=chair_agency,
            version=new,
            signatory_name="Dr. Chair",
            signatory_title="Administrator",
            letter=pdf(),
        )
        assert selectors.tor_basis(chair_agency).kind == "acceptance"
        assert selectors.agencies_lacking_tor_basis() == []


def test_objecting_or_withdrawn_agencies_get_no_concurrence(
    users: Any, tor: Any, agency_a: Any, agency_b: Any
) -> None:
    amendment = services.tor_amendment_propose(
        actor=users["rep_a"], proposing_agency=agency_a, label="x", new_text="x", rationale="r"
    )
    amendment = services.tor_amendment_open_decision(
        actor=None, amendment=amendment, procedure="explicit", deadline=_deadline()
    )
    position_cast(
        actor=users["rep_a"], decision=amendment.decision, agency=agency_a, value="concur"
    )
    position_cast(
        actor=users["rep_b"], decision=amendment.decision, agency=agency_b, value="abstain"
    )
    position_cast(
        actor=users["chair"],
        decision=amendment.decision,
        agency=Agency.objects.get(acronym="CHR"),
        value="concur",
    )
    decision_close_if_due(decision_id=amendment.decision_id)
    amendment.refresh_from_db()
    assert amendment.resulting_version is not None
    assert set(
        ToRAcceptance.objects.filter(version=amendment.resulting_version).values_list(
            "agency__acronym", flat=True
        )
    ) == {"AAA", "CHR"}


def _historical(agency: Any, version: Any, on: dt.date) -> ToRAcceptance:
    return services.tor_accept(
        actor=None,
        agency=agency,
        version=version,
        signatory_name="",
        signatory_title="",
        accepted_on=on,
        historical=True,
    )


def test_carry_over_for_versions_adopted_before_this_system(
    tor_versions: dict[str, Any],
) -> None:
    old, current = tor_versions["old"], tor_versions["current"]
    founder = AgencyFactory(acronym="FND", joined_on=dt.date(2007, 11, 6))
    founding = _historical(founder, old, dt.date(2012, 11, 6))
    late = AgencyFactory(acronym="LTE", joined_on=dt.date(2024, 3, 1))
    gone = AgencyFactory(acronym="GON", joined_on=dt.date(2007, 11, 6))
    _historical(gone, old, dt.date(2012, 11, 6))
    Agency.objects.filter(pk=gone.pk).update(
        status=AgencyStatus.WITHDRAWN, withdrawn_on=dt.date(2020, 1, 1)
    )
    with pytest.raises(PermissionDeniedError):
        services.tor_acceptances_carry_over(actor=object(), version=current)  # type: ignore[arg-type]
    assert services.tor_acceptances_carry_over(actor=None, version=current) == 1
    assert services.tor_acceptances_carry_over(actor=None, version=current) == 0
    carried = ToRAcceptance.objects.get(agency=founder, version=current)
    assert carried.source == ToRAcceptance.Source.CARRIED_OVER
    assert carried.carried_from == founding
    assert carried.accepted_on == current.effective_from
    basis = selectors.tor_basis(founder)
    assert basis.kind == "carried_over"
    assert "no decision in the record" in basis.summary
    assert "2012 extension" in basis.summary
    # Joined after the text took effect with nothing to carry: it lacks a basis, visibly.
    late_basis = selectors.tor_basis(late)
    assert (late_basis.kind, late_basis.lacking) == ("none", True)
    assert not ToRAcceptance.objects.filter(agency=gone, version=current).exists()
    assert not selectors.tor_basis(Agency.objects.get(pk=gone.pk)).required


def test_carry_over_command_along_the_whole_line(tor_versions: dict[str, Any]) -> None:
    """An existing deployment: only the founding acceptances are recorded."""
    old, current = tor_versions["old"], tor_versions["current"]
    with pytest.raises(ValidationFailed) as error:
        services.tor_version_create(
            actor=None,
            label="A first text recorded late",
            text="first",
            adopted_on=dt.date(2007, 11, 6),
            effective_from=dt.date(2007, 11, 6),
            expires_on=dt.date(2012, 11, 6),
        )
    assert error.value.code == "before_current_text"
    founder = AgencyFactory(acronym="FND", joined_on=dt.date(2012, 11, 6))
    _historical(founder, old, dt.date(2012, 11, 6))
    out = io.StringIO()
    call_command("tor_carry_over", stdout=out)
    assert "1 carried-over bases recorded." in out.getvalue()
    assert ToRAcceptance.objects.get(agency=founder, version=current).source == "carried_over"
    call_command("tor_carry_over", stdout=out)
    assert "0 carried-over bases recorded." in out.getvalue()


def test_no_carry_over_for_a_version_adopted_by_decision(
    users: Any, tor: Any, agency_a: Any, agency_b: Any
) -> None:
    amendment, _after = _adopted_with_positions(users, agency_a, agency_b, tor)
    with pytest.raises(ConflictError) as error:
        services.tor_acceptances_carry_over(actor=None, version=amendment.resulting_version)
    assert error.value.code == "adopted_by_decision"


def test_demo_founders_have_a_basis_under_the_version_in_force(db: Any) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    october = ToRVersion.objects.get(label="October 2022")
    assert selectors.version_in_force() == october
    assert selectors.agencies_lacking_tor_basis() == []
    founders = Agency.objects.filter(framework_contributor=True, status="participating")
    assert founders.count() == 14
    for founder in founders:
        basis = selectors.tor_basis(founder)
        assert basis.kind == "carried_over", founder.acronym
        first = basis.acceptance.carried_from.carried_from  # type: ignore[union-attr]
        assert first.version.label == "2007 original"
        assert first.source == ToRAcceptance.Source.HISTORICAL


# --- API -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_tor_basis_api_role_matrix(
    api_as: Any, users: Any, tor: Any, agency_a: Any, role: str
) -> None:
    response = api_as(role).get("/api/v1/agencies/AAA/tor-basis/")
    assert response.status_code == (401 if role == "anonymous" else 200)
    if role != "anonymous":
        body = response.json()
        assert body["agency"] == "AAA" and body["kind"] == "none"
        assert body["version"]["label"] == tor.label
        assert body["lacking"] is True and body["acceptance"] is None


def test_tor_basis_api_shows_the_record(
    api_as: Any, users: Any, tor: Any, agency_a: Any, django_assert_max_num_queries: Any
) -> None:
    acceptance = _historical(agency_a, tor, dt.date(2022, 10, 1))
    with django_assert_max_num_queries(6):
        body = api_as("api_client").get("/api/v1/agencies/AAA/tor-basis/").json()
    assert body["kind"] == "acceptance" and body["covered"] is True
    assert body["acceptance"]["id"] == acceptance.pk
    assert body["acceptance"]["source"] == "historical"
    assert api_as("secretariat").get("/api/v1/agencies/NOPE/tor-basis/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_lacking_api_is_for_the_secretariat(api_as: Any, users: Any, tor: Any, role: str) -> None:
    response = api_as(role).get("/api/v1/acceptances/lacking/")
    expected = {"anonymous": 401, "secretariat": 200}.get(role, 403)
    assert response.status_code == expected
    if role == "secretariat":
        assert {b["agency"] for b in response.json()} == {"AAA", "BBB", "CHR"}


def test_lacking_api_query_count_does_not_grow(
    api_as: Any, users: Any, tor: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        agency = AgencyFactory(acronym=f"X{n:02d}")
        if n % 2:
            _historical(agency, ToRVersion.objects.get(label="2012 extension"), dt.date(2013, 1, 1))
    with django_assert_max_num_queries(8):
        response = api_as("secretariat").get("/api/v1/acceptances/lacking/")
    assert len(response.json()) == 23


def test_schema_documents_the_basis(api_as: Any, db: Any) -> None:
    schema = api_as("anonymous").get("/api/v1/schema/?format=json").json()
    assert "/api/v1/agencies/{acronym}/tor-basis/" in schema["paths"]
    assert "/api/v1/amendments/{id}/new-round/" in schema["paths"]
    assert "ToRBasis" in schema["components"]["schemas"]


# --- web ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_acceptance_page_lists_agencies_lacking_a_basis_for_the_secretariat(
    web_as: Any, users: Any, tor: Any, role: str
) -> None:
    response = web_as(role).get(reverse("tor-acceptance-list"))
    if role == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    page = response.content.decode()
    heading = "Participating agencies without a basis under October 2022"
    assert (heading in page) == (role == "secretariat")


def test_acceptance_page_query_count(
    web_as: Any, users: Any, tor: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        AgencyFactory(acronym=f"Y{n:02d}")
    web = web_as("secretariat")
    with django_assert_max_num_queries(25):
        page = web.get(reverse("tor-acceptance-list")).content.decode()
    assert "Y19" in page


def _panel(user: Any, agency: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load membership_tor %}{% tor_basis_panel agency %}")
    return template.render(Context({"request": request, "agency": agency}))


def test_agency_page_panel(users: Any, tor: Any, agency_a: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert _panel(AnonymousUser(), agency_a).strip() == ""
    html = _panel(users["secretariat"], agency_a)
    assert "Basis under the Terms of Reference" in html
    assert "No basis recorded" in html
    assert reverse("tor-acceptance-create") in html
    assert reverse("tor-acceptance-create") not in _panel(users["rep_b"], agency_a)
    _historical(agency_a, tor, dt.date(2022, 10, 1))
    html = _panel(users["rep_b"], agency_a)
    assert "Accepted" in html and "Historical record" in html
