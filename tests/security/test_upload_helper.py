"""The shared upload check (isecg.uploads): content, not name, decides; size is bounded; and
each app keeps its own codes on top of it (membership letters: `not_pdf`)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from isecg import uploads
from isecg.errors import ValidationFailed
from isecg.uploads import PDF, UploadRejected, upload_check
from membership.uploads import pdf_validate
from products.uploads import check_upload
from tests.products.conftest import docx_bytes, odt_bytes, pdf_bytes, zip_bytes

LIMIT = 64 * 1024
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 20


def _pdf_with(*, pages: int = 1, user_password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _check(data: bytes, name: str = "upload.bin", **kwargs: Any) -> Any:
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    kwargs.setdefault("size", upload.size)
    return upload_check(upload, max_bytes=LIMIT, field="attachment", **kwargs)


def _rejected(data: bytes, name: str = "upload.bin", **kwargs: Any) -> UploadRejected:
    with pytest.raises(UploadRejected) as err:
        _check(data, name, **kwargs)
    assert err.value.field == "attachment" and err.value.limit == LIMIT
    assert isinstance(err.value, ValidationFailed)
    return err.value


def test_a_real_pdf_passes_and_is_described() -> None:
    data = pdf_bytes(2)
    upload = SimpleUploadedFile("whatever.txt", data, content_type="text/plain")
    upload.read(5)
    checked = upload_check(upload, max_bytes=LIMIT, field="attachment", kinds=frozenset({PDF}))
    assert (checked.file_format, checked.content_type) == ("pdf", "application/pdf")
    assert checked.page_count == 2 and checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert upload.tell() == 0, "the caller stores the file next, from the start"


@pytest.mark.parametrize(
    ("data", "kind"),
    [(docx_bytes(), "docx"), (odt_bytes(), "odt")],
)
def test_office_documents_pass_when_accepted(data: bytes, kind: str) -> None:
    checked = _check(data)
    assert checked.file_format == kind and checked.page_count is None


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (EXE, "letter.pdf", uploads.UNSUPPORTED_FILE_TYPE),
        (b"<!doctype html><p>Not a letter</p>", "letter.pdf", uploads.UNSUPPORTED_FILE_TYPE),
        (pdf_bytes()[: len(pdf_bytes()) // 2], "letter.pdf", uploads.INVALID_PDF),
        (b"%PDF-1.7\n this is not really a pdf at all", "letter.pdf", uploads.INVALID_PDF),
        (b"", "letter.pdf", uploads.FILE_EMPTY),
        (zip_bytes({"payload.exe": EXE}), "report.docx", uploads.UNSUPPORTED_FILE_TYPE),
        (
            zip_bytes({"[Content_Types].xml": b"<Types/>"}),
            "report.docx",
            uploads.UNSUPPORTED_FILE_TYPE,
        ),
        (b"PK\x03\x04 not really a zip", "report.docx", uploads.INVALID_ARCHIVE),
    ],
    ids=[
        "exe-renamed-pdf",
        "html-renamed-pdf",
        "truncated-pdf",
        "garbage-after-pdf-header",
        "empty",
        "zip-renamed-docx",
        "ooxml-without-main-part",
        "broken-zip",
    ],
)
def test_bad_content_is_rejected_whatever_the_name(data: bytes, name: str, code: str) -> None:
    assert _rejected(data, name).code == code


def test_a_password_protected_pdf_is_rejected() -> None:
    assert _rejected(_pdf_with(user_password="secret")).code == uploads.INVALID_PDF


def test_a_pdf_without_pages_is_rejected() -> None:
    refusal = _rejected(_pdf_with(pages=0))
    assert refusal.code == uploads.INVALID_PDF and refusal.reason == uploads.PDF_NO_PAGES


def test_office_documents_are_refused_where_only_pdf_is_accepted() -> None:
    assert _rejected(docx_bytes(), "letter.pdf", kinds=frozenset({PDF})).code == (
        uploads.UNSUPPORTED_FILE_TYPE
    )


def test_oversize_is_rejected_by_declared_size_and_by_content() -> None:
    assert _rejected(pdf_bytes(), size=LIMIT + 1).code == uploads.FILE_TOO_LARGE
    padded = pdf_bytes() + b"\0" * LIMIT
    assert _rejected(padded).code == uploads.FILE_TOO_LARGE
    # A declared size that understates the file does not get it through.
    assert _rejected(padded, size=10).code == uploads.FILE_TOO_LARGE
    exactly_at_limit = b"%PDF-" + b"0" * (LIMIT - 5)
    assert _rejected(exactly_at_limit).code == uploads.INVALID_PDF, "the limit itself is allowed"


@pytest.mark.parametrize(
    ("data", "product_code"),
    [
        (EXE, uploads.UNSUPPORTED_FILE_TYPE),
        (pdf_bytes()[:200], uploads.INVALID_PDF),
        (b"", uploads.FILE_EMPTY),
        (_pdf_with(pages=0), uploads.INVALID_PDF),
        (docx_bytes(), None),
    ],
    ids=["exe", "truncated-pdf", "empty", "no-pages", "docx"],
)
def test_each_app_keeps_its_codes(data: bytes, product_code: str | None) -> None:
    with pytest.raises(ValidationFailed) as letter:
        pdf_validate(SimpleUploadedFile("letter.pdf", data, content_type="application/pdf"))
    assert (letter.value.code, letter.value.field) == ("not_pdf", "letter")
    assert letter.value.detail.startswith("The letter ")
    if product_code is None:
        assert check_upload(io.BytesIO(data)).file_format == "docx"
        return
    with pytest.raises(ValidationFailed) as product_file:
        check_upload(io.BytesIO(data))
    assert (product_file.value.code, product_file.value.field) == (product_code, "file")


def test_each_app_applies_its_own_size_setting(settings: Any) -> None:
    data = pdf_bytes()
    settings.MEMBERSHIP_UPLOAD_MAX_BYTES = len(data) - 1
    settings.PRODUCT_UPLOAD_MAX_BYTES = len(data)
    with pytest.raises(ValidationFailed) as letter:
        pdf_validate(SimpleUploadedFile("letter.pdf", data))
    assert letter.value.code == uploads.FILE_TOO_LARGE and "limit of 1 MB" in letter.value.detail
    assert check_upload(io.BytesIO(data), size=len(data)).page_count == 1
