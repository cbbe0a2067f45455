"""Demo data: working groups, the published ISECG products (ISECG_FACTS.md) and one product
in agency review, so the endorsement flow can be tried. Idempotent.

Product titles and dates are public facts; the documents themselves are placeholders,
and the working groups, referral and the mid-review product are plausible demo records.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone

from agencies.models import Agency
from isecg.models import User
from products import services
from products.models import (
    Comment,
    Endorsement,
    ExpertReferral,
    Product,
    ProductState,
    WorkingGroup,
    WorkingGroupKind,
    Workplan,
)

PLACEHOLDER = "Demo placeholder: the published document is available from the ISECG website."


def placeholder_pdf(title: str) -> bytes:
    """A one-page PDF saying what it stands for (hand-written, no extra dependency)."""
    text = f"{title} - {PLACEHOLDER}".replace("\\", "").replace("(", "[").replace(")", "]")
    text = text.encode("latin-1", "replace").decode("latin-1")
    stream = f"BT /F1 10 Tf 40 400 Td ({text[:110]}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


GROUPS = [
    (
        "ERWG",
        "Exploration Roadmap Working Group",
        WorkingGroupKind.WORKING_GROUP,
        "NASA",
        ["NASA", "ESA", "JAXA", "CSA", "KARI", "DLR", "ASI", "CNES", "UKSA"],
        dt.date(2010, 1, 1),
        None,
        "Develops and updates the Global Exploration Roadmap and its supplements (demo mandate).",
    ),
    (
        "SWG",
        "Science Working Group",
        WorkingGroupKind.WORKING_GROUP,
        "ESA",
        ["ESA", "NASA", "JAXA", "CSA", "DLR", "ASI"],
        dt.date(2015, 1, 1),
        None,
        "Articulates the science enabled by human and robotic exploration (demo mandate).",
    ),
    (
        "BENEFITS",
        "Benefits of Space Exploration ad hoc team",
        WorkingGroupKind.AD_HOC_TEAM,
        "CSA",
        ["CSA", "NASA", "ESA", "JAXA", "KARI"],
        dt.date(2012, 3, 1),
        dt.date(2013, 12, 31),
        "Prepared the 'Benefits Stemming from Space Exploration' paper (demo mandate).",
    ),
    (
        "LSW",
        "Lunar Surface Exploration Workshop",
        WorkingGroupKind.WORKSHOP,
        "JAXA",
        ["JAXA", "NASA", "ESA", "CSA", "KARI"],
        dt.date(2019, 6, 1),
        dt.date(2020, 8, 31),
        "Workshops feeding the 2020 lunar surface scenario update (demo).",
    ),
]

# (slug, title, kind, group, published_on, superseded_by slug)
PUBLISHED = [
    (
        "ger-1",
        "The Global Exploration Roadmap (1st edition)",
        "roadmap",
        "ERWG",
        dt.date(2011, 9, 1),
        "ger-2",
    ),
    (
        "ger-2",
        "The Global Exploration Roadmap (2nd edition)",
        "roadmap",
        "ERWG",
        dt.date(2013, 8, 1),
        "ger-3",
    ),
    (
        "ger-3",
        "The Global Exploration Roadmap (3rd edition)",
        "roadmap",
        "ERWG",
        dt.date(2018, 1, 1),
        "ger-4",
    ),
    (
        "ger-supplement-2020",
        "Global Exploration Roadmap Supplement: Lunar Surface Exploration Scenario Update",
        "roadmap",
        "ERWG",
        dt.date(2020, 8, 1),
        None,
    ),
    (
        "ger-supplement-2022",
        "Global Exploration Roadmap Supplement (October 2022)",
        "roadmap",
        "ERWG",
        dt.date(2022, 10, 1),
        None,
    ),
    (
        "ger-4",
        "The Global Exploration Roadmap (4th edition)",
        "roadmap",
        "ERWG",
        dt.date(2024, 1, 1),
        None,
    ),
    (
        "benefits-2013",
        "Benefits Stemming from Space Exploration",
        "white_paper",
        "BENEFITS",
        dt.date(2013, 9, 1),
        None,
    ),
    (
        "science-white-paper-2017",
        "Scientific Opportunities Enabled by Human Exploration beyond Low-Earth Orbit (Science White Paper)",
        "white_paper",
        "SWG",
        dt.date(2017, 12, 1),
        None,
    ),
    ("annual-report-2007", "ISECG Annual Report 2007", "report", "ERWG", dt.date(2008, 3, 1), None),
]

MID_REVIEW_SLUG = "ger-supplement-2026-draft"


def _agencies(acronyms: list[str]) -> list[Agency]:
    return list(Agency.objects.filter(acronym__in=acronyms))


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def seed(*, stdout: Any) -> None:
    groups: dict[str, WorkingGroup] = {}
    for acronym, name, kind, lead, members, start, end, mandate in GROUPS:
        groups[acronym] = services.working_group_create(
            actor=None,
            name=name,
            acronym=acronym,
            kind=kind,
            mandate=mandate,
            lead_agency=Agency.objects.filter(acronym=lead).first(),
            member_agencies=_agencies(members),
            active_from=start,
            active_until=end,
        )
    if not ExpertReferral.objects.exists():
        services.expert_referral_create(
            actor=None,
            issue="Planetary protection considerations for crewed Mars missions (demo)",
            expert_group="COSPAR Panel on Planetary Protection",
            referred_on=dt.date(2019, 10, 1),
            working_group=groups["ERWG"],
        )
    for slug, title, product_kind, group, published_on, _ in PUBLISHED:
        if Product.objects.filter(slug=slug).exists():
            continue
        product = services.product_create(
            actor=None,
            slug=slug,
            title=title,
            kind=product_kind,
            working_group=groups[group],
            participating_agencies=list(groups[group].member_agencies.all()),
            summary="Published ISECG product (the file here is a placeholder).",
        )
        services.product_record_published(
            actor=None,
            product=product,
            file=io.BytesIO(placeholder_pdf(title)),
            filename=f"{slug}.pdf",
            published_on=published_on,
            note="Published edition, recorded from the ISECG archive.",
        )
    for slug, _, _, _, _, superseded_by in PUBLISHED:
        product = Product.objects.get(slug=slug)
        if superseded_by and product.state != ProductState.SUPERSEDED:
            services.product_supersede(
                actor=None, product=product, by=Product.objects.get(slug=superseded_by)
            )
    _seed_mid_review(groups["ERWG"])
    _seed_workplan(groups)
    stdout.write(
        f"Products: {Product.objects.count()} products, {WorkingGroup.objects.count()} groups; "
        f"'{MID_REVIEW_SLUG}' is in agency review (NASA and KARI pending)."
    )


def _seed_mid_review(group: WorkingGroup) -> None:
    if Product.objects.filter(slug=MID_REVIEW_SLUG).exists():
        return
    title = "Global Exploration Roadmap Supplement 2026: Moon to Mars Scenarios (demo draft)"
    product = services.product_create(
        actor=None,
        slug=MID_REVIEW_SLUG,
        title=title,
        kind="roadmap",
        working_group=group,
        participating_agencies=_agencies(["NASA", "ESA", "JAXA", "KARI"]),
        summary="A fictional draft supplement used to try the review and endorsement flow.",
    )
    v1 = services.product_version_upload(
        actor=None,
        product=product,
        file=io.BytesIO(placeholder_pdf(f"{title}, draft 1")),
        filename="ger-supplement-2026-draft1.pdf",
        changelog="First full draft for agency review.",
    )
    services.product_review_start(actor=None, product=product)
    csa, esa = _user("csa.hod"), _user("esa.hod")
    if csa is not None:
        thread = services.comment_add(
            actor=csa,
            version=v1,
            agency=Agency.objects.get(acronym="CSA"),
            body="Section 3 could reflect the lunar Gateway robotics contribution.",
        )
        if esa is not None:
            services.comment_add(
                actor=esa,
                version=v1,
                agency=Agency.objects.get(acronym="ESA"),
                body="Agreed; the ERWG will add it in draft 2.",
                parent=thread,
            )
            services.comment_resolve(actor=esa, comment=thread)
    v2 = services.product_version_upload(
        actor=None,
        product=product,
        file=io.BytesIO(placeholder_pdf(f"{title}, draft 2")),
        filename="ger-supplement-2026-draft2.pdf",
        changelog="Section 3 adds robotics contributions; comments on draft 1 resolved.",
    )
    services.review_deadline_set(
        actor=None, version=v2, comment_deadline=timezone.now() + dt.timedelta(days=10)
    )
    for acronym, name, level in (
        ("ESA", "Ingrid Vogel", "Director of Human and Robotic Exploration"),
        ("JAXA", "Haruto Sato", "Vice President, Exploration"),
    ):
        agency = Agency.objects.get(acronym=acronym)
        if not Endorsement.objects.filter(version=v2, agency=agency).exists():
            services.endorsement_record(
                actor=None,
                version=v2,
                agency=agency,
                endorser_name=name,
                managerial_level=level,
                endorsed_on=timezone.localdate() - dt.timedelta(days=2),
                evidence="Internal endorsement memo (demo).",
            )
    assert Comment.objects.filter(version__product=product).exists() or csa is None


def _seed_workplan(groups: dict[str, WorkingGroup]) -> None:
    year = timezone.localdate().year
    if Workplan.objects.filter(year=year).exists():
        return
    workplan = services.workplan_create(
        actor=None, year=year, summary="Objectives agreed at the plenary (demo)."
    )
    mid_review = Product.objects.filter(slug=MID_REVIEW_SLUG).first()
    items = [
        ("Endorse the 2026 GER supplement", groups["ERWG"], mid_review, dt.date(year, 12, 15)),
        (
            "Update the science white paper's lunar chapter",
            groups["SWG"],
            None,
            dt.date(year + 1, 6, 30),
        ),
        ("Annual report to the heads of agencies", None, None, dt.date(year, 12, 31)),
    ]
    for objective, group, product, due_on in items:
        services.workplan_item_add(
            actor=None,
            workplan=workplan,
            objective=objective,
            working_group=group,
            product=product,
            due_on=due_on,
        )
    first = workplan.items.order_by("id").first()
    assert first is not None
    services.workplan_item_progress(
        actor=None, item=first, status="in_progress", progress_percent=70, note="In agency review."
    )
