"""Restore an exported governance record into an EMPTY database (README "Backups")."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from consensus import ledger
from isecg import record


class Command(BaseCommand):
    help = "Import a record written by export_record into an empty, migrated database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="The JSON file written by export_record.")

    def handle(self, *args: Any, **options: Any) -> None:
        with open(options["path"], encoding="utf-8") as handle:
            document = json.load(handle)
        try:
            counts = record.import_record(document)
        except record.RecordError as exc:
            raise CommandError(str(exc)) from exc
        broken = [check for check in ledger.verify_all() if not check.verified]
        self.stdout.write(f"Imported {sum(counts.values())} rows.")
        if broken:
            raise CommandError(f"{len(broken)} ledger(s) do not verify after import: {broken[:3]}")
        self.stdout.write("Every position ledger verifies.")
