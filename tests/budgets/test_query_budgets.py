"""Query budgets: list pages and list endpoints cost the same number of queries at two
sizes (issue 8, item 2), permission checks (django-guardian) included.

The lists pinned elsewhere (agencies, membership, the product list, the meeting list,
the dashboards, the members page) keep their own tests; this module covers the rest.
Each case warms the per-user role caches, counts the queries at the small size, grows
the data through the services and asserts the same count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import api_client_for
from tests.factories import AgencyFactory, UserFactory, make_representative

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 12


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _assert_flat(client: Any, urls: list[str], grow: Callable[[int, int], None]) -> None:
    grow(0, SMALL)
    for url in urls:
        client.get(url)  # warm per-user role caches and content types
    small = {url: _count(client, url) for url in urls}
    grow(SMALL, LARGE)
    for url in urls:
        client.get(url)  # designations made while growing drop the cached roles
    large = {url: _count(client, url) for url in urls}
    assert large == small


# --- consensus ------------------------------------------------------------------------


def _decisions(users: dict[str, Any], agency_a: Any) -> Callable[[int, int], None]:
    from consensus import services

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            AgencyFactory(acronym=f"D{i:02d}")
        for i in range(start, stop):
            decision = services.decision_open(
                actor=None,
                kind="motion",
                title=f"Motion {i}",
                text="Text.",
                deadline=timezone.now() + dt.timedelta(days=10 + i),
                procedure="silence" if i % 2 else "explicit",
            )
            if i % 3 == 0:
                services.position_cast(
                    actor=users["rep_a"], decision=decision, agency=agency_a, value="abstain"
                )

    return grow


@pytest.mark.parametrize("role", ["rep_a", "rep_b", "chair", "secretariat"])
def test_decision_lists(role: str, users: dict[str, Any], agency_a: Any, web_as: Any) -> None:
    _assert_flat(web_as(role), ["/decisions/", "/decisions/awaiting/"], _decisions(users, agency_a))


@pytest.mark.parametrize("role", ["rep_a", "secretariat", "api_client"])
def test_decision_api_list(role: str, users: dict[str, Any], agency_a: Any, api_as: Any) -> None:
    _assert_flat(
        api_as(role),
        ["/api/v1/decisions/", "/api/v1/decisions/?state=open", "/api/v1/decisions/?awaiting=mine"],
        _decisions(users, agency_a),
    )


# --- notifications --------------------------------------------------------------------


def _notices(user: Any) -> Callable[[int, int], None]:
    from isecg.services import notification_send

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            notification_send(
                kind="decision.opened",
                recipients=[user],
                key=f"budget:{i}",
                title=f"Notice {i}",
                body="Body.",
                url="/decisions/",
            )

    return grow


@pytest.mark.parametrize("role", ["rep_a", "secretariat"])
def test_notification_lists(role: str, users: dict[str, Any], api_as: Any, web_as: Any) -> None:
    grow = _notices(users[role])
    _assert_flat(api_as(role), ["/api/v1/notifications/"], grow)
    web = web_as(role)
    web.get("/notifications/")
    small = _count(web, "/notifications/?unread=1")
    small_all = _count(web, "/notifications/")
    grow(LARGE, LARGE + 20)
    web.get("/notifications/")
    assert _count(web, "/notifications/?unread=1") == small
    assert _count(web, "/notifications/") == small_all


# --- secretariat ----------------------------------------------------------------------


def _secretariat_members() -> Callable[[int, int], None]:
    from secretariat import services

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            agency = AgencyFactory(acronym=f"S{i:02d}")
            user = UserFactory(username=f"sec.budget{i}")
            services.secretariat_member_appoint(
                actor=None, user=user, proposed_by=agency, since=dt.date(2026, 1, 1)
            )

    return grow


@pytest.mark.parametrize("role", ["rep_a", "secretariat", "api_client"])
def test_secretariat_member_api_list(role: str, api_as: Any) -> None:
    _assert_flat(api_as(role), ["/api/v1/secretariat-members/"], _secretariat_members())


# --- products -------------------------------------------------------------------------


def _products(users: dict[str, Any], agency_a: Any, agency_b: Any) -> Callable[[int, int], None]:
    from products import services
    from tests.products.conftest import pdf_file

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            extra = AgencyFactory(acronym=f"P{i:02d}")
            make_representative(extra, f"rep.p{i}")
            group = services.working_group_create(
                actor=users["secretariat"],
                name=f"Working Group {i}",
                acronym=f"WG{i}",
                kind="working_group",
                active_from=dt.date(2010, 1, 1),
                lead_agency=agency_a,
                member_agencies=[agency_a, agency_b, extra],
            )
            product = services.product_create(
                actor=users["secretariat"],
                title=f"Product {i}",
                kind="report",
                working_group=group,
                participating_agencies=[agency_a, agency_b, extra],
            )
            version = services.product_version_upload(
                actor=None, product=product, file=pdf_file(), filename="d.pdf", changelog="v1"
            )
            services.product_review_start(actor=None, product=product)
            services.comment_add(actor=users["secretariat"], version=version, body=f"c{i}")

    return grow


PRODUCT_API = [
    "/api/v1/working-groups/",
    "/api/v1/product-versions/",
    "/api/v1/product-comments/",
    "/api/v1/expert-referrals/",
    "/api/v1/workplans/",
    "/api/v1/workplan-items/",
]


@pytest.mark.parametrize("role", ["rep_a", "secretariat"])
def test_product_api_lists(
    role: str, users: dict[str, Any], agency_a: Any, agency_b: Any, api_as: Any
) -> None:
    _assert_flat(api_as(role), PRODUCT_API, _products(users, agency_a, agency_b))


@pytest.mark.parametrize("role", ["anonymous", "rep_a", "secretariat"])
def test_product_pages(
    role: str, users: dict[str, Any], agency_a: Any, agency_b: Any, web_as: Any
) -> None:
    urls = ["/products/public/"]
    if role != "anonymous":
        urls += ["/products/groups/"]
    _assert_flat(web_as(role), urls, _products(users, agency_a, agency_b))


# --- meetings -------------------------------------------------------------------------


def _meetings(agency_a: Any, agency_b: Any) -> Callable[[int, int], None]:
    from tests.meetings.test_views import _populate

    def grow(start: int, stop: int) -> None:
        _populate(stop - start, [agency_a, agency_b])

    return grow


MEETING_API = [
    "/api/v1/meetings/",
    "/api/v1/minutes/",
    "/api/v1/action-items/",
    "/api/v1/venue-proposals/",
    "/api/v1/teleconference-series/",
    "/api/v1/chair-terms/",
    "/api/v1/chair-nominations/",
]


@pytest.mark.parametrize("role", ["rep_a", "secretariat"])
def test_meeting_api_lists(
    role: str, users: dict[str, Any], agency_a: Any, agency_b: Any, api_as: Any
) -> None:
    _assert_flat(api_as(role), MEETING_API, _meetings(agency_a, agency_b))


@pytest.mark.parametrize("role", ["rep_a", "secretariat"])
def test_meeting_pages(
    role: str, users: dict[str, Any], agency_a: Any, agency_b: Any, web_as: Any
) -> None:
    urls = ["/meetings/", "/meetings/series/", "/secretariat/action-items/"]
    _assert_flat(web_as(role), urls, _meetings(agency_a, agency_b))


def test_api_client_token_is_read_only_everywhere_listed(users: dict[str, Any]) -> None:
    """The API client (token, no agency) reads every list above without a 500."""
    client = api_client_for(users["api_client"])
    for url in [*PRODUCT_API, *MEETING_API, "/api/v1/decisions/", "/api/v1/notifications/"]:
        assert client.get(url).status_code == 200, url
