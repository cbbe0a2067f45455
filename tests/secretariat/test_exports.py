"""Exports: decisions with every agency's position, the agency register and the
membership history; permission-respecting, UTF-8 with BOM, ISO dates, formula-safe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from agencies import services as agency_services
from agencies.models import StatusBasis
from consensus import services as consensus
from secretariat import exports
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def decided(users: Any, agency_a: Any, agency_b: Any) -> Any:
    with time_machine.travel(NOW, tick=False):
        decision = consensus.decision_open(
            actor=None,
            kind="motion",
            title="Admit the Agência Espacial (AEB) — round 1",
            text="Text.",
            deadline=NOW + dt.timedelta(days=10),
        )
        consensus.position_cast(
            actor=users["rep_a"],
            decision=decision,
            agency=agency_a,
            value="object",
            statement='=HYPERLINK("http://evil") Our grounds: budget.',
        )
        consensus.position_cast(
            actor=users["rep_b"],
            decision=decision,
            agency=agency_b,
            value="concur_with_reservation",
            statement="Reserve: the Gateway schedule.",
        )
    return decision


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_decisions_csv_has_every_agency_position_reservation_and_grounds(
    web_as: Any, decided: Any
) -> None:
    response = web_as("rep_a").get(reverse("secretariat-export", args=["decisions", "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="isecg-decisions-')
    rows = {r["agency"]: r for r in read_csv(response.content)}
    assert set(rows) == {"AAA", "BBB", "CHR"}
    assert rows["AAA"]["position"] == "object"
    assert rows["AAA"]["grounds"].startswith("'=HYPERLINK")  # not run as a formula
    assert rows["BBB"]["reservation"] == "Reserve: the Gateway schedule."
    assert rows["CHR"]["position"] == "no_response"
    assert rows["AAA"]["title"] == "Admit the Agência Espacial (AEB) — round 1"
    assert rows["AAA"]["opened_at"] == "2026-11-21T12:00:00Z"
    assert rows["AAA"]["deadline"] == "2026-12-01T12:00:00Z"
    assert len(rows["AAA"]["receipt_hash"]) == 64


def test_decisions_json_nests_positions(web_as: Any, decided: Any) -> None:
    response = web_as("secretariat").get(reverse("secretariat-export", args=["decisions", "json"]))
    data = json.loads(response.content)
    (decision,) = data["rows"]
    assert decision["title"].startswith("Admit the Agência")
    assert {p["agency"]: p["position"] for p in decision["positions"]} == {
        "AAA": "object",
        "BBB": "concur_with_reservation",
        "CHR": "no_response",
    }
    assert decision["opened_at"] == "2026-11-21T12:00:00Z"


@pytest.mark.parametrize("name", ["decisions", "membership-history"])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_anonymous_must_sign_in_for_decisions_and_history(
    web_as: Any, decided: Any, name: str, fmt: str
) -> None:
    response = web_as("anonymous").get(reverse("secretariat-export", args=[name, fmt]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["rep_a", "rep_b", "chair", "secretariat", "api_client"])
def test_signed_in_roles_may_export_decisions(web_as: Any, decided: Any, role: str) -> None:
    response = web_as(role).get(reverse("secretariat-export", args=["decisions", "csv"]))
    assert response.status_code == 200 and len(read_csv(response.content)) == 3


def test_agency_register_respects_visibility(web_as: Any, users: Any) -> None:
    AgencyFactory(acronym="OLD", status="withdrawn", withdrawn_on=dt.date(2024, 1, 1))
    url = reverse("secretariat-export", args=["agencies", "csv"])
    public = {r["acronym"]: r for r in read_csv(web_as("anonymous").get(url).content)}
    assert "OLD" not in public and public["AAA"]["representatives"] == ""
    signed_in = {r["acronym"]: r for r in read_csv(web_as("secretariat").get(url).content)}
    assert signed_in["OLD"]["withdrawn_on"] == "2024-01-01"
    assert "(Head of delegation)" in signed_in["AAA"]["representatives"]


def test_membership_history_lists_status_changes(web_as: Any, users: Any, agency_a: Any) -> None:
    agency_services.agency_status_follow(
        actor=users["secretariat"],
        agency=agency_a,
        basis=StatusBasis.WITHDRAWAL,
        effective_on=dt.date(2026, 11, 1),
        reason="Written notification (ToR VI).",
    )
    data = json.loads(
        web_as("rep_b")
        .get(reverse("secretariat-export", args=["membership-history", "json"]))
        .content
    )
    change = next(r for r in data["rows"] if r["after"] == "withdrawn")
    assert change == change | {
        "agency": "AAA",
        "effective_on": "2026-11-01",
        "before": "participating",
        "basis": "withdrawal",
    }


def test_unknown_export_or_format_is_404(web_as: Any) -> None:
    web = web_as("secretariat")
    assert web.get("/secretariat/exports/secrets.csv").status_code == 404
    assert web.get("/secretariat/exports/decisions.xlsx").status_code == 404


def test_exports_page_lists_downloads(web_as: Any) -> None:
    page = web_as("anonymous").get(reverse("secretariat-exports")).content.decode()
    assert reverse("secretariat-export", args=["agencies", "csv"]) in page


@pytest.mark.parametrize("size", [1, 5])
def test_decision_export_query_count_is_constant(
    size: int, users: Any, django_assert_num_queries: Any
) -> None:
    for i in range(size):
        AgencyFactory(acronym=f"Z{i}")
        consensus.decision_open(
            actor=None,
            kind="motion",
            title=f"D{i}",
            text="T.",
            deadline=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        )
    with django_assert_num_queries(3):
        rows = exports.decision_rows(users["secretariat"])
    assert rows


def test_iso_formats() -> None:
    assert (
        exports.iso(dt.datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=dt.UTC)) == "2026-01-02T03:04:05Z"
    )
    assert exports.iso(dt.date(2030, 12, 31)) == "2030-12-31"
    assert exports.iso(None) == ""
