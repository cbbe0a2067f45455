"""Fixtures for the products tests: a temporary MEDIA_ROOT, files, a product in review."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from products import services
from products.models import WorkingGroupKind


@pytest.fixture(autouse=True)
def _media_root(tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def odt_bytes() -> bytes:
    return zip_bytes(
        {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"}
    )


def pdf_file(name: str = "draft.pdf", pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages), content_type="application/pdf")


@pytest.fixture
def group(users: dict[str, Any], agency_a: Any, agency_b: Any) -> Any:
    return services.working_group_create(
        actor=users["secretariat"],
        name="Exploration Roadmap Working Group",
        acronym="ERWG",
        kind=WorkingGroupKind.WORKING_GROUP,
        active_from=dt.date(2010, 1, 1),
        lead_agency=agency_a,
        member_agencies=[agency_a, agency_b],
    )


@pytest.fixture
def product(users: dict[str, Any], group: Any, agency_a: Any, agency_b: Any) -> Any:
    return services.product_create(
        actor=users["secretariat"],
        title="Global Exploration Roadmap Supplement",
        kind="roadmap",
        working_group=group,
        participating_agencies=[agency_a, agency_b],
        summary="A supplement.",
    )


def upload(product: Any, actor: Any, changelog: str = "First draft.") -> Any:
    data = pdf_file()
    return services.product_version_upload(
        actor=actor, product=product, file=data, filename=data.name, changelog=changelog
    )


@pytest.fixture
def in_review(product: Any, users: dict[str, Any]) -> Any:
    """The product in agency review with version 1."""
    version = upload(product, users["secretariat"])
    services.product_review_start(actor=users["secretariat"], product=product)
    product.refresh_from_db()
    return version
