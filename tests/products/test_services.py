"""The product lifecycle through services: drafting to published (ToR III.2.2)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from consensus.models import Decision, DecisionState, Outcome
from consensus.services import decision_close_if_due, decision_open, position_cast
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import AppendOnlyError, AuditEvent, Notification
from products import selectors, services
from products.models import (
    PRODUCT_TRANSITIONS,
    Endorsement,
    EndorsementWaiver,
    Product,
    ProductState,
    ProductVersion,
    product_transition_allowed,
)
from tests.factories import AgencyFactory, make_representative
from tests.products.conftest import pdf_file, upload

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 21)


def endorse(version: Any, agency: Any, actor: Any) -> Any:
    return services.endorsement_record(
        actor=actor,
        version=version,
        agency=agency,
        endorser_name="Dr. A. Person",
        managerial_level="Associate Administrator",
        endorsed_on=TODAY,
        evidence="Memo 2026-11",
    )


def endorse_on_behalf(
    version: Any,
    agency: Any,
    actor: Any,
    *,
    evidence: str = "Email from the BBB head of delegation, 20 Nov",
    file: Any = None,
    filename: str = "",
) -> Any:
    return services.endorsement_record_on_behalf(
        actor=actor,
        version=version,
        agency=agency,
        endorser_name="Dr. B. Person",
        managerial_level="Director General",
        endorsed_on=TODAY,
        evidence=evidence,
        evidence_file=file,
        evidence_filename=filename,
    )


def test_transition_table_is_the_documented_lifecycle() -> None:
    assert product_transition_allowed("drafting", "agency_review")
    assert product_transition_allowed("agency_review", "plenary")
    assert product_transition_allowed("plenary", "endorsed")
    assert product_transition_allowed("endorsed", "published")
    assert product_transition_allowed("published", "superseded")
    assert not product_transition_allowed("drafting", "endorsed")
    assert not product_transition_allowed("agency_review", "published")
    assert PRODUCT_TRANSITIONS[ProductState.SUPERSEDED] == frozenset()


def test_full_lifecycle(users: dict[str, Any], product: Any, agency_a: Any, agency_b: Any) -> None:
    sec, rep_a, rep_b = users["secretariat"], users["rep_a"], users["rep_b"]
    v1 = upload(product, rep_a)
    assert v1.number == 1 and v1.file_format == "pdf" and v1.page_count == 1
    assert "draft.pdf" not in v1.file.name and v1.file.name.startswith("products/")
    services.product_review_start(actor=users["chair"], product=product)
    product.refresh_from_db()
    assert product.state == ProductState.AGENCY_REVIEW
    # comments in a thread, and resolving it
    comment = services.comment_add(actor=rep_b, version=v1, agency=agency_b, body="Fig. 2?")
    reply = services.comment_add(
        actor=rep_a, version=v1, agency=agency_a, body="Fixed.", parent=comment
    )
    assert reply.parent_id == comment.pk
    services.comment_resolve(actor=rep_b, comment=comment)
    comment.refresh_from_db()
    assert comment.is_resolved
    # a new version opens a new round; the old version is superseded
    endorse(v1, agency_a, rep_a)
    v2 = upload(product, rep_a, "Addressed comments.")
    with pytest.raises(ConflictError) as err:
        endorse(v1, agency_b, rep_b)
    assert err.value.code == "version_superseded" and err.value.status_code == 409
    endorse(v2, agency_a, rep_a)
    # submitting before every agency's endorsement: 409 listing the missing agency
    with pytest.raises(services.EndorsementsMissing) as missing:
        services.product_submit_to_plenary(actor=sec, version=v2)
    assert missing.value.missing == ["BBB"] and missing.value.status_code == 409
    # BBB sent its endorsement by email: the secretariat records it on its behalf
    on_behalf = endorse_on_behalf(v2, agency_b, sec)
    assert on_behalf.on_behalf and on_behalf.recorded_by == sec
    services.product_submit_to_plenary(actor=users["chair"], version=v2)
    product.refresh_from_db()
    assert product.state == ProductState.PLENARY
    decision = selectors.product_decisions(product)[0]
    assert decision.kind == "product" and decision.subject == v2
    # the plenary decides by consensus
    for user, agency in ((rep_a, agency_a), (rep_b, agency_b)):
        position_cast(actor=user, decision=decision, agency=agency, value="concur")
    chair_rep = users["chair"]
    from agencies.roles import agencies_represented

    position_cast(
        actor=chair_rep,
        decision=decision,
        agency=agencies_represented(chair_rep).get(),
        value="concur",
    )
    decision = decision_close_if_due(decision_id=decision.pk)
    assert decision.state == DecisionState.CLOSED and decision.outcome == Outcome.ADOPTED
    product.refresh_from_db()
    assert product.state == ProductState.ENDORSED and product.endorsed_version_id == v2.pk
    services.product_publish(actor=sec, product=product)
    product.refresh_from_db()
    assert product.state == ProductState.PUBLISHED and product.is_public
    assert list(selectors.products_visible_to(None)) == [product]
    assert selectors.version_for_download(None, v2.pk) == v2
    assert selectors.version_for_download(None, v1.pk) is None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"product.endorsed", "product.published", "product.submitted_to_plenary"} <= actions


def test_blocked_plenary_returns_to_review(
    users: dict[str, Any], product: Any, in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    sec = users["secretariat"]
    endorse(in_review, agency_a, users["rep_a"])
    endorse(in_review, agency_b, users["rep_b"])
    services.product_submit_to_plenary(actor=sec, version=in_review)
    decision = Decision.objects.get()
    position_cast(
        actor=users["rep_b"],
        decision=decision,
        agency=agency_b,
        value="object",
        statement="Chapter 3 overstates our plans.",
    )
    decision = decision_close_if_due(
        decision_id=decision.pk, now=decision.deadline + dt.timedelta(seconds=1)
    )
    assert decision.outcome == Outcome.BLOCKED
    product.refresh_from_db()
    assert product.state == ProductState.AGENCY_REVIEW
    v2 = upload(product, sec, "Chapter 3 revised.")
    assert v2.number == 2


def test_submit_is_idempotent_and_only_chair_or_secretariat(
    users: dict[str, Any], in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    endorse(in_review, agency_a, users["rep_a"])
    endorse(in_review, agency_b, users["rep_b"])
    with pytest.raises(PermissionDeniedError):
        services.product_submit_to_plenary(actor=users["rep_a"], version=in_review)
    services.product_submit_to_plenary(actor=users["secretariat"], version=in_review)
    services.product_submit_to_plenary(actor=users["secretariat"], version=in_review)
    assert Decision.objects.count() == 1


def test_representative_acts_only_for_own_agency(
    users: dict[str, Any], in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        endorse(in_review, agency_b, users["rep_a"])
    with pytest.raises(PermissionDeniedError):
        services.comment_add(actor=users["rep_a"], version=in_review, agency=agency_b, body="x")


def test_endorsement_is_idempotent(users: dict[str, Any], in_review: Any, agency_a: Any) -> None:
    first = endorse(in_review, agency_a, users["rep_a"])
    assert endorse(in_review, agency_a, users["rep_a"]) == first
    assert Endorsement.objects.count() == 1


def test_non_participating_agency_cannot_comment(users: dict[str, Any], in_review: Any) -> None:
    applicant = AgencyFactory(acronym="APP", status="applicant")
    user = make_representative(applicant, "rep.app")
    with pytest.raises(PermissionDeniedError) as err:
        services.comment_add(actor=user, version=in_review, agency=applicant, body="Hello")
    assert err.value.status_code == 403


def test_other_member_agency_may_comment_on_a_draft(users: dict[str, Any], in_review: Any) -> None:
    """seeds/003: all products are shared with all member agencies."""
    other = AgencyFactory(acronym="OTH")
    user = make_representative(other, "rep.oth")
    assert selectors.can_see_drafts(user)
    comment = services.comment_add(actor=user, version=in_review, agency=other, body="Looks good")
    assert comment.agency == other


def test_comment_deadline_closes_comments(
    users: dict[str, Any], in_review: Any, agency_a: Any
) -> None:
    deadline = timezone.now() + dt.timedelta(days=2)
    services.review_deadline_set(
        actor=users["secretariat"], version=in_review, comment_deadline=deadline
    )
    with (
        time_machine.travel(deadline + dt.timedelta(minutes=1)),
        pytest.raises(ConflictError) as err,
    ):
        services.comment_add(actor=users["rep_a"], version=in_review, agency=agency_a, body="late")
    assert err.value.code == "comment_deadline_passed"


def test_no_waiver_of_an_agency_endorsement_can_be_recorded(
    users: dict[str, Any], in_review: Any, agency_b: Any
) -> None:
    """ToR III.2.2: the waiver service is gone, and the model refuses new rows."""
    assert not hasattr(services, "endorsement_waive")
    with pytest.raises(AppendOnlyError):
        EndorsementWaiver.objects.create(version=in_review, agency=agency_b, reason="r")
    assert not EndorsementWaiver.objects.exists()


def test_a_waiver_of_old_no_longer_counts(
    users: dict[str, Any], product: Any, in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    """A waiver recorded before issue 12 stays as history; BBB must still endorse."""
    sec = users["secretariat"]
    EndorsementWaiver.objects.bulk_create(
        [EndorsementWaiver(version=in_review, agency=agency_b, reason="On leave")]
    )
    endorse(in_review, agency_a, users["rep_a"])
    with pytest.raises(services.EndorsementsMissing) as missing:
        services.product_submit_to_plenary(actor=sec, version=in_review)
    assert missing.value.missing == ["BBB"]
    row = next(r for r in selectors.endorsement_matrix(product) if r.agency == agency_b)
    assert row.cells[0].status == "pending" and row.cells[0].waiver is not None
    endorse(in_review, agency_b, users["rep_b"])  # the agency can still endorse
    services.product_submit_to_plenary(actor=sec, version=in_review)
    product.refresh_from_db()
    assert product.state == ProductState.PLENARY


def test_plenary_adoption_needs_every_endorsement(
    users: dict[str, Any], product: Any, in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    """A version put to the plenary under a waiver of old (before issue 12) is not endorsed
    when its decision is adopted: it goes back to agency review until BBB endorses."""
    endorse(in_review, agency_a, users["rep_a"])
    EndorsementWaiver.objects.bulk_create(
        [EndorsementWaiver(version=in_review, agency=agency_b, reason="On leave")]
    )
    Product.objects.filter(pk=product.pk).update(state=ProductState.PLENARY)  # as submitted then
    decision = decision_open(
        actor=None,
        kind="product",
        title="Endorsement",
        text="ISECG endorses version 1.",
        deadline=timezone.now() + dt.timedelta(days=7),
        procedure="silence",
        subject=in_review,
    )
    decision_close_if_due(decision_id=decision.pk, now=decision.deadline + dt.timedelta(seconds=1))
    product.refresh_from_db()
    assert product.state == ProductState.AGENCY_REVIEW and product.endorsed_version is None
    event = AuditEvent.objects.get(action="product.plenary_adoption_refused")
    assert event.data["missing"] == ["BBB"]


def test_the_secretariat_records_an_endorsement_on_behalf_with_evidence(
    users: dict[str, Any], product: Any, in_review: Any, agency_b: Any
) -> None:
    """ToR III.2.2, IV: flagged on_behalf, with who recorded it, the evidence and the file;
    the agency's representatives are told."""
    sec = users["secretariat"]
    endorsement = endorse_on_behalf(
        in_review, agency_b, sec, file=pdf_file("letter.pdf"), filename="letter.pdf"
    )
    endorsement.refresh_from_db()
    assert endorsement.on_behalf and endorsement.recorded_by == sec
    assert endorsement.evidence == "Email from the BBB head of delegation, 20 Nov"
    assert endorsement.evidence_file_name == "letter.pdf"
    assert endorsement.evidence_file_type == "application/pdf"
    assert len(endorsement.evidence_file_sha256) == 64
    assert "letter" not in endorsement.evidence_file.name  # a non-guessable path
    event = AuditEvent.objects.get(action="product.endorsement_recorded_on_behalf")
    assert event.actor == sec and event.data["agency"] == "BBB" and event.data["on_behalf"]
    notice = Notification.objects.get(kind="product.endorsement_recorded_on_behalf")
    assert notice.recipient == users["rep_b"]
    # a second call is a no-op
    assert endorse_on_behalf(in_review, agency_b, sec) == endorsement
    assert Endorsement.objects.count() == 1


def test_on_behalf_needs_evidence_and_the_secretariat(
    users: dict[str, Any], in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    sec = users["secretariat"]
    with pytest.raises(ValidationFailed) as err:
        endorse_on_behalf(in_review, agency_b, sec, evidence="  ")
    assert err.value.code == "required" and err.value.field == "evidence"
    with pytest.raises(ValidationFailed) as err:
        endorse_on_behalf(
            in_review, agency_b, sec, file=io.BytesIO(b"MZ not a document"), filename="x.pdf"
        )
    assert err.value.code == "unsupported_file_type" and err.value.field == "evidence_file"
    for role in ("chair", "rep_a", "rep_b"):
        with pytest.raises(PermissionDeniedError) as denied:
            endorse_on_behalf(in_review, agency_b, users[role])
        assert denied.value.code == "not_secretariat"
    # the secretariat does not record unflagged endorsements for an agency
    with pytest.raises(PermissionDeniedError) as denied:
        endorse(in_review, agency_b, sec)
    assert denied.value.code == "not_your_agency"
    assert not Endorsement.objects.exists()
    # only for a product-participating agency, only the version under review
    outsider = AgencyFactory(acronym="OUT")
    with pytest.raises(ConflictError) as conflict:
        endorse_on_behalf(in_review, outsider, sec)
    assert conflict.value.code == "not_product_participant"


def test_supersede_needs_an_endorsed_successor(
    users: dict[str, Any], product: Any, group: Any, agency_a: Any
) -> None:
    sec = users["secretariat"]
    services.product_record_published(
        actor=sec,
        product=product,
        file=pdf_file(),
        filename="ger.pdf",
        published_on=dt.date(2024, 1, 1),
        note="Archive",
    )
    draft = services.product_create(
        actor=sec,
        title="Draft successor",
        kind="roadmap",
        working_group=group,
        participating_agencies=[agency_a],
    )
    with pytest.raises(ValidationFailed) as err:
        services.product_supersede(actor=sec, product=product, by=draft)
    assert err.value.code == "successor_not_endorsed"
    product.refresh_from_db()
    assert product.state == ProductState.PUBLISHED


def test_versions_are_immutable(users: dict[str, Any], in_review: Any) -> None:
    from isecg.models import AppendOnlyError

    in_review.changelog = "rewritten"
    with pytest.raises(AppendOnlyError):
        in_review.save()
    assert ProductVersion.objects.get().changelog == "First draft."


def test_no_upload_after_plenary(
    users: dict[str, Any], product: Any, in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    endorse(in_review, agency_a, users["rep_a"])
    endorse(in_review, agency_b, users["rep_b"])
    services.product_submit_to_plenary(actor=users["secretariat"], version=in_review)
    with pytest.raises(ConflictError):
        upload(product, users["secretariat"])


def test_workplan_adopted_by_consensus(users: dict[str, Any], group: Any, product: Any) -> None:
    sec = users["secretariat"]
    workplan = services.workplan_create(actor=sec, year=2027)
    item = services.workplan_item_add(
        actor=sec,
        workplan=workplan,
        objective="Publish the GER supplement",
        working_group=group,
        product=product,
        due_on=dt.date(2027, 10, 1),
    )
    services.workplan_submit(
        actor=sec, workplan=workplan, procedure_unused=None
    ) if False else services.workplan_submit(actor=sec, workplan=workplan)
    workplan.refresh_from_db()
    assert workplan.state == "proposed"
    decision = Decision.objects.get(kind="workplan")
    services_item = services.workplan_item_progress(
        actor=users["rep_a"], item=item, status="in_progress", progress_percent=40, note="Drafting"
    )
    assert services_item.updates.count() == 1
    with pytest.raises(PermissionDeniedError):
        services.workplan_item_progress(
            actor=users["api_client"], item=item, status="done", progress_percent=100
        )
    for role, acronym in (("rep_a", "AAA"), ("rep_b", "BBB"), ("chair", "CHR")):
        from agencies.models import Agency

        position_cast(
            actor=users[role],
            decision=decision,
            agency=Agency.objects.get(acronym=acronym),
            value="concur",
        )
    decision_close_if_due(decision_id=decision.pk)
    workplan.refresh_from_db()
    assert workplan.state == "adopted" and workplan.adopted_at is not None
