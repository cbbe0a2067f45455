"""Integrity reads: every power to act for an agency has a designation behind it (ToR III.2.1)."""

from __future__ import annotations

from typing import Any

import pytest
from guardian.shortcuts import assign_perm

from agencies.roles import ACT_FOR_AGENCY
from agencies.selectors import PermissionWithoutDesignation, permissions_without_designation
from agencies.services import representative_revoke
from tests.factories import AgencyFactory, UserFactory, current_designation, make_representative

pytestmark = pytest.mark.django_db


def test_designated_representatives_are_not_reported() -> None:
    agency = AgencyFactory(acronym="OK1")
    make_representative(agency, "ok.head")
    make_representative(AgencyFactory(acronym="OK2"), "ok.other")
    assert permissions_without_designation() == []


def test_a_hand_made_grant_is_reported() -> None:
    agency = AgencyFactory(acronym="HND")
    other = AgencyFactory(acronym="OTH")
    intruder = UserFactory(username="intruder")
    assign_perm(ACT_FOR_AGENCY, intruder, agency)
    # A representative of another agency given this one's power too.
    rep = make_representative(other, "oth.head")
    assign_perm(ACT_FOR_AGENCY, rep, agency)
    rows = permissions_without_designation()
    assert all(isinstance(row, PermissionWithoutDesignation) for row in rows)
    assert {(row.user.username, row.agency.acronym) for row in rows} == {
        ("intruder", "HND"),
        ("oth.head", "HND"),
    }


def test_a_grant_that_outlived_its_designation_is_reported() -> None:
    agency = AgencyFactory(acronym="OLD")
    rep = make_representative(agency, "old.head")
    representative_revoke(actor=None, representative=current_designation(rep))
    assert permissions_without_designation() == []
    assign_perm(ACT_FOR_AGENCY, rep, agency)  # put back by hand after the revocation
    [row] = permissions_without_designation()
    assert (row.user, row.agency) == (rep, agency)


def test_query_count_does_not_grow(django_assert_max_num_queries: Any) -> None:
    for i in range(10):
        agency = AgencyFactory(acronym=f"Q{i}")
        assign_perm(ACT_FOR_AGENCY, UserFactory(username=f"q{i}"), agency)
        make_representative(agency, f"q.rep{i}")
    with django_assert_max_num_queries(4):
        rows = permissions_without_designation()
    assert len(rows) == 10
    assert {row.user.username for row in rows} == {f"q{i}" for i in range(10)}
