"""Checking uploads by content and size, never by name or declared content type.

One check for every app that takes files: the size limit (the declared size and the bytes
actually read), the magic bytes, and a parse of what they claim to be. PDFs must start with
%PDF-, be readable by pypdf (a password-protected PDF is not) and have at least one page.
Office documents are Office Open XML (docx, xlsx, pptx: a zip holding [Content_Types].xml
and the main part of its kind) or OpenDocument (odt, ods, odp: a zip whose `mimetype` entry
names the kind).

Refusals raise UploadRejected, a ValidationFailed whose `code` is one of the FILE_* /
UNSUPPORTED_FILE_TYPE / INVALID_* constants below. An app whose API speaks other codes
(membership letters say `not_pdf`) maps them in its own thin wrapper; the size limit and the
field name are the caller's.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass
from functools import partial
from typing import IO

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from isecg.errors import ValidationFailed

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK"

PDF = "pdf"
OFFICE = "office"
ALL_KINDS = frozenset({PDF, OFFICE})

FILE_TOO_LARGE = "file_too_large"
FILE_EMPTY = "file_empty"
UNSUPPORTED_FILE_TYPE = "unsupported_file_type"
INVALID_PDF = "invalid_pdf"
INVALID_ARCHIVE = "invalid_archive"

# `reason` refines a code where one code covers several causes.
PDF_NO_PAGES = "pdf_no_pages"

OOXML_MAIN_PARTS = {
    "word/document.xml": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xl/workbook.xml": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "ppt/presentation.xml": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
ODF_MIMETYPE_MAX_BYTES = 100

_PDF_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError)


class UploadRejected(ValidationFailed):
    """An upload failed the content or size check.

    `code` is the API code (FILE_TOO_LARGE, FILE_EMPTY, UNSUPPORTED_FILE_TYPE, INVALID_PDF,
    INVALID_ARCHIVE); `reason` is the same, or finer where one code covers several causes
    (PDF_NO_PAGES under INVALID_PDF); `limit` is the size limit that applied, in bytes.
    """

    def __init__(
        self, detail: str, *, code: str, field: str, limit: int, reason: str | None = None
    ) -> None:
        super().__init__(detail, code=code, field=field)
        self.reason = reason or code
        self.limit = limit


@dataclass(frozen=True)
class CheckedUpload:
    file_format: str
    content_type: str
    size: int
    sha256: str
    page_count: int | None


def upload_check(
    upload: IO[bytes],
    *,
    max_bytes: int,
    field: str,
    size: int | None = None,
    kinds: frozenset[str] = ALL_KINDS,
) -> CheckedUpload:
    """Return what the file is, or raise UploadRejected(field=field).

    `size` is the declared size (refused before reading when over the limit); the bytes read
    are measured too, so a wrong declaration does not get a larger file through. `kinds`
    names what is accepted: PDF, OFFICE or both. The file is left at position 0.
    """

    reject = partial(UploadRejected, field=field, limit=max_bytes)
    too_large = f"The file is larger than {max_bytes // (1024 * 1024)} MB."
    if size is not None and size > max_bytes:
        raise reject(too_large, code=FILE_TOO_LARGE)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if len(data) > max_bytes:
        raise reject(too_large, code=FILE_TOO_LARGE)
    if not data:
        raise reject("The file is empty.", code=FILE_EMPTY)
    digest = hashlib.sha256(data).hexdigest()
    if PDF in kinds and data.startswith(PDF_MAGIC):
        try:
            pages = len(PdfReader(io.BytesIO(data), strict=False).pages)
        except _PDF_ERRORS as exc:
            logger.info("PDF upload refused: %s", exc)
            raise reject(
                f"The PDF could not be read ({type(exc).__name__}).", code=INVALID_PDF
            ) from None
        if pages < 1:
            raise reject("The PDF has no pages.", code=INVALID_PDF, reason=PDF_NO_PAGES)
        return CheckedUpload("pdf", "application/pdf", len(data), digest, pages)
    if OFFICE in kinds and data.startswith(ZIP_MAGIC):
        file_format, content_type = _office_kind(data, reject)
        return CheckedUpload(file_format, content_type, len(data), digest, None)
    if kinds == {PDF}:
        raise reject("Upload a PDF document.", code=UNSUPPORTED_FILE_TYPE)
    raise reject(
        "Upload a PDF or an office document (docx, xlsx, pptx, odt, ods, odp).",
        code=UNSUPPORTED_FILE_TYPE,
    )


def _office_kind(data: bytes, reject: partial[UploadRejected]) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                for part, kind in OOXML_MAIN_PARTS.items():
                    if part in names:
                        return kind
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= ODF_MIMETYPE_MAX_BYTES:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                    if mimetype in ODF_MIMETYPES:
                        return ODF_MIMETYPES[mimetype], mimetype
    except _ZIP_ERRORS:
        raise reject("The archive could not be read.", code=INVALID_ARCHIVE) from None
    raise reject(
        "This archive is not a docx, xlsx, pptx, odt, ods or odp document.",
        code=UNSUPPORTED_FILE_TYPE,
    )
