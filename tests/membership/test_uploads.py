"""ToR letters: PDF only, checked by content and not by name, with a size limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from isecg.errors import ValidationFailed
from membership.uploads import minimal_pdf, pdf_validate


def test_a_real_pdf_passes() -> None:
    pdf_validate(SimpleUploadedFile("anything.bin", minimal_pdf()))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("letter.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 20),  # renamed .exe
        ("letter.pdf", b"<!doctype html><html><body>Not a letter</body></html>"),
        ("letter.pdf", b"%PDF-1.7\n this is not really a pdf at all"),
        ("letter.pdf", b""),
    ],
    ids=["renamed-exe", "html", "fake-header", "empty"],
)
def test_non_pdf_content_is_rejected_whatever_the_name(name: str, content: bytes) -> None:
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(ValidationFailed) as err:
        pdf_validate(upload)
    assert err.value.field == "letter"
    assert err.value.code == "not_pdf"


def test_oversized_upload_is_rejected(settings: Any) -> None:
    settings.MEMBERSHIP_UPLOAD_MAX_BYTES = 200
    with pytest.raises(ValidationFailed) as err:
        pdf_validate(SimpleUploadedFile("big.pdf", minimal_pdf() + b"\0" * 500))
    assert err.value.code == "file_too_large"


def test_missing_upload_is_required() -> None:
    with pytest.raises(ValidationFailed) as err:
        pdf_validate(None)
    assert err.value.code == "required"
