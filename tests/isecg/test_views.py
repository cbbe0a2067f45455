"""Core pages: home, sign in/out, password change, preferences, notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from isecg.models import AuditEvent, Notification, User
from tests.conftest import ROLES
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def _notice(user: User, key: str, **kw: Any) -> Notification:
    return Notification.objects.create(
        kind="k", recipient=user, key=key, title=f"Notice {key}", created_at=T0, **kw
    )


# --- URL names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("agency-list", [], "/agencies/"),
        ("agency-detail", ["NASA"], "/agencies/NASA/"),
        ("api-agency-list", [], "/api/v1/agencies/"),
        ("api-agency-detail", ["NASA"], "/api/v1/agencies/NASA/"),
        ("api-representative-list", [], "/api/v1/representatives/"),
        ("api-notification-list", [], "/api/v1/notifications/"),
        ("notifications", [], "/notifications/"),
        ("preferences", [], "/accounts/preferences/"),
        ("api-docs", [], "/api/v1/docs/"),
    ],
)
def test_page_names_are_not_shadowed_by_api_routes(name: str, args: list[str], path: str) -> None:
    assert reverse(name, args=args) == path


# --- home and health ----------------------------------------------------------------


def test_home_for_anonymous_shows_counts(db: Any) -> None:
    for i in range(3):
        AgencyFactory(acronym=f"F{i}", framework_contributor=i < 2)
    AgencyFactory(acronym="INV", status="invited", framework_contributor=True)
    response = Client().get("/")
    assert response.status_code == 200
    assert response.context["counts"] == {"participating": 3, "framework": 3}
    assert 'href="/agencies/?status=participating"' in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_home_answers_every_role(web_as: Any, role: str) -> None:
    response = web_as(role).get("/", follow=True)
    assert response.status_code == 200


def test_healthz(db: Any) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- sign in, sign out, password change ----------------------------------------------


def test_login_and_logout(db: Any) -> None:
    UserFactory(username="esa.hod", password="pw-for-tests-1")
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()

    wrong = client.post("/accounts/login/", {"username": "esa.hod", "password": "nope"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors
    assert "_auth_user_id" not in client.session

    ok = client.post(
        "/accounts/login/",
        {"username": "esa.hod", "password": "pw-for-tests-1", "next": "/agencies/"},
    )
    assert ok.status_code == 302
    assert ok["Location"] == "/agencies/"
    assert client.get("/notifications/").status_code == 200

    out = client.post("/accounts/logout/")
    assert out.status_code == 302
    assert client.get("/notifications/").status_code == 302


def test_login_redirect_for_anonymous(db: Any) -> None:
    for url in ("/notifications/", "/accounts/preferences/", "/accounts/password_change/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_password_change(db: Any) -> None:
    user = UserFactory(username="pw.user", password="pw-for-tests-1")
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/password_change/").status_code == 200
    bad = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert bad.status_code == 200
    assert "old_password" in bad.context["form"].errors
    ok = client.post(
        "/accounts/password_change/",
        {
            "old_password": "pw-for-tests-1",
            "new_password1": "orbit-Gateway-2030",
            "new_password2": "orbit-Gateway-2030",
        },
    )
    assert ok.status_code == 302
    assert ok["Location"] == "/accounts/password_change/done/"
    assert client.get(ok["Location"]).status_code == 200
    assert User.objects.get(pk=user.pk).check_password("orbit-Gateway-2030")


# --- preferences and time zones ------------------------------------------------------


def test_preferences_time_zone_is_saved_and_used(db: Any) -> None:
    user = UserFactory(username="jaxa.hod")
    _notice(user, "tz")
    client = Client()
    client.force_login(user)

    before = client.get("/notifications/").content.decode()
    assert "21 Nov 2026, 12:00 UTC" in before

    assert client.get("/accounts/preferences/").status_code == 200
    saved = client.post("/accounts/preferences/", {"time_zone": "Asia/Tokyo"}, follow=True)
    assert saved.status_code == 200
    assert "Your preferences are saved." in saved.content.decode()
    assert User.objects.get(pk=user.pk).time_zone == "Asia/Tokyo"
    assert AuditEvent.objects.filter(action="user.time_zone_set").count() == 1

    html = client.get("/notifications/").content.decode()
    assert "21 Nov 2026, 21:00 JST" in html
    assert 'datetime="2026-11-21T12:00:00+00:00"' in html
    assert 'title="2026-11-21 12:00 UTC"' in html
    assert "Times are shown in Asia/Tokyo." in html


def test_preferences_reject_unknown_time_zone(db: Any) -> None:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/preferences/", {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert User.objects.get(pk=user.pk).time_zone == "UTC"


def test_instant_tag_in_los_angeles(db: Any) -> None:
    from django.template import Context, Template
    from django.utils import timezone

    template = Template("{% load isecg %}{% instant when %}|{% instant none %}")
    with timezone.override("America/Los_Angeles"):
        html = template.render(Context({"when": T0, "none": None}))
    assert ">21 Nov 2026, 04:00 PST</time>|" in html
    assert html.endswith("|")


# --- notifications page -------------------------------------------------------------


def test_notifications_page_lists_only_mine(users: dict[str, Any], web_as: Any) -> None:
    _notice(users["rep_a"], "mine")
    _notice(users["rep_b"], "theirs")
    html = web_as("rep_a").get("/notifications/").content.decode()
    assert "Notice mine" in html
    assert "Notice theirs" not in html
    assert "(1 unread)" in html


def test_notifications_unread_filter(users: dict[str, Any], web_as: Any) -> None:
    import django.utils.timezone as tz

    _notice(users["rep_a"], "new")
    _notice(users["rep_a"], "old", read_at=tz.now())
    page = web_as("rep_a").get("/notifications/?unread=1")
    assert [n.key for n in page.context["page"]] == ["new"]


def test_mark_read_with_htmx_returns_the_row(users: dict[str, Any], web_as: Any) -> None:
    mine = _notice(users["rep_a"], "mine")
    client = web_as("rep_a")
    response = client.post("/notifications/read/", {"id": mine.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="notification-{mine.pk}"')
    assert "Read" in html and "Mark read" not in html
    mine.refresh_from_db()
    assert mine.is_read


def test_mark_read_someone_elses_notice_is_404(users: dict[str, Any], web_as: Any) -> None:
    theirs = _notice(users["rep_b"], "theirs")
    response = web_as("rep_a").post(
        "/notifications/read/", {"id": theirs.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_mark_all_read_without_javascript(users: dict[str, Any], web_as: Any) -> None:
    for i in range(3):
        _notice(users["rep_a"], f"n{i}")
    theirs = _notice(users["rep_b"], "theirs")
    response = web_as("rep_a").post("/notifications/read/", follow=True)
    assert response.status_code == 200
    assert "Marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=users["rep_a"], read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_read_needs_post_and_sign_in(users: dict[str, Any], web_as: Any) -> None:
    assert web_as("rep_a").get("/notifications/read/").status_code == 405
    response = web_as("anonymous").post("/notifications/read/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_notifications_page_query_count_does_not_grow(
    db: Any, django_assert_num_queries: Any
) -> None:
    user = UserFactory()
    for i in range(3):
        _notice(user, f"s{i}", url="/agencies/")
    client = Client()
    client.force_login(user)
    client.get("/notifications/")  # fills the cached ToR status of base.html's expiry banner
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/notifications/").status_code == 200
    small = len(ctx.captured_queries)
    for i in range(3, 25):
        _notice(user, f"s{i}", body="Line one\nLine two")
    with django_assert_num_queries(small):
        response = client.get("/notifications/")
    assert len(response.context["page"]) == 25
