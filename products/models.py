"""Working groups, products and the annual workplan (ToR I.2, III.2.2): issue 5.

Plenary decisions are reached through consensus.selectors.decisions_for_subject(subject):
the subject of a product decision is the ProductVersion submitted, the subject of a
workplan decision is the Workplan. No foreign key to consensus is kept here.
"""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from isecg.models import AppendOnlyError, AppendOnlyModel

NON_BINDING_NOTICE = (
    "This is a non-binding ISECG product (ToR I.2): its findings, recommendations and other "
    "outputs are for use by Participating Agencies and do not commit any agency to any "
    "action or programme."
)


# --- Working groups, ad hoc teams and workshops (ToR I.2) ------------------------------


class WorkingGroupKind(models.TextChoices):
    WORKING_GROUP = "working_group", "Working group"
    AD_HOC_TEAM = "ad_hoc_team", "Ad hoc team"
    WORKSHOP = "workshop", "Workshop"


class WorkingGroup(models.Model):
    """ToR I.2 (i): further elements of the coordination mechanism, e.g. ad hoc working
    groups or workshops."""

    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=30, unique=True)
    kind = models.CharField(max_length=20, choices=WorkingGroupKind.choices)
    mandate = models.TextField(blank=True)
    lead_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    member_agencies = models.ManyToManyField(
        "agencies.Agency", blank=True, related_name="working_groups"
    )
    active_from = models.DateField()
    active_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["acronym"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_until__gte=models.F("active_from")),
                name="working_group_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.acronym

    def is_active_on(self, day: object) -> bool:
        return self.active_from <= day and (  # type: ignore[operator]
            self.active_until is None or day <= self.active_until  # type: ignore[operator]
        )


class ExpertReferral(models.Model):
    """ToR I.2 (ii): an issue referred to an existing expert group outside ISECG for
    analysis and advice, with its outcome."""

    issue = models.CharField(max_length=300)
    expert_group = models.CharField(max_length=200, help_text="The external expert group.")
    working_group = models.ForeignKey(
        WorkingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    referred_on = models.DateField()
    outcome = models.TextField(blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-referred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.issue} -> {self.expert_group}"


# --- Products --------------------------------------------------------------------------


class ProductKind(models.TextChoices):
    ROADMAP = "roadmap", "Roadmap"
    FINDING = "finding", "Finding"
    RECOMMENDATION = "recommendation", "Recommendation"
    REPORT = "report", "Report"
    WHITE_PAPER = "white_paper", "White paper"
    OTHER = "other", "Other"


class ProductState(models.TextChoices):
    DRAFTING = "drafting", "Drafting"
    AGENCY_REVIEW = "agency_review", "Agency review"
    PLENARY = "plenary", "Plenary"
    ENDORSED = "endorsed", "Endorsed"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


# ToR III.2.2: reviewed and endorsed within agencies, then endorsed by consensus.
PRODUCT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProductState.DRAFTING: frozenset({ProductState.AGENCY_REVIEW}),
    # Back to review when the plenary decision is blocked, lapses or is withdrawn.
    ProductState.AGENCY_REVIEW: frozenset({ProductState.PLENARY}),
    ProductState.PLENARY: frozenset({ProductState.ENDORSED, ProductState.AGENCY_REVIEW}),
    ProductState.ENDORSED: frozenset({ProductState.PUBLISHED, ProductState.SUPERSEDED}),
    ProductState.PUBLISHED: frozenset({ProductState.SUPERSEDED}),
    ProductState.SUPERSEDED: frozenset(),
}

# States in which a new version may be uploaded.
UPLOAD_STATES = frozenset({ProductState.DRAFTING, ProductState.AGENCY_REVIEW})


def product_transition_allowed(before: str, after: str) -> bool:
    return after in PRODUCT_TRANSITIONS.get(before, frozenset())


class Product(models.Model):
    """An ISECG product: non-binding findings, recommendations and outputs (ToR I.2)."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=250)
    kind = models.CharField(max_length=20, choices=ProductKind.choices, db_index=True)
    summary = models.TextField(blank=True)
    working_group = models.ForeignKey(
        WorkingGroup, on_delete=models.PROTECT, related_name="products"
    )
    participating_agencies = models.ManyToManyField(
        "agencies.Agency",
        related_name="products",
        help_text="seeds/003: the product-participating agencies, who endorse it internally.",
    )
    state = models.CharField(
        max_length=20, choices=ProductState.choices, default=ProductState.DRAFTING, db_index=True
    )
    non_binding_notice = models.TextField(default=NON_BINDING_NOTICE)
    endorsed_version = models.ForeignKey(
        "ProductVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["endorsed", "published"])
                | Q(endorsed_version__isnull=False),
                name="product_endorsed_has_version",
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="product_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.published_at is not None


def version_upload_to(instance: ProductVersion, filename: str) -> str:
    """A non-guessable path; the original name is kept on the row, never in the path."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"products/{secrets.token_urlsafe(24)}{suffix}"


class ProductVersion(AppendOnlyModel):
    """An immutable upload of a product (PDF or office document) with its changelog."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=version_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    file_format = models.CharField(max_length=10, help_text="pdf, docx, xlsx, pptx, odt ...")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    changelog = models.TextField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "number"], name="product_version_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} v{self.number}"


class ReviewRound(models.Model):
    """One agency-review round: the version under review and its comment deadline."""

    version = models.OneToOneField(
        ProductVersion, on_delete=models.PROTECT, related_name="review_round"
    )
    comment_deadline = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Review of {self.version}"


class Comment(models.Model):
    """A comment by an agency (or the secretariat) on a version; replies form a thread."""

    version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the secretariat.",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.version_id}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


def endorsement_evidence_upload_to(instance: Endorsement, filename: str) -> str:
    """A non-guessable path; the original name is kept on the row, never in the path."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"products/endorsements/{secrets.token_urlsafe(24)}{suffix}"


class Endorsement(AppendOnlyModel):
    """ToR III.2.2: an agency's internal endorsement of one version at the appropriate
    managerial level.

    Recorded by the agency's representative, or by the secretariat on the agency's behalf
    from what the agency sent (`on_behalf`, ToR IV): then `evidence` describes the document
    or email received, and the file itself may be attached (`evidence_file`).
    """

    version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="endorsements"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    endorser_name = models.CharField(max_length=200)
    managerial_level = models.CharField(max_length=200, help_text="Managerial level or title.")
    endorsed_on = models.DateField()
    evidence = models.TextField(help_text="Reference to the record of the internal endorsement.")
    on_behalf = models.BooleanField(
        default=False,
        help_text="Recorded by the secretariat on the agency's behalf, from what it sent.",
    )
    evidence_file = models.FileField(
        upload_to=endorsement_evidence_upload_to,
        blank=True,
        max_length=200,
        help_text="The document or email received (on-behalf records only).",
    )
    evidence_file_name = models.CharField(max_length=200, blank=True)
    evidence_file_type = models.CharField(max_length=120, blank=True)
    evidence_file_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "agency__acronym"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "agency"], name="endorsement_once_per_version_agency"
            ),
            models.CheckConstraint(
                condition=Q(on_behalf=False) | ~Q(evidence=""),
                name="endorsement_on_behalf_has_evidence",
            ),
            models.CheckConstraint(
                condition=Q(on_behalf=True) | Q(evidence_file=""),
                name="endorsement_file_only_on_behalf",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} endorsed {self.version_id}"


class EndorsementWaiver(AppendOnlyModel):
    """History only: a waiver of one agency's endorsement, recorded before issue 12.

    ToR III.2.2: products are endorsed within Participating Agencies, then by consensus.
    A waiver never stood in for an agency's endorsement under that sentence, so waivers are
    no longer recorded and no longer count towards a submission. The rows recorded before
    stay, read-only, as data of record.
    """

    version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="waivers")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waived_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "agency__acronym"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "agency"], name="waiver_once_per_version_agency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} waived for {self.version_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnlyError(
            "Endorsement waivers are no longer recorded (ToR III.2.2); the old rows are history."
        )


# --- The annual workplan (ToR III.2.2) ---------------------------------------------------


class WorkplanState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Before the plenary"
    ADOPTED = "adopted", "Adopted"


WORKPLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    WorkplanState.DRAFT: frozenset({WorkplanState.PROPOSED}),
    WorkplanState.PROPOSED: frozenset({WorkplanState.ADOPTED, WorkplanState.DRAFT}),
    WorkplanState.ADOPTED: frozenset(),
}


class Workplan(models.Model):
    """ToR III.2.2: ISECG establishes its annual workplan, adopted by consensus."""

    year = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=WorkplanState.choices, default=WorkplanState.DRAFT
    )
    adopted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"Workplan {self.year}"


class WorkplanItemStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DEFERRED = "deferred", "Deferred"
    DROPPED = "dropped", "Dropped"


class WorkplanItem(models.Model):
    workplan = models.ForeignKey(Workplan, on_delete=models.PROTECT, related_name="items")
    objective = models.TextField()
    working_group = models.ForeignKey(
        WorkingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="workplan_items"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="workplan_items"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=WorkplanItemStatus.choices, default=WorkplanItemStatus.PLANNED
    )
    progress_percent = models.PositiveSmallIntegerField(default=0)
    progress_note = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["workplan", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100), name="workplan_item_progress_max_100"
            ),
        ]

    def __str__(self) -> str:
        return self.objective[:80]


class WorkplanItemUpdate(AppendOnlyModel):
    """The progress history of a workplan item."""

    item = models.ForeignKey(WorkplanItem, on_delete=models.PROTECT, related_name="updates")
    status = models.CharField(max_length=12, choices=WorkplanItemStatus.choices)
    progress_percent = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item", "at", "id"]
