"""What happens to a decision's subject when the decision closes.

Each subject type registers its handlers once, from its AppConfig.ready():

    from consensus.registry import register_subject
    register_subject(MembershipRequest, on_adopted=..., on_blocked=...)

A handler is `fn(decision) -> None` and runs inside the transaction that closes the
decision (DESIGN.md: "the subject's handler runs in the same transaction"), so if it
raises, the decision stays open and the sweep tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import models

if TYPE_CHECKING:
    from consensus.models import Decision

Handler = Callable[["Decision"], None]


@dataclass(frozen=True)
class SubjectHandlers:
    on_adopted: Handler | None = None
    on_blocked: Handler | None = None
    on_lapsed: Handler | None = None
    on_withdrawn: Handler | None = None

    def for_outcome(self, outcome: str) -> Handler | None:
        return getattr(self, f"on_{outcome}", None)


_REGISTRY: dict[str, SubjectHandlers] = {}


def _key(model: type[models.Model]) -> str:
    return model._meta.label_lower


def register_subject(
    model: type[models.Model],
    *,
    on_adopted: Handler | None = None,
    on_blocked: Handler | None = None,
    on_lapsed: Handler | None = None,
    on_withdrawn: Handler | None = None,
) -> None:
    """Register (or replace) the handlers of one subject model."""
    _REGISTRY[_key(model)] = SubjectHandlers(
        on_adopted=on_adopted,
        on_blocked=on_blocked,
        on_lapsed=on_lapsed,
        on_withdrawn=on_withdrawn,
    )


def handlers_for(model: type[models.Model]) -> SubjectHandlers | None:
    return _REGISTRY.get(_key(model))


def is_registered(model: type[models.Model]) -> bool:
    return _key(model) in _REGISTRY


def run_handler(decision: Decision) -> bool:
    """Run the subject's handler for the decision's outcome. True when one ran."""
    if decision.subject_content_type_id is None:
        return False
    # Django's content-type cache: the locked decision is read without a join.
    model = ContentType.objects.get_for_id(decision.subject_content_type_id).model_class()
    if model is None:
        return False
    handlers = handlers_for(model)
    handler = handlers.for_outcome(decision.outcome) if handlers else None
    if handler is None:
        return False
    handler(decision)
    return True
