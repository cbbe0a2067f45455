"""Fixtures for the membership tests: the ToR versions, PDFs, an applicant, uploads in a tmp dir."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import AgencyStatus
from membership import applicants, services
from membership.uploads import minimal_pdf
from tests.factories import AgencyFactory


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> Any:
    """Uploads land in a temporary directory, never in the repository."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


def pdf(name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf(), content_type="application/pdf")


@pytest.fixture
def tor_versions(db: Any) -> dict[str, Any]:
    old = services.tor_version_create(
        actor=None,
        label="2012 extension",
        text="# ToR\n\nVII. Extended until 6 November 2022.\n",
        adopted_on=dt.date(2012, 11, 6),
        effective_from=dt.date(2012, 11, 6),
        expires_on=dt.date(2022, 11, 6),
    )
    current = services.tor_version_create(
        actor=None,
        label="October 2022",
        text="# ToR\n\nVII. Extended until 31 December 2030.\n",
        adopted_on=dt.date(2022, 10, 1),
        effective_from=dt.date(2022, 10, 1),
        expires_on=dt.date(2030, 12, 31),
        supersedes=old,
    )
    return {"old": old, "current": current}


@pytest.fixture
def tor(tor_versions: dict[str, Any]) -> Any:
    return tor_versions["current"]


@pytest.fixture
def applicant(db: Any) -> Any:
    return AgencyFactory(
        acronym="FSAA",
        name="Fictional Space Agency of Atlantis (FICTIONAL, test)",
        status=AgencyStatus.APPLICANT,
        joined_on=None,
    )


def request_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "letter": pdf(),
        "signatory_name": "Dr. A. Tlantis",
        "signatory_title": "Director General",
        "shares_principles": True,
        "accepts_tor": True,
        "objectives": "Coordinate lunar plans.",
        "capabilities": "A lunar orbiter in development.",
    }
    fields.update(overrides)
    return fields


def make_applicant(username: str = "atlantis.dg", *, verified: bool = True) -> Any:
    """An applicant account opened by its own sign-up (ToR III.1), its e-mail confirmed or not."""
    account = applicants.applicant_sign_up(
        actor=None,
        username=username,
        email=f"{username}@atlantis.example",
        password="Orbit-Lunar-2040!",
        contact_name="Dr. A. Tlantis",
        contact_title="Director General",
        agency_name="Fictional Space Agency of Atlantis (FICTIONAL)",
        agency_acronym="FSAA",
        country="Atlantis",
        on_behalf=True,
    )
    if verified:
        account = applicants.applicant_email_verify(
            token=applicants.applicant_verify_token(account)
        )
    return account.user


@pytest.fixture
def applicant_user(db: Any) -> Any:
    """A verified applicant account's user."""
    return make_applicant()


@pytest.fixture
def unverified_applicant_user(db: Any) -> Any:
    return make_applicant("unverified.dg", verified=False)
