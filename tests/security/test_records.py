"""No hard delete of any record: PROTECT on history, no admin delete, downloads guarded."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

PROJECT_APPS = (
    "isecg",
    "agencies",
    "consensus",
    "membership",
    "products",
    "meetings",
    "secretariat",
)

# The only foreign keys allowed to cascade, each with its reason. None of them is a record
# of the group's governance; a person is never deleted anyway (deactivated; admin delete off).
CASCADE_WHITELIST = {
    # A person's own inbox and settings: personal data, not the group's record.
    ("isecg.Notification", "recipient"),
    ("isecg.NotificationPreference", "user"),
    # A personal calendar-feed credential; deleting its user must revoke it.
    ("meetings.CalendarFeedToken", "user"),
}

# Admin may delete these (none in the project apps today); everything else must refuse.
ADMIN_DELETE_WHITELIST: set[str] = set()


def _project_models() -> list[type[models.Model]]:
    found: list[type[models.Model]] = []
    for label in PROJECT_APPS:
        found += list(apps.get_app_config(label).get_models())
    return found


def test_no_foreign_key_of_a_project_model_cascades_or_nulls_history() -> None:
    offenders = []
    for model in _project_models():
        for field in model._meta.get_fields():
            if not (
                field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)
            ):
                continue
            on_delete = field.remote_field.on_delete
            if on_delete is models.PROTECT:
                continue
            if (model._meta.label, field.name) in CASCADE_WHITELIST:
                continue
            offenders.append(f"{model._meta.label}.{field.name}: {on_delete.__name__}")
    assert offenders == []


def test_whitelist_is_not_stale() -> None:
    for label, name in CASCADE_WHITELIST:
        field = apps.get_model(label)._meta.get_field(name)
        assert field.remote_field.on_delete is models.CASCADE, (label, name)


@pytest.mark.django_db
def test_the_admin_deletes_nothing_of_the_project() -> None:
    from isecg.models import User

    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    offenders = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        if model._meta.label in ADMIN_DELETE_WHITELIST:
            continue
        if model_admin.has_delete_permission(request) or "delete_selected" in (
            model_admin.get_actions(request) or {}
        ):
            offenders.append(model._meta.label)
    assert offenders == []
