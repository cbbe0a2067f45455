"""Uploads are checked by content, never by name."""

from __future__ import annotations

import io

import pytest

from isecg.errors import ValidationFailed
from products.uploads import check_upload
from tests.products.conftest import pdf_bytes, zip_bytes

CT = {"[Content_Types].xml": b"<Types/>"}


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (pdf_bytes(3), "pdf"),
        (zip_bytes({**CT, "word/document.xml": b"x"}), "docx"),
        (zip_bytes({**CT, "xl/workbook.xml": b"x"}), "xlsx"),
        (zip_bytes({**CT, "ppt/presentation.xml": b"x"}), "pptx"),
        (zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text"}), "odt"),
        (zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "ods"),
    ],
)
def test_accepted(data: bytes, kind: str) -> None:
    checked = check_upload(io.BytesIO(data))
    assert checked.file_format == kind and checked.size == len(data) and len(checked.sha256) == 64
    if kind == "pdf":
        assert checked.page_count == 3


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "file_empty"),
        (b"<html>not a pdf</html>", "unsupported_file_type"),
        (b"%PDF-1.7 truncated", "invalid_pdf"),
        (b"PK\x03\x04 broken zip", "invalid_archive"),
        (zip_bytes(CT), "unsupported_file_type"),
        (zip_bytes({"mimetype": b"application/zip"}), "unsupported_file_type"),
        (
            zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text" + b" " * 200}),
            "unsupported_file_type",
        ),
    ],
)
def test_rejected(data: bytes, code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_upload(io.BytesIO(data))
    assert err.value.code == code and err.value.field == "file"


def test_size_limit_from_settings(settings: object) -> None:
    settings.PRODUCT_UPLOAD_MAX_BYTES = 100  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed) as err:
        check_upload(io.BytesIO(pdf_bytes()))
    assert err.value.code == "file_too_large"
    with pytest.raises(ValidationFailed):
        check_upload(io.BytesIO(b"x"), size=101)
