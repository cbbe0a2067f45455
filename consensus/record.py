"""A decision's record and its verification: pure functions over plain dicts.

ToR III.2.2: ISECG operates by consensus, and each agency must be able to check what
was recorded in its name. This module imports no Django model and touches no database:
the same functions verify a record read from the database (consensus.verification) and
an exported bundle offline (`manage.py verify_record`), and an agency may copy this file
to check a bundle on its own. README "Verifying a decision record" documents the format.

Canonical JSON: keys sorted by code point, separators "," and ":", no whitespace,
non-ASCII characters as themselves, UTF-8 (Python's `json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`). Instants are UTC ISO 8601 with
microseconds, e.g. "2026-11-21T02:30:00.000000+00:00".
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from consensus import tally as rules

BUNDLE_FORMAT = "isecg-decision-record"
BUNDLE_VERSION = 1
SEAL_FORMAT = "isecg-seal/1"
GENESIS_HASH = "0" * 64
HASH_ALGORITHM = "sha256(canonical-json(entry + prev_hash))"
SIGNATURE_ALGORITHM = "Ed25519"
WITHDRAWN = "withdrawn"
ENTRY_FIELDS = (
    "decision",
    "seq",
    "agency",
    "value",
    "statement",
    "cast_by",
    "on_behalf",
    "evidence",
    "at",
    "prev_hash",
)

ERROR = "error"
WARNING = "warning"


# --- canonical forms ------------------------------------------------------------------


def canonical_json(document: Any) -> bytes:
    """The exact bytes that are hashed or signed."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def instant(value: dt.datetime | None) -> str | None:
    """An instant as UTC ISO 8601 with microseconds (None stays None)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_hash(text: str) -> str:
    """SHA-256 of a decision's text (UTF-8)."""
    return sha256_hex(text.encode("utf-8"))


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The hash of one ledger entry: SHA-256 of the canonical JSON of ENTRY_FIELDS."""
    return sha256_hex(canonical_json({name: entry[name] for name in ENTRY_FIELDS}))


# --- keys and signatures ---------------------------------------------------------------


def public_key_raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(public_key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of SHA-256 over the key's 32 raw bytes."""
    return sha256_hex(public_key_raw(public_key))[:16]


def load_public_key(text: str) -> Ed25519PublicKey:
    """A PEM public key, or the base64 of its 32 raw bytes. ValueError if neither."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not an Ed25519 public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def signature_valid(public_key: Ed25519PublicKey, message: str, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message.encode("utf-8"))
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return False
    return True


# --- the seal's message -----------------------------------------------------------------


def counted_agencies(electorate: Sequence[Mapping[str, Any]]) -> list[int]:
    """Ids of the electorate members that count (not excluded)."""
    return [m["agency"] for m in electorate if m.get("excluded_at") is None]


def last_entries(entries: Sequence[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """Each agency's last ledger entry: its position as the ledger records it."""
    last: dict[int, Mapping[str, Any]] = {}
    for entry in entries:
        last[entry["agency"]] = entry
    return last


def recount(bundle: Mapping[str, Any]) -> rules.TallyResult:
    """ToR III.2.2: the tally recomputed from the ledger and the electorate, at closing.

    A decision still open is counted at its deadline's eve (nothing due yet)."""
    decision = bundle["decision"]
    closed_at = decision.get("closed_at") or decision["deadline"]
    positions = {a: e["value"] for a, e in last_entries(bundle["ledger"]["entries"]).items()}
    quorum = decision["quorum"]
    return rules.tally(
        procedure=decision["procedure"],
        quorum=Fraction(quorum["numerator"], quorum["denominator"]),
        electorate=counted_agencies(bundle["electorate"]),
        positions=positions,
        deadline=dt.datetime.fromisoformat(decision["deadline"]),
        now=dt.datetime.fromisoformat(closed_at),
    )


def chain_head(entries: Sequence[Mapping[str, Any]]) -> str:
    return entries[-1]["hash"] if entries else GENESIS_HASH


def seal_document(
    bundle: Mapping[str, Any], *, counts: Mapping[str, int], sealed_at: str
) -> dict[str, Any]:
    """What a seal signs: the decision (its text by hash), its electorate, the ledger's
    head and length, the outcome and the counts recomputed from the ledger."""
    decision = bundle["decision"]
    entries = bundle["ledger"]["entries"]
    electorate = sorted(bundle["electorate"], key=lambda m: (m["acronym"], m["agency"]))
    return {
        "format": SEAL_FORMAT,
        "decision": {
            "id": decision["id"],
            "kind": decision["kind"],
            "title": decision["title"],
            "text_sha256": text_hash(decision["text"]),
            "procedure": decision["procedure"],
            "quorum": dict(decision["quorum"]),
            "opened_at": decision["opened_at"],
            "deadline": decision["deadline"],
            "closed_at": decision["closed_at"],
            "outcome": decision["outcome"],
            "outcome_reason": decision["outcome_reason"],
            "round_number": decision["round_number"],
            "previous_round": decision["previous_round"],
        },
        "electorate": [
            {
                "agency": m["agency"],
                "acronym": m["acronym"],
                "included_at": m["included_at"],
                "excluded_at": m.get("excluded_at"),
                "exclusion_reason": m.get("exclusion_reason", ""),
            }
            for m in electorate
        ],
        "ledger": {"head": chain_head(entries), "length": len(entries)},
        "counts": dict(counts),
        "sealed_at": sealed_at,
    }


def seal_message(bundle: Mapping[str, Any], *, counts: Mapping[str, int], sealed_at: str) -> str:
    """The seal's message: the canonical JSON of `seal_document`, as text."""
    return canonical_json(seal_document(bundle, counts=counts, sealed_at=sealed_at)).decode("utf-8")


# --- the verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record: a stable `code`, and the same in words."""

    code: str
    message: str
    severity: str = ERROR

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "severity": self.severity}


@dataclass(frozen=True)
class RecordCheck:
    """The verdict on one decision's whole record."""

    decision_id: int
    length: int
    head: str
    broken_at: int | None
    sealed: bool
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == WARNING)

    @property
    def verified(self) -> bool:
        """True when nothing is wrong (warnings, such as an unsealed old decision, aside)."""
        return not self.errors

    @property
    def problem(self) -> str:
        """Every error in words, on one line ("" when the record verifies)."""
        return " ".join(p.message for p in self.errors)


def check_chain(
    decision_id: int, entries: Sequence[Mapping[str, Any]]
) -> tuple[str, int | None, list[Problem]]:
    """The hash chain: (head, the first broken seq or None, problems)."""
    previous = GENESIS_HASH
    for expected_seq, entry in enumerate(entries, start=1):
        problem = ""
        if entry.get("decision") != decision_id:
            problem = f"belongs to decision {entry.get('decision')}"
        elif entry["seq"] != expected_seq:
            problem = f"expected entry {expected_seq}, found {entry['seq']}"
        elif entry["prev_hash"] != previous:
            problem = "does not chain from the previous entry"
        elif entry_hash(entry) != entry["hash"]:
            problem = "its content does not match its hash"
        if problem:
            seq = entry["seq"]
            return previous, seq, [Problem("chain_broken", f"Ledger entry {seq}: {problem}.")]
        previous = entry["hash"]
    return previous, None, []


def _names(bundle: Mapping[str, Any]) -> dict[int, str]:
    return {m["agency"]: m["acronym"] for m in bundle["electorate"]}


def check_electorate(bundle: Mapping[str, Any]) -> list[Problem]:
    """Every ledger entry is an electorate member's."""
    names = _names(bundle)
    strangers = sorted({e["agency"] for e in bundle["ledger"]["entries"]} - names.keys())
    return [
        Problem(
            "entry_outside_electorate",
            f"The ledger holds a position of agency {agency}, which is not in the electorate.",
        )
        for agency in strangers
    ]


def check_outcome(bundle: Mapping[str, Any], result: rules.TallyResult) -> list[Problem]:
    """ToR III.2.2: a closed decision's outcome is the tally of its ledger."""
    decision = bundle["decision"]
    if decision["state"] != "closed" or decision["outcome"] == WITHDRAWN:
        return []
    if result.outcome == decision["outcome"]:
        return []
    computed = result.outcome or "still open"
    return [
        Problem(
            "outcome_mismatch",
            f"The recorded outcome is {decision['outcome']}, but the tally of the ledger "
            f"and the electorate at closing gives {computed}.",
        )
    ]


SEAL_PARTS = {
    "decision": ("decision_mismatch", "the decision (its text, title, times or outcome)"),
    "electorate": ("electorate_mismatch", "the electorate"),
    "ledger": ("ledger_mismatch", "the ledger's head and length"),
    "counts": ("counts_mismatch", "the counts recomputed from the ledger"),
    "format": ("seal_malformed", "the seal's format"),
}


def check_seal(
    bundle: Mapping[str, Any],
    result: rules.TallyResult | None,
    public_key: Ed25519PublicKey | None,
    *,
    sealing_expected: bool,
) -> list[Problem]:
    """The sealed record equals the record, and the seal's signature verifies."""
    decision = bundle["decision"]
    seal = bundle.get("seal")
    if decision["state"] != "closed":
        if seal:
            return [Problem("seal_on_open_decision", "An open decision carries a seal.")]
        return []
    if not seal:
        if sealing_expected:
            return [Problem("seal_missing", "The decision is closed but its seal is missing.")]
        return [
            Problem(
                "unsealed",
                "Unsealed: the decision closed before sealing was introduced "
                "(manage.py seal_decisions seals it now).",
                WARNING,
            )
        ]
    problems: list[Problem] = []
    message = seal.get("message", "")
    try:
        sealed = json.loads(message)
    except (TypeError, ValueError):
        return [Problem("seal_malformed", "The seal's message is not JSON.")]
    if not isinstance(sealed, dict):
        return [Problem("seal_malformed", "The seal's message is not a JSON object.")]
    counts = result.counts if result is not None else {}
    expected = seal_document(bundle, counts=counts, sealed_at=str(sealed.get("sealed_at", "")))
    sealed_ledger = sealed.get("ledger")
    ledger: dict[str, Any] = sealed_ledger if isinstance(sealed_ledger, dict) else {}
    length = len(bundle["ledger"]["entries"])
    if isinstance(ledger.get("length"), int) and ledger["length"] > length:
        problems.append(
            Problem(
                "ledger_truncated",
                f"The ledger has {length} entries; {ledger['length']} were sealed at closing.",
            )
        )
    for part, (code, words) in SEAL_PARTS.items():
        if sealed.get(part) != expected[part] and not (
            code == "ledger_mismatch" and problems and problems[-1].code == "ledger_truncated"
        ):
            problems.append(Problem(code, f"The record differs from the seal in {words}."))
    if canonical_json(sealed).decode("utf-8") != message:
        problems.append(Problem("seal_malformed", "The seal's message is not canonical JSON."))
    if public_key is None:
        problems.append(Problem("seal_no_key", "No public key to check the seal's signature."))
    else:
        if seal.get("key_id") != key_id(public_key):
            problems.append(
                Problem(
                    "seal_wrong_key",
                    f"The seal names key {seal.get('key_id')}, not the given key "
                    f"{key_id(public_key)}.",
                )
            )
        if not signature_valid(public_key, message, str(seal.get("signature", ""))):
            problems.append(
                Problem("seal_signature_invalid", "The seal's signature does not verify.")
            )
    return problems


def verify_record(
    bundle: Mapping[str, Any],
    public_key: Ed25519PublicKey | None,
    *,
    sealing_expected: bool = True,
) -> RecordCheck:
    """Check a decision's record: the chain, the electorate, the outcome, the seal.

    `sealing_expected`: whether a closed decision must carry a seal (False for one that
    closed before sealing was introduced: its missing seal is then only a warning).
    """
    decision_id = bundle["decision"]["id"]
    entries = bundle["ledger"]["entries"]
    head, broken_at, problems = check_chain(decision_id, entries)
    problems += check_electorate(bundle)
    if bundle["decision"].get("text_sha256", text_hash(bundle["decision"]["text"])) != text_hash(
        bundle["decision"]["text"]
    ):
        problems.append(Problem("text_mismatch", "The decision's text does not match its hash."))
    try:
        result: rules.TallyResult | None = recount(bundle)
    except ValueError as exc:
        result = None
        problems.append(Problem("tally_failed", f"The tally cannot be recomputed: {exc}"))
    if result is not None:
        problems += check_outcome(bundle, result)
    problems += check_seal(bundle, result, public_key, sealing_expected=sealing_expected)
    return RecordCheck(
        decision_id=decision_id,
        length=len(entries),
        head=head,
        broken_at=broken_at,
        sealed=bool(bundle.get("seal")),
        problems=tuple(problems),
    )


def verify_bundle(bundle: Any, public_key: Ed25519PublicKey | None) -> RecordCheck:
    """Check an exported bundle (parsed JSON) offline; a malformed one is a problem too."""
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        return _malformed(bundle, f"Not an {BUNDLE_FORMAT} document.")
    if bundle.get("version") != BUNDLE_VERSION:
        return _malformed(bundle, f"Version {bundle.get('version')!r} is not {BUNDLE_VERSION}.")
    try:
        check = verify_record(bundle, public_key, sealing_expected=True)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return _malformed(bundle, f"The bundle is malformed ({type(exc).__name__}: {exc}).")
    problems = list(check.problems) + _check_stated(bundle)
    head = bundle["ledger"].get("head")
    if head != check.head or bundle["ledger"].get("length") != check.length:
        problems.append(
            Problem("ledger_mismatch", "The bundle's stated head or length is not its chain's.")
        )
    if public_key is not None and bundle.get("public_key_id") not in (None, key_id(public_key)):
        problems.append(
            Problem(
                "seal_wrong_key",
                f"The bundle names key {bundle.get('public_key_id')}, not the given key "
                f"{key_id(public_key)}.",
            )
        )
    return RecordCheck(
        decision_id=check.decision_id,
        length=check.length,
        head=check.head,
        broken_at=check.broken_at,
        sealed=check.sealed,
        problems=tuple(dict.fromkeys(problems)),
    )


def _check_stated(bundle: Mapping[str, Any]) -> list[Problem]:
    """What a bundle states beside the signed record: its constants and the seal's summary."""
    problems: list[Problem] = []
    ledger = bundle["ledger"]
    if ledger.get("algorithm") != HASH_ALGORITHM or ledger.get("genesis") != GENESIS_HASH:
        problems.append(
            Problem("bundle_malformed", "The bundle names another hash algorithm or genesis.")
        )
    seal = bundle.get("seal")
    if seal:
        try:
            sealed = json.loads(seal.get("message", ""))
            sealed_at = sealed["sealed_at"]
            closed_at = sealed["decision"]["closed_at"]
        except (TypeError, ValueError, KeyError):
            return problems  # check_seal reports the malformed message
        if (
            seal.get("algorithm") != SIGNATURE_ALGORITHM
            or seal.get("sealed_at") != sealed_at
            or seal.get("retroactive") is not (sealed_at != closed_at)
        ):
            problems.append(
                Problem(
                    "seal_mismatch", "The seal's stated algorithm or time is not the sealed one."
                )
            )
    return problems


def _malformed(bundle: Any, message: str) -> RecordCheck:
    decision = bundle.get("decision") if isinstance(bundle, dict) else None
    decision_id = decision.get("id") if isinstance(decision, dict) else None
    return RecordCheck(
        decision_id=decision_id if isinstance(decision_id, int) else 0,
        length=0,
        head=GENESIS_HASH,
        broken_at=None,
        sealed=False,
        problems=(Problem("bundle_malformed", message),),
    )
