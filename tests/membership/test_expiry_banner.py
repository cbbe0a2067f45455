"""ToR VII: the expiry banner on every page for signed-in users, from a cached status that
the services changing the ToR in force refresh at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consensus.services import decision_close_if_due
from membership import services

pytestmark = pytest.mark.django_db

EXPIRED = "expired on 31 December 2030"
EXPIRES = "expire on 31 December 2030"
AFTER_EXPIRY = dt.datetime(2031, 1, 2, 12, tzinfo=dt.UTC)
NEAR_EXPIRY = dt.datetime(2030, 10, 15, 12, tzinfo=dt.UTC)


def _page(client: Any, url: str = "/decisions/") -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _tor_queries(ctx: CaptureQueriesContext) -> int:
    return sum("membership_torversion" in q["sql"] for q in ctx.captured_queries)


def test_expired_alert_on_an_unrelated_page(web_as: Any, tor: Any) -> None:
    with time_machine.travel(AFTER_EXPIRY, tick=False):
        page = _page(web_as("rep_a"))
    assert page.count(EXPIRED) == 1
    assert 'role="alert"' in page and reverse("tor-extension-create") in page


@pytest.mark.parametrize(
    ("day", "notice"),
    [
        (dt.date(2030, 10, 15), "(77 days)"),
        (dt.date(2030, 7, 4), "(180 days)"),  # the first day of the last 180
        (dt.date(2030, 12, 30), "(1 day)"),
        (dt.date(2030, 12, 31), "(0 days)"),  # the last day: not expired yet
    ],
)
def test_notice_in_the_last_180_days(web_as: Any, tor: Any, day: dt.date, notice: str) -> None:
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False):
        for role in ("rep_a", "secretariat"):
            page = _page(web_as(role))
            assert page.count(EXPIRES) == 1, role
            assert f"{EXPIRES} {notice} unless extended" in page
            assert EXPIRED not in page


@pytest.mark.parametrize(
    "moment",
    [dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC), dt.datetime(2030, 7, 3, 12, tzinfo=dt.UTC)],
)
def test_no_banner_before_the_last_180_days(web_as: Any, tor: Any, moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        page = _page(web_as("rep_a"))
    assert EXPIRES not in page and EXPIRED not in page


def test_no_banner_without_a_version_in_force(web_as: Any, users: Any) -> None:
    with time_machine.travel(AFTER_EXPIRY, tick=False):
        page = _page(web_as("rep_a"))
    assert "Terms of Reference expire" not in page


def test_visitors_see_it_on_the_tor_pages_only(web_as: Any, tor: Any) -> None:
    visitor = web_as("anonymous")
    with time_machine.travel(AFTER_EXPIRY, tick=False):
        assert EXPIRED not in _page(visitor, "/accounts/login/")
        assert EXPIRED not in _page(visitor, "/agencies/")
        tor_page = _page(visitor, reverse("tor-current"))
    assert tor_page.count(EXPIRED) == 1
    assert reverse("tor-extension-create") not in tor_page  # no proposing without signing in


def test_one_banner_on_the_tor_pages(web_as: Any, tor: Any) -> None:
    with time_machine.travel(AFTER_EXPIRY, tick=False):
        assert _page(web_as("rep_a"), reverse("tor-current")).count(EXPIRED) == 1
        assert _page(web_as("secretariat"), reverse("tor-extension-list")).count(EXPIRED) == 1
    with time_machine.travel(NEAR_EXPIRY, tick=False):
        rep = _page(web_as("rep_a"), reverse("tor-current"))
        secretariat = _page(web_as("secretariat"), reverse("tor-current"))
    assert rep.count(EXPIRES) == 1 and "Expiry countdown" not in rep
    # The secretariat's countdown takes the notice's place, not a second banner.
    assert "Expiry countdown" in secretariat and f"{EXPIRES} (77 days)" not in secretariat


def _extend(users: Any, until: dt.date) -> None:
    proposal = services.tor_extension_propose(
        actor=users["secretariat"], proposed_expires_on=until, rationale="More time."
    )
    proposal = services.tor_extension_open_decision(
        actor=users["secretariat"],
        proposal=proposal,
        procedure="silence",
        deadline=timezone.now() + dt.timedelta(days=14),
    )
    decision_close_if_due(
        decision_id=proposal.decision_id,
        now=proposal.decision.deadline + dt.timedelta(seconds=1),
    )


def test_extension_adopted_removes_the_banner_at_once(
    web_as: Any, users: Any, tor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(AFTER_EXPIRY, tick=False):
        rep = web_as("rep_a")  # signed in on the day: sessions last 14 days in the tests
        assert EXPIRED in _page(rep)  # now cached
        with django_capture_on_commit_callbacks(execute=True):
            _extend(users, dt.date(2035, 12, 31))
            tor.refresh_from_db()
            assert tor.expires_on == dt.date(2035, 12, 31)
            # Until the adoption commits, pages keep the status they cached.
            assert EXPIRED in _page(rep)
        page = _page(rep)
    assert EXPIRED not in page and "Terms of Reference expire" not in page


def test_new_version_in_force_removes_the_banner_at_once(
    web_as: Any, users: Any, tor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(AFTER_EXPIRY, tick=False):
        rep = web_as("rep_a")
        assert EXPIRED in _page(rep)
        with django_capture_on_commit_callbacks(execute=True):
            services.tor_version_create(
                actor=users["secretariat"],
                label="January 2031",
                text="# ToR\n\nVII. Established until 31 December 2035.\n",
                adopted_on=dt.date(2031, 1, 2),
                effective_from=dt.date(2031, 1, 2),
                expires_on=dt.date(2035, 12, 31),
                supersedes=tor,
            )
        page = _page(rep)
    assert EXPIRED not in page


def test_a_warm_cache_adds_no_query(web_as: Any, tor: Any) -> None:
    with time_machine.travel(AFTER_EXPIRY, tick=False):
        rep = web_as("rep_a")
        _page(rep)  # role caches, content types
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            cold_page = _page(rep)
        with CaptureQueriesContext(connection) as warm:
            warm_page = _page(rep)
    assert EXPIRED in cold_page and EXPIRED in warm_page
    assert _tor_queries(cold) == 1
    assert _tor_queries(warm) == 0
    assert len(warm) == len(cold) - 1


class UnreachableCache(BaseCache):
    """A cache server that cannot be reached: every call fails, as Redis's client does."""

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        raise ConnectionError("cache unreachable")

    def add(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> bool:
        raise ConnectionError("cache unreachable")

    def set(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> None:
        raise ConnectionError("cache unreachable")


def test_without_a_reachable_cache_the_banner_reads_the_database(
    web_as: Any, users: Any, tor: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.UnreachableCache"}}
    with time_machine.travel(AFTER_EXPIRY, tick=False):
        rep = web_as("rep_a")
        assert _page(rep).count(EXPIRED) == 1
        # The adoption stands although the cache cannot be told.
        with django_capture_on_commit_callbacks(execute=True):
            _extend(users, dt.date(2035, 12, 31))
        assert EXPIRED not in _page(rep)
