"""The products API: the full lifecycle, the role matrix and bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies.models import Agency
from consensus.models import Decision
from consensus.services import decision_close_if_due
from products.models import ProductState, Workplan
from tests.conftest import ROLES, api_client_for
from tests.factories import AgencyFactory, make_representative
from tests.products.conftest import docx_bytes, odt_bytes, pdf_bytes, zip_bytes

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 21)
BASE = "/api/v1/products/"


def endorsement_body(version_id: int, agency: str) -> dict[str, Any]:
    return {
        "version": version_id,
        "agency": agency,
        "endorser_name": "Dr. Endorser",
        "managerial_level": "Director",
        "endorsed_on": TODAY.isoformat(),
        "evidence": "Memo 12",
    }


def upload_pdf(client: Any, slug: str, name: str = "d.pdf", data: bytes | None = None) -> Any:
    file = SimpleUploadedFile(name, data if data is not None else pdf_bytes(), "application/pdf")
    return client.post(
        f"{BASE}{slug}/versions/", {"file": file, "changelog": "Draft"}, format="multipart"
    )


def test_full_lifecycle_through_the_api(api_as: Any, users: dict[str, Any], group: Any) -> None:
    sec, chair, rep_a, rep_b = (api_as(r) for r in ("secretariat", "chair", "rep_a", "rep_b"))
    response = sec.post(
        BASE,
        {
            "title": "Lunar Surface Scenario",
            "kind": "roadmap",
            "working_group": "ERWG",
            "participating_agencies": ["AAA", "BBB"],
        },
    )
    assert response.status_code == 201, response.json()
    slug = response.json()["slug"]
    assert "non-binding" in response.json()["non_binding_notice"]
    response = upload_pdf(rep_a, slug)
    assert response.status_code == 201, response.json()
    v1 = response.json()["id"]
    assert chair.post(f"{BASE}{slug}/start-review/", {}).status_code == 200
    response = rep_b.post(
        f"{BASE}{slug}/comments/", {"version": v1, "agency": "BBB", "body": "p.3?"}
    )
    assert response.status_code == 201
    comment_id = response.json()["id"]
    reply = rep_a.post(
        f"{BASE}{slug}/comments/",
        {"version": v1, "agency": "AAA", "body": "Done.", "parent": comment_id},
    )
    assert reply.status_code == 201 and reply.json()["parent"] == comment_id
    resolved = rep_b.post(f"/api/v1/product-comments/{comment_id}/resolve/", {})
    assert resolved.status_code == 200 and resolved.json()["is_resolved"]
    v2 = upload_pdf(rep_a, slug).json()["id"]
    # endorsing a superseded version: 409
    response = rep_b.post(f"{BASE}{slug}/endorsements/", endorsement_body(v1, "BBB"))
    assert response.status_code == 409 and response.json()["code"] == "version_superseded"
    assert rep_a.post(f"{BASE}{slug}/endorsements/", endorsement_body(v2, "AAA")).status_code == 201
    # submitting before every endorsement: 409 with the missing agencies
    response = chair.post(f"{BASE}{slug}/submit/", {"version": v2})
    assert response.status_code == 409
    assert response.json()["missing"] == ["BBB"] and "BBB" in response.json()["detail"]
    response = sec.post(
        f"{BASE}{slug}/waivers/", {"version": v2, "agency": "BBB", "reason": "On leave"}
    )
    assert response.status_code == 201
    response = chair.post(f"{BASE}{slug}/submit/", {"version": v2, "procedure": "silence"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "plenary" and len(body["decisions"]) == 1
    assert {row["agency"]: row["cells"]["2"] for row in body["matrix"]} == {
        "AAA": "endorsed",
        "BBB": "waived",
    }
    decision = Decision.objects.get(pk=body["decisions"][0]["id"])
    decision_close_if_due(decision_id=decision.pk, now=decision.deadline + dt.timedelta(minutes=1))
    assert api_as("secretariat").get(f"{BASE}{slug}/").json()["state"] == "endorsed"
    assert sec.post(f"{BASE}{slug}/publish/", {}).status_code == 200
    anonymous = api_as("anonymous")
    listed = anonymous.get(BASE).json()["results"]
    assert [p["slug"] for p in listed] == [slug]
    detail = anonymous.get(f"{BASE}{slug}/").json()
    assert detail["state"] == ProductState.PUBLISHED
    download = anonymous.get(f"/api/v1/product-versions/{v2}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert anonymous.get(f"/api/v1/product-versions/{v1}/download/").status_code == 404


@pytest.fixture
def review(api_as: Any, product: Any, in_review: Any) -> dict[str, Any]:
    return {"slug": product.slug, "version": in_review.pk}


# (method, path template, body, roles allowed) -- allowed roles get 2xx, others 401/403/404.
def _matrix() -> list[tuple[str, str, Any, set[str]]]:
    return [
        ("get", "{base}", None, set(ROLES)),
        ("get", "{base}{slug}/", None, {"rep_a", "rep_b", "chair", "secretariat"}),
        (
            "post",
            "{base}{slug}/endorsements/",
            lambda v: endorsement_body(v, "AAA"),
            {"rep_a", "secretariat"},
        ),
        (
            "post",
            "{base}{slug}/comments/",
            lambda v: {"version": v, "agency": "AAA", "body": "x"},
            {"rep_a"},
        ),
        (
            "post",
            "{base}{slug}/waivers/",
            lambda v: {"version": v, "agency": "BBB", "reason": "r"},
            {"secretariat"},
        ),
        (
            "post",
            "{base}{slug}/comment-deadline/",
            lambda v: {"version": v, "comment_deadline": "2026-12-24T12:00:00Z"},
            {"chair", "secretariat"},
        ),
        (
            "get",
            "/api/v1/product-versions/{version}/download/",
            None,
            {"rep_a", "rep_b", "chair", "secretariat"},
        ),
        ("get", "/api/v1/product-comments/", None, set(ROLES)),
        ("get", "/api/v1/working-groups/", None, set(ROLES)),
        ("get", "/api/v1/working-groups/ERWG/", None, set(ROLES)),
        ("get", "/api/v1/expert-referrals/", None, set(ROLES)),
        ("get", "/api/v1/workplans/", None, set(ROLES)),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", range(len(_matrix())))
def test_role_matrix(role: str, case: int, review: dict[str, Any], users: dict[str, Any]) -> None:
    method, template, body, allowed = _matrix()[case]
    path = template.format(base=BASE, slug=review["slug"], version=review["version"])
    client = api_client_for(users[role])
    data = body(review["version"]) if callable(body) else body
    response = (
        getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)
    )
    if role in allowed:
        assert response.status_code in (200, 201), (path, role, response.status_code)
    else:
        assert response.status_code in (401, 403, 404), (path, role, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_submit(
    role: str, review: dict[str, Any], users: dict[str, Any], agency_a: Any, agency_b: Any
) -> None:
    sec = api_client_for(users["secretariat"])
    for acronym in ("AAA", "BBB"):
        sec.post(
            f"{BASE}{review['slug']}/waivers/",
            {"version": review["version"], "agency": acronym, "reason": "r"},
        )
    response = api_client_for(users[role]).post(
        f"{BASE}{review['slug']}/submit/", {"version": review["version"]}
    )
    expected = {
        "chair": 200,
        "secretariat": 200,
        "anonymous": 401,
        "api_client": 403,  # read_only_client: refused before it could look (issue 12)
        "rep_a": 403,
        "rep_b": 403,
    }
    assert response.status_code == expected[role]


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_create_and_publish(role: str, users: dict[str, Any], group: Any) -> None:
    client = api_client_for(users[role])
    response = client.post(
        BASE,
        {
            "title": "T",
            "kind": "report",
            "working_group": "ERWG",
            "participating_agencies": ["AAA"],
        },
    )
    expected = {"chair": 201, "secretariat": 201, "anonymous": 401}
    assert response.status_code == expected.get(role, 403)
    group_response = client.post(
        "/api/v1/working-groups/",
        {"acronym": "X1", "name": "X", "kind": "workshop", "active_from": "2026-01-01"},
    )
    assert group_response.status_code == {"secretariat": 201, "anonymous": 401}.get(role, 403)


def test_bad_uploads_are_rejected(api_as: Any, product: Any, settings: Any) -> None:
    sec = api_as("secretariat")
    slug = product.slug
    renamed = upload_pdf(sec, slug, name="evil.pdf", data=b"MZ\x90\x00 not a pdf at all")
    assert renamed.status_code == 400 and renamed.json()["code"] == "unsupported_file_type"
    assert "file" in renamed.json()["errors"]
    broken = upload_pdf(sec, slug, data=b"%PDF-1.4\n garbage without structure")
    assert broken.status_code == 400 and broken.json()["code"] == "invalid_pdf"
    odd_zip = upload_pdf(sec, slug, name="x.docx", data=zip_bytes({"hello.txt": b"hi"}))
    assert odd_zip.status_code == 400 and odd_zip.json()["code"] == "unsupported_file_type"
    settings.PRODUCT_UPLOAD_MAX_BYTES = 1000
    big = upload_pdf(sec, slug, data=pdf_bytes(20))
    assert big.status_code == 400 and big.json()["code"] == "file_too_large"
    settings.PRODUCT_UPLOAD_MAX_BYTES = 25 * 1024 * 1024
    for name, data, kind in (("a.docx", docx_bytes(), "docx"), ("b.odt", odt_bytes(), "odt")):
        ok = upload_pdf(sec, slug, name=name, data=data)
        assert ok.status_code == 201 and ok.json()["file_format"] == kind
    no_changelog = sec.post(
        f"{BASE}{slug}/versions/",
        {"file": SimpleUploadedFile("a.pdf", pdf_bytes())},
        format="multipart",
    )
    assert no_changelog.status_code == 400


def test_comment_from_non_participating_agency_is_403(review: dict[str, Any]) -> None:
    applicant = AgencyFactory(acronym="APP", status="applicant")
    user = make_representative(applicant, "rep.app")
    response = api_client_for(user).post(
        f"{BASE}{review['slug']}/comments/",
        {"version": review["version"], "agency": "APP", "body": "hello"},
    )
    # The applicant's representative does not see drafts at all.
    assert response.status_code in (403, 404)
    secretariat_user = Agency.objects.get(acronym="AAA")
    assert secretariat_user.status == "participating"


def test_comment_for_another_agency_is_403(api_as: Any, review: dict[str, Any]) -> None:
    response = api_as("rep_a").post(
        f"{BASE}{review['slug']}/comments/",
        {"version": review["version"], "agency": "BBB", "body": "hello"},
    )
    assert response.status_code == 403 and response.json()["code"] == "not_your_agency"


def test_endorsing_for_another_agency_is_403(api_as: Any, review: dict[str, Any]) -> None:
    response = api_as("rep_a").post(
        f"{BASE}{review['slug']}/endorsements/", endorsement_body(review["version"], "BBB")
    )
    assert response.status_code == 403


def test_version_of_another_product_is_400(
    api_as: Any, review: dict[str, Any], users: dict[str, Any], group: Any
) -> None:
    from products import services

    other = services.product_create(
        actor=None,
        title="Other",
        kind="other",
        working_group=group,
        participating_agencies=[users["rep_a"].designations.get().agency],
    )
    response = api_as("secretariat").post(
        f"{BASE}{other.slug}/endorsements/", endorsement_body(review["version"], "AAA")
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_version"


def test_naive_deadline_rejected_and_filters(api_as: Any, review: dict[str, Any]) -> None:
    sec = api_as("secretariat")
    assert (
        sec.get(f"{BASE}?kind=roadmap&state=agency_review&working_group=ERWG&agency=AAA").json()[
            "count"
        ]
        == 1
    )
    assert sec.get(f"{BASE}?kind=report").json()["count"] == 0
    assert sec.get(f"{BASE}?state=bogus").status_code == 400


def test_workplan_api(api_as: Any, group: Any, product: Any, users: dict[str, Any]) -> None:
    sec = api_as("secretariat")
    assert sec.post("/api/v1/workplans/", {"year": 2027}).status_code == 201
    response = sec.post(
        "/api/v1/workplans/2027/items/",
        {
            "objective": "Publish",
            "working_group": "ERWG",
            "product": product.slug,
            "due_on": "2027-06-30",
        },
    )
    assert response.status_code == 201
    item = response.json()["id"]
    progress = api_as("rep_a").post(
        f"/api/v1/workplan-items/{item}/progress/",
        {"status": "in_progress", "progress_percent": 30},
    )
    assert progress.status_code == 200 and progress.json()["progress_percent"] == 30
    assert (
        api_as("api_client")
        .post(
            f"/api/v1/workplan-items/{item}/progress/", {"status": "done", "progress_percent": 100}
        )
        .status_code
        == 403
    )
    deadline = (timezone.now() + dt.timedelta(days=10)).isoformat()
    assert (
        api_as("chair").post("/api/v1/workplans/2027/submit/", {"deadline": deadline}).status_code
        == 200
    )
    assert Workplan.objects.get(year=2027).state == "proposed"
    assert api_as("anonymous").get("/api/v1/workplans/").json()["count"] == 0


def test_schema_lists_the_product_endpoints(api_as: Any) -> None:
    response = api_as("anonymous").get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/products/{slug}/submit/",
        "/api/v1/products/{slug}/endorsements/",
        "/api/v1/workplans/{year}/",
        "/api/v1/product-versions/{id}/download/",
    ):
        assert path in text
