"""Verify the whole record of every decision (or of the given ones)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.selectors import permissions_without_designation
from consensus.verification import verify_records


class Command(BaseCommand):
    help = (
        "Verify every decision's whole record: the SHA-256 position ledger, each current "
        "position against its last entry, each outcome against the tally of the ledger, and "
        "each seal; and, as its companion (ToR III.2.1), that every power to act for an "
        "agency has a current designation behind it. One line per problem; exit 1 when a "
        "record does not verify."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("decision_ids", nargs="*", type=int, help="Only these decisions.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["decision_ids"] or None
        checks = verify_records(ids)
        broken = [check for check in checks if not check.verified]
        for check in checks:
            for problem in check.problems:
                label = "BROKEN" if problem.severity == "error" else "warning"
                self.stderr.write(
                    f"Decision {check.decision_id}: {label} [{problem.code}] {problem.message}"
                )
        if options["verbosity"] >= 2:
            for check in checks:
                if check.verified:
                    self.stdout.write(
                        f"Decision {check.decision_id}: {check.length} entries, head {check.head}"
                        + (", sealed" if check.sealed else "")
                    )
        orphans = [] if ids else permissions_without_designation()
        for orphan in orphans:
            self.stderr.write(
                f"BROKEN [permission_without_designation] {orphan.user.get_username()} may act "
                f"for {orphan.agency.acronym} with no current designation (ToR III.2.1)."
            )
        if broken or orphans:
            raise CommandError(
                f"{len(broken)} of {len(checks)} record(s) do not verify; "
                f"{len(orphans)} power(s) to act for an agency without a designation."
            )
        self.stdout.write(
            self.style.SUCCESS(f"{len(checks)} ledger(s) verified (whole record, seals included).")
        )
