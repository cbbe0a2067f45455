"""A record that proves itself (issue 12, part 2): whole-record verification, seals,
the exportable bundle and its offline check. Each tampering is done in SQL, as someone
with database access would, and must be detected."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from consensus import record, seal, services, verification
from consensus.models import Decision, DecisionSeal, ElectorateMember, Position, PositionEvent
from consensus.tasks import ledger_verify_all_task
from isecg.models import AuditEvent, Notification
from tests.consensus.conftest import NOW
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

REPO_ROOT = Path(__file__).resolve().parents[2]


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _codes(check: record.RecordCheck) -> set[str]:
    return {p.code for p in check.problems}


@pytest.fixture
def electorate(users: dict, agency_a: Any, agency_b: Any, chair_agency: Any) -> list[Any]:
    return [agency_a, agency_b, chair_agency]


@pytest.fixture
def closed(users: dict, electorate: list[Any], open_motion: Any, frozen: Any) -> Decision:
    """An explicit motion every agency answered without objection: adopted, closed early."""
    decision = open_motion()
    services.position_cast(
        actor=users["rep_a"], decision=decision, agency=electorate[0], value="concur"
    )
    services.position_cast(
        actor=users["rep_b"], decision=decision, agency=electorate[1], value="abstain"
    )
    services.position_cast(
        actor=users["chair"], decision=decision, agency=electorate[2], value="concur"
    )
    decision.refresh_from_db()
    assert decision.outcome == "adopted"
    return decision


@pytest.fixture
def blocked(users: dict, electorate: list[Any], open_motion: Any, frozen: Any) -> Decision:
    """AAA concurs, then objects: blocked at the deadline. Its last entry is the objection."""
    decision = open_motion()
    services.position_cast(
        actor=users["rep_a"], decision=decision, agency=electorate[0], value="concur"
    )
    services.position_cast(
        actor=users["rep_a"],
        decision=decision,
        agency=electorate[0],
        value="object",
        statement="Outside our mandate.",
    )
    frozen.move_to(decision.deadline + dt.timedelta(minutes=1), tick=False)
    decision = services.decision_close_if_due(decision_id=decision.pk)
    assert decision.outcome == "blocked"
    return decision


def _bundle(decision: Decision) -> dict[str, Any]:
    return json.loads(json.dumps(verification.record_bundle(decision)))


def _public_pem() -> str:
    return seal.public_key_info().pem


# --- sealing ----------------------------------------------------------------------------


def test_closing_seals_the_record_and_tells_every_agency(closed: Decision) -> None:
    sealed = DecisionSeal.objects.get(decision=closed)
    message = json.loads(sealed.message)
    events = list(PositionEvent.objects.filter(decision=closed).order_by("seq"))

    assert message["decision"]["text_sha256"] == record.text_hash(closed.text)
    assert [m["acronym"] for m in message["electorate"]] == ["AAA", "BBB", "CHR"]
    assert message["ledger"] == {"head": events[-1].hash, "length": 3}
    assert message["decision"]["outcome"] == "adopted"
    assert message["counts"]["concur"] == 2 and message["counts"]["abstain"] == 1
    assert message["decision"]["closed_at"] == record.instant(closed.closed_at)
    assert sealed.key_id == seal.public_key_info().key_id
    assert record.signature_valid(seal.public_key(), sealed.message, sealed.signature)
    assert sealed.retroactive is False
    # The outcome notice carries the seal: every recipient keeps a witness.
    notices = Notification.objects.filter(
        kind="decision.outcome", key=f"decision:{closed.pk}:outcome"
    )
    assert {n.recipient.username for n in notices} >= {"rep.a", "rep.b", "chair.hod"}
    for notice in notices:
        assert sealed.signature in notice.body
        assert sealed.key_id in notice.body
        assert events[-1].hash in notice.body and "(3 entries)" in notice.body


def test_a_withdrawn_decision_is_sealed_too(users: dict, open_motion: Any, frozen: Any) -> None:
    decision = open_motion()
    services.decision_withdraw(actor=users["chair"], decision=decision, reason="Overtaken.")

    sealed = DecisionSeal.objects.get(decision=decision)
    assert json.loads(sealed.message)["decision"]["outcome"] == "withdrawn"
    assert verification.verify_decision_record(decision).verified


def test_sealing_requires_the_chain_message_to_be_canonical(closed: Decision) -> None:
    sealed = DecisionSeal.objects.get(decision=closed)
    assert record.canonical_json(json.loads(sealed.message)).decode() == sealed.message


# --- a correct record verifies ------------------------------------------------------------


def test_a_correct_record_verifies_online(closed: Decision, blocked: Decision) -> None:
    for decision in (closed, blocked):
        check = verification.verify_decision_record(decision)
        assert check.verified and check.sealed, check.problems
        assert check.problems == ()


def test_an_open_record_verifies_without_a_seal(
    users: dict, agency_a: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")

    check = verification.verify_decision_record(decision)
    assert check.verified and not check.sealed and check.problems == ()


def test_ledger_endpoint_keeps_its_fields_and_adds_the_problems(
    api_as: Any, closed: Decision
) -> None:
    body = api_as("api_client").get(f"/api/v1/decisions/{closed.pk}/ledger/").json()

    assert body["verified"] is True and body["problems"] == [] and body["problem"] == ""
    assert body["length"] == 3 and body["broken_at"] is None
    assert body["sealed"] is True
    assert body["seal"]["key_id"] == seal.public_key_info().key_id
    assert body["head"] == body["entries"][-1]["hash"]


# --- each tampering is detected -------------------------------------------------------------


def test_an_edited_current_position_is_detected(
    api_as: Any,
    web_as: Any,
    users: dict,
    agency_a: Any,
    agency_b: Any,
    open_motion: Any,
    frozen: Any,
) -> None:
    decision = open_motion()
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    services.position_cast(
        actor=users["rep_b"],
        decision=decision,
        agency=agency_b,
        value="object",
        statement="Not agreed.",
    )
    # The blocking objection becomes a concurrence in the table the pages read.
    _sql(
        "UPDATE consensus_position SET value = 'concur', statement = '' WHERE decision_id = %s AND agency_id = %s",
        [decision.pk, agency_b.pk],
    )

    check = verification.verify_decision_record(decision)
    assert not check.verified
    assert _codes(check) == {"position_mismatch"}
    assert "BBB's current position (concur) is not its last ledger entry #2 (object)." in (
        check.problem
    )
    body = api_as("api_client").get(f"/api/v1/decisions/{decision.pk}/ledger/").json()
    assert body["verified"] is False
    assert [p["code"] for p in body["problems"]] == ["position_mismatch"]
    page = web_as("rep_a").get(f"/decisions/{decision.pk}/ledger/")
    assert page.status_code == 200
    assert b"does not verify" in page.content and b"BBB&#x27;s current position" in page.content


def test_a_position_without_entry_and_an_entry_without_position_are_detected(
    users: dict, agency_a: Any, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    event = PositionEvent.objects.get(decision=decision)
    _sql(
        "UPDATE consensus_position SET agency_id = %s WHERE event_id = %s", [agency_b.pk, event.pk]
    )

    assert _codes(verification.verify_decision_record(decision)) == {
        "position_without_entry",
        "entry_without_position",
    }


def test_a_deleted_last_entry_is_detected(blocked: Decision, electorate: list[Any]) -> None:
    """The objection is removed and the position put back to the first concurrence: the
    chain and the positions agree again, but the seal says the ledger was longer."""
    first, last = PositionEvent.objects.filter(decision=blocked).order_by("seq")
    _sql(
        "UPDATE consensus_position SET value = 'concur', statement = '', event_id = %s WHERE id = %s",
        [first.pk, Position.objects.get(decision=blocked).pk],
    )
    _sql("DELETE FROM consensus_positionevent WHERE id = %s", [last.pk])

    check = verification.verify_decision_record(blocked)
    assert not check.verified
    assert "ledger_truncated" in _codes(check)
    assert "The ledger has 1 entries; 2 were sealed at closing." in check.problem


def test_an_edited_outcome_is_detected(closed: Decision) -> None:
    _sql("UPDATE consensus_decision SET outcome = 'blocked' WHERE id = %s", [closed.pk])

    check = verification.verify_decision_record(closed)
    assert {"outcome_mismatch", "decision_mismatch"} <= _codes(check)
    assert "The recorded outcome is blocked, but the tally of the ledger" in check.problem


def test_an_edited_electorate_is_detected(closed: Decision) -> None:
    newcomer = AgencyFactory(acronym="NEW")
    ElectorateMember.objects.create(decision=closed, agency=newcomer, included_at=closed.opened_at)

    check = verification.verify_decision_record(closed)
    assert "electorate_mismatch" in _codes(check)
    assert "The record differs from the seal in the electorate." in check.problem


def test_an_excluded_member_put_back_is_detected(closed: Decision, agency_b: Any) -> None:
    _sql(
        "UPDATE consensus_electoratemember SET excluded_at = %s, exclusion_reason = 'x' "
        "WHERE decision_id = %s AND agency_id = %s",
        [closed.opened_at, closed.pk, agency_b.pk],
    )

    assert "electorate_mismatch" in _codes(verification.verify_decision_record(closed))


def test_a_reopened_decision_is_detected(closed: Decision) -> None:
    """State set back to open (to take more positions), its seal deleted."""
    _sql("DELETE FROM consensus_decisionseal WHERE decision_id = %s", [closed.pk])
    _sql(
        "UPDATE consensus_decision SET state = 'open', outcome = '', closed_at = NULL "
        "WHERE id = %s",
        [closed.pk],
    )

    assert _codes(verification.verify_decision_record(closed)) == {"reopened"}


def test_a_deleted_seal_is_detected(closed: Decision) -> None:
    _sql("DELETE FROM consensus_decisionseal WHERE decision_id = %s", [closed.pk])

    check = verification.verify_decision_record(closed)
    assert _codes(check) == {"seal_missing"}
    assert not check.verified


def test_a_forged_seal_is_detected(closed: Decision) -> None:
    sealed = DecisionSeal.objects.get(decision=closed)
    forged = sealed.message.replace('"adopted"', '"blocked"')
    _sql("UPDATE consensus_decisionseal SET message = %s WHERE id = %s", [forged, sealed.pk])
    _sql("UPDATE consensus_decision SET outcome = 'blocked' WHERE id = %s", [closed.pk])

    assert "seal_signature_invalid" in _codes(verification.verify_decision_record(closed))


def test_an_edited_text_is_detected(closed: Decision) -> None:
    _sql("UPDATE consensus_decision SET text = 'Something else.' WHERE id = %s", [closed.pk])

    assert "decision_mismatch" in _codes(verification.verify_decision_record(closed))


def test_the_nightly_sweep_alerts_on_an_edited_position(
    closed: Decision, agency_b: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _sql(
        "UPDATE consensus_position SET value = 'object' WHERE decision_id = %s AND agency_id = %s",
        [closed.pk, agency_b.pk],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger_verify_all_task.delay().get() == [closed.pk]

    audit = AuditEvent.objects.get(action="consensus.ledger_mismatch")
    assert audit.data["codes"] == ["position_mismatch"]
    alert = Notification.objects.get(kind="consensus.ledger_mismatch")
    assert "BBB's current position (object)" in alert.body


def test_verify_ledger_reports_each_problem_and_fails(
    closed: Decision, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("verify_ledger")
    assert "1 ledger(s) verified" in capsys.readouterr().out

    _sql("UPDATE consensus_decision SET outcome = 'lapsed' WHERE id = %s", [closed.pk])
    with pytest.raises(CommandError, match="1 of 1 record"):
        call_command("verify_ledger")
    assert f"Decision {closed.pk}: BROKEN [outcome_mismatch]" in capsys.readouterr().err


# --- decisions closed before sealing existed ------------------------------------------------


def _as_if_closed_before_sealing(decision: Decision) -> None:
    _sql("DELETE FROM consensus_decisionseal WHERE decision_id = %s", [decision.pk])
    _sql(
        "UPDATE consensus_decisionevent SET data = %s WHERE decision_id = %s AND kind = 'closed'",
        [json.dumps({"outcome": decision.outcome}), decision.pk],
    )


def test_an_old_unsealed_decision_is_a_warning_and_seal_decisions_seals_it(
    closed: Decision, frozen: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _as_if_closed_before_sealing(closed)

    check = verification.verify_decision_record(closed)
    assert check.verified and not check.sealed
    assert [(p.code, p.severity) for p in check.problems] == [("unsealed", "warning")]

    frozen.shift(dt.timedelta(days=30))
    call_command("seal_decisions")
    assert "Sealed 1 decision(s)" in capsys.readouterr().out
    sealed = DecisionSeal.objects.get(decision=closed)
    assert sealed.retroactive and sealed.sealed_at > closed.closed_at
    check = verification.verify_decision_record(closed)
    assert check.verified and check.sealed and check.problems == ()
    assert AuditEvent.objects.filter(action="decision.sealed_retroactively").count() == 1
    call_command("seal_decisions")  # nothing left to seal
    assert DecisionSeal.objects.filter(decision=closed).count() == 1


def test_seal_decisions_refuses_a_tampered_old_record(closed: Decision) -> None:
    _as_if_closed_before_sealing(closed)
    _sql("UPDATE consensus_decision SET outcome = 'blocked' WHERE id = %s", [closed.pk])

    with pytest.raises(CommandError, match="not sealed"):
        call_command("seal_decisions")
    assert not DecisionSeal.objects.filter(decision=closed).exists()


def test_once_sealing_began_a_later_missing_seal_is_an_error(
    closed: Decision, blocked: Decision
) -> None:
    """Even with its closing event's seal note erased, a decision closed after the first
    sealed one must have a seal."""
    _as_if_closed_before_sealing(blocked)
    _sql(
        "UPDATE consensus_decisionevent SET data = '{}' WHERE decision_id = %s AND kind = 'closed'",
        [blocked.pk],
    )
    assert blocked.closed_at >= closed.closed_at

    assert _codes(verification.verify_decision_record(blocked)) == {"seal_missing"}


# --- the exportable record and its offline check ---------------------------------------------


def test_the_bundle_holds_the_decision_electorate_entries_and_seal(closed: Decision) -> None:
    bundle = _bundle(closed)

    assert bundle["format"] == "isecg-decision-record" and bundle["version"] == 1
    assert bundle["decision"]["text"] == closed.text
    assert bundle["decision"]["quorum"] == {"numerator": 2, "denominator": 3}
    assert [m["acronym"] for m in bundle["electorate"]] == ["AAA", "BBB", "CHR"]
    assert [e["seq"] for e in bundle["ledger"]["entries"]] == [1, 2, 3]
    assert set(bundle["ledger"]["entries"][0]) == {*record.ENTRY_FIELDS, "hash"}
    assert bundle["seal"]["key_id"] == bundle["public_key_id"] == seal.public_key_info().key_id


def test_a_correct_bundle_verifies_offline_with_no_database(
    closed: Decision, tmp_path: Path, django_db_blocker: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_bundle(closed)), encoding="utf-8")
    key = tmp_path / "public.pem"
    key.write_text(_public_pem(), encoding="ascii")

    with django_db_blocker.block():  # any database access would raise
        call_command("verify_record", str(path), "--public-key", str(key))
        assert "the record verifies (3 entries" in capsys.readouterr().out
        # The key may also be given as text: PEM or the base64 of its raw bytes.
        call_command("verify_record", str(path), "--public-key", _public_pem())
        call_command("verify_record", str(path), "--public-key", seal.public_key_info().raw_base64)


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(node, list):
        return [leaf for i, value in enumerate(node) for leaf in _leaves(value, (*path, i))]
    return [path]


def _altered(value: Any) -> Any:
    """The same value with one byte changed."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value is None:
        return "x"
    if not value:
        return "x"
    first = value[0]
    return ("1" if first == "0" else "0" if first.isdigit() else chr(ord(first) ^ 1)) + value[1:]


def test_every_value_altered_by_one_byte_is_detected(blocked: Decision) -> None:
    bundle = _bundle(blocked)
    public_key = seal.public_key()
    assert record.verify_bundle(bundle, public_key).verified

    leaves = _leaves(bundle)
    assert len(leaves) > 60
    for path in leaves:
        altered = copy.deepcopy(bundle)
        node = altered
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = _altered(node[path[-1]])
        check = record.verify_bundle(altered, public_key)
        assert not check.verified, path


def test_a_bundle_file_altered_by_one_byte_fails_with_exit_code_1(
    closed: Decision, tmp_path: Path
) -> None:
    text = json.dumps(_bundle(closed), indent=1)
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(text, encoding="utf-8")
    # One byte of the first entry's value: "concur" -> "doncur".
    index = text.index('"value": "concur"') + len('"value": "')
    bad.write_text(text[:index] + "d" + text[index + 1 :], encoding="utf-8")
    key = tmp_path / "public.pem"
    key.write_text(_public_pem(), encoding="ascii")

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "verify_record", str(path), "--public-key", str(key)],
            cwd=REPO_ROOT,
            env={
                "PATH": "/usr/bin:/bin",
                "DJANGO_SETTINGS_MODULE": "isecg.settings.local",
                "ISECG_VAR_DIR": str(tmp_path / "var"),
                # A database that does not exist: the command must not need one.
                "DATABASE_URL": f"sqlite:///{tmp_path}/absent/none.sqlite3",
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    ok = run(good)
    assert ok.returncode == 0, ok.stderr
    failed = run(bad)
    assert failed.returncode == 1
    assert "[chain_broken] Ledger entry 1: its content does not match its hash." in failed.stderr


def test_a_bundle_checked_with_a_wrong_key_fails(
    closed: Decision, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_bundle(closed)), encoding="utf-8")
    other = base64.b64encode(
        record.public_key_raw(Ed25519PrivateKey.generate().public_key())
    ).decode()

    with pytest.raises(CommandError, match="does not verify"):
        call_command("verify_record", str(path), "--public-key", other)
    err = capsys.readouterr().err
    assert "[seal_wrong_key]" in err and "[seal_signature_invalid]" in err


def test_a_malformed_bundle_or_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text('{"format": "something else"}', encoding="utf-8")
    check = record.verify_bundle(json.loads(path.read_text()), seal.public_key())
    assert _codes(check) == {"bundle_malformed"}
    with pytest.raises(CommandError, match="public key is unusable"):
        call_command("verify_record", str(path), "--public-key", "not a key")


# --- pages and endpoints: who may read -------------------------------------------------------

RECORD_API_EXPECT = {
    "anonymous": 401,
    "rep_a": 200,
    "rep_b": 200,
    "chair": 200,
    "secretariat": 200,
    "api_client": 200,
}
DOWNLOAD_EXPECT = {**RECORD_API_EXPECT, "anonymous": 302}


@pytest.mark.parametrize(("role", "expected"), RECORD_API_EXPECT.items())
def test_record_endpoint_role_matrix(
    api_as: Any, closed: Decision, role: str, expected: int
) -> None:
    response = api_as(role).get(f"/api/v1/decisions/{closed.pk}/record/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["seal"]["signature"] == DecisionSeal.objects.get().signature
        assert record.verify_bundle(response.json(), seal.public_key()).verified


@pytest.mark.parametrize(("role", "expected"), DOWNLOAD_EXPECT.items())
def test_record_download_role_matrix(
    web_as: Any, closed: Decision, role: str, expected: int
) -> None:
    response = web_as(role).get(f"/decisions/{closed.pk}/record.json")
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Disposition"].startswith("attachment;")
        assert record.verify_bundle(json.loads(response.content), seal.public_key()).verified


@pytest.mark.parametrize("role", list(RECORD_API_EXPECT))
def test_the_public_key_is_public(api_as: Any, users: dict, role: str) -> None:
    response = api_as(role).get("/api/v1/record/public-key/")

    assert response.status_code == 200
    body = response.json()
    assert body["algorithm"] == "Ed25519"
    assert body["key_id"] == record.key_id(record.load_public_key(body["pem"]))
    assert record.load_public_key(body["raw_base64"]) is not None


def test_record_and_ledger_of_an_unknown_decision_are_404(
    api_as: Any, web_as: Any, users: dict
) -> None:
    assert api_as("api_client").get("/api/v1/decisions/999999/record/").status_code == 404
    assert web_as("rep_a").get("/decisions/999999/record.json").status_code == 404


def test_the_ledger_page_offers_the_download_and_the_seal(web_as: Any, closed: Decision) -> None:
    page = web_as("rep_a").get(f"/decisions/{closed.pk}/ledger/").content.decode()

    assert f"/decisions/{closed.pk}/record.json" in page
    assert DecisionSeal.objects.get().signature in page
    assert "Verified:" in page


def test_closing_time_is_sealed_to_the_microsecond(
    users: dict, agency_a: Any, open_motion: Any, time_machine: Any
) -> None:
    time_machine.move_to(NOW + dt.timedelta(microseconds=123457), tick=False)
    decision = open_motion()
    services.decision_withdraw(actor=users["chair"], decision=decision, reason="Overtaken.")

    message = json.loads(DecisionSeal.objects.get(decision=decision).message)
    assert message["decision"]["closed_at"].endswith(".123457+00:00")
