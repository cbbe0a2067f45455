"""The secretariat's dashboard and the representative's home: roles, figures, links,
and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from consensus import services as consensus
from meetings.models import ActionItem, Meeting, MeetingKind, MeetingState
from secretariat.dashboard import representative_home, secretariat_dashboard
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def open_decision(
    title: str = "Adopt the workplan", days: int = 14, procedure: str = "explicit"
) -> Any:
    return consensus.decision_open(
        actor=None,
        kind="motion",
        title=title,
        text="Text.",
        deadline=NOW + dt.timedelta(days=days),
        procedure=procedure,
    )


def make_meeting(title: str, *, days: int, state: str = MeetingState.SCHEDULED) -> Meeting:
    start = NOW + dt.timedelta(days=days)
    return Meeting.objects.create(
        title=title,
        kind=MeetingKind.PLENARY,
        state=state,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
    )


def grow(n: int, agencies: list[Any]) -> None:
    """n open decisions (one answered by each agency), n meetings and n overdue actions."""
    for i in range(n):
        AgencyFactory(acronym=f"X{n}{i}")
    for i in range(n):
        open_decision(f"Decision {i}", days=5 + i)
        make_meeting(f"Meeting {i}", days=10 + i)
        past = make_meeting(f"Held {i}", days=-30 - i, state=MeetingState.HELD)
        ActionItem.objects.create(
            meeting=past,
            title=f"Action {i}",
            owner_agency=agencies[i % len(agencies)],
            due_on=dt.date(2026, 11, 1),
        )


ROLE_STATUS = {
    "anonymous": 302,
    "rep_a": 302,
    "rep_b": 302,
    "chair": 302,
    "secretariat": 200,
}


@pytest.mark.parametrize(("role", "status"), ROLE_STATUS.items())
def test_dashboard_role_matrix(web_as: Any, role: str, status: int) -> None:
    response = web_as(role).get(reverse("secretariat-dashboard"))
    assert response.status_code == status
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    elif status == 302:
        assert response["Location"] == reverse("my-agency-home")


@pytest.mark.parametrize("role", ["rep_a", "rep_b", "chair", "secretariat", "api_client"])
def test_my_agency_home_for_every_signed_in_role(web_as: Any, role: str) -> None:
    assert web_as(role).get(reverse("my-agency-home")).status_code == 200


def test_my_agency_home_needs_sign_in(web_as: Any) -> None:
    assert web_as("anonymous").get(reverse("my-agency-home")).status_code == 302


def test_home_sends_each_role_to_its_daily_page(web_as: Any) -> None:
    assert web_as("secretariat").get("/")["Location"] == reverse("secretariat-dashboard")
    assert web_as("rep_a").get("/")["Location"] == reverse("my-agency-home")
    assert web_as("anonymous").get("/").status_code == 200
    assert web_as("api_client").get("/").status_code == 200


def test_dashboard_shows_response_rate_and_silent_agencies(
    users: Any, agency_a: Any, agency_b: Any
) -> None:
    decision = open_decision("Admit FSAA")
    consensus.position_cast(
        actor=users["rep_a"],
        decision=decision,
        agency=agency_a,
        value="object",
        statement="Grounds.",
    )
    d = secretariat_dashboard()
    row = next(r for r in d.open_decisions if r.decision.pk == decision.pk)
    assert (row.responded, row.eligible, row.objections) == (1, 3, 1)
    assert {a.acronym for a in row.silent_agencies} == {"BBB", "CHR"}
    assert row.response_rate == 33


def test_dashboard_page_links_figures_to_filtered_lists(
    web_as: Any, users: Any, agency_a: Any
) -> None:
    open_decision("Admit FSAA")
    held = make_meeting("Plenary 2026", days=-20, state=MeetingState.HELD)
    ActionItem.objects.create(
        meeting=held, title="Send the roadmap", owner_agency=agency_a, due_on=dt.date(2026, 11, 1)
    )
    html = web_as("secretariat").get(reverse("secretariat-dashboard")).content.decode()
    assert "Admit FSAA" in html and "0 of 3 (0%)" in html
    assert f"{reverse('secretariat-action-items')}?overdue=1" in html
    assert f"{reverse('decision-list')}?state=open" in html
    assert f"{reverse('meeting-list')}?when=upcoming" in html
    assert "Send the roadmap" in html and "Plenary 2026" in html
    # The chair term began on 2026-01-01: 10.6 months, within the first 12.
    assert "10.6 months" in html
    assert "days</strong> until" in html


def test_overdue_action_items_list_filters(web_as: Any, agency_a: Any, agency_b: Any) -> None:
    held = make_meeting("Plenary 2026", days=-20, state=MeetingState.HELD)
    ActionItem.objects.create(
        meeting=held, title="Late A", owner_agency=agency_a, due_on=dt.date(2026, 11, 1)
    )
    ActionItem.objects.create(
        meeting=held, title="Future B", owner_agency=agency_b, due_on=dt.date(2027, 1, 1)
    )
    web = web_as("secretariat")
    url = reverse("secretariat-action-items")
    overdue = web.get(url, {"overdue": "1"}).content.decode()
    assert "Late A" in overdue and "Future B" not in overdue
    by_agency = web.get(url, {"agency": "BBB"}).content.decode()
    assert "Future B" in by_agency and "Late A" not in by_agency


def test_representative_home_lists_what_awaits_the_agency(
    users: Any, agency_a: Any, agency_b: Any
) -> None:
    waiting = open_decision("Waiting for A")
    answered = open_decision("Answered by A")
    consensus.position_cast(
        actor=users["rep_a"], decision=answered, agency=agency_a, value="concur"
    )
    held = make_meeting("Plenary 2026", days=-20, state=MeetingState.HELD)
    ActionItem.objects.create(
        meeting=held, title="A's action", owner_agency=agency_a, due_on=dt.date(2027, 1, 1)
    )
    ActionItem.objects.create(
        meeting=held, title="B's action", owner_agency=agency_b, due_on=dt.date(2027, 1, 1)
    )
    home = representative_home(users["rep_a"])
    assert [d.pk for d in home.awaiting_decisions] == [waiting.pk]
    assert [a.title for a in home.action_items] == ["A's action"]
    assert [d.pk for d in representative_home(users["rep_b"]).awaiting_decisions] == [
        waiting.pk,
        answered.pk,
    ]


@pytest.mark.parametrize("size", [1, 6])
def test_dashboard_query_count_is_constant(
    size: int, web_as: Any, users: Any, agency_a: Any, agency_b: Any, django_assert_num_queries: Any
) -> None:
    grow(size, [agency_a, agency_b])
    web = web_as("secretariat")
    web.get(reverse("secretariat-dashboard"))  # warm the session and content types
    with django_assert_num_queries(QUERIES["dashboard"]):
        assert web.get(reverse("secretariat-dashboard")).status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_my_agency_home_query_count_is_constant(
    size: int, web_as: Any, users: Any, agency_a: Any, agency_b: Any, django_assert_num_queries: Any
) -> None:
    grow(size, [agency_a, agency_b])
    web = web_as("rep_a")
    web.get(reverse("my-agency-home"))
    with django_assert_num_queries(QUERIES["my_agency"]):
        assert web.get(reverse("my-agency-home")).status_code == 200


QUERIES = {"dashboard": 21, "my_agency": 15}
