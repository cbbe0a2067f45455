"""The benchmark's floor endpoint exists only in `make bench` runs (bench/floor)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIRequestFactory, force_authenticate

from bench.floor.models import FloorWrite
from bench.floor.views import FloorView

pytestmark = pytest.mark.django_db


def test_floor_is_not_mounted_in_a_normal_run(api_as: Any) -> None:
    with pytest.raises(NoReverseMatch):
        reverse("bench-floor")
    assert api_as("secretariat").post("/bench-floor/", {"value": "x"}).status_code == 404
    schema = api_as("anonymous").get("/api/v1/schema/?format=json").json()
    assert not [path for path in schema["paths"] if "bench" in path]


def test_floor_writes_one_row_for_a_signed_in_user(users: dict[str, Any]) -> None:
    request = APIRequestFactory().post("/bench-floor/", {"value": "concur"}, format="json")
    force_authenticate(request, user=users["rep_a"])
    response = FloorView.as_view()(request)
    assert response.status_code == 201
    assert FloorWrite.objects.get().value == "concur"
    anonymous = FloorView.as_view()(
        APIRequestFactory().post("/bench-floor/", {"value": "x"}, format="json")
    )
    assert anonymous.status_code == 401
    assert FloorWrite.objects.count() == 1
