"""Product uploads: a PDF or an office document, checked by content (isecg.uploads), never
by name. The size limit is settings.PRODUCT_UPLOAD_MAX_BYTES (25 MB by default); refusals
name the field `file`. The evidence the secretariat attaches to an endorsement recorded on
an agency's behalf is checked the same way, within settings.PRODUCT_EVIDENCE_MAX_BYTES
(10 MB by default); its refusals name the field `evidence_file`.
"""

from __future__ import annotations

from typing import IO

from django.conf import settings

from isecg.uploads import CheckedUpload, upload_check

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "PRODUCT_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_upload(upload: IO[bytes], *, size: int | None = None) -> CheckedUpload:
    """Return what the file is, or raise UploadRejected (a ValidationFailed, field="file")."""
    return upload_check(upload, max_bytes=max_upload_bytes(), field="file", size=size)


def max_evidence_bytes() -> int:
    return int(getattr(settings, "PRODUCT_EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES))


def check_evidence_upload(upload: IO[bytes], *, size: int | None = None) -> CheckedUpload:
    """The document an agency sent (a PDF or office document), or UploadRejected with
    field="evidence_file"."""
    return upload_check(upload, max_bytes=max_evidence_bytes(), field="evidence_file", size=size)
