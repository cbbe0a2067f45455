"""Record the carried-over bases of the ToR versions adopted before this system (ToR VII)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from membership import services


class Command(BaseCommand):
    help = (
        "ToR VII: for each version with no adopting decision in the record, record a visible "
        "'carried over' basis for the agencies that were participating when it took effect "
        "and held a basis under the version it replaced. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        recorded = services.tor_acceptances_carry_over_all(actor=None)
        self.stdout.write(f"{recorded} carried-over bases recorded.")
