"""The "Correct a record" page, the corrections in the agency's history, and the admin."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from agencies.models import Agency
from isecg import corrections
from isecg.models import Correction
from tests.conftest import ROLES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(agency: Agency) -> str:
    return f"/corrections/agencies.agency/{agency.pk}/"


def _form(agency: Agency, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": agency.name,
        "country": agency.country,
        "website": agency.website,
        "joined_on": agency.joined_on.isoformat() if agency.joined_on else "",
        "withdrawn_on": "",
        "notes": agency.notes,
        "reason": "As in the acceptance letter on file.",
    }
    data.update(overrides)
    return data


# --- who may open and post the page -----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_page_matrix(web_as: Any, agency_a: Agency, role: str) -> None:
    response = web_as(role).get(_url(agency_a))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif role == "secretariat":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_post_matrix(web_as: Any, agency_a: Agency, role: str) -> None:
    response = web_as(role).post(_url(agency_a), _form(agency_a, name="Agency Alpha"))
    agency_a.refresh_from_db()
    if role == "secretariat":
        assert response.status_code == 302
        assert response["Location"] == "/agencies/AAA/"
        assert agency_a.name == "Agency Alpha"
        assert Correction.objects.get().reason == "As in the acceptance letter on file."
        return
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert agency_a.name == "Agency A"
    assert not Correction.objects.exists()


def test_unknown_or_unregistered_records_are_404(web_as: Any, agency_a: Agency) -> None:
    sec = web_as("secretariat")
    for url in [
        "/corrections/agencies.agency/999999/",
        "/corrections/agencies.agency/abc/",
        "/corrections/consensus.decision/1/",
        "/corrections/isecg.correction/1/",
        "/corrections/nothing/1/",
    ]:
        assert sec.get(url).status_code == 404, url
    # Others are refused before anything about the record is told.
    assert web_as("rep_a").get("/corrections/agencies.agency/999999/").status_code == 403


# --- the form ---------------------------------------------------------------------------


def test_page_shows_each_field_with_its_value_and_the_reason(web_as: Any, agency_a: Agency) -> None:
    html = web_as("secretariat").get(_url(agency_a)).content.decode()
    for label in ["Name", "Country", "Website", "Joined on", "Withdrawn on", "Notes"]:
        assert f">{label}:</label>" in html
    assert "On record now: Agency A" in html
    assert "On record now: 2019-06-01" in html
    assert 'value="2019-06-01"' in html
    assert ">Reason for the correction:</label>" in html
    # No input for what a correction never changes.
    for name in ["status", "acronym", "framework_contributor"]:
        assert f'name="{name}"' not in html
    _labels_and_ids_ok(html)


def _labels_and_ids_ok(html: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "repeated ids"
    controls = re.findall(r"<(?:input|textarea|select)\b[^>]*>", html)
    for control in controls:
        if 'type="hidden"' in control:
            continue
        control_id = re.search(r'\sid="([^"]+)"', control)
        assert control_id, control
        assert f'for="{control_id.group(1)}"' in html, control


def test_a_correction_from_the_page(web_as: Any, agency_a: Agency, users: dict[str, Any]) -> None:
    response = web_as("secretariat").post(
        _url(agency_a), _form(agency_a, joined_on="2007-11-06", country="Japan"), follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Corrected: " in html
    agency_a.refresh_from_db()
    assert (agency_a.joined_on, agency_a.country) == (dt.date(2007, 11, 6), "Japan")
    rows = Correction.objects.order_by("field")
    assert [(r.field, r.after, r.actor) for r in rows] == [
        ("country", "Japan", users["secretariat"]),
        ("joined_on", "2007-11-06", users["secretariat"]),
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reason": "  "}, "This field is required."),
        ({"name": "Agency Alpha", "reason": ""}, "This field is required."),
        ({"withdrawn_on": "2020-01-01"}, "AAA has not withdrawn"),
        ({"joined_on": "2019-13-40"}, "Enter a valid date."),
        ({"website": "not a url at all"}, "Enter a valid URL."),
        ({}, "No value differs from the record: nothing was corrected."),
    ],
)
def test_refusals_are_form_errors(
    web_as: Any, agency_a: Agency, overrides: dict[str, Any], message: str
) -> None:
    response = web_as("secretariat").post(_url(agency_a), _form(agency_a, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    stored = Agency.objects.get(pk=agency_a.pk)
    assert (stored.name, stored.joined_on, stored.withdrawn_on) == (
        "Agency A",
        dt.date(2019, 6, 1),
        None,
    )
    assert not Correction.objects.exists()


def test_a_posted_status_is_ignored_not_applied(web_as: Any, agency_a: Agency) -> None:
    web_as("secretariat").post(
        _url(agency_a), _form(agency_a, name="Agency Alpha", status="withdrawn", acronym="ZZZ")
    )
    stored = Agency.objects.get(pk=agency_a.pk)
    assert (stored.name, stored.status, stored.acronym) == ("Agency Alpha", "participating", "AAA")
    assert list(Correction.objects.values_list("field", flat=True)) == ["name"]


def test_a_field_left_out_of_the_request_is_not_cleared(web_as: Any, agency_a: Agency) -> None:
    response = web_as("secretariat").post(
        _url(agency_a), {"name": "Agency Alpha", "country": "X", "reason": "Typo."}
    )
    assert response.status_code == 302
    stored = Agency.objects.get(pk=agency_a.pk)
    assert (stored.name, stored.joined_on) == ("Agency Alpha", dt.date(2019, 6, 1))
    assert set(Correction.objects.values_list("field", flat=True)) == {"name", "country"}


# --- the agency page: the link and the history ------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_agency_page_link_and_history(
    web_as: Any, agency_a: Agency, users: dict[str, Any], role: str
) -> None:
    corrections.record_correct(
        actor=users["secretariat"],
        obj=agency_a,
        changes={"joined_on": dt.date(2007, 11, 6)},
        reason="Founding member: joined in Kyoto.",
    )
    response = web_as(role).get("/agencies/AAA/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (_url(agency_a) in html) == (role == "secretariat")
    if role == "anonymous":
        assert "Founding member: joined in Kyoto." not in html
        return
    assert 'id="corrections-heading"' in html
    assert "Founding member: joined in Kyoto." in html
    assert "2019-06-01" in html and "2007-11-06" in html
    assert "Joined on" in html


def test_agency_page_history_query_count_is_flat(
    web_as: Any, agency_a: Agency, users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client: Client = web_as("rep_a")
    client.get("/agencies/AAA/")
    with django_assert_max_num_queries(50) as few:
        client.get("/agencies/AAA/")
    baseline = len(few.captured_queries)
    for i in range(10):
        corrections.record_correct(
            actor=users["secretariat"], obj=agency_a, changes={"notes": f"n{i}"}, reason="r"
        )
    with django_assert_max_num_queries(baseline + 1):
        html = client.get("/agencies/AAA/").content.decode()
    assert html.count('<td class="pre-wrap">r</td>') == 10


# --- admin: corrections are read-only ---------------------------------------------------


def test_admin_shows_corrections_read_only(agency_a: Agency, users: dict[str, Any]) -> None:
    (row,) = corrections.record_correct(
        actor=users["secretariat"], obj=agency_a, changes={"country": "X"}, reason="r"
    )
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert admin.get("/admin/isecg/correction/").status_code == 200
    assert admin.get(f"/admin/isecg/correction/{row.pk}/change/").status_code == 200
    assert admin.get("/admin/isecg/correction/add/").status_code == 403
    changed = admin.post(f"/admin/isecg/correction/{row.pk}/change/", {"reason": "Rewritten."})
    assert changed.status_code == 403
    assert (
        admin.post(f"/admin/isecg/correction/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Correction.objects.get().reason == "r"
