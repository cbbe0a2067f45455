"""Official letters: PDF only, checked by content and never by name, with a size limit.

The check itself is isecg.uploads; this wrapper adds the letter's meaning: the upload is
required, the limit is settings.MEMBERSHIP_UPLOAD_MAX_BYTES (10 MB by default), and every
content refusal has the code `not_pdf` (which API clients rely on) with a letter's wording.

Files go to Django's default storage under a non-guessable name (models.letter_upload_to)
and are served only through the permission-checked view `membership-letter`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from isecg.errors import ValidationFailed
from isecg.uploads import (
    FILE_EMPTY,
    FILE_TOO_LARGE,
    INVALID_PDF,
    PDF,
    PDF_NO_PAGES,
    UNSUPPORTED_FILE_TYPE,
    UploadRejected,
    upload_check,
)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

LETTER_REFUSALS = {
    FILE_EMPTY: "The letter is empty.",
    UNSUPPORTED_FILE_TYPE: "The letter must be a PDF document.",
    INVALID_PDF: "The letter is not a readable PDF document.",
    PDF_NO_PAGES: "The letter has no pages.",
}


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
    try:
        upload_check(
            upload,
            max_bytes=max_upload_bytes(),
            field=field,
            size=getattr(upload, "size", None),
            kinds=frozenset({PDF}),
        )
    except UploadRejected as refusal:
        if refusal.code == FILE_TOO_LARGE:
            raise ValidationFailed(
                f"The letter is larger than the limit of {refusal.limit // (1024 * 1024) or 1} MB.",
                code=FILE_TOO_LARGE,
                field=field,
            ) from None
        raise ValidationFailed(
            LETTER_REFUSALS.get(refusal.reason, LETTER_REFUSALS[INVALID_PDF]),
            code="not_pdf",
            field=field,
        ) from None


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
