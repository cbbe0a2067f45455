"""Working groups, products, their review and endorsement, and the annual workplan.

The only code that changes products' data (STYLE.md "Services"). ToR I.2, III.2.2 and
seeds/003 ("all products are shared with all ISECG member agencies, throughout the
development process").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from agencies.models import Agency, AgencyStatus
from agencies.roles import is_chair, is_secretariat, represents
from agencies.selectors import representative_users
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import User
from isecg.services import audit_record, notification_send
from isecg.uploads import CheckedUpload
from products.models import (
    UPLOAD_STATES,
    WORKPLAN_TRANSITIONS,
    Comment,
    Endorsement,
    ExpertReferral,
    Product,
    ProductState,
    ProductVersion,
    ReviewRound,
    WorkingGroup,
    WorkingGroupKind,
    Workplan,
    WorkplanItem,
    WorkplanItemStatus,
    WorkplanItemUpdate,
    WorkplanState,
    product_transition_allowed,
)
from products.uploads import check_evidence_upload, check_upload

DEFAULT_PLENARY_DAYS = 14
# Paths of the products pages that a product slug must not shadow.
RESERVED_SLUGS = frozenset(
    {"new", "public", "groups", "workplan", "files", "comments", "endorsements"}
)


class EndorsementsMissing(ConflictError):
    """ToR III.2.2: submission needs every product-participating agency's internal
    endorsement. `missing` lists the acronyms still outstanding."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            "Endorsements are missing from: " + ", ".join(missing) + ".",
            code="endorsements_missing",
        )
        self.missing = missing


# --- roles -------------------------------------------------------------------------------


def _require_secretariat(actor: User | None, what: str) -> None:
    if actor is not None and not is_secretariat(actor):
        raise PermissionDeniedError(f"Only the secretariat may {what}.")


def _require_chair_or_secretariat(actor: User | None, what: str) -> None:
    if actor is not None and not (is_secretariat(actor) or is_chair(actor)):
        raise PermissionDeniedError(f"Only the chair or the secretariat may {what}.")


def _change_state(product: Product, after: str) -> str:
    before = product.state
    if not product_transition_allowed(before, after):
        raise ConflictError(
            f"The product is {product.get_state_display().lower()}; "
            f"it cannot become {ProductState(after).label.lower()}.",
            code="invalid_state",
        )
    product.state = after
    return before


def _lock_product(product: Product | int) -> Product:
    pk = product.pk if isinstance(product, Product) else product
    return Product.objects.select_for_update().get(pk=pk)


def _current_version(product: Product) -> ProductVersion | None:
    return product.versions.order_by("-number").first()


def _require_current(version: ProductVersion, product: Product) -> None:
    current = _current_version(product)
    if current is None or current.pk != version.pk:
        raise ConflictError(
            f"Version {version.number} has been superseded by version "
            f"{current.number if current else '?'}.",
            code="version_superseded",
        )


def _product_url(product: Product) -> str:
    return reverse("product-detail", kwargs={"slug": product.slug})


# --- working groups and expert referrals (ToR I.2) ---------------------------------------


def working_group_create(
    *,
    actor: User | None,
    name: str,
    acronym: str,
    kind: str,
    active_from: dt.date,
    mandate: str = "",
    lead_agency: Agency | None = None,
    member_agencies: Iterable[Agency] = (),
    active_until: dt.date | None = None,
) -> WorkingGroup:
    """ToR I.2 (i): establish an ad hoc working group, team or workshop. Secretariat only."""
    _require_secretariat(actor, "establish working groups")
    if kind not in WorkingGroupKind.values:
        raise ValidationFailed("Unknown kind of group.", code="invalid_kind", field="kind")
    if active_until is not None and active_until < active_from:
        raise ValidationFailed(
            "The group cannot end before it starts.", code="invalid_period", field="active_until"
        )
    acronym = acronym.strip()
    if not acronym:
        raise ValidationFailed("An acronym is required.", code="required", field="acronym")
    members = list(member_agencies)
    with transaction.atomic():
        existing = WorkingGroup.objects.filter(acronym__iexact=acronym).first()
        if existing is not None:
            if existing.name == name.strip():
                return existing
            raise ValidationFailed(
                f"A group with the acronym {acronym!r} already exists.",
                code="duplicate_acronym",
                field="acronym",
            )
        group = WorkingGroup.objects.create(
            name=name.strip(),
            acronym=acronym,
            kind=kind,
            mandate=mandate,
            lead_agency=lead_agency,
            active_from=active_from,
            active_until=active_until,
        )
        if lead_agency is not None and lead_agency not in members:
            members.append(lead_agency)
        group.member_agencies.set(members)
        audit_record(
            actor=actor,
            action="working_group.created",
            obj=group,
            data={
                "kind": kind,
                "lead": lead_agency.acronym if lead_agency else None,
                "members": sorted(a.acronym for a in members),
            },
        )
    return group


def expert_referral_create(
    *,
    actor: User | None,
    issue: str,
    expert_group: str,
    referred_on: dt.date,
    working_group: WorkingGroup | None = None,
) -> ExpertReferral:
    """ToR I.2 (ii): refer an issue to an existing expert group outside ISECG."""
    _require_chair_or_secretariat(actor, "refer issues to expert groups")
    if not issue.strip() or not expert_group.strip():
        raise ValidationFailed(
            "Name the issue and the expert group.", code="required", field="issue"
        )
    with transaction.atomic():
        referral = ExpertReferral.objects.create(
            issue=issue.strip(),
            expert_group=expert_group.strip(),
            referred_on=referred_on,
            working_group=working_group,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="expert_referral.created",
            obj=referral,
            data={"expert_group": referral.expert_group},
        )
    return referral


def expert_referral_outcome_record(
    *, actor: User | None, referral: ExpertReferral, outcome: str, outcome_on: dt.date
) -> ExpertReferral:
    """ToR I.2 (ii): record the analysis and advice the expert group returned."""
    _require_chair_or_secretariat(actor, "record referral outcomes")
    if not outcome.strip():
        raise ValidationFailed("Describe the outcome.", code="required", field="outcome")
    with transaction.atomic():
        referral = ExpertReferral.objects.select_for_update().get(pk=referral.pk)
        if referral.outcome == outcome.strip() and referral.outcome_on == outcome_on:
            return referral
        before = {"outcome": referral.outcome, "outcome_on": str(referral.outcome_on or "")}
        referral.outcome = outcome.strip()
        referral.outcome_on = outcome_on
        referral.save(update_fields=["outcome", "outcome_on"])
        audit_record(
            actor=actor,
            action="expert_referral.outcome_recorded",
            obj=referral,
            data={
                "before": before,
                "after": {"outcome": referral.outcome, "outcome_on": str(outcome_on)},
            },
        )
    return referral


# --- products ----------------------------------------------------------------------------


def _unique_slug(title: str) -> str:
    base = slugify(title)[:70] or "product"
    if base in RESERVED_SLUGS:
        base = f"{base}-product"
    slug, n = base, 2
    while Product.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def product_create(
    *,
    actor: User | None,
    title: str,
    kind: str,
    working_group: WorkingGroup,
    participating_agencies: Iterable[Agency],
    summary: str = "",
    slug: str = "",
) -> Product:
    """ToR I.2: start a non-binding product. The chair or the secretariat opens it."""
    _require_chair_or_secretariat(actor, "start products")
    from products.models import ProductKind

    if kind not in ProductKind.values:
        raise ValidationFailed("Unknown kind of product.", code="invalid_kind", field="kind")
    if not title.strip():
        raise ValidationFailed("A title is required.", code="required", field="title")
    agencies = list(participating_agencies)
    if not agencies:
        raise ValidationFailed(
            "Name at least one product-participating agency.",
            code="required",
            field="participating_agencies",
        )
    not_members = sorted(a.acronym for a in agencies if a.status != AgencyStatus.PARTICIPATING)
    if not_members:
        raise ValidationFailed(
            "Only participating agencies take part in products: " + ", ".join(not_members),
            code="not_participating",
            field="participating_agencies",
        )
    with transaction.atomic():
        if slug:
            existing = Product.objects.filter(slug=slug).first()
            if existing is not None:
                return existing
        product = Product.objects.create(
            slug=slug or _unique_slug(title),
            title=title.strip(),
            kind=kind,
            summary=summary,
            working_group=working_group,
            created_by=actor,
        )
        product.participating_agencies.set(agencies)
        audit_record(
            actor=actor,
            action="product.created",
            obj=product,
            data={
                "kind": kind,
                "working_group": working_group.acronym,
                "participants": sorted(a.acronym for a in agencies),
            },
        )
    return product


def product_version_upload(
    *,
    actor: User | None,
    product: Product,
    file: IO[bytes],
    filename: str,
    changelog: str,
    size: int | None = None,
) -> ProductVersion:
    """Upload a new immutable version (PDF or office document) with its changelog.

    The secretariat or a representative of a product-participating agency uploads.
    During agency review a new version opens a new review round: endorsements are of
    a specific version and do not carry over.
    """
    if not changelog.strip():
        raise ValidationFailed("Describe what changed.", code="required", field="changelog")
    checked = check_upload(file, size=size)
    with transaction.atomic():
        product = _lock_product(product)
        if actor is not None and not is_secretariat(actor):
            participant_ids = set(product.participating_agencies.values_list("pk", flat=True))
            from agencies.roles import represented_agency_ids

            if not participant_ids & represented_agency_ids(actor):
                raise PermissionDeniedError(
                    "Only the secretariat or a product-participating agency uploads versions.",
                    code="not_product_participant",
                )
        if product.state not in UPLOAD_STATES:
            raise ConflictError(
                f"The product is {product.get_state_display().lower()}; "
                "new versions are uploaded while drafting or in agency review.",
                code="invalid_state",
            )
        number = (product.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        file.seek(0)
        version = ProductVersion(
            product=product,
            number=number,
            original_name=filename[-200:] or f"version-{number}.{checked.file_format}",
            content_type=checked.content_type,
            file_format=checked.file_format,
            size=checked.size,
            sha256=checked.sha256,
            page_count=checked.page_count,
            changelog=changelog.strip(),
            uploaded_by=actor,
        )
        version.file.save(f"upload.{checked.file_format}", File(file), save=False)
        version.save()
        if product.state == ProductState.AGENCY_REVIEW:
            ReviewRound.objects.create(version=version, opened_by=actor)
        audit_record(
            actor=actor,
            action="product.version_uploaded",
            obj=product,
            data={"version": number, "format": checked.file_format, "sha256": checked.sha256},
        )
    return version


def product_review_start(
    *, actor: User | None, product: Product, comment_deadline: dt.datetime | None = None
) -> Product:
    """Open agency review of the latest version (ToR III.2.2: reviewed within agencies)."""
    _require_chair_or_secretariat(actor, "open agency review")
    with transaction.atomic():
        product = _lock_product(product)
        if product.state == ProductState.AGENCY_REVIEW:
            return product
        version = _current_version(product)
        if version is None:
            raise ConflictError("Upload a version before opening review.", code="no_version")
        before = _change_state(product, ProductState.AGENCY_REVIEW)
        product.save(update_fields=["state"])
        ReviewRound.objects.get_or_create(
            version=version, defaults={"opened_by": actor, "comment_deadline": comment_deadline}
        )
        audit_record(
            actor=actor,
            action="product.review_started",
            obj=product,
            data={"before": before, "after": product.state, "version": version.number},
        )
        recipients = list(
            representative_users(product.participating_agencies.values_list("pk", flat=True))
        )
        notification_send(
            kind="product.review_opened",
            recipients=recipients,
            key=f"product:{product.pk}:review:v{version.number}",
            title=f"Agency review opened: {product.title}",
            body=f"Version {version.number} is open for review and internal endorsement.",
            url=_product_url(product),
        )
    return product


def review_deadline_set(
    *, actor: User | None, version: ProductVersion, comment_deadline: dt.datetime | None
) -> ReviewRound:
    """Set (or clear) the comment deadline of a review round."""
    _require_chair_or_secretariat(actor, "set comment deadlines")
    if comment_deadline is not None and timezone.is_naive(comment_deadline):
        raise ValidationFailed(
            "A deadline is an instant: give its time zone.",
            code="naive_datetime",
            field="comment_deadline",
        )
    with transaction.atomic():
        product = _lock_product(version.product_id)
        if product.state != ProductState.AGENCY_REVIEW:
            raise ConflictError("The product is not in agency review.", code="invalid_state")
        _require_current(version, product)
        round_, _ = ReviewRound.objects.select_for_update().get_or_create(
            version=version, defaults={"opened_by": actor}
        )
        if round_.comment_deadline == comment_deadline:
            return round_
        before = round_.comment_deadline
        round_.comment_deadline = comment_deadline
        round_.save(update_fields=["comment_deadline"])
        audit_record(
            actor=actor,
            action="product.comment_deadline_set",
            obj=product,
            data={
                "version": version.number,
                "before": before.isoformat() if before else None,
                "after": comment_deadline.isoformat() if comment_deadline else None,
            },
        )
    return round_


def comment_add(
    *,
    actor: User,
    version: ProductVersion,
    body: str,
    agency: Agency | None = None,
    parent: Comment | None = None,
) -> Comment:
    """seeds/003: every participating agency may comment on every draft.

    The author speaks for an agency they represent (ToR III.2.1), or as the secretariat
    (no agency). Agencies that are not participating in ISECG may not comment.
    """
    if not body.strip():
        raise ValidationFailed("The comment is empty.", code="required", field="body")
    if agency is None:
        if not is_secretariat(actor):
            raise PermissionDeniedError(
                "Comment for an agency you represent.", code="not_your_agency"
            )
    else:
        if agency.status != AgencyStatus.PARTICIPATING:
            raise PermissionDeniedError(
                f"{agency.acronym} is not a participating agency.", code="not_participating"
            )
        if not represents(actor, agency):
            raise PermissionDeniedError(
                f"You do not represent {agency.acronym}.", code="not_your_agency"
            )
    with transaction.atomic():
        product = _lock_product(version.product_id)
        if product.state not in UPLOAD_STATES:
            raise ConflictError("Comments are closed for this product.", code="invalid_state")
        round_ = ReviewRound.objects.filter(version=version).first()
        if round_ and round_.comment_deadline and timezone.now() > round_.comment_deadline:
            raise ConflictError(
                "The comment deadline of this review round has passed.",
                code="comment_deadline_passed",
            )
        if parent is not None:
            if parent.version_id != version.pk:
                raise ValidationFailed(
                    "A reply belongs to the same version.", code="invalid_parent", field="parent"
                )
            parent = parent.parent or parent  # threads are one level deep
        comment = Comment.objects.create(
            version=version, parent=parent, agency=agency, author=actor, body=body.strip()
        )
        audit_record(
            actor=actor,
            action="product.comment_added",
            obj=product,
            data={
                "comment": comment.pk,
                "version": version.number,
                "agency": agency.acronym if agency else None,
                "parent": parent.pk if parent else None,
            },
        )
    return comment


def comment_resolve(*, actor: User, comment: Comment, resolved: bool = True) -> Comment:
    """Mark a comment thread resolved (or reopen it): the commenting agency, the product's
    participating agencies (its authors), the chair or the secretariat."""
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("agency")
            .get(pk=comment.pk)
        )
        allowed = is_secretariat(actor) or is_chair(actor) or comment.author_id == actor.pk
        if not allowed and comment.agency is not None:
            allowed = represents(actor, comment.agency)
        if not allowed:
            from agencies.roles import represented_agency_ids

            product = Product.objects.get(versions=comment.version_id)
            authors = set(product.participating_agencies.values_list("pk", flat=True))
            allowed = bool(authors & represented_agency_ids(actor))
        if not allowed:
            raise PermissionDeniedError(
                "Only the commenting agency, the product's participating agencies, the chair "
                "or the secretariat resolve a comment."
            )
        if comment.is_resolved == resolved:
            return comment
        comment.resolved_at = timezone.now() if resolved else None
        comment.resolved_by = actor if resolved else None
        comment.save(update_fields=["resolved_at", "resolved_by"])
        audit_record(
            actor=actor,
            action="product.comment_resolved" if resolved else "product.comment_reopened",
            obj=comment,
        )
    return comment


def _review_version(product: Product, version: ProductVersion) -> None:
    if product.state != ProductState.AGENCY_REVIEW:
        raise ConflictError(
            f"The product is {product.get_state_display().lower()}, not in agency review.",
            code="invalid_state",
        )
    _require_current(version, product)


def _require_product_participant(product: Product, agency: Agency) -> None:
    if not product.participating_agencies.filter(pk=agency.pk).exists():
        raise ConflictError(
            f"{agency.acronym} is not a participating agency of this product.",
            code="not_product_participant",
        )


ENDORSEMENT_EVIDENCE_MAX = 2000


def _endorsement_fields(
    *, endorser_name: str, managerial_level: str, endorsed_on: dt.date, evidence: str
) -> dict[str, str]:
    values = {
        "endorser_name": endorser_name.strip(),
        "managerial_level": managerial_level.strip(),
        "evidence": evidence.strip(),
    }
    for field, value in values.items():
        if not value:
            raise ValidationFailed("This field is required.", code="required", field=field)
    if len(values["evidence"]) > ENDORSEMENT_EVIDENCE_MAX:
        raise ValidationFailed(
            f"Keep the evidence under {ENDORSEMENT_EVIDENCE_MAX} characters.",
            code="too_long",
            field="evidence",
        )
    if endorsed_on > timezone.localdate():
        raise ValidationFailed(
            "An endorsement cannot be dated in the future.",
            code="future_date",
            field="endorsed_on",
        )
    return values


def _endorsement_create(
    *,
    actor: User | None,
    version: ProductVersion,
    agency: Agency,
    endorsed_on: dt.date,
    values: dict[str, str],
    on_behalf: bool,
    evidence_file: IO[bytes] | None = None,
    evidence_filename: str = "",
    checked: CheckedUpload | None = None,
) -> Endorsement:
    """Write one endorsement under the product's lock; a second one for the same version
    and agency is a no-op that returns the first."""
    with transaction.atomic():
        product = _lock_product(version.product_id)
        existing = Endorsement.objects.filter(version=version, agency=agency).first()
        if existing is not None:
            return existing
        _review_version(product, version)
        _require_product_participant(product, agency)
        endorsement = Endorsement(
            version=version,
            agency=agency,
            endorsed_on=endorsed_on,
            on_behalf=on_behalf,
            recorded_by=actor,
            **values,
        )
        if evidence_file is not None and checked is not None:
            evidence_file.seek(0)
            endorsement.evidence_file_name = (
                evidence_filename[-200:] or f"evidence.{checked.file_format}"
            )
            endorsement.evidence_file_type = checked.content_type
            endorsement.evidence_file_sha256 = checked.sha256
            endorsement.evidence_file.save(
                f"evidence.{checked.file_format}", File(evidence_file), save=False
            )
        endorsement.save()
        audit_record(
            actor=actor,
            action=(
                "product.endorsement_recorded_on_behalf"
                if on_behalf
                else "product.endorsed_by_agency"
            ),
            obj=product,
            data={
                "version": version.number,
                "agency": agency.acronym,
                "level": endorsement.managerial_level,
                "endorsed_on": endorsed_on.isoformat(),
                "on_behalf": on_behalf,
                "evidence": endorsement.evidence,
                "evidence_file_sha256": endorsement.evidence_file_sha256 or None,
            },
        )
        if on_behalf:
            notification_send(
                kind="product.endorsement_recorded_on_behalf",
                recipients=list(representative_users([agency.pk])),
                key=f"endorsement:{endorsement.pk}:on_behalf",
                title=f"Endorsement recorded for {agency.acronym}: {product.title}",
                body=(
                    f"The secretariat recorded {agency.acronym}'s internal endorsement of "
                    f"version {version.number} on its behalf, from: {endorsement.evidence}"
                ),
                url=_product_url(product),
            )
    return endorsement


def endorsement_record(
    *,
    actor: User | None,
    version: ProductVersion,
    agency: Agency,
    endorser_name: str,
    managerial_level: str,
    endorsed_on: dt.date,
    evidence: str,
) -> Endorsement:
    """ToR III.2.2: products are reviewed and endorsed within Participating Agencies at the
    appropriate managerial level. A representative of the agency (ToR III.2.1) records its
    endorsement of one version; the secretariat uses endorsement_record_on_behalf."""
    if actor is not None and not represents(actor, agency):
        raise PermissionDeniedError(
            f"You do not represent {agency.acronym}. The secretariat records an agency's "
            "endorsement on its behalf, with evidence of what the agency sent.",
            code="not_your_agency",
        )
    values = _endorsement_fields(
        endorser_name=endorser_name,
        managerial_level=managerial_level,
        endorsed_on=endorsed_on,
        evidence=evidence,
    )
    return _endorsement_create(
        actor=actor,
        version=version,
        agency=agency,
        endorsed_on=endorsed_on,
        values=values,
        on_behalf=False,
    )


def endorsement_record_on_behalf(
    *,
    actor: User | None,
    version: ProductVersion,
    agency: Agency,
    endorser_name: str,
    managerial_level: str,
    endorsed_on: dt.date,
    evidence: str,
    evidence_file: IO[bytes] | None = None,
    evidence_filename: str = "",
    evidence_size: int | None = None,
) -> Endorsement:
    """ToR III.2.2 (endorsed within each Participating Agency) and ToR IV (the secretariat
    supports ISECG): the secretariat records an agency's internal endorsement that the agency
    sent by other means. Evidence is required: `evidence` describes the document or email
    received (e.g. "letter from the head of delegation, 3 May"); the file itself may be
    attached (a PDF or office document, checked by content). The endorsement is marked as
    recorded on the agency's behalf, with who recorded it, and the agency is told."""
    if actor is not None and not is_secretariat(actor):
        raise PermissionDeniedError(
            "Only the secretariat records an endorsement on an agency's behalf.",
            code="not_secretariat",
        )
    values = _endorsement_fields(
        endorser_name=endorser_name,
        managerial_level=managerial_level,
        endorsed_on=endorsed_on,
        evidence=evidence,
    )
    checked = (
        check_evidence_upload(evidence_file, size=evidence_size)
        if evidence_file is not None
        else None
    )
    return _endorsement_create(
        actor=actor,
        version=version,
        agency=agency,
        endorsed_on=endorsed_on,
        values=values,
        on_behalf=True,
        evidence_file=evidence_file,
        evidence_filename=evidence_filename,
        checked=checked,
    )


def missing_endorsements(product: Product, version: ProductVersion) -> list[Agency]:
    """ToR III.2.2: the product-participating agencies that have not endorsed the version
    internally. Nothing stands in for an endorsement (the waivers of old are history)."""
    done = set(Endorsement.objects.filter(version=version).values_list("agency_id", flat=True))
    return [a for a in product.participating_agencies.order_by("acronym") if a.pk not in done]


def product_submit_to_plenary(
    *,
    actor: User | None,
    version: ProductVersion,
    deadline: dt.datetime | None = None,
    procedure: str = "explicit",
) -> Product:
    """ToR III.2.2: once endorsed within every product-participating agency, the chair or
    the secretariat submits the version to ISECG, which endorses it by consensus."""
    from consensus.services import decision_open

    _require_chair_or_secretariat(actor, "submit products to the plenary")
    deadline = deadline or timezone.now() + dt.timedelta(days=DEFAULT_PLENARY_DAYS)
    with transaction.atomic():
        product = _lock_product(version.product_id)
        if product.state == ProductState.PLENARY:
            return product
        _review_version(product, version)
        missing = missing_endorsements(product, version)
        if missing:
            raise EndorsementsMissing([a.acronym for a in missing])
        before = _change_state(product, ProductState.PLENARY)
        product.save(update_fields=["state"])
        decision = decision_open(
            actor=actor,
            kind="product",
            title=f"Endorsement of {product.title} (version {version.number})",
            text=(
                f"ISECG endorses **{product.title}**, version {version.number}, "
                f"as reviewed and endorsed within its participating agencies "
                f"(ToR III.2.2).\n\n{product.non_binding_notice}"
            ),
            deadline=deadline,
            procedure=procedure,
            subject=version,
        )
        audit_record(
            actor=actor,
            action="product.submitted_to_plenary",
            obj=product,
            data={
                "before": before,
                "after": product.state,
                "version": version.number,
                "decision": decision.pk,
            },
        )
    return product


def product_plenary_adopted(*, version_id: int, at: dt.datetime) -> Product:
    """ToR III.2.2: the plenary endorsed the version by consensus: the product is endorsed,
    provided every product-participating agency has endorsed the version internally (else it
    goes back to agency review). Runs inside the transaction that closes the decision."""
    version = ProductVersion.objects.get(pk=version_id)
    product = _lock_product(version.product_id)
    if product.state == ProductState.ENDORSED and product.endorsed_version_id == version.pk:
        return product
    current = _current_version(product)
    if product.state == ProductState.AGENCY_REVIEW and current and current.pk == version.pk:
        # A new round of a blocked decision on the same version was adopted.
        _change_state(product, ProductState.PLENARY)
    if product.state != ProductState.PLENARY or current is None or current.pk != version.pk:
        audit_record(
            actor=None,
            action="product.plenary_adoption_ignored",
            obj=product,
            data={"state": product.state, "version": version.number},
        )
        return product
    missing = missing_endorsements(product, version)
    if missing:
        # ToR III.2.2: endorsed within every agency first. A round opened on a version that
        # a waiver of old let through goes back to review until each agency has endorsed.
        before = _change_state(product, ProductState.AGENCY_REVIEW)
        product.save(update_fields=["state"])
        audit_record(
            actor=None,
            action="product.plenary_adoption_refused",
            obj=product,
            data={
                "before": before,
                "after": product.state,
                "version": version.number,
                "missing": [a.acronym for a in missing],
            },
        )
        return product
    before = _change_state(product, ProductState.ENDORSED)
    product.endorsed_version = version
    product.endorsed_at = at
    product.save(update_fields=["state", "endorsed_version", "endorsed_at"])
    audit_record(
        actor=None,
        action="product.endorsed",
        obj=product,
        data={"before": before, "after": product.state, "version": version.number},
    )
    notification_send(
        kind="product.endorsed",
        recipients=list(
            representative_users(product.participating_agencies.values_list("pk", flat=True))
        ),
        key=f"product:{product.pk}:endorsed:v{version.number}",
        title=f"Endorsed by ISECG: {product.title}",
        body=f"Version {version.number} was endorsed by consensus.",
        url=_product_url(product),
    )
    return product


def product_plenary_not_adopted(*, version_id: int, outcome: str) -> Product:
    """The plenary did not endorse the version: back to agency review for a new round."""
    version = ProductVersion.objects.get(pk=version_id)
    product = _lock_product(version.product_id)
    if product.state != ProductState.PLENARY:
        return product
    before = _change_state(product, ProductState.AGENCY_REVIEW)
    product.save(update_fields=["state"])
    audit_record(
        actor=None,
        action="product.plenary_not_adopted",
        obj=product,
        data={"before": before, "after": product.state, "outcome": outcome},
    )
    return product


def product_publish(
    *, actor: User | None, product: Product, published_on: dt.date | None = None
) -> Product:
    """Publish an endorsed product: it gets a public page for anonymous visitors."""
    _require_secretariat(actor, "publish products")
    with transaction.atomic():
        product = _lock_product(product)
        if product.state == ProductState.PUBLISHED:
            return product
        before = _change_state(product, ProductState.PUBLISHED)
        product.published_at = timezone.now()
        product.published_on = published_on or timezone.localdate()
        product.save(update_fields=["state", "published_at", "published_on"])
        audit_record(
            actor=actor,
            action="product.published",
            obj=product,
            data={"before": before, "after": product.state},
        )
    return product


def product_supersede(*, actor: User | None, product: Product, by: Product) -> Product:
    """A later edition replaces this product. A published one stays public, marked superseded.

    ToR III.2.2: only an edition endorsed by consensus replaces an endorsed product, so the
    successor must have an endorsed version; a draft cannot take a product off the record.
    """
    _require_secretariat(actor, "mark products superseded")
    if by.pk == product.pk:
        raise ValidationFailed("A product cannot supersede itself.", code="invalid", field="by")
    if by.endorsed_version_id is None:
        raise ValidationFailed(
            f"{by.title} is not endorsed by ISECG; only an endorsed edition supersedes.",
            code="successor_not_endorsed",
            field="by",
        )
    with transaction.atomic():
        product = _lock_product(product)
        if product.state == ProductState.SUPERSEDED and product.superseded_by_id == by.pk:
            return product
        before = _change_state(product, ProductState.SUPERSEDED)
        product.superseded_by = by
        product.save(update_fields=["state", "superseded_by"])
        audit_record(
            actor=actor,
            action="product.superseded",
            obj=product,
            data={"before": before, "after": product.state, "by": by.slug},
        )
    return product


def product_record_published(
    *,
    actor: User | None,
    product: Product,
    file: IO[bytes],
    filename: str,
    published_on: dt.date,
    note: str,
) -> Product:
    """Record a product endorsed and published before this system existed (e.g. the GER
    editions since 2011): its published document becomes version 1. Secretariat only."""
    _require_secretariat(actor, "record past products")
    with transaction.atomic():
        product = _lock_product(product)
        if product.published_at is not None:
            return product
        if product.state != ProductState.DRAFTING or product.versions.exists():
            raise ConflictError(
                "Only a new product without versions is recorded as published.",
                code="invalid_state",
            )
        version = product_version_upload(
            actor=actor, product=product, file=file, filename=filename, changelog=note
        )
        moment = dt.datetime.combine(published_on, dt.time(12), tzinfo=dt.UTC)
        product.state = ProductState.PUBLISHED
        product.endorsed_version = version
        product.endorsed_at = moment
        product.published_at = moment
        product.published_on = published_on
        product.save(
            update_fields=[
                "state",
                "endorsed_version",
                "endorsed_at",
                "published_at",
                "published_on",
            ]
        )
        audit_record(
            actor=actor,
            action="product.recorded_published",
            obj=product,
            data={"published_on": published_on.isoformat(), "note": note},
        )
    return product


# --- reminders (Celery beat) ---------------------------------------------------------------


def endorsement_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Weekly: remind the representatives of every product-participating agency whose
    internal endorsement of the version under review is pending (ToR III.2.2).

    The key names the ISO week, so a sweep that runs daily (or twice) sends once a week.
    """
    now = now or timezone.now()
    year, week, _ = now.isocalendar()
    sent = 0
    products = Product.objects.filter(state=ProductState.AGENCY_REVIEW).prefetch_related(
        "participating_agencies"
    )
    for product in products:
        try:
            with transaction.atomic():
                version = _current_version(product)
                if version is None:
                    continue
                for agency in missing_endorsements(product, version):
                    sent += len(
                        notification_send(
                            kind="product.endorsement_reminder",
                            recipients=list(representative_users([agency.pk])),
                            key=(
                                f"product:{product.pk}:v{version.number}:{agency.acronym}"
                                f":endorsement:{year}-W{week:02d}"
                            ),
                            title=f"Endorsement pending: {product.title}",
                            body=(
                                f"{agency.acronym} has not yet recorded its internal "
                                f"endorsement of version {version.number} (ToR III.2.2)."
                            ),
                            url=_product_url(product),
                        )
                    )
        except Exception:  # one product's failure must not stop the sweep
            import logging

            logging.getLogger(__name__).exception("endorsement reminder for %s", product.pk)
    return sent


COMMENT_DEADLINE_WARNING = dt.timedelta(days=3)


def comment_deadline_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind participating agencies' representatives once per review round when its
    comment deadline is less than three days away (the key names the deadline)."""
    now = now or timezone.now()
    sent = 0
    rounds = ReviewRound.objects.filter(
        comment_deadline__gt=now,
        comment_deadline__lte=now + COMMENT_DEADLINE_WARNING,
        version__product__state=ProductState.AGENCY_REVIEW,
    ).select_related("version__product")
    for round_ in rounds:
        version, product = round_.version, round_.version.product
        current = _current_version(product)
        if current is None or current.pk != version.pk:
            continue
        deadline = round_.comment_deadline
        assert deadline is not None
        sent += len(
            notification_send(
                kind="product.comment_deadline",
                recipients=list(
                    representative_users(
                        Agency.objects.filter(status=AgencyStatus.PARTICIPATING).values_list(
                            "pk", flat=True
                        )
                    )
                ),
                key=f"review_round:{round_.pk}:deadline:{deadline.isoformat()}",
                title=f"Comments due soon: {product.title}",
                body=(
                    f"Comments on version {version.number} close at {deadline:%Y-%m-%d %H:%M} UTC."
                ),
                url=_product_url(product),
            )
        )
    return sent


# --- the annual workplan (ToR III.2.2) ---------------------------------------------------


def workplan_create(
    *, actor: User | None, year: int, title: str = "", summary: str = ""
) -> Workplan:
    """ToR III.2.2: ISECG establishes its annual workplan. The secretariat drafts it."""
    _require_secretariat(actor, "draft workplans")
    if not 2007 <= year <= 2100:
        raise ValidationFailed("Give a plausible year.", code="invalid_year", field="year")
    with transaction.atomic():
        existing = Workplan.objects.filter(year=year).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                workplan = Workplan.objects.create(
                    year=year,
                    title=title.strip() or f"ISECG workplan {year}",
                    summary=summary,
                    created_by=actor,
                )
        except IntegrityError:
            return Workplan.objects.get(year=year)
        audit_record(actor=actor, action="workplan.created", obj=workplan, data={"year": year})
    return workplan


def workplan_item_add(
    *,
    actor: User | None,
    workplan: Workplan,
    objective: str,
    working_group: WorkingGroup | None = None,
    product: Product | None = None,
    due_on: dt.date | None = None,
) -> WorkplanItem:
    """Add an objective to a draft workplan."""
    _require_chair_or_secretariat(actor, "edit workplans")
    if not objective.strip():
        raise ValidationFailed("State the objective.", code="required", field="objective")
    with transaction.atomic():
        workplan = Workplan.objects.select_for_update().get(pk=workplan.pk)
        if workplan.state != WorkplanState.DRAFT:
            raise ConflictError(
                "Items are added while the workplan is a draft.", code="invalid_state"
            )
        item = WorkplanItem.objects.create(
            workplan=workplan,
            objective=objective.strip(),
            working_group=working_group,
            product=product,
            due_on=due_on,
        )
        audit_record(
            actor=actor,
            action="workplan.item_added",
            obj=workplan,
            data={"item": item.pk, "objective": item.objective[:200]},
        )
    return item


def workplan_item_progress(
    *,
    actor: User | None,
    item: WorkplanItem,
    status: str,
    progress_percent: int,
    note: str = "",
) -> WorkplanItem:
    """Record progress on one item: the secretariat, the chair, or a representative of an
    agency in the owner working group."""
    if status not in WorkplanItemStatus.values:
        raise ValidationFailed("Unknown status.", code="invalid_status", field="status")
    if not 0 <= progress_percent <= 100:
        raise ValidationFailed(
            "Progress is a percentage.", code="invalid_progress", field="progress_percent"
        )
    with transaction.atomic():
        item = (
            WorkplanItem.objects.select_for_update(of=("self",))
            .select_related("working_group")
            .get(pk=item.pk)
        )
        if actor is not None and not (is_secretariat(actor) or is_chair(actor)):
            from agencies.roles import represented_agency_ids

            group = item.working_group
            member_ids = set(group.member_agencies.values_list("pk", flat=True)) if group else set()
            if not member_ids & represented_agency_ids(actor):
                raise PermissionDeniedError(
                    "Only the owner group's agencies, the chair or the secretariat report progress."
                )
        if (item.status, item.progress_percent, item.progress_note) == (
            status,
            progress_percent,
            note,
        ):
            return item
        before = {"status": item.status, "progress_percent": item.progress_percent}
        item.status = status
        item.progress_percent = progress_percent
        item.progress_note = note
        item.updated_at = timezone.now()
        item.save(update_fields=["status", "progress_percent", "progress_note", "updated_at"])
        WorkplanItemUpdate.objects.create(
            item=item, status=status, progress_percent=progress_percent, note=note, actor=actor
        )
        audit_record(
            actor=actor,
            action="workplan.item_progress",
            obj=item,
            data={
                "before": before,
                "after": {"status": status, "progress_percent": progress_percent},
            },
        )
    return item


def workplan_submit(
    *, actor: User | None, workplan: Workplan, deadline: dt.datetime | None = None
) -> Workplan:
    """ToR III.2.2: the annual workplan is adopted by consensus: open the decision."""
    from consensus.services import decision_open

    _require_chair_or_secretariat(actor, "submit workplans")
    deadline = deadline or timezone.now() + dt.timedelta(days=DEFAULT_PLENARY_DAYS)
    with transaction.atomic():
        workplan = Workplan.objects.select_for_update().get(pk=workplan.pk)
        if workplan.state == WorkplanState.PROPOSED:
            return workplan
        if WorkplanState.PROPOSED not in WORKPLAN_TRANSITIONS[workplan.state]:
            raise ConflictError("This workplan is already adopted.", code="invalid_state")
        if not workplan.items.exists():
            raise ConflictError("A workplan needs at least one item.", code="no_items")
        workplan.state = WorkplanState.PROPOSED
        workplan.save(update_fields=["state"])
        objectives = "\n".join(f"- {i.objective}" for i in workplan.items.all())
        decision = decision_open(
            actor=actor,
            kind="workplan",
            title=f"Adoption of the ISECG workplan {workplan.year}",
            text=f"ISECG adopts its annual workplan for {workplan.year} (ToR III.2.2):\n\n{objectives}",
            deadline=deadline,
            subject=workplan,
        )
        audit_record(
            actor=actor,
            action="workplan.submitted",
            obj=workplan,
            data={"decision": decision.pk},
        )
    return workplan


def workplan_decided(*, workplan_id: int, adopted: bool, at: dt.datetime, outcome: str) -> Workplan:
    """Runs inside the transaction that closes the workplan decision."""
    workplan = Workplan.objects.select_for_update().get(pk=workplan_id)
    if workplan.state != WorkplanState.PROPOSED:
        return workplan
    workplan.state = WorkplanState.ADOPTED if adopted else WorkplanState.DRAFT
    workplan.adopted_at = at if adopted else None
    workplan.save(update_fields=["state", "adopted_at"])
    audit_record(
        actor=None,
        action="workplan.adopted" if adopted else "workplan.not_adopted",
        obj=workplan,
        data={"outcome": outcome},
    )
    return workplan
