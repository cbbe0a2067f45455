"""Fixtures for the role matrix (STYLE.md "Tests"): anonymous, representative of A,
representative of B, chair, secretariat, API client."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import AgencyFactory, UserFactory, make_representative, make_secretariat

ROLES = ["anonymous", "rep_a", "rep_b", "chair", "secretariat", "api_client"]


@pytest.fixture(scope="session", autouse=True)
def _stray_backends_ended(request: pytest.FixtureRequest) -> Any:
    """End what subprocesses left connected before pytest-django drops the test database.

    A Celery worker killed by the fault tests closes its socket at once, but PostgreSQL's
    backend for it may linger a moment; dropping the database then warns that it is being
    accessed by other users. On SQLite there is nothing to do.
    """
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        yield
        return
    request.getfixturevalue("django_db_setup")
    yield
    from django.db import connection

    with request.getfixturevalue("django_db_blocker").unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()


@pytest.fixture
def agency_a(db: Any) -> Any:
    return AgencyFactory(acronym="AAA", name="Agency A")


@pytest.fixture
def agency_b(db: Any) -> Any:
    return AgencyFactory(acronym="BBB", name="Agency B")


@pytest.fixture
def chair_agency(db: Any) -> Any:
    from meetings.services import chair_term_start

    agency = AgencyFactory(acronym="CHR", name="Chair Agency")
    chair_term_start(actor=None, agency=agency, starts_on=dt.date(2026, 1, 1))
    return agency


@pytest.fixture
def users(db: Any, agency_a: Any, agency_b: Any, chair_agency: Any) -> dict[str, Any]:
    """One user per role; `anonymous` is None."""
    api_user = UserFactory(username="api.client")
    Token.objects.create(user=api_user)
    return {
        "anonymous": None,
        "rep_a": make_representative(agency_a, "rep.a"),
        "rep_b": make_representative(agency_b, "rep.b"),
        "chair": make_representative(chair_agency, "chair.hod"),
        "secretariat": make_secretariat("secretariat"),
        "api_client": api_user,
    }


def api_client_for(user: Any) -> APIClient:
    """An API client authenticated as the user: by token for API clients, else by session."""
    client = APIClient()
    if user is None:
        return client
    if user.username == "api.client":
        client.credentials(HTTP_AUTHORIZATION=f"Token {user.auth_token.key}")
    else:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def api_as(users: dict[str, Any]) -> Any:
    def make(role: str) -> APIClient:
        return api_client_for(users[role])

    return make


@pytest.fixture
def web_as(users: dict[str, Any], client: Any) -> Any:
    from django.test import Client

    def make(role: str) -> Client:
        web = Client()
        if users[role] is not None:
            web.force_login(users[role])
        return web

    return make


@pytest.fixture(autouse=True)
def _celery_join_flag_reset() -> Any:
    """Eager `.delay()` flips Celery's process-global "joining would block" flag and puts
    it back afterwards; threads doing that at once (the PostgreSQL concurrency tests) can
    leave it set, and then every later `.get()` in this process fails. Start each test clean."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _cache_clear() -> Any:
    """Django's cache lives as long as the process (the ToR expiry status, API throttle
    counters): each test starts with an empty one, so what an earlier test cached (another
    day, rows since rolled back) cannot change a page or a query count."""
    from django.core.cache import cache

    cache.clear()
    yield
