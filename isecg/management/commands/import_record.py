"""Restore an exported governance record into an EMPTY database (README "Backups")."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from consensus import verification
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
        # The whole record of every decision (chain, positions, outcomes, seals), not only
        # the chains: a seal verifies only with the signing key it was made with, so a
        # restore brings ISECG_SIGNING_KEY along (README "Verifying a decision record").
        broken = [check for check in verification.verify_records() if not check.verified]
        self.stdout.write(f"Imported {sum(counts.values())} rows.")
        if broken:
            problems = [f"decision {c.decision_id}: {c.problem}" for c in broken[:3]]
            raise CommandError(f"{len(broken)} record(s) do not verify after import: {problems}")
        self.stdout.write("Every decision's record verifies (ledgers, positions, outcomes, seals).")
