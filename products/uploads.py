"""Checking product uploads by content, never by name.

Accepted: PDF (the %PDF- header and pypdf can read it), Office Open XML (docx, xlsx, pptx:
a zip holding [Content_Types].xml and the main part of its kind) and OpenDocument
(odt, ods, odp: a zip whose `mimetype` entry names the kind). The size limit is
settings.PRODUCT_UPLOAD_MAX_BYTES (25 MB by default).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings

from isecg.errors import ValidationFailed

DEFAULT_MAX_BYTES = 25 * 1024 * 1024

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


@dataclass(frozen=True)
class CheckedUpload:
    file_format: str
    content_type: str
    size: int
    sha256: str
    page_count: int | None


def max_upload_bytes() -> int:
    return int(getattr(settings, "PRODUCT_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _reject(detail: str, code: str) -> ValidationFailed:
    return ValidationFailed(detail, code=code, field="file")


def check_upload(upload: IO[bytes], *, size: int | None = None) -> CheckedUpload:
    """Return what the file is, or raise ValidationFailed(field="file")."""
    limit = max_upload_bytes()
    if size is not None and size > limit:
        raise _reject(f"The file is larger than {limit // (1024 * 1024)} MB.", "file_too_large")
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise _reject(f"The file is larger than {limit // (1024 * 1024)} MB.", "file_too_large")
    if not data:
        raise _reject("The file is empty.", "file_empty")
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF-"):
        pages = _pdf_pages(data)
        return CheckedUpload("pdf", "application/pdf", len(data), digest, pages)
    if data.startswith(b"PK"):
        file_format, content_type = _zip_kind(data)
        return CheckedUpload(file_format, content_type, len(data), digest, None)
    raise _reject(
        "Upload a PDF or an office document (docx, xlsx, pptx, odt, ods, odp).",
        "unsupported_file_type",
    )


def _pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        return len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _reject(f"The PDF could not be read ({type(exc).__name__}).", "invalid_pdf") from None


def _zip_kind(data: bytes) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                for part, kind in OOXML_MAIN_PARTS.items():
                    if part in names:
                        return kind
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                    if mimetype in ODF_MIMETYPES:
                        return ODF_MIMETYPES[mimetype], mimetype
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise _reject("The archive could not be read.", "invalid_archive") from None
    raise _reject(
        "This archive is not a docx, xlsx, pptx, odt, ods or odp document.",
        "unsupported_file_type",
    )
