"""Verify the position hash chain of every decision (or of the given ones)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consensus.ledger import verify_all


class Command(BaseCommand):
    help = "Verify the SHA-256 position ledger of every decision; exit 1 when one is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("decision_ids", nargs="*", type=int, help="Only these decisions.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["decision_ids"] or None
        checks = verify_all(ids)
        broken = [check for check in checks if not check.verified]
        for check in broken:
            self.stderr.write(f"Decision {check.decision_id}: BROKEN. {check.problem}")
        if options["verbosity"] >= 2:
            for check in checks:
                if check.verified:
                    self.stdout.write(
                        f"Decision {check.decision_id}: {check.length} entries, head {check.head}"
                    )
        if broken:
            raise CommandError(f"{len(broken)} of {len(checks)} ledger(s) do not verify.")
        self.stdout.write(self.style.SUCCESS(f"{len(checks)} ledger(s) verified."))
