"""The Django admin is for looking things up (issue 12, item 10): no route through it gives
anyone a role, a power to act for an agency, a status, or a changed schedule."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from guardian.models import UserObjectPermission
from rest_framework.authtoken.models import Token

from agencies.models import Agency, AgencyStatus
from agencies.roles import SECRETARIAT_GROUP, is_secretariat, represents
from isecg.models import User
from tests.factories import AgencyFactory, UserFactory, make_secretariat

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> Client:
    """A superuser: the admin's strongest account, made on the command line."""
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def secretariat_admin() -> Client:
    """The secretariat as seed_demo sets it up: every admin permission of the apps."""
    user = make_secretariat("sec.admin")
    group = Group.objects.get(name=SECRETARIAT_GROUP)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["isecg", "agencies", "django_celery_beat", "auth"]
        ).exclude(codename="act_for_agency")
    )
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


@pytest.fixture(params=["root", "secretariat_admin"])
def admin_client(request: pytest.FixtureRequest) -> Client:
    return request.getfixturevalue(request.param)


# --- agencies: no object permissions, no status ---------------------------------------------


def test_agency_admin_hands_out_no_object_permission(admin_client: Client) -> None:
    """ToR III.2.1: the power to act for an agency comes only from a designation."""
    agency = AgencyFactory(acronym="OBJ")
    outsider = UserFactory(username="outsider")
    page = admin_client.get(f"/admin/agencies/agency/{agency.pk}/change/")
    assert page.status_code == 200  # the view-only page
    assert "permissions/" not in page.content.decode()
    for url in (
        f"/admin/agencies/agency/{agency.pk}/permissions/",
        f"/admin/agencies/agency/{agency.pk}/permissions/user-manage/{outsider.pk}/",
    ):
        admin_client.post(url, {"user": outsider.username, "permissions": ["act_for_agency"]})
    assert not UserObjectPermission.objects.filter(user=outsider).exists()
    assert not represents(User.objects.get(pk=outsider.pk), agency)


def test_agency_admin_cannot_add_or_set_a_status(admin_client: Client) -> None:
    agency = AgencyFactory(acronym="STS", framework_contributor=False)
    name = agency.name
    assert admin_client.get("/admin/agencies/agency/add/").status_code == 403
    refused = admin_client.post(
        f"/admin/agencies/agency/{agency.pk}/change/",
        {
            "name": "Renamed in the admin",
            "acronym": agency.acronym,
            "country": agency.country,
            "status": "withdrawn",
            "framework_contributor": "on",
            "joined_on": "2001-01-01",
            "withdrawn_on": "2020-01-01",
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
        },
    )
    # Details are corrected with a reason on the correction page, never edited in place here.
    assert refused.status_code == 403
    agency.refresh_from_db()
    assert agency.name == name
    assert agency.status == AgencyStatus.PARTICIPATING
    assert agency.framework_contributor is False
    assert agency.withdrawn_on is None
    assert str(agency.joined_on) == "2019-06-01"
    assert admin_client.get("/admin/agencies/agency/?q=STS").status_code == 200
    assert admin_client.post(f"/admin/agencies/agency/{agency.pk}/delete/").status_code == 403
    assert Agency.objects.filter(pk=agency.pk).exists()


def test_status_history_and_designations_are_read_only(admin_client: Client) -> None:
    for model in ("agencystatuschange", "representative"):
        assert admin_client.get(f"/admin/agencies/{model}/").status_code == 200
        assert admin_client.get(f"/admin/agencies/{model}/add/").status_code == 403


# --- users: roles are read-only; superusers come from the command line -----------------------


def test_user_admin_cannot_grant_a_role(admin_client: Client) -> None:
    """ToR IV: the secretariat is its member records; nobody is made superuser here."""
    target = UserFactory(username="target", first_name="Tar", last_name="Get")
    group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    page = admin_client.get(f"/admin/isecg/user/{target.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' not in html
    response = admin_client.post(
        f"/admin/isecg/user/{target.pk}/change/",
        {
            "username": "target",
            "first_name": "Renamed",
            "last_name": "Get",
            "email": "someone.else@example.org",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [group.pk],
            "user_permissions": [Permission.objects.get(codename="act_for_agency").pk],
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    target.refresh_from_db()
    # Details are corrected with a reason (isecg.corrections), not edited in place here.
    assert (target.first_name, target.email) == ("Tar", "target@example.org")
    assert (target.is_superuser, target.is_staff) == (False, False)
    assert not target.groups.exists()
    assert not target.user_permissions.exists()
    assert not is_secretariat(target)


def test_user_admin_adds_no_superuser(admin_client: Client) -> None:
    page = admin_client.get("/admin/isecg/user/add/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    admin_client.post(
        "/admin/isecg/user/add/",
        {
            "username": "made.here",
            "password1": "a-Long-passphrase-42",
            "password2": "a-Long-passphrase-42",
            "usable_password": "true",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    made = User.objects.filter(username="made.here").first()
    assert made is None or not (made.is_superuser or made.is_staff)


def test_user_admin_is_useful_for_lookups(admin_client: Client) -> None:
    UserFactory(username="findme")
    listing = admin_client.get("/admin/isecg/user/?q=findme")
    assert listing.status_code == 200
    assert "findme" in listing.content.decode()


def test_groups_are_read_only(admin_client: Client) -> None:
    group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    assert admin_client.get("/admin/auth/group/").status_code == 200
    assert admin_client.get("/admin/auth/group/add/").status_code == 403
    admin_client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "renamed", "permissions": [Permission.objects.get(codename="act_for_agency").pk]},
    )
    group.refresh_from_db()
    assert group.name == SECRETARIAT_GROUP
    assert not group.permissions.filter(codename="act_for_agency").exists()


# --- django-celery-beat: schedules change from settings and the command line only ------------


@pytest.fixture
def task() -> PeriodicTask:
    every = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    return PeriodicTask.objects.create(
        name="close due decisions", task="consensus.tasks.close_due_decisions", interval=every
    )


def test_beat_schedules_are_read_only(admin_client: Client, task: PeriodicTask) -> None:
    listing = admin_client.get("/admin/django_celery_beat/periodictask/")
    assert listing.status_code == 200
    assert "close due decisions" in listing.content.decode()
    detail = admin_client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert detail.status_code == 200
    assert 'type="submit" value="Save"' not in detail.content.decode()
    assert admin_client.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
    changed = admin_client.post(
        f"/admin/django_celery_beat/periodictask/{task.pk}/change/",
        {"name": task.name, "task": task.task, "interval": task.interval_id},
    )
    assert changed.status_code == 403
    for action in ("disable_tasks", "toggle_tasks", "run_tasks", "delete_selected"):
        admin_client.post(
            "/admin/django_celery_beat/periodictask/",
            {"action": action, "_selected_action": [task.pk], "post": "yes"},
        )
    deleted = admin_client.post(
        f"/admin/django_celery_beat/periodictask/{task.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403
    task.refresh_from_db()
    assert task.enabled is True
    assert task.interval is not None and task.interval.every == 5


@pytest.mark.parametrize(
    "model", ["intervalschedule", "crontabschedule", "solarschedule", "clockedschedule"]
)
def test_beat_schedule_kinds_are_read_only(admin_client: Client, model: str) -> None:
    assert admin_client.get(f"/admin/django_celery_beat/{model}/").status_code == 200
    assert admin_client.get(f"/admin/django_celery_beat/{model}/add/").status_code == 403


def test_crontab_detail_is_viewable(admin_client: Client) -> None:
    crontab = CrontabSchedule.objects.create(minute="0", hour="3")
    page = admin_client.get(f"/admin/django_celery_beat/crontabschedule/{crontab.pk}/change/")
    assert page.status_code == 200
    assert 'type="submit" value="Save"' not in page.content.decode()


def test_a_plain_user_has_no_admin(db: Any) -> None:
    client = Client()
    client.force_login(UserFactory(username="plain"))
    assert client.get("/admin/").status_code == 302


# --- API tokens: nobody mints or reads another person's token here ------------------------


def test_no_token_is_made_or_shown_in_the_admin(root: Client) -> None:
    rep = UserFactory(username="token.owner", first_name="Tok", last_name="Owner")
    token = Token.objects.create(user=rep)
    assert root.get("/admin/authtoken/tokenproxy/add/").status_code == 403
    root.post("/admin/authtoken/tokenproxy/add/", {"user": UserFactory(username="victim").pk})
    assert not Token.objects.filter(user__username="victim").exists()
    listing = root.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200
    assert "Tok Owner" in listing.content.decode()
    assert token.key not in listing.content.decode()


def test_nobody_sets_another_persons_password_here(admin_client: Client) -> None:
    """Whoever sets a representative's password could act for the agency (ToR III.2.1)."""
    target = UserFactory(username="rep.target")
    url = f"/admin/isecg/user/{target.pk}/password/"
    assert admin_client.get(url).status_code == 403
    response = admin_client.post(
        url, {"password1": "a-Long-passphrase-42", "password2": "a-Long-passphrase-42"}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert not target.check_password("a-Long-passphrase-42")
    me = User.objects.get(username__in=["root", "sec.admin"])
    assert admin_client.get(f"/admin/isecg/user/{me.pk}/password/").status_code == 200


def test_no_authenticator_is_made_or_edited_for_anyone(admin_client: Client) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    target = UserFactory(username="rep.otp")
    device = TOTPDevice.objects.create(user=target, name="phone", confirmed=True)
    key = device.key
    assert admin_client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    admin_client.post(
        "/admin/otp_totp/totpdevice/add/",
        {"user": target.pk, "name": "mine", "key": "00" * 20, "confirmed": "on"},
    )
    admin_client.post(
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        {"user": target.pk, "name": "phone", "key": "00" * 20, "confirmed": "on"},
    )
    device.refresh_from_db()
    assert device.key == key
    assert TOTPDevice.objects.filter(user=target).count() == 1
