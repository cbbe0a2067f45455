"""Query counts of the product list and product page do not grow with rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from products import services
from products.models import EndorsementWaiver
from tests.conftest import api_client_for
from tests.factories import AgencyFactory, make_representative
from tests.products.conftest import pdf_file

pytestmark = pytest.mark.django_db


def _grow(
    group: Any, users: dict[str, Any], *, products: int, versions: int, agencies: int, tag: str
) -> Any:
    extra = [AgencyFactory(acronym=f"{tag}{i}") for i in range(agencies)]
    for agency in extra:
        make_representative(agency, f"rep.{tag.lower()}{agency.pk}")
    last = None
    for n in range(products):
        product = services.product_create(
            actor=None,
            title=f"Product {tag} {n}",
            kind="report",
            working_group=group,
            participating_agencies=extra,
        )
        for v in range(versions):
            data = pdf_file()
            version = services.product_version_upload(
                actor=None, product=product, file=data, filename="d.pdf", changelog=f"v{v}"
            )
            if v == 0:
                services.product_review_start(actor=None, product=product)
            for agency in extra[:2]:
                services.comment_add(
                    actor=users["secretariat"], version=version, body=f"c {agency.acronym}"
                )
        current = product.versions.order_by("-number").first()
        for agency in extra[: agencies // 2]:
            services.endorsement_record(
                actor=None,
                version=current,
                agency=agency,
                endorser_name="N",
                managerial_level="L",
                endorsed_on=dt.date(2026, 11, 1),
                evidence="e",
            )
        for agency in extra[agencies // 2 : agencies // 2 + 1]:
            services.endorsement_record_on_behalf(
                actor=users["secretariat"],
                version=current,
                agency=agency,
                endorser_name="N",
                managerial_level="L",
                endorsed_on=dt.date(2026, 11, 1),
                evidence="Letter received",
                evidence_file=pdf_file(),
                evidence_filename="letter.pdf",
            )
        # waivers of old are shown as history
        EndorsementWaiver.objects.bulk_create(
            [EndorsementWaiver(version=current, agency=a, reason="r") for a in extra[-1:]]
        )
        last = product
    return last


def _count(fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
        assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["web", "api"])
def test_product_list_queries_constant(
    kind: str, users: dict[str, Any], group: Any, web_as: Any
) -> None:
    web = web_as("rep_a")
    api = api_client_for(users["rep_a"])

    def fetch() -> Any:
        return web.get(reverse("product-list")) if kind == "web" else api.get("/api/v1/products/")

    _grow(group, users, products=1, versions=1, agencies=2, tag="S")
    fetch()  # warm the per-user role caches
    small = _count(fetch)
    _grow(group, users, products=6, versions=2, agencies=6, tag="L")
    large = _count(fetch)
    assert small == large, (small, large)


@pytest.mark.parametrize("kind", ["web", "api"])
def test_product_page_queries_constant(
    kind: str, users: dict[str, Any], group: Any, web_as: Any
) -> None:
    web = web_as("secretariat")
    api = api_client_for(users["secretariat"])

    def fetch(product: Any) -> Any:
        if kind == "web":
            return web.get(reverse("product-detail", args=[product.slug]))
        return api.get(f"/api/v1/products/{product.slug}/")

    small_product = _grow(group, users, products=1, versions=2, agencies=2, tag="S")
    fetch(small_product)  # warm the per-user role caches
    small = _count(lambda: fetch(small_product))
    large_product = _grow(group, users, products=1, versions=7, agencies=9, tag="L")
    large = _count(lambda: fetch(large_product))
    assert small == large, (small, large)
    assert large <= 30


def test_endorsement_list_queries_constant(users: dict[str, Any], group: Any) -> None:
    api = api_client_for(users["rep_a"])

    def fetch() -> Any:
        return api.get("/api/v1/product-endorsements/")

    _grow(group, users, products=1, versions=1, agencies=2, tag="S")
    fetch()  # warm the per-user role caches
    small = _count(fetch)
    _grow(group, users, products=4, versions=1, agencies=6, tag="L")
    assert fetch().json()["count"] > 10
    large = _count(fetch)
    assert small == large, (small, large)
