"""The products pages: role matrix, the endorsement flow in the UI, the public page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from products import services
from products.models import Comment, Endorsement, EndorsementWaiver, ProductState
from tests.conftest import ROLES
from tests.products.conftest import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def workplan(users: dict[str, Any], group: Any, product: Any) -> Any:
    plan = services.workplan_create(actor=users["secretariat"], year=2026)
    services.workplan_item_add(
        actor=users["secretariat"],
        workplan=plan,
        objective="Review",
        working_group=group,
        product=product,
    )
    return plan


def _pages(product: Any, version: Any) -> list[tuple[str, set[str]]]:
    everyone = set(ROLES)
    insiders = {"rep_a", "rep_b", "chair", "secretariat"}
    return [
        (reverse("product-list"), everyone),
        (reverse("product-public-list"), everyone),
        (reverse("product-detail", args=[product.slug]), insiders),
        (reverse("product-version-download", args=[version.pk]), insiders),
        (reverse("working-group-list"), everyone),
        (reverse("working-group-detail", args=["ERWG"]), everyone),
        (reverse("workplan", args=[2026]), everyone - {"anonymous"}),
        (reverse("product-create"), {"chair", "secretariat"}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_page_role_matrix(
    role: str, web_as: Any, product: Any, in_review: Any, workplan: Any
) -> None:
    client = web_as(role)
    for url, allowed in _pages(product, in_review):
        response = client.get(url)
        if role in allowed:
            assert response.status_code == 200, (url, role)
        else:
            assert response.status_code in (302, 403, 404), (url, role, response.status_code)


def test_product_list_shows_drafts_to_members_only(web_as: Any, product: Any) -> None:
    assert product.title in web_as("rep_b").get(reverse("product-list")).content.decode()
    assert product.title not in web_as("anonymous").get(reverse("product-list")).content.decode()
    assert product.title not in web_as("api_client").get(reverse("product-list")).content.decode()


def test_product_list_filters_and_htmx_partial(web_as: Any, product: Any) -> None:
    client = web_as("secretariat")
    response = client.get(reverse("product-list"), {"kind": "report"}, HTTP_HX_REQUEST="true")
    assert (
        "<html" not in response.content.decode() and product.title not in response.content.decode()
    )
    response = client.get(reverse("product-list"), {"kind": "roadmap", "agency": "AAA"})
    assert product.title in response.content.decode()


def on_behalf_post(agency: Any, **extra: Any) -> dict[str, Any]:
    return {
        "agency": agency.pk,
        "endorser_name": "Dr. B",
        "managerial_level": "Director General",
        "endorsed_on": "2026-11-20",
        "evidence": "Email from the BBB head of delegation, 20 Nov",
        **extra,
    }


def test_endorse_on_behalf_submit_in_the_ui(
    web_as: Any, users: dict[str, Any], product: Any, in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    rep = web_as("rep_a")
    page = rep.get(reverse("product-detail", args=[product.slug])).content.decode()
    assert "Record your agency" in page and "Non-binding" in page
    assert "on its behalf (secretariat)" not in page
    response = rep.post(
        reverse("product-endorse", args=[product.slug, 1]),
        {
            "agency": agency_a.pk,
            "endorser_name": "Dr. A",
            "managerial_level": "Director",
            "endorsed_on": "2026-11-20",
            "evidence": "Memo",
        },
    )
    assert response.status_code == 302
    assert Endorsement.objects.filter(agency=agency_a, on_behalf=False).exists()
    # a representative cannot record for another agency on its behalf; waivers are gone
    assert (
        rep.post(
            reverse("product-endorse-on-behalf", args=[product.slug, 1]), on_behalf_post(agency_b)
        ).status_code
        == 403
    )
    waive = f"{reverse('product-detail', args=[product.slug])}v1/waive/"
    sec = web_as("secretariat")
    assert sec.post(waive, {"agency": agency_b.pk, "reason": "Travel"}).status_code == 404
    assert not Endorsement.objects.filter(agency=agency_b).exists()
    response = sec.post(
        reverse("product-submit", args=[product.slug, 1]), {"procedure": "explicit"}, follow=True
    )
    assert "Endorsements are missing from: BBB" in response.content.decode()
    page = sec.get(reverse("product-detail", args=[product.slug])).content.decode()
    assert "Record an agency's endorsement of version 1 on its behalf" in page
    assert "Waive" not in page and "Record your agency" not in page
    response = sec.post(
        reverse("product-endorse-on-behalf", args=[product.slug, 1]),
        on_behalf_post(agency_b, evidence_file=SimpleUploadedFile("memo.pdf", pdf_bytes())),
    )
    assert response.status_code == 302
    endorsement = Endorsement.objects.get(agency=agency_b)
    assert endorsement.on_behalf and endorsement.recorded_by == users["secretariat"]
    page = rep.get(reverse("product-detail", args=[product.slug])).content.decode()
    assert "Recorded on its behalf" in page and "Email from the BBB head of delegation" in page
    evidence_url = reverse("product-endorsement-evidence", args=[endorsement.pk])
    assert evidence_url in page
    assert rep.get(evidence_url).status_code == 200
    response = sec.post(
        reverse("product-submit", args=[product.slug, 1]), {"procedure": "silence"}, follow=True
    )
    product.refresh_from_db()
    assert product.state == ProductState.PLENARY
    assert "Plenary decision" in response.content.decode()


ON_BEHALF_WEB = {
    "anonymous": 302,  # to the sign-in page
    "rep_a": 403,
    "rep_b": 403,
    "chair": 403,
    "secretariat": 302,  # recorded, back to the product page
    "api_client": 404,  # does not see drafts
}


@pytest.mark.parametrize("role", ROLES)
def test_endorse_on_behalf_page_role_matrix(
    role: str, web_as: Any, product: Any, in_review: Any, agency_b: Any
) -> None:
    url = reverse("product-endorse-on-behalf", args=[product.slug, 1])
    response = web_as(role).post(url, on_behalf_post(agency_b))
    assert response.status_code == ON_BEHALF_WEB[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.get("Location", "").startswith(
            reverse("product-detail", args=[product.slug])
        ) == (role == "secretariat")
    assert Endorsement.objects.filter(on_behalf=True).count() == (role == "secretariat")


def test_endorse_on_behalf_errors_are_field_errors(
    web_as: Any, product: Any, in_review: Any, agency_b: Any
) -> None:
    sec = web_as("secretariat")
    url = reverse("product-endorse-on-behalf", args=[product.slug, 1])
    response = sec.post(url, on_behalf_post(agency_b, evidence=""))
    assert response.status_code == 400
    assert 'id="onbehalf_evidence"' in response.content.decode()
    assert "This field is required." in response.content.decode()
    response = sec.post(
        url, on_behalf_post(agency_b, evidence_file=SimpleUploadedFile("x.pdf", b"plain text"))
    )
    assert response.status_code == 400
    assert "Upload a PDF or an office document" in response.content.decode()
    services.product_version_upload(
        actor=None,
        product=product,
        file=SimpleUploadedFile("v2.pdf", pdf_bytes()),
        filename="v2.pdf",
        changelog="v2",
    )
    response = sec.post(url, on_behalf_post(agency_b))  # version 1 is superseded
    assert response.status_code == 409 and "superseded" in response.content.decode()
    assert not Endorsement.objects.exists()


@pytest.mark.parametrize("role", ["rep_a", "secretariat"])
def test_product_page_forms_are_labelled_with_unique_ids(
    role: str, web_as: Any, product: Any, in_review: Any
) -> None:
    page = web_as(role).get(reverse("product-detail", args=[product.slug])).content.decode()
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', page):
        if 'type="hidden"' in page.split(f'id="{field_id}"')[0].rsplit("<", 1)[-1]:
            continue
        assert f'for="{field_id}"' in page, field_id


def test_comment_thread_and_resolve_with_htmx(
    web_as: Any, product: Any, in_review: Any, agency_a: Any, agency_b: Any
) -> None:
    rep_b = web_as("rep_b")
    url = reverse("product-comment", args=[product.slug, 1])
    response = rep_b.post(
        url, {"agency": agency_b.pk, "body": "Check chapter 2"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Check chapter 2" in response.content.decode()
    thread = Comment.objects.get()
    web_as("rep_a").post(url, {"agency": agency_a.pk, "body": "Fixed", "parent": thread.pk})
    assert thread.replies.count() == 1
    response = rep_b.post(reverse("product-comment-resolve", args=[thread.pk]), {"resolved": "1"})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.is_resolved
    # rep_a cannot post for agency B: the form refuses the choice
    web_as("rep_a").post(url, {"agency": agency_b.pk, "body": "spoof"})
    assert not Comment.objects.filter(body="spoof").exists()


def test_upload_in_the_ui_rejects_wrong_type(web_as: Any, product: Any, in_review: Any) -> None:
    client = web_as("rep_a")
    url = reverse("product-upload", args=[product.slug])
    bad = SimpleUploadedFile("x.pdf", b"just text", content_type="application/pdf")
    response = client.post(url, {"file": bad, "changelog": "c"}, follow=True)
    assert "Upload a PDF or an office document" in response.content.decode()
    good = SimpleUploadedFile("x.pdf", pdf_bytes(2), content_type="application/pdf")
    client.post(url, {"file": good, "changelog": "Second draft"})
    assert product.versions.count() == 2


def test_published_product_is_public(web_as: Any, users: dict[str, Any], product: Any) -> None:
    services.product_record_published(
        actor=users["secretariat"],
        product=product,
        file=SimpleUploadedFile("ger.pdf", pdf_bytes()),
        filename="ger.pdf",
        published_on=dt.date(2024, 1, 1),
        note="Archive",
    )
    product.refresh_from_db()
    anonymous = web_as("anonymous")
    page = anonymous.get(reverse("product-public-list")).content.decode()
    assert product.title in page
    detail = anonymous.get(reverse("product-detail", args=[product.slug]))
    assert (
        detail.status_code == 200 and "Endorsement within agencies" not in detail.content.decode()
    )
    download = anonymous.get(
        reverse("product-version-download", args=[product.endorsed_version_id])
    )
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_workplan_progress_in_the_ui(web_as: Any, workplan: Any) -> None:
    item = workplan.items.get()
    response = web_as("rep_a").post(
        reverse("workplan-item-progress", args=[item.pk]),
        {"status": "in_progress", "progress_percent": 50, "note": "Halfway"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.progress_percent == 50
    assert (
        web_as("api_client")
        .post(
            reverse("workplan-item-progress", args=[item.pk]),
            {"status": "done", "progress_percent": 100},
        )
        .status_code
        == 403
    )
    page = web_as("rep_b").get(reverse("workplan", args=[2026])).content.decode()
    assert "Halfway" in page


@pytest.mark.parametrize("role", ROLES)
def test_evidence_download_page_role_matrix(
    role: str, web_as: Any, users: dict[str, Any], in_review: Any, agency_b: Any
) -> None:
    """The document an agency sent is shown to those who see drafts (seeds/003) only."""
    endorsement = services.endorsement_record_on_behalf(
        actor=users["secretariat"],
        version=in_review,
        agency=agency_b,
        endorser_name="Dr. B",
        managerial_level="Director",
        endorsed_on=dt.date(2026, 11, 20),
        evidence="Letter",
        evidence_file=SimpleUploadedFile("letter.pdf", pdf_bytes()),
        evidence_filename="letter.pdf",
    )
    response = web_as(role).get(reverse("product-endorsement-evidence", args=[endorsement.pk]))
    expected = {"rep_a": 200, "rep_b": 200, "chair": 200, "secretariat": 200}
    assert response.status_code == expected.get(role, 404)
    if response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert 'filename="letter.pdf"' in response["Content-Disposition"]


def test_page_shows_a_waiver_of_old_as_history_and_the_secretariat_cannot_endorse_unflagged(
    web_as: Any, product: Any, in_review: Any, agency_b: Any
) -> None:
    EndorsementWaiver.objects.bulk_create(
        [EndorsementWaiver(version=in_review, agency=agency_b, reason="On leave")]
    )
    sec = web_as("secretariat")
    page = sec.get(reverse("product-detail", args=[product.slug])).content.decode()
    assert "no longer counts" in page and "On leave" in page
    sec.post(
        reverse("product-endorse", args=[product.slug, 1]),
        {
            "agency": agency_b.pk,
            "endorser_name": "Dr. B",
            "managerial_level": "Director",
            "endorsed_on": "2026-11-20",
            "evidence": "Memo",
        },
    )
    assert not Endorsement.objects.exists()
