"""Agencies and representatives: the services that change them (ToR III.1, III.2.1, VI)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from guardian.shortcuts import get_perms

from agencies import services
from agencies.models import (
    BASIS_TRANSITIONS,
    Agency,
    AgencyStatus,
    AgencyStatusChange,
    Representative,
    RepresentativeKind,
    StatusBasis,
    status_after,
)
from agencies.roles import agencies_represented, represents
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import AuditEvent, Correction, User
from tests.factories import AgencyFactory, UserFactory, make_representative, make_secretariat

pytestmark = pytest.mark.django_db

HEAD = RepresentativeKind.HEAD_OF_DELEGATION


@pytest.fixture
def sec() -> User:
    return make_secretariat("sec.one")


def _create(actor: Any, **overrides: Any) -> Agency:
    values: dict[str, Any] = {
        "name": "Agencia Espacial Mexicana",
        "acronym": "AEM",
        "country": "Mexico",
    }
    values.update(overrides)
    return services.agency_create(actor=actor, **values)


def _designate(actor: Any, agency: Agency, user: User, **overrides: Any) -> Representative:
    values: dict[str, Any] = {
        "kind": HEAD,
        "attested_agency_staff": True,
        "attested_no_conflict": True,
    }
    values.update(overrides)
    return services.representative_designate(actor=actor, agency=agency, user=user, **values)


def _events(action: str, obj: Any | None = None) -> Any:
    events = AuditEvent.objects.filter(action=action)
    if obj is not None:
        events = events.filter(object_id=str(obj.pk))
    return events


# --- agency_create ------------------------------------------------------------


def test_agency_create_writes_agency_history_and_audit(sec: User) -> None:
    agency = _create(sec, website="https://www.gob.mx/aem")

    agency.refresh_from_db()
    assert agency.status == AgencyStatus.APPLICANT
    assert agency.joined_on is None
    history = list(AgencyStatusChange.objects.filter(agency=agency))
    assert [(h.before, h.after, h.basis, h.actor) for h in history] == [
        ("", "applicant", "registration", sec)
    ]
    event = _events("agency.created", agency).get()
    assert event.actor == sec
    assert event.data["acronym"] == "AEM"
    assert event.data["basis"] == "registration"
    assert event.object_repr == "AEM"


@pytest.mark.parametrize(
    ("framework_contributor", "status"),
    [(True, AgencyStatus.INVITED), (False, AgencyStatus.APPLICANT)],
)
def test_registration_status_follows_from_the_facts(
    sec: User, framework_contributor: bool, status: str
) -> None:
    """ToR III.1: Framework Document contributors are invited, every other agency applies."""
    agency = _create(sec, framework_contributor=framework_contributor)
    assert agency.status == status
    assert agency.joined_on is None
    assert AgencyStatusChange.objects.get(agency=agency).basis == StatusBasis.REGISTRATION


@pytest.mark.parametrize(
    ("framework_contributor", "status"),
    [
        (False, AgencyStatus.PARTICIPATING),
        (True, AgencyStatus.PARTICIPATING),
        (False, AgencyStatus.INVITED),
        (True, AgencyStatus.APPLICANT),
        (False, AgencyStatus.WITHDRAWN),
        (False, "suspended"),
    ],
)
def test_registration_never_chooses_a_status(
    sec: User, framework_contributor: bool, status: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        _create(sec, framework_contributor=framework_contributor, status=status)
    assert (info.value.code, info.value.field) == ("invalid_status", "status")
    assert not Agency.objects.filter(acronym="AEM").exists()


def test_registration_accepts_the_status_the_facts_give(sec: User) -> None:
    assert _create(sec, status=AgencyStatus.APPLICANT).status == AgencyStatus.APPLICANT


def test_historical_registration_records_its_source() -> None:
    """ToR VII: agencies participating before the register began, from the public record."""
    agency = services.agency_register_historical(
        name="Canadian Space Agency",
        acronym="CSA",
        country="Canada",
        framework_contributor=True,
        joined_on=dt.date(2007, 11, 6),
        source="ISECG Terms of Reference, 2007",
    )
    assert (agency.status, agency.joined_on) == ("participating", dt.date(2007, 11, 6))
    change = AgencyStatusChange.objects.get(agency=agency)
    assert (change.before, change.after, change.basis, change.basis_ref, change.actor) == (
        "",
        "participating",
        "historical_record",
        "ISECG Terms of Reference, 2007",
        None,
    )
    assert change.effective_on == dt.date(2007, 11, 6)
    with pytest.raises(ValidationFailed) as no_source:
        services.agency_register_historical(
            name="X", acronym="X", country="X", joined_on=dt.date(2010, 1, 1), source=" "
        )
    assert no_source.value.field == "source"


@pytest.mark.parametrize("role", ["representative", "plain_user"])
def test_agency_create_is_secretariat_only(role: str) -> None:
    actor = make_representative(AgencyFactory(), "rep") if role == "representative" else None
    actor = actor or UserFactory(username="plain")
    with pytest.raises(PermissionDeniedError):
        _create(actor)
    assert not Agency.objects.filter(acronym="AEM").exists()
    assert not _events("agency.created").exists()


@pytest.mark.parametrize("acronym", ["AEM", "aem", " Aem "])
def test_agency_create_duplicate_acronym_is_a_field_error(sec: User, acronym: str) -> None:
    _create(sec)
    with pytest.raises(ValidationFailed) as info:
        _create(sec, acronym=acronym, name="Another")
    assert info.value.code == "duplicate_acronym"
    assert info.value.field == "acronym"
    assert Agency.objects.filter(acronym__iexact="AEM").count() == 1
    assert _events("agency.created").count() == 1


def test_agency_create_rejects_blank_acronym_and_withdrawn_status(sec: User) -> None:
    with pytest.raises(ValidationFailed) as blank:
        _create(sec, acronym="  ")
    assert (blank.value.code, blank.value.field) == ("required", "acronym")
    with pytest.raises(ValidationFailed) as withdrawn:
        _create(sec, status=AgencyStatus.WITHDRAWN)
    assert withdrawn.value.field == "status"
    assert not Agency.objects.filter(acronym="AEM").exists()


def test_agency_create_by_the_system_has_no_actor() -> None:
    agency = _create(None)
    assert _events("agency.created", agency).get().actor is None


# --- agency_update: a correction with its reason (isecg.corrections) ------------


def test_agency_update_is_a_correction_with_its_reason(sec: User) -> None:
    agency = _create(sec)
    services.agency_update(
        actor=sec, agency=agency, reason="Misspelt.", name="Mexican Space Agency", country="MX"
    )
    agency.refresh_from_db()
    assert (agency.name, agency.country) == ("Mexican Space Agency", "MX")
    rows = Correction.objects.filter(object_id=str(agency.pk)).order_by("field")
    assert [(c.field, c.before, c.after, c.reason, c.actor) for c in rows] == [
        ("country", "Mexico", "MX", "Misspelt.", sec),
        ("name", "Agencia Espacial Mexicana", "Mexican Space Agency", "Misspelt.", sec),
    ]
    event = _events("record.corrected", agency).get()
    assert event.data["changes"] == {
        "name": {"before": "Agencia Espacial Mexicana", "after": "Mexican Space Agency"},
        "country": {"before": "Mexico", "after": "MX"},
    }
    assert event.data["reason"] == "Misspelt."


def test_agency_update_without_change_is_a_no_op(sec: User) -> None:
    agency = _create(sec)
    services.agency_update(actor=sec, agency=agency, reason="None.", name=agency.name)
    assert not _events("record.corrected").exists()
    assert not Correction.objects.exists()


def test_agency_update_rules(sec: User) -> None:
    agency = _create(sec)
    with pytest.raises(ValidationFailed) as no_reason:
        services.agency_update(actor=sec, agency=agency, reason="  ", name="X")
    assert (no_reason.value.code, no_reason.value.field) == ("reason_required", "reason")
    for field, value in [
        ("status", AgencyStatus.PARTICIPATING),
        ("framework_contributor", True),
        ("acronym", "Aem"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.agency_update(actor=sec, agency=agency, reason="Typo.", **{field: value})
        assert (refused.value.code, refused.value.field) == ("not_correctable", field)
    with pytest.raises(PermissionDeniedError):
        services.agency_update(actor=UserFactory(), agency=agency, reason="Typo.", name="X")
    agency.refresh_from_db()
    assert (agency.name, agency.acronym, agency.status) == (
        "Agencia Espacial Mexicana",
        "AEM",
        AgencyStatus.APPLICANT,
    )
    assert not Correction.objects.exists()


# --- agency_status_follow ------------------------------------------------------


def test_each_basis_allows_exactly_its_own_change() -> None:
    """ToR III.1, VI: the table of acts, testable without a database."""
    changes = {
        (before, status_after(basis, before), basis)
        for basis in StatusBasis.values
        for before in AgencyStatus.values
        if status_after(basis, before) is not None
    }
    assert changes == {
        ("invited", "participating", "tor_acceptance"),
        ("applicant", "participating", "membership_decision"),
        ("participating", "withdrawn", "withdrawal"),
        ("invited", "withdrawn", "withdrawal"),
        ("withdrawn", "applicant", "reapplication"),
    }
    assert set(BASIS_TRANSITIONS) == {
        "tor_acceptance",
        "membership_decision",
        "withdrawal",
        "reapplication",
    }


def _follow(agency: Agency, basis: str, **kwargs: Any) -> Agency:
    kwargs.setdefault("reason", "Test.")
    return services.agency_status_follow(actor=None, agency=agency, basis=basis, **kwargs)


@pytest.mark.parametrize(
    ("before", "basis"),
    [
        ("invited", "membership_decision"),
        ("invited", "reapplication"),
        ("applicant", "tor_acceptance"),
        ("applicant", "withdrawal"),
        ("withdrawn", "tor_acceptance"),
        ("withdrawn", "membership_decision"),
        ("participating", "reapplication"),
    ],
)
def test_an_act_that_does_not_apply_is_a_conflict(before: str, basis: str) -> None:
    agency = AgencyFactory(
        status=before,
        withdrawn_on=dt.date(2020, 1, 1) if before == "withdrawn" else None,
    )
    with pytest.raises(ConflictError) as info:
        _follow(agency, basis)
    assert info.value.code == "invalid_status_change"
    agency.refresh_from_db()
    assert agency.status == before
    assert not AgencyStatusChange.objects.filter(agency=agency).exists()


@pytest.mark.parametrize("basis", ["registration", "historical_record", "participating", ""])
def test_only_an_act_moves_a_status(basis: str) -> None:
    agency = AgencyFactory(status=AgencyStatus.APPLICANT)
    with pytest.raises(ValidationFailed) as info:
        _follow(agency, basis)
    assert (info.value.code, info.value.field) == ("invalid_basis", "basis")
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.APPLICANT


def test_invited_agency_joins_by_accepting(sec: User) -> None:
    agency = _create(sec, framework_contributor=True)
    services.agency_status_follow(
        actor=sec,
        agency=agency,
        basis=StatusBasis.TOR_ACCEPTANCE,
        effective_on=dt.date(2026, 11, 1),
        reason="Accepted the ToR.",
        basis_ref="ToR acceptance 7",
    )
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.PARTICIPATING
    assert agency.joined_on == dt.date(2026, 11, 1)
    last = AgencyStatusChange.objects.filter(agency=agency).order_by("at", "id").last()
    assert (last.before, last.after, last.basis, last.basis_ref, last.reason, last.actor) == (
        "invited",
        "participating",
        "tor_acceptance",
        "ToR acceptance 7",
        "Accepted the ToR.",
        sec,
    )
    event = _events("agency.status_changed", agency).get()
    assert event.data == {
        "before": "invited",
        "after": "participating",
        "basis": "tor_acceptance",
        "basis_ref": "ToR acceptance 7",
        "effective_on": "2026-11-01",
    }


def test_an_act_already_taken_is_a_no_op() -> None:
    agency = AgencyFactory(status=AgencyStatus.PARTICIPATING)
    _follow(agency, StatusBasis.MEMBERSHIP_DECISION)
    _follow(agency, StatusBasis.TOR_ACCEPTANCE)
    assert not AgencyStatusChange.objects.filter(agency=agency).exists()
    assert not _events("agency.status_changed").exists()


def test_withdrawal_revokes_every_representative_at_once(sec: User) -> None:
    """ToR VI: a withdrawn agency's representatives lose the right to act for it."""
    agency = AgencyFactory(acronym="WDR")
    other = AgencyFactory(acronym="OTH")
    reps = [
        make_representative(agency, "w.head"),
        make_representative(agency, "w.rep", RepresentativeKind.REPRESENTATIVE),
        make_representative(agency, "w.alt", RepresentativeKind.ALTERNATE),
    ]
    bystander = make_representative(other, "o.head")
    assert all(represents(u, agency) for u in reps)

    with time_machine.travel(dt.datetime(2026, 11, 21, 9, tzinfo=dt.UTC)):
        services.agency_status_follow(
            actor=sec,
            agency=agency,
            basis=StatusBasis.WITHDRAWAL,
            reason="Letter received.",
            basis_ref="withdrawal 1",
        )

    agency.refresh_from_db()
    assert agency.status == AgencyStatus.WITHDRAWN
    assert agency.withdrawn_on == dt.date(2026, 11, 21)
    for user in reps:
        fresh = User.objects.get(pk=user.pk)
        assert not represents(user, agency)
        assert not represents(fresh, agency)
        assert get_perms(fresh, agency) == []
    assert not Representative.objects.filter(agency=agency, revoked_at__isnull=True).exists()
    assert Representative.objects.filter(agency=agency).count() == 3
    assert _events("representative.revoked").count() == 3
    assert represents(User.objects.get(pk=bystander.pk), other)
    history = AgencyStatusChange.objects.filter(agency=agency).last()
    assert (history.before, history.after, history.basis) == (
        "participating",
        "withdrawn",
        "withdrawal",
    )


def test_withdrawn_agency_can_reapply() -> None:
    agency = AgencyFactory()
    _follow(agency, StatusBasis.WITHDRAWAL)
    _follow(agency, StatusBasis.REAPPLICATION)
    _follow(agency, StatusBasis.MEMBERSHIP_DECISION, effective_on=dt.date(2027, 1, 1))
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.PARTICIPATING
    assert agency.withdrawn_on is None
    assert agency.joined_on == dt.date(2027, 1, 1)
    assert [(h.after, h.basis) for h in AgencyStatusChange.objects.filter(agency=agency)] == [
        ("withdrawn", "withdrawal"),
        ("applicant", "reapplication"),
        ("participating", "membership_decision"),
    ]


# --- representative_designate -------------------------------------------------


def test_designate_grants_the_object_permission(sec: User) -> None:
    agency = AgencyFactory(acronym="NASA")
    other = AgencyFactory(acronym="ESA")
    user = UserFactory(username="nasa.hod")
    assert not represents(user, agency)

    rep = _designate(sec, agency, user, title="Associate Administrator")

    assert rep.is_current and rep.designated_by == sec
    assert rep.attested_agency_staff and rep.attested_no_conflict
    fresh = User.objects.get(pk=user.pk)
    assert represents(fresh, agency)
    assert represents(user, agency)
    assert not represents(fresh, other)
    assert list(agencies_represented(fresh)) == [agency]
    assert "act_for_agency" in get_perms(fresh, agency)
    assert fresh.has_perm("agencies.act_for_agency", agency)
    event = _events("representative.designated", rep).get()
    assert event.data == {"agency": "NASA", "user": "nasa.hod", "kind": "head"}


@pytest.mark.parametrize("missing", ["attested_agency_staff", "attested_no_conflict"])
def test_designate_requires_the_attestation(sec: User, missing: str) -> None:
    """ToR III.2.1: staff of the agency, no conflict of interest."""
    agency = AgencyFactory()
    user = UserFactory()
    with pytest.raises(ValidationFailed) as info:
        _designate(sec, agency, user, **{missing: False})
    assert info.value.code == "attestation_required"
    assert info.value.field == missing
    assert "III.2.1" in info.value.detail
    assert not Representative.objects.exists()
    assert not represents(User.objects.get(pk=user.pk), agency)


def test_designating_the_same_person_twice_is_a_no_op(sec: User) -> None:
    agency = AgencyFactory()
    user = UserFactory()
    first = _designate(sec, agency, user)
    events = AuditEvent.objects.count()
    second = _designate(sec, agency, user)
    assert second.pk == first.pk
    assert Representative.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_designating_again_with_another_kind_changes_the_row(sec: User) -> None:
    agency = AgencyFactory()
    user = UserFactory()
    first = _designate(sec, agency, user, kind=RepresentativeKind.ALTERNATE)
    second = _designate(sec, agency, user, kind=HEAD, title="Director")
    assert second.pk == first.pk
    first.refresh_from_db()
    assert (first.kind, first.title) == (HEAD, "Director")
    assert _events("representative.changed", first).count() == 1


def test_one_current_designation_per_person(sec: User) -> None:
    """ToR III.2.1: a person represents one agency at a time."""
    agency_a, agency_b = AgencyFactory(), AgencyFactory()
    user = UserFactory()
    _designate(sec, agency_a, user)
    with pytest.raises(ConflictError) as info:
        _designate(sec, agency_b, user)
    assert info.value.code == "already_represents_other_agency"
    fresh = User.objects.get(pk=user.pk)
    assert not represents(fresh, agency_b)
    assert Representative.objects.filter(user=user).count() == 1


def test_designate_other_refusals(sec: User) -> None:
    agency = AgencyFactory()
    with pytest.raises(PermissionDeniedError):
        _designate(make_representative(agency, "rep"), agency, UserFactory())
    with pytest.raises(ValidationFailed) as kind:
        _designate(sec, agency, UserFactory(), kind="observer")
    assert kind.value.field == "kind"
    with pytest.raises(ValidationFailed) as inactive:
        _designate(sec, agency, UserFactory(is_active=False))
    assert inactive.value.code == "inactive_user"
    with pytest.raises(ValidationFailed) as past:
        _designate(sec, agency, UserFactory(), active_until=timezone.now() - dt.timedelta(days=1))
    assert past.value.field == "active_until"
    gone = AgencyFactory(status=AgencyStatus.WITHDRAWN, withdrawn_on=dt.date(2020, 1, 1))
    with pytest.raises(ConflictError) as withdrawn:
        _designate(sec, gone, UserFactory())
    assert withdrawn.value.code == "agency_withdrawn"
    assert Representative.objects.count() == 1  # only the "rep" made above


# --- representative_revoke ----------------------------------------------------


def test_revocation_takes_effect_at_once(sec: User) -> None:
    agency = AgencyFactory()
    user = UserFactory()
    rep = _designate(sec, agency, user)
    assert represents(user, agency)  # the role is now cached on this object

    services.representative_revoke(actor=sec, representative=rep, reason="Left the agency.")

    assert not represents(user, agency)
    assert not represents(User.objects.get(pk=user.pk), agency)
    assert list(agencies_represented(user)) == []
    assert not User.objects.get(pk=user.pk).has_perm("agencies.act_for_agency", agency)
    rep.refresh_from_db()
    assert rep.revoked_at is not None
    assert rep.revoked_by == sec
    assert rep.revocation_reason == "Left the agency."
    assert Representative.objects.filter(pk=rep.pk).exists()  # history kept
    event = _events("representative.revoked", rep).get()
    assert event.data["reason"] == "Left the agency."


def test_revoke_twice_is_a_no_op_and_redesignation_creates_a_new_row(sec: User) -> None:
    agency = AgencyFactory()
    user = UserFactory()
    rep = _designate(sec, agency, user)
    services.representative_revoke(actor=sec, representative=rep)
    first_revoked_at = Representative.objects.get(pk=rep.pk).revoked_at
    services.representative_revoke(actor=sec, representative=rep)
    assert Representative.objects.get(pk=rep.pk).revoked_at == first_revoked_at
    assert _events("representative.revoked").count() == 1

    again = _designate(sec, agency, user)
    assert again.pk != rep.pk
    assert Representative.objects.filter(user=user).count() == 2
    assert represents(User.objects.get(pk=user.pk), agency)


def test_revoke_is_secretariat_only(sec: User) -> None:
    agency = AgencyFactory()
    rep = _designate(sec, agency, UserFactory())
    with pytest.raises(PermissionDeniedError):
        services.representative_revoke(actor=UserFactory(), representative=rep)
    rep.refresh_from_db()
    assert rep.is_current


def test_revoked_person_may_represent_another_agency(sec: User) -> None:
    agency_a, agency_b = AgencyFactory(), AgencyFactory()
    user = UserFactory()
    rep = _designate(sec, agency_a, user)
    services.representative_revoke(actor=sec, representative=rep)
    _designate(sec, agency_b, user)
    fresh = User.objects.get(pk=user.pk)
    assert list(agencies_represented(fresh)) == [agency_b]


# --- representatives_expire ---------------------------------------------------


def test_representatives_expire_at_the_planned_end(sec: User) -> None:
    agency = AgencyFactory()
    with time_machine.travel(dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC), tick=False):
        ending = _designate(
            sec,
            agency,
            UserFactory(username="ending"),
            active_until=dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC),
        )
        staying = _designate(sec, agency, UserFactory(username="staying"))
        assert services.representatives_expire() == 0

    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 58, tzinfo=dt.UTC), tick=False):
        assert services.representatives_expire() == 0
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 0, tzinfo=dt.UTC), tick=False):
        assert services.representatives_expire() == 1
        assert services.representatives_expire() == 0  # idempotent

    ending.refresh_from_db()
    staying.refresh_from_db()
    assert ending.revoked_at == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert ending.revoked_by is None
    assert ending.revocation_reason == "Designation period ended."
    assert staying.is_current
    assert not represents(User.objects.get(username="ending"), agency)
    assert represents(User.objects.get(username="staying"), agency)
    assert _events("representative.revoked", ending).get().actor is None


def test_designate_rechecks_the_agency_under_the_lock(sec: User) -> None:
    """A stale Agency object (withdrawn meanwhile) cannot bring back a representative."""
    stale = AgencyFactory()
    Agency.objects.filter(pk=stale.pk).update(
        status=AgencyStatus.WITHDRAWN, withdrawn_on=dt.date(2026, 11, 1)
    )
    assert stale.status == AgencyStatus.PARTICIPATING
    with pytest.raises(ConflictError) as info:
        _designate(sec, stale, UserFactory())
    assert info.value.code == "agency_withdrawn"
    assert not Representative.objects.exists()
