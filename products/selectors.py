"""Permission-scoped reads of working groups, products and workplans.

seeds/003: every product is shared with every member agency throughout its development,
so the representatives of every participating agency (and the secretariat) see drafts.
Everyone else, anonymous visitors included, sees published products only (DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Prefetch, QuerySet

from agencies.models import Agency, AgencyStatus
from agencies.roles import is_secretariat, represented_agency_ids
from products.models import (
    Comment,
    Endorsement,
    EndorsementWaiver,
    ExpertReferral,
    Product,
    ProductVersion,
    WorkingGroup,
    Workplan,
    WorkplanItem,
)


def can_see_drafts(user: Any) -> bool:
    """The secretariat, and representatives of a participating agency (seeds/003)."""
    if user is None or not user.is_authenticated:
        return False
    cached = getattr(user, "_isecg_products_drafts", None)
    if cached is None:
        cached = is_secretariat(user) or (
            bool(represented_agency_ids(user))
            and Agency.objects.filter(
                pk__in=represented_agency_ids(user), status=AgencyStatus.PARTICIPATING
            ).exists()
        )
        user._isecg_products_drafts = cached
    return bool(cached)


def _agencies_only() -> QuerySet[Agency]:
    return Agency.objects.only("id", "acronym", "name", "status").order_by("acronym")


def products_visible_to(user: Any) -> QuerySet[Product]:
    """Products the user may see, with what the list shows, in a fixed number of queries."""
    queryset = (
        Product.objects.select_related("working_group")
        .prefetch_related(Prefetch("participating_agencies", queryset=_agencies_only()))
        .annotate(version_count=Count("versions", distinct=True))
        .order_by("-published_on", "-created_at", "-id")
    )
    if not can_see_drafts(user):
        queryset = queryset.filter(published_at__isnull=False)
    return queryset


def public_products() -> QuerySet[Product]:
    """Published products (including superseded editions), for anonymous visitors."""
    return (
        Product.objects.filter(published_at__isnull=False)
        .select_related("working_group", "endorsed_version", "superseded_by")
        .order_by("-published_on", "-id")
    )


@dataclass
class MatrixCell:
    """One agency's endorsement of one version. `waiver` is history only: a waiver recorded
    before issue 12 never counts as an endorsement (ToR III.2.2)."""

    endorsement: Endorsement | None = None
    waiver: EndorsementWaiver | None = None

    @property
    def status(self) -> str:
        return "endorsed" if self.endorsement else "pending"


@dataclass
class MatrixRow:
    agency: Agency
    cells: list[MatrixCell] = field(default_factory=list)


def endorsement_matrix(product: Product) -> list[MatrixRow]:
    """Agency by version, from prefetched rows (no queries of its own)."""
    versions = list(product.versions.all())
    rows = []
    for agency in product.participating_agencies.all():
        row = MatrixRow(agency=agency)
        for version in versions:
            cell = MatrixCell()
            for e in version.endorsements.all():
                if e.agency_id == agency.pk:
                    cell.endorsement = e
            for w in version.waivers.all():
                if w.agency_id == agency.pk:
                    cell.waiver = w
            row.cells.append(cell)
        rows.append(row)
    return rows


def product_detail(user: Any, slug: str) -> Product | None:
    """One product with its versions, comments, endorsements (and the waivers of old)."""
    threads = Comment.objects.filter(parent__isnull=True).select_related(
        "author", "agency", "resolved_by"
    )
    replies = Comment.objects.filter(parent__isnull=False).select_related("author", "agency")
    threads = threads.prefetch_related(Prefetch("replies", queryset=replies))
    versions = ProductVersion.objects.select_related(
        "uploaded_by", "review_round"
    ).prefetch_related(
        Prefetch(
            "endorsements", queryset=Endorsement.objects.select_related("agency", "recorded_by")
        ),
        Prefetch(
            "waivers", queryset=EndorsementWaiver.objects.select_related("agency", "waived_by")
        ),
        Prefetch("comments", queryset=threads, to_attr="threads"),
    )
    return (
        products_visible_to(user)
        .select_related("endorsed_version", "superseded_by", "working_group__lead_agency")
        .prefetch_related(Prefetch("versions", queryset=versions.order_by("number")))
        .filter(slug=slug)
        .first()
    )


def product_decisions(product: Product) -> list[Any]:
    """Plenary decisions on any version of the product, newest first (one query)."""
    from consensus.models import Decision

    version_ids = [v.pk for v in product.versions.all()]
    if not version_ids:
        return []
    content_type = ContentType.objects.get_for_model(ProductVersion)
    return list(
        Decision.objects.filter(
            subject_content_type=content_type, subject_object_id__in=version_ids
        ).order_by("-opened_at", "-pk")
    )


def workplan_decisions(workplan: Workplan) -> list[Any]:
    from consensus.selectors import decisions_for_subject

    return list(decisions_for_subject(workplan))


def version_for_download(user: Any, pk: int) -> ProductVersion | None:
    """Drafts for the secretariat and participating agencies; for everyone else only the
    endorsed version of a published product."""
    queryset = ProductVersion.objects.select_related("product")
    if can_see_drafts(user):
        return queryset.filter(pk=pk).first()
    return queryset.filter(
        pk=pk,
        product__published_at__isnull=False,
        product__endorsed_version_id=F("pk"),
    ).first()


def versions_visible_to(user: Any) -> QuerySet[ProductVersion]:
    queryset = ProductVersion.objects.select_related("product", "uploaded_by")
    if can_see_drafts(user):
        return queryset
    return queryset.filter(
        product__published_at__isnull=False, product__endorsed_version_id=F("pk")
    )


def comments_visible_to(user: Any) -> QuerySet[Comment]:
    if not can_see_drafts(user):
        return Comment.objects.none()
    return Comment.objects.select_related("version__product", "agency", "author", "resolved_by")


def working_groups() -> QuerySet[WorkingGroup]:
    return WorkingGroup.objects.select_related("lead_agency").prefetch_related(
        Prefetch("member_agencies", queryset=_agencies_only())
    )


def working_group_detail(user: Any, acronym: str) -> WorkingGroup | None:
    return (
        working_groups()
        .prefetch_related(
            Prefetch("products", queryset=products_visible_to(user), to_attr="visible_products"),
            Prefetch("referrals", queryset=ExpertReferral.objects.all()),
        )
        .filter(acronym=acronym)
        .first()
    )


def expert_referrals() -> QuerySet[ExpertReferral]:
    return ExpertReferral.objects.select_related("working_group")


def workplans_visible_to(user: Any) -> QuerySet[Workplan]:
    """Signed-in users see every workplan; anonymous visitors the adopted ones."""
    items = WorkplanItem.objects.select_related("working_group", "product")
    queryset = Workplan.objects.prefetch_related(Prefetch("items", queryset=items))
    if user is None or not user.is_authenticated:
        return queryset.filter(state="adopted")
    return queryset


def endorsements_visible_to(user: Any) -> QuerySet[Endorsement]:
    """Endorsements of the versions the user may see (versions_visible_to)."""
    return Endorsement.objects.filter(version__in=versions_visible_to(user)).select_related(
        "version__product", "agency", "recorded_by"
    )


def endorsement_evidence_for_download(user: Any, pk: int) -> Endorsement | None:
    """The evidence file the secretariat attached: for those who see drafts (the secretariat
    and the participating agencies' representatives, seeds/003), never the public."""
    if not can_see_drafts(user):
        return None
    return Endorsement.objects.filter(pk=pk).exclude(evidence_file="").first()
