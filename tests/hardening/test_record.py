"""export_record / import_record: a round trip keeps every row, key and hash."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consensus import ledger
from consensus.models import Decision, PositionEvent
from isecg import record


def _export(tmp_path: Path, name: str) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / name
    call_command("export_record", output=str(path), stderr=StringIO())
    return path, json.loads(path.read_text())


@pytest.mark.django_db(transaction=True)
def test_round_trip_through_an_empty_database(tmp_path: Path) -> None:
    call_command("seed_demo", stdout=StringIO())
    assert PositionEvent.objects.exists()
    first_path, first = _export(tmp_path, "first.json")
    counts = first["counts"]
    for label in (
        "isecg.user",
        "isecg.auditevent",
        "agencies.agency",
        "agencies.representative",
        "consensus.decision",
        "consensus.positionevent",
        "consensus.decisionevent",
        "membership.torversion",
        "membership.toracceptance",
        "meetings.meeting",
        "meetings.chairterm",
    ):
        assert counts.get(label), (label, counts)
    # Letters are referenced by file name, never embedded.
    acceptances = [o for o in first["objects"] if o["model"] == "membership.toracceptance"]
    assert all(not str(o["fields"].get("letter", "")).startswith("%PDF") for o in acceptances)
    heads_before = {c.decision_id: c.head for c in ledger.verify_all()}

    call_command("flush", "--no-input", verbosity=0)
    assert not Decision.objects.exists()
    out = StringIO()
    call_command("import_record", str(first_path), stdout=out)
    assert "Every decision's record verifies" in out.getvalue()

    checks = ledger.verify_all()
    assert checks and all(c.verified for c in checks)
    assert {c.decision_id: c.head for c in checks} == heads_before
    _, second = _export(tmp_path, "second.json")
    assert second == first
    assert (tmp_path / "second.json").read_text() == first_path.read_text()


@pytest.mark.django_db
def test_import_refuses_a_database_that_is_not_empty(tmp_path: Path, users: Any) -> None:
    path, _ = _export(tmp_path, "record.json")
    with pytest.raises(CommandError, match="not empty"):
        call_command("import_record", str(path), stdout=StringIO())


@pytest.mark.django_db
def test_import_refuses_a_foreign_document(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "something-else", "objects": []}))
    with pytest.raises(CommandError, match="Not an isecg-record"):
        call_command("import_record", str(path), stdout=StringIO())


@pytest.mark.django_db
def test_export_is_stable(tmp_path: Path, users: Any) -> None:
    assert record.dumps(record.export_record()) == record.dumps(record.export_record())
