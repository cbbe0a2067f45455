"""The governance record as one JSON document (issue 8, data safety).

`export_record` writes every row of record: users and groups, agencies and their
status changes, representatives, the ToR versions and acceptances (letter file
names and SHA-256, not the bytes), membership requests, decisions with their
electorate, positions and position events (the hash-chained ledger), decision
events, motions, meetings, minutes and versions, products and versions, chair
terms, secretariat members, audit events, notifications and object permissions.
Rows come in dependency order, each model by primary key; dates are ISO 8601.

`import_record` loads such a document into an empty database, keeping primary keys,
so every stored hash still matches and every ledger still verifies. Both use
django.core.serializers (natural keys for users, groups, content types and permissions, whose ids differ between databases).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model

FORMAT = "isecg-record"
VERSION = 1
APPS = ["isecg", "agencies", "consensus", "membership", "products", "meetings", "secretariat"]
EXTRA_MODELS = ["auth.Group", "guardian.UserObjectPermission", "guardian.GroupObjectPermission"]
# Rows that a fresh `migrate` may create; an "empty" database may hold these.
MIGRATION_SEEDED = {"auth.group"}


class RecordError(Exception):
    pass


class RecordEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()  # every microsecond
        return super().default(o)


def record_models() -> list[type[Model]]:
    chosen: list[type[Model]] = []
    for label in APPS:
        chosen.extend(m for m in apps.get_app_config(label).get_models() if m._meta.managed)
    chosen.extend(apps.get_model(label) for label in EXTRA_MODELS)
    app_list: dict[Any, list[type[Model]]] = {}
    for model in chosen:
        app_list.setdefault(model._meta.app_config, []).append(model)
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def export_record() -> dict[str, Any]:
    """The whole record as a JSON-ready dict (stable: same database, same document)."""
    objects: list[Any] = []
    counts: dict[str, int] = {}
    for model in record_models():
        rows = model._default_manager.order_by("pk")
        python = serializers.serialize("python", rows, use_natural_foreign_keys=True)
        # Through JSON with full microseconds (DjangoJSONEncoder keeps milliseconds only,
        # and the ledger hashes `at` with microseconds).
        items = json.loads(json.dumps(python, cls=RecordEncoder))
        # M2M lists in pk order, so the document does not depend on insertion order.
        for item in items:
            for key, value in item["fields"].items():
                if isinstance(value, list) and all(isinstance(v, int) for v in value):
                    item["fields"][key] = sorted(value)
        counts[model._meta.label_lower] = len(items)
        objects.extend(items)
    return {"format": FORMAT, "version": VERSION, "counts": counts, "objects": objects}


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def non_empty_models() -> list[str]:
    return [
        model._meta.label_lower
        for model in record_models()
        if model._meta.label_lower not in MIGRATION_SEEDED and model._default_manager.exists()
    ]


def import_record(document: dict[str, Any]) -> dict[str, int]:
    """Load an exported record into an empty database, keeping primary keys."""
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise RecordError(f"Not an {FORMAT} version {VERSION} document.")
    busy = non_empty_models()
    if busy:
        raise RecordError(
            "The database is not empty (rows in " + ", ".join(busy[:5]) + "); "
            "import_record only restores into an empty database."
        )
    models: set[type[Model]] = set()
    counts: dict[str, int] = {}
    with transaction.atomic():
        objects: Iterable[Any] = serializers.deserialize(
            "python", document["objects"], handle_forward_references=False
        )
        for obj in objects:
            obj.save()  # raw save_base: no model save() override, no signals' side effects
            model = type(obj.object)
            models.add(model)
            counts[model._meta.label_lower] = counts.get(model._meta.label_lower, 0) + 1
        # PostgreSQL: the id sequences continue after the restored primary keys.
        statements = connection.ops.sequence_reset_sql(no_style(), list(models))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
    return counts
