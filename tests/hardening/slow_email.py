"""A file-based email backend that takes 0.2 s per message (for the fault tests' workers)."""

from __future__ import annotations

import time
from typing import Any

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        time.sleep(0.2 * len(email_messages))
        return super().send_messages(email_messages)
