"""Check an exported decision record offline: no database, only the bundle and a key.

    manage.py verify_record decision-12-record.json --public-key isecg-public-key.pem

README "Verifying a decision record" describes the bundle; consensus.record does the work.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consensus import record


def read_public_key(value: str) -> Any:
    """KEY: a path to a PEM file, or the PEM text, or the base64 of the 32 raw bytes."""
    path = Path(value)
    text = value
    try:
        if len(value) < 1024 and path.is_file():
            text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read the public key {value}: {exc}") from None
    try:
        return record.load_public_key(text)
    except ValueError as exc:
        raise CommandError(f"The public key is unusable: {exc}.") from None


class Command(BaseCommand):
    help = (
        "Verify an exported decision record offline (no database): every hash, the chain, "
        "the tally, the seal's message and its Ed25519 signature. Exit 0 when it verifies, "
        "1 with one line per problem otherwise."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", help="The JSON file (the record's download).")
        parser.add_argument(
            "--public-key",
            required=True,
            help="The signing key's public half: a PEM file, or the PEM or base64 text.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        public_key = read_public_key(options["public_key"])
        try:
            raw = Path(options["bundle"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['bundle']}: {exc}") from None
        try:
            bundle = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            self.stderr.write(f"[bundle_malformed] The file is not UTF-8 JSON: {exc}")
            raise CommandError("The record does not verify.") from None
        check = record.verify_bundle(bundle, public_key)
        for problem in check.problems:
            self.stderr.write(f"[{problem.code}] {problem.message}")
        if not check.verified:
            raise CommandError(
                f"Decision {check.decision_id}: the record does not verify "
                f"({len(check.errors)} problem(s))."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Decision {check.decision_id}: the record verifies ({check.length} entries, "
                f"head {check.head}, sealed with key {record.key_id(public_key)})."
            )
        )
