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
from products import services
from products.models import Endorsement, ProductState, Workplan
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


def on_behalf_body(version_id: int, agency: str, **extra: Any) -> dict[str, Any]:
    body = endorsement_body(version_id, agency)
    body["evidence"] = "Email from the head of delegation, 20 Nov"
    return {**body, **extra}


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
    # the waiver route is gone; BBB's emailed endorsement is recorded on its behalf
    response = sec.post(
        f"{BASE}{slug}/waivers/", {"version": v2, "agency": "BBB", "reason": "On leave"}
    )
    assert response.status_code == 404
    response = sec.post(
        f"{BASE}{slug}/endorsements/record-on-behalf/",
        on_behalf_body(v2, "BBB", evidence_file=SimpleUploadedFile("memo.pdf", pdf_bytes())),
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    recorded = response.json()
    assert recorded["on_behalf"] is True and recorded["recorded_by"] == str(users["secretariat"])
    assert recorded["evidence"] == "Email from the head of delegation, 20 Nov"
    assert recorded["evidence_file_name"] == "memo.pdf"
    evidence = rep_b.get(recorded["evidence_file_url"])
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content).startswith(b"%PDF-")
    response = chair.post(f"{BASE}{slug}/submit/", {"version": v2, "procedure": "silence"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "plenary" and len(body["decisions"]) == 1
    assert {row["agency"]: row["cells"]["2"] for row in body["matrix"]} == {
        "AAA": "endorsed",
        "BBB": "endorsed",
    }
    by_agency = {e["agency"]: e for e in body["endorsements"] if e["version"] == 2}
    assert by_agency["AAA"]["on_behalf"] is False
    assert by_agency["AAA"]["recorded_by"] == str(users["rep_a"])
    assert by_agency["BBB"]["on_behalf"] is True and body["waivers"] == []
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
            {"rep_a"},
        ),
        (
            "post",
            "{base}{slug}/comments/",
            lambda v: {"version": v, "agency": "AAA", "body": "x"},
            {"rep_a"},
        ),
        (
            "post",
            "{base}{slug}/endorsements/record-on-behalf/",
            lambda v: on_behalf_body(v, "BBB"),
            {"secretariat"},
        ),
        ("get", "/api/v1/product-endorsements/", None, set(ROLES)),
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
    for rep, acronym in (("rep_a", "AAA"), ("rep_b", "BBB")):
        api_client_for(users[rep]).post(
            f"{BASE}{review['slug']}/endorsements/",
            endorsement_body(review["version"], acronym),
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


RECORD_ON_BEHALF = {
    "anonymous": (401, "not_authenticated"),
    "rep_a": (403, "not_secretariat"),
    "rep_b": (403, "not_secretariat"),
    "chair": (403, "not_secretariat"),
    "secretariat": (201, None),
    "api_client": (403, "read_only_client"),
}


@pytest.mark.parametrize("role", ROLES)
def test_record_on_behalf_role_matrix(
    role: str, review: dict[str, Any], users: dict[str, Any]
) -> None:
    """ToR III.2.2, IV: only the secretariat records an endorsement on an agency's behalf."""
    response = api_client_for(users[role]).post(
        f"{BASE}{review['slug']}/endorsements/record-on-behalf/",
        on_behalf_body(review["version"], "BBB"),
    )
    status, code = RECORD_ON_BEHALF[role]
    assert response.status_code == status, response.content
    if code is not None:
        assert response.json()["code"] == code
    recorded = Endorsement.objects.filter(agency__acronym="BBB")
    assert recorded.filter(on_behalf=True).count() == (1 if role == "secretariat" else 0)


def test_the_secretariat_endorsing_without_the_on_behalf_flag_is_403(
    api_as: Any, review: dict[str, Any]
) -> None:
    response = api_as("secretariat").post(
        f"{BASE}{review['slug']}/endorsements/", endorsement_body(review["version"], "BBB")
    )
    assert response.status_code == 403 and response.json()["code"] == "not_your_agency"
    assert not Endorsement.objects.exists()


def test_record_on_behalf_refuses_missing_evidence_and_bad_files(
    api_as: Any, review: dict[str, Any]
) -> None:
    sec = api_as("secretariat")
    url = f"{BASE}{review['slug']}/endorsements/record-on-behalf/"
    response = sec.post(url, on_behalf_body(review["version"], "BBB", evidence=""))
    assert response.status_code == 400 and "evidence" in response.json()["errors"]
    response = sec.post(
        url,
        on_behalf_body(
            review["version"], "BBB", evidence_file=SimpleUploadedFile("x.pdf", b"MZ exe")
        ),
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_file_type"
    assert "evidence_file" in response.json()["errors"]
    assert not Endorsement.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_evidence_download_role_matrix(
    role: str, review: dict[str, Any], users: dict[str, Any], agency_b: Any, in_review: Any
) -> None:
    endorsement = services.endorsement_record_on_behalf(
        actor=users["secretariat"],
        version=in_review,
        agency=agency_b,
        endorser_name="Dr. B",
        managerial_level="Director",
        endorsed_on=TODAY,
        evidence="Letter",
        evidence_file=SimpleUploadedFile("letter.pdf", pdf_bytes()),
        evidence_filename="letter.pdf",
    )
    response = api_client_for(users[role]).get(
        f"/api/v1/product-endorsements/{endorsement.pk}/evidence/"
    )
    expected = {"rep_a": 200, "rep_b": 200, "chair": 200, "secretariat": 200}
    assert response.status_code == expected.get(role, 404)


@pytest.mark.parametrize(
    "path",
    [
        "{base}{slug}/",
        "/api/v1/product-versions/{version}/",
        "/api/v1/product-endorsements/{endorsement}/",
        "/api/v1/working-groups/ERWG/",
        "/api/v1/workplans/2027/",
        "/api/v1/workplan-items/{item}/",
    ],
)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_no_generic_write_on_governed_records(
    method: str,
    path: str,
    api_as: Any,
    users: dict[str, Any],
    review: dict[str, Any],
    in_review: Any,
    agency_a: Any,
) -> None:
    """A published product, an adopted workplan, a working group's lead: no PUT, PATCH or
    DELETE reaches them; each changes only through its service (405 for everyone)."""
    sec = users["secretariat"]
    endorsement = services.endorsement_record(
        actor=users["rep_a"],
        version=in_review,
        agency=agency_a,
        endorser_name="Dr. A",
        managerial_level="Director",
        endorsed_on=TODAY,
        evidence="Memo",
    )
    workplan = services.workplan_create(actor=sec, year=2027)
    item = services.workplan_item_add(actor=sec, workplan=workplan, objective="Publish")
    url = path.format(
        base=BASE,
        slug=review["slug"],
        version=review["version"],
        endorsement=endorsement.pk,
        item=item.pk,
    )
    response = getattr(api_as("secretariat"), method)(
        url, {"title": "Changed", "state": "adopted", "lead_agency": "BBB"}
    )
    assert response.status_code == 405, (url, response.status_code)
    workplan.refresh_from_db()
    assert workplan.state == "draft" and workplan.title != "Changed"
