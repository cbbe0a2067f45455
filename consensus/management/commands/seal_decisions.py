"""Seal the decisions that closed before sealing existed (README "Verifying a decision record")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from consensus import services
from consensus.models import Decision, DecisionState
from isecg.errors import DomainError


class Command(BaseCommand):
    help = (
        "Seal every closed decision that has no seal yet (closed before sealing was "
        "introduced). A record that does not verify is reported and left unsealed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(
            Decision.objects.filter(state=DecisionState.CLOSED, seal__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        sealed, refused = 0, 0
        for pk in ids:
            try:
                if services.decision_seal_retroactively(decision=pk) is not None:
                    sealed += 1
            except DomainError as error:
                refused += 1
                self.stderr.write(str(error.detail))
        self.stdout.write(f"Sealed {sealed} decision(s) closed before sealing was introduced.")
        if refused:
            raise CommandError(
                f"{refused} decision(s) were not sealed: their record does not verify."
            )
