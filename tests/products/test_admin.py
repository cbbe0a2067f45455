"""The Django admin only looks products up: every governed record is read-only there.

ToR I.2, III.2.2: a working group's lead, a product's participating agencies or text, a
version, an endorsement, a published product and an adopted workplan change only through
their services. Tried as a superuser, the strongest admin user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from products import services
from products.models import (
    Comment,
    Endorsement,
    EndorsementWaiver,
    ExpertReferral,
    Product,
    ProductState,
    ProductVersion,
    WorkingGroup,
    Workplan,
    WorkplanItem,
)
from tests.factories import UserFactory
from tests.products.conftest import pdf_bytes

pytestmark = pytest.mark.django_db

GOVERNED = [
    WorkingGroup,
    ExpertReferral,
    Product,
    ProductVersion,
    Endorsement,
    EndorsementWaiver,
    Comment,
    Workplan,
]


@pytest.fixture
def admin_client(db: Any) -> Client:
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def records(users: dict[str, Any], group: Any, product: Any, agency_a: Any) -> dict[Any, Any]:
    """One row of each model: a published product, an adopted workplan with an item."""
    sec = users["secretariat"]
    services.product_record_published(
        actor=sec,
        product=product,
        file=SimpleUploadedFile("ger.pdf", pdf_bytes()),
        filename="ger.pdf",
        published_on=dt.date(2024, 1, 1),
        note="Archive",
    )
    draft = services.product_create(
        actor=sec,
        title="Draft",
        kind="report",
        working_group=group,
        participating_agencies=[agency_a],
    )
    version = services.product_version_upload(
        actor=sec,
        product=draft,
        file=SimpleUploadedFile("d.pdf", pdf_bytes()),
        filename="d.pdf",
        changelog="First",
    )
    services.product_review_start(actor=sec, product=draft)
    endorsement = services.endorsement_record(
        actor=users["rep_a"],
        version=version,
        agency=agency_a,
        endorser_name="Dr. A",
        managerial_level="Director",
        endorsed_on=dt.date(2026, 11, 20),
        evidence="Memo",
    )
    EndorsementWaiver.objects.bulk_create(
        [EndorsementWaiver(version=version, agency=agency_a, reason="of old")]
    )
    comment = services.comment_add(actor=sec, version=version, body="Note")
    referral = services.expert_referral_create(
        actor=sec, issue="Issue", expert_group="COSPAR", referred_on=dt.date(2025, 1, 1)
    )
    workplan = services.workplan_create(actor=sec, year=2027)
    services.workplan_item_add(actor=sec, workplan=workplan, objective="Publish")
    Workplan.objects.filter(pk=workplan.pk).update(state="adopted")  # as the handler leaves it
    return {
        WorkingGroup: group,
        ExpertReferral: referral,
        Product: Product.objects.get(pk=product.pk),
        ProductVersion: version,
        Endorsement: endorsement,
        EndorsementWaiver: EndorsementWaiver.objects.get(),
        Comment: comment,
        Workplan: Workplan.objects.get(pk=workplan.pk),
    }


def _url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_products_model_in_the_admin_is_governed_and_read_only() -> None:
    registered = {m for m in admin.site._registry if m._meta.app_label == "products"}
    assert registered == set(GOVERNED)


@pytest.mark.parametrize("model", GOVERNED, ids=lambda m: m.__name__)
def test_admin_refuses_add_and_change(
    model: Any, admin_client: Client, records: dict[Any, Any]
) -> None:
    obj = records[model]
    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.post(_url(model, "add"), {}).status_code == 403
    change = _url(model, "change", obj.pk)
    page = admin_client.get(change)
    assert page.status_code == 200  # looking it up still works
    assert 'name="_save"' not in page.content.decode()
    before = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    response = admin_client.post(
        change,
        {"title": "Changed", "state": "drafting", "acronym": "X", "lead_agency": "", "year": 1},
    )
    assert response.status_code == 403
    obj.refresh_from_db()
    assert {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields} == before
    assert admin_client.get(_url(model, "changelist")).status_code == 200


def test_published_product_and_adopted_workplan_unchanged_through_the_admin(
    admin_client: Client, records: dict[Any, Any]
) -> None:
    product, workplan = records[Product], records[Workplan]
    item = WorkplanItem.objects.get(workplan=workplan)
    admin_client.post(
        _url(Product, "change", product.pk),
        {"title": "Rewritten", "summary": "x", "participating_agencies": []},
    )
    admin_client.post(
        _url(Workplan, "change", workplan.pk),
        {
            "title": "Rewritten",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-0-id": item.pk,
            "items-0-objective": "Something else",
        },
    )
    product.refresh_from_db()
    item.refresh_from_db()
    assert product.title != "Rewritten" and product.state == ProductState.PUBLISHED
    assert product.participating_agencies.exists()
    assert item.objective == "Publish"
