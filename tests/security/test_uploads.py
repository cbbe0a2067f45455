"""Uploads are checked by content and size, stored under unguessable names and served
only through permission-checked views."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from isecg.errors import ValidationFailed
from membership import services as membership_services
from membership.uploads import pdf_validate
from products.uploads import check_upload
from tests.membership.conftest import applicant, media_in_tmp, request_fields, tor, tor_versions  # noqa: F401
from tests.products.conftest import group, in_review, product  # noqa: F401

pytestmark = pytest.mark.django_db


def test_letters_are_checked_by_content_and_size(settings: Any) -> None:
    with pytest.raises(ValidationFailed):
        pdf_validate(SimpleUploadedFile("a.pdf", b"MZ\x90\x00" * 50, "application/pdf"))
    settings.MEMBERSHIP_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationFailed):
        pdf_validate(SimpleUploadedFile("a.pdf", b"%PDF-1.4" + b"0" * 100, "application/pdf"))


def test_product_files_are_checked_by_content_and_size(settings: Any) -> None:
    import io

    with pytest.raises(ValidationFailed):
        check_upload(io.BytesIO(b"<html>not a document</html>"))
    settings.PRODUCT_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationFailed):
        check_upload(io.BytesIO(b"%PDF-1.4" + b"0" * 100), size=108)


def test_letter_download_refuses_anonymous_and_other_agencies(
    web_as: Any,
    tor: Any,  # noqa: F811
    applicant: Any,  # noqa: F811
    settings: Any,
) -> None:
    req = membership_services.membership_request_record(
        actor=None, agency=applicant, **request_fields()
    )
    url = reverse("membership-letter", args=["request", req.pk])
    assert web_as("secretariat").get(url).status_code == 200
    anonymous = web_as("anonymous").get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for role in ("rep_a", "rep_b", "chair", "api_client"):
        assert web_as(role).get(url).status_code in (403, 404), role
    # The stored name is random, and no /media/ route serves it.
    assert "letter.pdf" not in req.letter.name and len(req.letter.name) > 40
    assert web_as("secretariat").get(settings.MEDIA_URL + req.letter.name).status_code == 404
    membership_services.membership_request_circulate(
        actor=None, request=req, procedure="silence", deadline=timezone.now() + dt.timedelta(days=5)
    )
    assert web_as("rep_a").get(url).status_code == 200


def test_product_download_refuses_outsiders(
    web_as: Any,
    in_review: Any,  # noqa: F811
    settings: Any,
) -> None:
    url = reverse("product-version-download", args=[in_review.pk])
    assert web_as("rep_a").get(url).status_code == 200
    for role in ("anonymous", "api_client"):
        assert web_as(role).get(url).status_code in (302, 403, 404), role
    assert web_as("secretariat").get(settings.MEDIA_URL + in_review.file.name).status_code == 404
    assert in_review.file.name.startswith("products/")
    assert "draft" not in in_review.file.name
