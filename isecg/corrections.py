"""Corrections: the one audited way to fix a real data error in a record.

DESIGN.md "Interfaces": a data error (a wrong join date, a misspelt name) is fixed
through one audited correction service, which takes a reason, shows in the record's
history, and never changes a status, a position, an outcome or an issued text.

Each app declares, once, from its AppConfig.ready(), which fields of which model may be
corrected:

    from isecg import corrections
    corrections.register(Agency, fields=["name", "country"], labels={"name": "Name"})

Only those fields can ever be corrected. `register` refuses a field that is a state (a
field with choices: statuses, positions, outcomes), a relation, the primary key or not
editable, and every append-only model (history is never corrected). Issued texts are
never registered by their apps; `record_correct` refuses any field that is not.

The foundation imports no domain app, so who counts as the secretariat is told to it at
start-up (`set_secretariat_predicate`, from AgenciesConfig.ready()), the way consensus
subjects register their handlers. Until then nobody may correct anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ImproperlyConfigured,
    ObjectDoesNotExist,
    ValidationError,
)
from django.db import models, transaction
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.text import capfirst

from isecg.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from isecg.models import AppendOnlyModel, Correction, User
from isecg.services import audit_record

# fn(record as locked, before the change; {field: new value}) -> None; raises a DomainError.
Check = Callable[[Any, dict[str, Any]], None]
# fn(user) -> the records of the model this user may see (for reading their corrections).
VisibleTo = Callable[[Any], QuerySet[Any]]

AUDIT_ACTION = "record.corrected"

# A reason is a sentence or a paragraph, shown in the record's history.
REASON_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Correctable:
    """One model's correctable fields, as its app registered them."""

    model: type[models.Model]
    fields: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    check: Check | None = None
    url: Callable[[Any], str] | None = None
    visible_to: VisibleTo | None = None

    @property
    def label(self) -> str:
        """`app_label.model`, as in content types: the record type's name in the API."""
        return self.model._meta.label_lower

    @property
    def verbose_name(self) -> str:
        return str(capfirst(self.model._meta.verbose_name))

    def field_label(self, name: str) -> str:
        if name in self.labels:
            return self.labels[name]
        try:
            return str(capfirst(self.model._meta.get_field(name).verbose_name))  # type: ignore[union-attr]
        except FieldDoesNotExist:
            return name

    def model_field(self, name: str) -> models.Field[Any, Any]:
        return self.model._meta.get_field(name)  # type: ignore[return-value]


_REGISTRY: dict[str, Correctable] = {}
_secretariat: list[Callable[[Any], bool]] = []


def set_secretariat_predicate(predicate: Callable[[Any], bool]) -> None:
    """Tell the foundation who the secretariat is (ToR IV); called once at start-up."""
    _secretariat[:] = [predicate]


def may_correct(user: Any) -> bool:
    """Only the secretariat corrects records; nobody before the predicate is set."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(_secretariat) and bool(_secretariat[0](user))


def _refuse(model: type[models.Model], name: str, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"{model._meta.label}.{name} cannot be registered as correctable: {why}."
    )


def register(
    model: type[models.Model],
    *,
    fields: Iterable[str],
    labels: Mapping[str, str] | None = None,
    check: Check | None = None,
    url: Callable[[Any], str] | None = None,
    visible_to: VisibleTo | None = None,
) -> None:
    """Declare the fields of `model` that `record_correct` may change (or replace them).

    `check` adds the model's own rules (e.g. a withdrawal date only for a withdrawn
    agency), `url` names the record's page, `visible_to` scopes who may read its
    corrections besides the secretariat (nobody else when omitted).
    """
    if issubclass(model, AppendOnlyModel):
        raise ImproperlyConfigured(f"{model._meta.label} is append-only history: never corrected.")
    names = tuple(fields)
    if not names:
        raise ImproperlyConfigured(f"Name at least one correctable field of {model._meta.label}.")
    for name in names:
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise _refuse(model, name, "no such field") from exc
        if not isinstance(model_field, models.Field) or not model_field.concrete:
            raise _refuse(model, name, "not a stored field")
        if model_field.primary_key or not model_field.editable:
            raise _refuse(model, name, "the key, or not editable")
        if model_field.is_relation:
            raise _refuse(model, name, "a relation changes through its own service")
        if model_field.choices:
            raise _refuse(model, name, "a state (status, position, outcome) follows its ToR act")
    _REGISTRY[model._meta.label_lower] = Correctable(
        model=model,
        fields=names,
        labels=dict(labels or {}),
        check=check,
        url=url,
        visible_to=visible_to,
    )


def registration_for(model: type[models.Model] | str) -> Correctable | None:
    """The registration of a model, or of its label `app_label.model`."""
    key = model.lower() if isinstance(model, str) else model._meta.label_lower
    return _REGISTRY.get(key)


def registrations() -> list[Correctable]:
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


def record_key(obj: models.Model) -> str:
    """`app_label.model:pk`: how the API names one record (`?record=`)."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def record_url(obj: models.Model) -> str:
    registration = registration_for(type(obj))
    if registration is not None and registration.url is not None:
        return registration.url(obj)
    return ""


def plain(value: Any) -> Any:
    """A field value as plain JSON: dates in ISO 8601, decimals as strings."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _parse(registration: Correctable, name: str, value: Any) -> Any:
    """The value as the model field holds it: a plain scalar (a string, number or date)."""
    model_field = registration.model_field(name)
    label = registration.field_label(name)
    if isinstance(value, str):
        value = value.strip()
        if "\x00" in value:
            raise ValidationFailed(f"{label}: no NUL characters.", code="invalid", field=name)
    elif isinstance(value, bool) and not isinstance(model_field, models.BooleanField):
        raise ValidationFailed(f"{label}: not a yes/no value.", code="invalid", field=name)
    elif not (value is None or isinstance(value, int | float | Decimal | dt.date | dt.time)):
        raise ValidationFailed(f"{label}: give one plain value.", code="invalid", field=name)
    if value in ("", None) and model_field.null:
        return None
    if value is None and model_field.empty_strings_allowed:
        value = ""
    try:
        return model_field.to_python(value)
    except ValidationError as exc:
        message = " ".join(exc.messages)
    except (TypeError, ValueError, OverflowError):
        message = "Enter a valid value."
    raise ValidationFailed(f"{label}: {message}", code="invalid", field=name)


def _validate(record: models.Model, changed: Iterable[str]) -> None:
    """Model validation of the changed fields, then every constraint of the whole row."""
    changed = set(changed)
    unchanged = [f.name for f in record._meta.concrete_fields if f.name not in changed]
    try:
        record.full_clean(exclude=unchanged, validate_constraints=False)
        record.validate_constraints()
    except ValidationError as exc:
        errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: [exc]}
        name, problems = next(iter(errors.items()))
        first = problems[0]
        raise ValidationFailed(
            " ".join(first.messages),
            code=str(first.code or "invalid"),
            field=None if name == NON_FIELD_ERRORS else name,
        ) from None


def record_correct(
    *, actor: User, obj: models.Model, changes: Mapping[str, Any], reason: str
) -> list[Correction]:
    """DESIGN.md "Interfaces": fix a data error in a record, with a reason, for the record.

    Secretariat only (ToR IV: the secretariat keeps the records). Only the fields the
    record's app registered can change (`not_correctable` otherwise: never a status, a
    position, an outcome or an issued text), the reason is required (`reason_required`),
    the values pass the model's validation. One Correction row per changed field and one
    audit event, in one transaction with the row locked. Values equal to the record's are
    skipped; when nothing differs, nothing is written and the result is empty.
    """
    if not may_correct(actor):
        raise PermissionDeniedError("Only the secretariat may correct a record.")
    registration = registration_for(type(obj))
    if registration is None:
        raise ValidationFailed(
            f"No field of a {obj._meta.verbose_name} can be corrected.", code="not_correctable"
        )
    for name in changes:
        if name not in registration.fields:
            raise ValidationFailed(
                f"{registration.field_label(name)} cannot be corrected: it changes only "
                "through its own procedure, never by a correction.",
                code="not_correctable",
                field=name,
            )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Give the reason for the correction.", code="reason_required", field="reason"
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            f"The reason is longer than {REASON_MAX_LENGTH} characters.",
            code="too_long",
            field="reason",
        )
    parsed = {name: _parse(registration, name, value) for name, value in changes.items()}
    model = registration.model
    with transaction.atomic():
        try:
            record = model._default_manager.select_for_update().get(pk=obj.pk)
        except ObjectDoesNotExist:
            raise NotFoundError(f"No such {model._meta.verbose_name}.") from None
        changed = {name: value for name, value in parsed.items() if getattr(record, name) != value}
        if not changed:
            return []
        if registration.check is not None:
            registration.check(record, dict(changed))
        before = {name: plain(getattr(record, name)) for name in changed}
        for name, value in changed.items():
            setattr(record, name, value)
        _validate(record, changed)
        record.save(update_fields=list(changed))
        content_type = ContentType.objects.get_for_model(model)
        rows = [
            Correction.objects.create(
                content_type=content_type,
                object_id=str(record.pk),
                object_repr=str(record)[:200],
                field=name,
                before=before[name],
                after=plain(getattr(record, name)),
                reason=reason,
                actor=actor,
            )
            for name in changed
        ]
        audit_record(
            actor=actor,
            action=AUDIT_ACTION,
            obj=record,
            data={
                "reason": reason,
                "changes": {row.field: {"before": row.before, "after": row.after} for row in rows},
                "corrections": [row.pk for row in rows],
            },
        )
    for name in changed:
        setattr(obj, name, getattr(record, name))
    return rows


# --- Reads ---------------------------------------------------------------------------


def corrections_of(obj: models.Model) -> QuerySet[Correction]:
    """The corrections of one record, newest first, with their actors (one query)."""
    return Correction.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).select_related("actor", "content_type")


def corrections_visible_to(user: Any) -> QuerySet[Correction]:
    """The secretariat reads every correction; other signed-in users those of records
    they may see (each registration's `visible_to`); anonymous visitors none."""
    queryset = Correction.objects.select_related("actor", "content_type")
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    if may_correct(user):
        return queryset
    visible = Q(pk__in=[])
    for registration in registrations():
        if registration.visible_to is None:
            continue
        ids = (
            registration.visible_to(user)
            .order_by()
            .annotate(_correction_key=Cast("pk", output_field=CharField()))
            .values("_correction_key")
        )
        content_type = ContentType.objects.get_for_model(registration.model)
        visible |= Q(content_type=content_type, object_id__in=ids)
    return queryset.filter(visible)


def record_for(user: Any, label: str, object_id: str) -> tuple[Correctable, models.Model]:
    """The registered record `label:object_id` as `user` may see it, else a DomainError."""
    registration = registration_for(label)
    if registration is None:
        raise ValidationFailed(
            f"{label!r} is not a kind of record that can be corrected.",
            code="not_correctable",
            field="model",
        )
    queryset: QuerySet[Any] = registration.model._default_manager.all()
    if not may_correct(user):
        queryset = registration.visible_to(user) if registration.visible_to else queryset.none()
    try:
        record = queryset.filter(pk=object_id).first()
    except (ValueError, TypeError, ValidationError):
        record = None
    if record is None:
        raise NotFoundError(f"No such {registration.model._meta.verbose_name}.")
    return registration, record


def parse_record_key(value: str) -> tuple[str, str]:
    """`app_label.model:pk` -> (label, pk); a DomainError for anything else."""
    label, sep, object_id = (value or "").partition(":")
    if not sep or not label or not object_id or "\x00" in value:
        raise ValidationFailed(
            "Name a record as app_label.model:id, e.g. agencies.agency:12.",
            code="invalid_record",
            field="record",
        )
    return label.strip().lower(), object_id.strip()
