"""Public facts about ISECG's agencies for demo data (../shared/ISECG_FACTS.md).

Where a join date is uncertain in the public record the note says so; the demo
data uses a plausible date but must not present it as authoritative.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class AgencyFact(NamedTuple):
    acronym: str
    name: str
    country: str
    website: str
    framework_contributor: bool
    joined_on: dt.date
    note: str = ""


BERLIN = dt.date(2007, 11, 6)  # ToR VII: effective at the Berlin conference (seeds/004 l.124-126)

AGENCIES: list[AgencyFact] = [
    AgencyFact("ASI", "Agenzia Spaziale Italiana", "Italy", "https://www.asi.it", True, BERLIN),
    AgencyFact(
        "UKSA",
        "UK Space Agency",
        "United Kingdom",
        "https://www.gov.uk/government/organisations/uk-space-agency",
        True,
        BERLIN,
        "Framework Document contributor as the British National Space Centre (BNSC); UK Space Agency since 2010.",
    ),
    AgencyFact(
        "CNES", "Centre national d'études spatiales", "France", "https://cnes.fr", True, BERLIN
    ),
    AgencyFact(
        "CNSA",
        "China National Space Administration",
        "China",
        "https://www.cnsa.gov.cn",
        True,
        BERLIN,
    ),
    AgencyFact("CSA", "Canadian Space Agency", "Canada", "https://www.asc-csa.gc.ca", True, BERLIN),
    AgencyFact(
        "CSIRO",
        "Commonwealth Scientific and Industrial Research Organisation",
        "Australia",
        "https://www.csiro.au",
        True,
        BERLIN,
    ),
    AgencyFact(
        "DLR",
        "Deutsches Zentrum für Luft- und Raumfahrt",
        "Germany",
        "https://www.dlr.de",
        True,
        BERLIN,
    ),
    AgencyFact(
        "ESA", "European Space Agency", "Intergovernmental", "https://www.esa.int", True, BERLIN
    ),
    AgencyFact(
        "ISRO",
        "Indian Space Research Organisation",
        "India",
        "https://www.isro.gov.in",
        True,
        BERLIN,
    ),
    AgencyFact(
        "JAXA",
        "Japan Aerospace Exploration Agency",
        "Japan",
        "https://global.jaxa.jp",
        True,
        BERLIN,
    ),
    AgencyFact(
        "KARI",
        "Korea Aerospace Research Institute",
        "Republic of Korea",
        "https://www.kari.re.kr",
        True,
        BERLIN,
    ),
    AgencyFact(
        "NASA",
        "National Aeronautics and Space Administration",
        "United States",
        "https://www.nasa.gov",
        True,
        BERLIN,
    ),
    AgencyFact(
        "SSAU",
        "State Space Agency of Ukraine",
        "Ukraine",
        "https://www.nkau.gov.ua",
        True,
        BERLIN,
        "Framework Document contributor as the National Space Agency of Ukraine (NSAU).",
    ),
    AgencyFact(
        "Roscosmos",
        "State Space Corporation Roscosmos",
        "Russia",
        "https://www.roscosmos.ru",
        True,
        BERLIN,
        "Framework Document contributor as the Russian Federal Space Agency.",
    ),
    AgencyFact(
        "UAESA",
        "UAE Space Agency",
        "United Arab Emirates",
        "https://space.gov.ae",
        False,
        dt.date(2015, 10, 5),
        "15th member, joined in Cologne.",
    ),
    AgencyFact(
        "ASA",
        "Australian Space Agency",
        "Australia",
        "https://www.industry.gov.au/australian-space-agency",
        False,
        dt.date(2019, 6, 1),
        "Joined in 2019; exact date uncertain (demo data).",
    ),
    AgencyFact(
        "POLSA",
        "Polish Space Agency",
        "Poland",
        "https://polsa.gov.pl",
        False,
        dt.date(2019, 6, 1),
        "Joined in 2019; exact date uncertain (demo data).",
    ),
    AgencyFact(
        "ROSA",
        "Romanian Space Agency",
        "Romania",
        "https://www.rosa.ro",
        False,
        dt.date(2019, 6, 1),
        "Joined in 2019; exact date uncertain (demo data).",
    ),
    AgencyFact(
        "SSO",
        "Swiss Space Office",
        "Switzerland",
        "https://www.sbfi.admin.ch",
        False,
        dt.date(2019, 6, 1),
        "Joined in 2019; exact date uncertain (demo data).",
    ),
    AgencyFact(
        "LSA",
        "Luxembourg Space Agency",
        "Luxembourg",
        "https://space-agency.public.lu",
        False,
        dt.date(2019, 12, 1),
        "Joined in 2019 or early 2020; uncertain (demo data).",
    ),
    AgencyFact(
        "NOSA",
        "Norwegian Space Agency",
        "Norway",
        "https://www.romsenter.no",
        False,
        dt.date(2019, 12, 1),
        "Joined late 2019 or early 2020; uncertain (demo data).",
    ),
    AgencyFact(
        "VNSC",
        "Vietnam National Space Center",
        "Vietnam",
        "https://vnsc.org.vn",
        False,
        dt.date(2019, 12, 1),
        "Joined late 2019 or early 2020; uncertain (demo data).",
    ),
    AgencyFact(
        "AEB",
        "Agência Espacial Brasileira",
        "Brazil",
        "https://www.gov.br/aeb",
        False,
        dt.date(2020, 6, 1),
        "Joined in 2020; exact date uncertain (demo data).",
    ),
    AgencyFact(
        "GISTDA",
        "Geo-Informatics and Space Technology Development Agency",
        "Thailand",
        "https://www.gistda.or.th",
        False,
        dt.date(2020, 6, 1),
        "Joined in 2020; exact date uncertain (demo data).",
    ),
    AgencyFact(
        "AEM",
        "Agencia Espacial Mexicana",
        "Mexico",
        "https://www.gob.mx/aem",
        False,
        dt.date(2020, 12, 1),
        "Joined at the end of 2020; exact date uncertain (demo data).",
    ),
    AgencyFact(
        "PTS",
        "Portugal Space",
        "Portugal",
        "https://ptspace.pt",
        False,
        dt.date(2020, 12, 1),
        "Joined at the end of 2020; exact date uncertain (demo data).",
    ),
    AgencyFact(
        "NZSA",
        "New Zealand Space Agency",
        "New Zealand",
        "https://www.mbie.govt.nz/science-and-technology/space",
        False,
        dt.date(2021, 6, 1),
        "27th member, 2021; exact date uncertain (demo data).",
    ),
]


class PersonFact(NamedTuple):
    username: str
    first_name: str
    last_name: str
    agency: str
    kind: str
    title: str


# Fictional people: the names are invented for the demo.
REPRESENTATIVES: list[PersonFact] = [
    PersonFact("nasa.hod", "Dana", "Whitfield", "NASA", "head", "Associate Administrator (demo)"),
    PersonFact(
        "nasa.rep", "Marcus", "Ortega", "NASA", "representative", "Exploration Strategy Lead (demo)"
    ),
    PersonFact(
        "esa.hod",
        "Ingrid",
        "Vogel",
        "ESA",
        "head",
        "Director of Human and Robotic Exploration (demo)",
    ),
    PersonFact("jaxa.hod", "Haruto", "Sato", "JAXA", "head", "Vice President, Exploration (demo)"),
    PersonFact(
        "csa.hod", "Claire", "Tremblay", "CSA", "head", "Director General, Space Exploration (demo)"
    ),
    PersonFact("kari.hod", "Min-jun", "Park", "KARI", "head", "Director, Lunar Exploration (demo)"),
    PersonFact("dlr.alt", "Jonas", "Becker", "DLR", "alternate", "Programme Officer (demo)"),
]

DEMO_PASSWORD = "isecg-demo-2026"  # noqa: S105 - printed on purpose for the local demo
