"""Demo data: the Terms of Reference (2007 original, 2012 extension, Oct 2022 in force),
the extension history, historical acceptances, and a clearly FICTIONAL applicant.

ToR VII: the 2012 and October 2022 texts were agreed before this system, with no decision
in the record. Each participating agency's basis under them is a visible `carried_over`
record pointing at its basis under the text it replaced (services.tor_acceptances_carry_over),
so the founders show a basis under the version in force that says what it is.

Only the Oct 2022 text is the published one (seeds/004). The 2007 and 2012 texts are
reconstructed from it by changing paragraph VII, and are marked as reconstructed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from agencies import services as agency_services
from agencies.models import Agency, AgencyStatus
from membership import selectors, services
from membership.models import ToRAcceptance, ToRVersion

DATA = Path(__file__).resolve().parent / "data"
BERLIN = dt.date(2007, 11, 6)

FICTIONAL_ACRONYM = "FSAA"
FICTIONAL_NAME = "Fictional Space Agency of Atlantis (FICTIONAL, demo)"
FICTIONAL_LETTER = DATA / "fictional_atlantis_letter.pdf"

VII_2022 = (
    "The ISECG was initially established for a 5-year period. ISECG Participating Agencies "
    "agreed to extend ISECG for an additional 10 years, until 6 November 2022, and "
    "subsequently extended until 31 December 2030."
)
VII_2012 = (
    "The ISECG was initially established for a 5-year period. ISECG Participating Agencies "
    "agreed to extend ISECG for an additional 10 years, until 6 November 2022."
)
VII_2007 = "The ISECG is established for a 5-year period."
RECONSTRUCTED = (
    "> **Reconstructed text ({year}).** Demo data: rebuilt from the October 2022 text by "
    "changing paragraph VII only. It is not the authentic {year} document.\n\n"
)


def tor_2022_text() -> str:
    return (DATA / "tor_2022.md").read_text(encoding="utf-8")


def reconstructed_text(year: int) -> str:
    text = tor_2022_text()
    if VII_2022 not in text:
        raise RuntimeError("tor_2022.md: paragraph VII changed; update the reconstruction.")
    paragraph = VII_2012 if year == 2012 else VII_2007
    stamp = "*Last Updated: Oct 2022*"
    text = text.replace(VII_2022, paragraph).replace(stamp, f"*Version of {year} (reconstructed)*")
    return RECONSTRUCTED.format(year=year) + text


def seed(*, stdout: Any) -> None:
    v2007 = services.tor_version_create(
        actor=None,
        label="2007 original",
        text=reconstructed_text(2007),
        adopted_on=BERLIN,
        effective_from=BERLIN,
        expires_on=dt.date(2012, 11, 6),
        reconstructed=True,
        note=(
            "ToR VII: effective on 6 November 2007 at the Berlin Space Exploration Conference, "
            "for a 5-year period. Text reconstructed from the Oct 2022 version."
        ),
    )
    v2012 = services.tor_version_create(
        actor=None,
        label="2012 extension",
        text=reconstructed_text(2012),
        adopted_on=dt.date(2012, 11, 6),
        effective_from=dt.date(2012, 11, 6),
        expires_on=dt.date(2022, 11, 6),
        supersedes=v2007,
        reconstructed=True,
        note=(
            "ToR VII: extended for an additional 10 years, until 6 November 2022. The exact "
            "day of the decision is not in the public record; text reconstructed."
        ),
    )
    v2022 = services.tor_version_create(
        actor=None,
        label="October 2022",
        text=tor_2022_text(),
        adopted_on=dt.date(2022, 10, 1),
        effective_from=dt.date(2022, 10, 1),
        expires_on=dt.date(2030, 12, 31),
        supersedes=v2012,
        note="The published text, 'Last Updated: Oct 2022' (the day of the month is not given).",
    )
    services.tor_extension_record_historical(
        actor=None,
        version=v2012,
        previous_expires_on=dt.date(2012, 11, 6),
        new_expires_on=dt.date(2022, 11, 6),
        decided_on=dt.date(2012, 11, 6),
        note="ToR VII: extended by 10 years (date of the decision reconstructed).",
    )
    services.tor_extension_record_historical(
        actor=None,
        version=v2022,
        previous_expires_on=dt.date(2022, 11, 6),
        new_expires_on=dt.date(2030, 12, 31),
        decided_on=dt.date(2022, 10, 1),
        note="ToR VII: subsequently extended until 31 December 2030.",
    )
    accepted = 0
    for agency in Agency.objects.filter(status=AgencyStatus.PARTICIPATING):
        on = agency.joined_on or BERLIN
        version = selectors.version_in_force(on=on) or v2007
        if ToRAcceptance.objects.filter(agency=agency).exists():
            continue
        services.tor_accept(
            actor=None,
            agency=agency,
            version=version,
            signatory_name="",
            signatory_title="",
            accepted_on=max(on, version.effective_from),
            historical=True,
        )
        accepted += 1
    carried = services.tor_acceptances_carry_over_all(actor=None)
    if not Agency.objects.filter(acronym=FICTIONAL_ACRONYM).exists():
        agency_services.agency_create(
            actor=None,
            name=FICTIONAL_NAME,
            acronym=FICTIONAL_ACRONYM,
            country="Atlantis (FICTIONAL)",
            notes="FICTIONAL applicant for the demo: no such agency exists.",
        )
    stdout.write(
        f"Terms of Reference: {ToRVersion.objects.count()} versions, "
        f"{accepted} historical acceptances and {carried} carried-over bases added. FICTIONAL applicant {FICTIONAL_ACRONYM}: "
        f"record its request with the letter {FICTIONAL_LETTER.relative_to(DATA.parent.parent)}."
    )
