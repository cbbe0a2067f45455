"""Secretariat members (ToR IV): services, API, pages, role matrix."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse

from agencies import services as agency_services
from agencies.models import AgencyStatus
from agencies.roles import SECRETARIAT_GROUP, forget_cached_roles, is_secretariat, represents
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import AuditEvent, User
from secretariat import services
from secretariat.models import SecretariatMember
from secretariat.selectors import secretariat_group_out_of_step
from tests.factories import AgencyFactory, UserFactory, make_representative

pytestmark = pytest.mark.django_db


def test_appoint_makes_user_secretariat_and_records_proposing_agency(
    users: Any, agency_a: Any
) -> None:
    staffer = UserFactory(username="new.staffer")
    assert not is_secretariat(staffer)
    member = services.secretariat_member_appoint(
        actor=users["secretariat"],
        user=staffer,
        proposed_by=agency_a,
        role="Officer",
        attested_voluntary_unpaid=True,
    )
    staffer.refresh_from_db()
    forget_cached_roles(staffer)
    assert is_secretariat(staffer)
    assert member.proposed_by == agency_a
    assert member.voluntary_unpaid is True
    assert AuditEvent.objects.filter(
        action="secretariat_member.appointed", object_id=str(member.pk)
    ).exists()


def test_appoint_twice_is_a_no_op(agency_a: Any) -> None:
    staffer = UserFactory(username="twice")
    first = services.secretariat_member_appoint(actor=None, user=staffer, proposed_by=agency_a)
    second = services.secretariat_member_appoint(actor=None, user=staffer, proposed_by=agency_a)
    assert first.pk == second.pk
    assert SecretariatMember.objects.filter(user=staffer).count() == 1


def test_only_participating_agencies_propose_staff(db: Any) -> None:
    applicant = AgencyFactory(acronym="APP", status=AgencyStatus.APPLICANT)
    with pytest.raises(ValidationFailed) as error:
        services.secretariat_member_appoint(actor=None, user=UserFactory(), proposed_by=applicant)
    assert error.value.field == "proposed_by"


def test_representative_cannot_join_secretariat(agency_a: Any) -> None:
    rep = make_representative(agency_a, "rep.conflict")
    with pytest.raises(ConflictError):
        services.secretariat_member_appoint(actor=None, user=rep, proposed_by=agency_a)


def test_non_secretariat_cannot_appoint(users: Any, agency_a: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.secretariat_member_appoint(
            actor=users["rep_a"],
            user=UserFactory(),
            proposed_by=agency_a,
            attested_voluntary_unpaid=True,
        )


@pytest.mark.parametrize("attested", [None, False])
def test_a_person_appointing_attests_the_voluntary_unpaid_basis(
    users: Any, agency_a: Any, attested: Any
) -> None:
    """ToR IV: staff proposed on a voluntary basis, without exchange of funds."""
    staffer = UserFactory(username="unpaid")
    with pytest.raises(ValidationFailed) as error:
        services.secretariat_member_appoint(
            actor=users["secretariat"],
            user=staffer,
            proposed_by=agency_a,
            attested_voluntary_unpaid=attested,
        )
    assert (error.value.code, error.value.field) == (
        "attestation_required",
        "attested_voluntary_unpaid",
    )
    assert not SecretariatMember.objects.filter(user=staffer).exists()
    assert not is_secretariat(staffer)


def test_the_record_cannot_omit_the_basis(agency_a: Any) -> None:
    """The database refuses a member record that does not state the ToR IV basis."""
    with pytest.raises(IntegrityError), transaction.atomic():
        SecretariatMember.objects.create(
            user=UserFactory(), proposed_by=agency_a, voluntary_unpaid=False
        )


def test_a_secretariat_member_cannot_be_designated(users: Any, agency_a: Any) -> None:
    """ToR III.2.1, IV: the reverse of the refusal above."""
    with pytest.raises(ConflictError) as error:
        agency_services.representative_designate(
            actor=None,
            agency=agency_a,
            user=users["secretariat"],
            kind="representative",
            attested_agency_staff=True,
            attested_no_conflict=True,
        )
    assert error.value.code == "conflict_of_interest"
    assert not represents(users["secretariat"], agency_a)


def test_end_removes_role_at_once_and_keeps_history(users: Any, agency_a: Any) -> None:
    staffer = UserFactory(username="leaver")
    member = services.secretariat_member_appoint(actor=None, user=staffer, proposed_by=agency_a)
    services.secretariat_member_end(actor=users["secretariat"], member=member)
    forget_cached_roles(staffer)
    assert not is_secretariat(staffer)
    staffer.refresh_from_db()
    assert not staffer.is_staff
    assert not staffer.groups.exists()
    member.refresh_from_db()
    assert member.ended_on is not None
    # Ending again is a no-op; the row stays.
    services.secretariat_member_end(actor=users["secretariat"], member=member)
    assert SecretariatMember.objects.filter(user=staffer).count() == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("rep_a", 200),
        ("rep_b", 200),
        ("chair", 200),
        ("secretariat", 200),
        ("api_client", 200),
    ],
)
def test_api_list_role_matrix(api_as: Any, role: str, expected: int) -> None:
    response = api_as(role).get("/api/v1/secretariat-members/")
    assert response.status_code == expected
    if expected != 200:
        assert set(response.json()) >= {"detail", "code"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("rep_a", 403),
        ("rep_b", 403),
        ("chair", 403),
        ("secretariat", 201),
        ("api_client", 403),
    ],
)
def test_api_appoint_role_matrix(api_as: Any, agency_a: Any, role: str, expected: int) -> None:
    staffer = UserFactory(username=f"cand.{role}")
    response = api_as(role).post(
        "/api/v1/secretariat-members/",
        {"user": staffer.pk, "proposed_by": agency_a.acronym, "attested_voluntary_unpaid": True},
    )
    assert response.status_code == expected
    if role == "api_client":
        assert response.json()["code"] == "read_only_client"
    if expected == 201:
        assert response.json()["voluntary_unpaid"] is True
    assert SecretariatMember.objects.filter(user=staffer).exists() == (expected == 201)


def test_api_bad_input_gives_field_errors(api_as: Any) -> None:
    response = api_as("secretariat").post("/api/v1/secretariat-members/", {"proposed_by": "NOPE"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in {"required", "does_not_exist"}
    assert {"user", "proposed_by", "attested_voluntary_unpaid"} <= set(body["errors"])


def test_api_appoint_needs_the_attestation(api_as: Any, agency_a: Any) -> None:
    staffer = UserFactory(username="cand.unpaid")
    response = api_as("secretariat").post(
        "/api/v1/secretariat-members/",
        {"user": staffer.pk, "proposed_by": "AAA", "attested_voluntary_unpaid": False},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "attestation_required"
    assert list(response.json()["errors"]) == ["attested_voluntary_unpaid"]


def test_api_end(api_as: Any, agency_a: Any) -> None:
    member = services.secretariat_member_appoint(
        actor=None, user=UserFactory(), proposed_by=agency_a
    )
    assert api_as("rep_a").post(f"/api/v1/secretariat-members/{member.pk}/end/").status_code == 403
    response = api_as("secretariat").post(f"/api/v1/secretariat-members/{member.pk}/end/")
    assert response.status_code == 200
    assert response.json()["ended_on"] is not None


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("rep_a", 200),
        ("rep_b", 200),
        ("chair", 200),
        ("secretariat", 200),
        ("api_client", 200),
    ],
)
def test_members_page_role_matrix(web_as: Any, role: str, expected: int) -> None:
    response = web_as(role).get(reverse("secretariat-members"))
    assert response.status_code == expected
    if expected == 200:
        assert (b"Appoint a member" in response.content) == (role == "secretariat")


def test_members_page_lists_by_agency_and_posts(web_as: Any, agency_a: Any) -> None:
    staffer = UserFactory(username="page.staffer", first_name="Ada", last_name="Lovelace")
    unattested = web_as("secretariat").post(
        reverse("secretariat-members"),
        {"user": staffer.pk, "proposed_by": agency_a.pk, "role": "Clerk"},
    )
    assert unattested.status_code == 200
    assert list(unattested.context["form"].errors) == ["attested_voluntary_unpaid"]
    assert not SecretariatMember.objects.filter(user=staffer).exists()
    response = web_as("secretariat").post(
        reverse("secretariat-members"),
        {
            "user": staffer.pk,
            "proposed_by": agency_a.pk,
            "role": "Clerk",
            "attested_voluntary_unpaid": "on",
        },
    )
    assert response.status_code == 302
    page = web_as("rep_b").get(reverse("secretariat-members")).content.decode()
    assert "Proposed by Agency A (AAA)" in page
    assert "Ada Lovelace" in page
    assert "Voluntary, without exchange of funds" in page
    assert (
        web_as("rep_a").post(reverse("secretariat-members"), {"user": staffer.pk}).status_code
        == 403
    )


def test_members_page_query_count_does_not_grow(
    web_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = web_as("rep_a")
    for i in range(2):
        services.secretariat_member_appoint(
            actor=None, user=UserFactory(), proposed_by=AgencyFactory(acronym=f"S{i}")
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("secretariat-members"))  # fills the cached ToR status (expiry banner)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("secretariat-members"))
    for i in range(2, 20):
        services.secretariat_member_appoint(
            actor=None, user=UserFactory(), proposed_by=AgencyFactory(acronym=f"S{i}")
        )
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("secretariat-members"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_group_out_of_step_reports_a_group_changed_another_way(users: Any, agency_a: Any) -> None:
    """ToR IV: the group is the record's projection; any other change to it is reported."""
    assert secretariat_group_out_of_step() == []
    intruder = UserFactory(username="grouped.by.hand", is_staff=True)
    intruder.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
    member = users["secretariat"]
    member.groups.clear()
    rows = {row.user.username: row for row in secretariat_group_out_of_step()}
    assert set(rows) == {"grouped.by.hand", "secretariat"}
    assert (rows["grouped.by.hand"].in_group, rows["grouped.by.hand"].has_current_record) == (
        True,
        False,
    )
    assert (rows["secretariat"].in_group, rows["secretariat"].has_current_record) == (False, True)
    assert not is_secretariat(User.objects.get(pk=intruder.pk))
