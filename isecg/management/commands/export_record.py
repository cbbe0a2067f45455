"""Write the whole governance record as one JSON document (README "Backups")."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from isecg import record


class Command(BaseCommand):
    help = "Export the governance record as JSON (stdout, or --output FILE)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: stdout).")

    def handle(self, *args: Any, **options: Any) -> None:
        document = record.export_record()
        text = record.dumps(document)
        if options.get("output"):
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
            total = sum(document["counts"].values())
            self.stderr.write(f"Exported {total} rows to {options['output']}.")
        else:
            sys.stdout.write(text)
