"""The agency's page shows its basis under the Terms of Reference in force (ToR VII)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from membership import services
from tests.factories import AgencyFactory


def test_agency_page_shows_the_basis_under_the_version_in_force(
    tor_versions: dict[str, Any], web_as: Any
) -> None:
    founder = AgencyFactory(acronym="FND", joined_on=dt.date(2007, 11, 6))
    services.tor_accept(
        actor=None,
        agency=founder,
        version=tor_versions["old"],
        signatory_name="",
        signatory_title="",
        accepted_on=dt.date(2012, 11, 6),
        historical=True,
    )
    late = AgencyFactory(acronym="LTE", joined_on=dt.date(2024, 3, 1))
    services.tor_acceptances_carry_over(actor=None, version=tor_versions["current"])

    page = web_as("rep_a").get(f"/agencies/{founder.acronym}/").content.decode()
    assert "Basis under the Terms of Reference" in page
    assert "October 2022" in page
    assert "Carried over" in page

    lacking = web_as("rep_a").get(f"/agencies/{late.acronym}/").content.decode()
    assert "No basis recorded" in lacking


def test_anonymous_visitors_do_not_see_the_basis(tor_versions: dict[str, Any], client: Any) -> None:
    agency = AgencyFactory(acronym="FND", joined_on=dt.date(2007, 11, 6))
    response = client.get(f"/agencies/{agency.acronym}/")
    assert response.status_code == 200
    assert "Basis under the Terms of Reference" not in response.content.decode()
