"""isecg.http.actor: the services' actor is the signed-in user, never an AnonymousUser."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import ForcedAuthentication, Request

from isecg.http import actor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_page_request_gives_its_signed_in_user() -> None:
    user = UserFactory(username="ada")
    request = RequestFactory().get("/")
    request.user = user
    assert actor(request) == user


def test_an_anonymous_page_request_is_refused() -> None:
    request = RequestFactory().post("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        actor(request)


def test_an_api_request_gives_its_authenticated_user() -> None:
    user = UserFactory(username="ada")
    request = Request(
        RequestFactory().post("/api/v1/"), authenticators=[ForcedAuthentication(user, None)]
    )
    assert actor(request) == user


def test_an_anonymous_api_request_is_refused_as_not_authenticated() -> None:
    request = Request(RequestFactory().post("/api/v1/"))
    with pytest.raises(NotAuthenticated):
        actor(request)
