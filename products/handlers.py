"""What happens to products and workplans when their plenary decision closes.

Registered with the consensus engine from ProductsConfig.ready(); each handler runs
inside the transaction that closes the decision.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from products import services


def _closed_at(decision: Any) -> Any:
    return getattr(decision, "closed_at", None) or timezone.now()


def product_adopted(decision: Any) -> None:
    """ToR III.2.2: endorsed by consensus at ISECG."""
    services.product_plenary_adopted(version_id=decision.subject_object_id, at=_closed_at(decision))


def product_not_adopted(decision: Any) -> None:
    services.product_plenary_not_adopted(
        version_id=decision.subject_object_id, outcome=decision.outcome
    )


def workplan_adopted(decision: Any) -> None:
    """ToR III.2.2: the annual workplan, adopted by consensus."""
    services.workplan_decided(
        workplan_id=decision.subject_object_id,
        adopted=True,
        at=_closed_at(decision),
        outcome=decision.outcome,
    )


def workplan_not_adopted(decision: Any) -> None:
    services.workplan_decided(
        workplan_id=decision.subject_object_id,
        adopted=False,
        at=_closed_at(decision),
        outcome=decision.outcome,
    )


def register() -> None:
    from consensus.registry import register_subject
    from products.models import ProductVersion, Workplan

    register_subject(
        ProductVersion,
        on_adopted=product_adopted,
        on_blocked=product_not_adopted,
        on_lapsed=product_not_adopted,
        on_withdrawn=product_not_adopted,
    )
    register_subject(
        Workplan,
        on_adopted=workplan_adopted,
        on_blocked=workplan_not_adopted,
        on_lapsed=workplan_not_adopted,
        on_withdrawn=workplan_not_adopted,
    )
