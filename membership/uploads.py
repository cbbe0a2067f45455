"""Official letters: PDF only, checked by content and never by name, with a size limit.

Files go to Django's default storage under a non-guessable name (models.letter_upload_to)
and are served only through the permission-checked view `membership-letter`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from isecg.errors import ValidationFailed

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def max_upload_bytes() -> int:
    return int(getattr(settings, "MEMBERSHIP_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def pdf_validate(upload: Any, *, field: str = "letter") -> None:
    """Refuse anything that is not a readable PDF within the size limit.

    The name and the declared content type are ignored: a renamed .exe or an HTML page
    called letter.pdf fails because its bytes do not start with %PDF- or do not parse.
    """
    if upload is None:
        raise ValidationFailed(
            "The official letter (a PDF) is required.", code="required", field=field
        )
    size = getattr(upload, "size", None)
    limit = max_upload_bytes()
    if size is None or size > limit:
        raise ValidationFailed(
            f"The letter is larger than the limit of {limit // (1024 * 1024) or 1} MB.",
            code="file_too_large",
            field=field,
        )
    if size == 0:
        raise ValidationFailed("The letter is empty.", code="not_pdf", field=field)
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise ValidationFailed("The letter must be a PDF document.", code="not_pdf", field=field)
    try:
        reader = PdfReader(upload, strict=False)
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        logger.info("PDF upload refused: %s", exc)
        raise ValidationFailed(
            "The letter is not a readable PDF document.", code="not_pdf", field=field
        ) from None
    finally:
        upload.seek(0)
    if pages < 1:
        raise ValidationFailed("The letter has no pages.", code="not_pdf", field=field)


def minimal_pdf(text: str = "ISECG demo letter") -> bytes:
    """A tiny valid one-page PDF (demo data and tests)."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
