"""The correction service (DESIGN.md "Interfaces"; issue 12, item 12): the secretariat fixes
a data error with a reason, one row per field, never a status, a position, an outcome or an
issued text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from agencies.models import Agency, AgencyStatus
from consensus import services as consensus_services
from consensus.models import Decision, Position, PositionEvent
from isecg import corrections
from isecg.corrections import record_correct
from isecg.errors import PermissionDeniedError, ValidationFailed
from isecg.models import AppendOnlyError, AuditEvent, Correction, User
from membership.models import ToRVersion
from tests.factories import AgencyFactory, UserFactory, make_representative, make_secretariat

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def sec() -> User:
    return make_secretariat("sec.one")


@pytest.fixture
def agency() -> Agency:
    return AgencyFactory(
        acronym="CSA",
        name="Canadain Space Agency",
        country="Canada",
        joined_on=dt.date(2007, 11, 6),
    )


def _nothing_written() -> None:
    assert not Correction.objects.exists()
    assert not AuditEvent.objects.filter(action=corrections.AUDIT_ACTION).exists()


# --- what is recorded -------------------------------------------------------------------


def test_a_wrong_join_date_is_corrected_with_its_reason(
    sec: User, agency: Agency, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    rows = record_correct(
        actor=sec,
        obj=agency,
        changes={"joined_on": "2007-05-31"},
        reason="The Global Exploration Strategy was signed on 31 May 2007.",
    )

    stored = Agency.objects.get(pk=agency.pk)
    assert stored.joined_on == dt.date(2007, 5, 31)
    assert stored.status == AgencyStatus.PARTICIPATING
    assert agency.joined_on == dt.date(2007, 5, 31)  # the caller's object follows
    (row,) = rows
    assert Correction.objects.get() == row
    assert (row.field, row.before, row.after, row.actor, row.at) == (
        "joined_on",
        "2007-11-06",
        "2007-05-31",
        sec,
        NOW,
    )
    assert row.reason == "The Global Exploration Strategy was signed on 31 May 2007."
    assert (row.object_id, row.object_repr) == (str(agency.pk), "CSA")
    assert row.content_type.model_class() is Agency
    event = AuditEvent.objects.get(action="record.corrected")
    assert (event.actor, event.object_id, event.object_repr) == (sec, str(agency.pk), "CSA")
    assert event.data == {
        "reason": "The Global Exploration Strategy was signed on 31 May 2007.",
        "changes": {"joined_on": {"before": "2007-11-06", "after": "2007-05-31"}},
        "corrections": [row.pk],
    }


def test_one_row_per_changed_field_and_one_audit_event(sec: User, agency: Agency) -> None:
    rows = record_correct(
        actor=sec,
        obj=agency,
        changes={
            "name": "  Canadian Space Agency ",
            "country": "Canada",  # unchanged: skipped
            "website": "https://www.asc-csa.gc.ca",
        },
        reason="Misspelt at registration.",
    )

    assert sorted((r.field, r.before, r.after) for r in rows) == [
        ("name", "Canadain Space Agency", "Canadian Space Agency"),
        ("website", "", "https://www.asc-csa.gc.ca"),
    ]
    agency.refresh_from_db()
    assert (agency.name, agency.country) == ("Canadian Space Agency", "Canada")
    event = AuditEvent.objects.get(action="record.corrected")
    assert sorted(event.data["corrections"]) == sorted(r.pk for r in rows)
    assert set(event.data["changes"]) == {"name", "website"}


def test_nothing_differs_is_a_no_op(sec: User, agency: Agency) -> None:
    assert (
        record_correct(
            actor=sec,
            obj=agency,
            changes={"name": " Canadain Space Agency ", "joined_on": dt.date(2007, 11, 6)},
            reason="Checked.",
        )
        == []
    )
    assert record_correct(actor=sec, obj=agency, changes={}, reason="Nothing.") == []
    _nothing_written()


def test_a_reason_is_required(sec: User, agency: Agency) -> None:
    for reason in ["", "   \n"]:
        with pytest.raises(ValidationFailed) as info:
            record_correct(actor=sec, obj=agency, changes={"name": "X"}, reason=reason)
        assert (info.value.code, info.value.field) == ("reason_required", "reason")
    assert Agency.objects.get(pk=agency.pk).name == "Canadain Space Agency"
    _nothing_written()


def test_a_reason_is_bounded(sec: User, agency: Agency) -> None:
    with pytest.raises(ValidationFailed) as info:
        record_correct(actor=sec, obj=agency, changes={"name": "X"}, reason="Why. " * 1000)
    assert (info.value.code, info.value.field) == ("too_long", "reason")
    assert Agency.objects.get(pk=agency.pk).name == "Canadain Space Agency"
    _nothing_written()


@pytest.mark.parametrize("who", ["representative", "plain_user", "inactive_secretariat", "none"])
def test_only_the_secretariat_corrects(agency: Agency, who: str) -> None:
    actor: Any = {
        "representative": lambda: make_representative(agency, "rep.csa"),
        "plain_user": lambda: UserFactory(username="plain"),
        "inactive_secretariat": lambda: _inactive(make_secretariat("gone")),
        "none": lambda: None,
    }[who]()
    with pytest.raises(PermissionDeniedError) as info:
        record_correct(actor=actor, obj=agency, changes={"name": "X"}, reason="Typo.")
    assert info.value.code == "permission_denied"
    assert Agency.objects.get(pk=agency.pk).name == "Canadain Space Agency"
    _nothing_written()


def _inactive(user: User) -> User:
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def test_corrections_are_append_only(sec: User, agency: Agency) -> None:
    (row,) = record_correct(actor=sec, obj=agency, changes={"country": "CA"}, reason="ISO.")
    row.reason = "Rewritten."
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert Correction.objects.get().reason == "ISO."


# --- never a status, a position, an outcome or an issued text ---------------------------


def test_a_status_is_never_corrected(sec: User, agency: Agency) -> None:
    """ToR III.1, VI: a status follows from its act, never from a correction."""
    for field, value in [("status", AgencyStatus.WITHDRAWN), ("framework_contributor", True)]:
        with pytest.raises(ValidationFailed) as info:
            record_correct(actor=sec, obj=agency, changes={field: value}, reason="Because.")
        assert (info.value.code, info.value.field) == ("not_correctable", field)
    # Not even next to a correctable field: nothing of the request is applied.
    with pytest.raises(ValidationFailed):
        record_correct(
            actor=sec,
            obj=agency,
            changes={"name": "CSA", "status": AgencyStatus.WITHDRAWN},
            reason="Because.",
        )
    stored = Agency.objects.get(pk=agency.pk)
    assert (stored.status, stored.name, stored.framework_contributor) == (
        AgencyStatus.PARTICIPATING,
        "Canadain Space Agency",
        False,
    )
    _nothing_written()


@pytest.fixture
def decision_with_position(users: dict[str, Any], agency_a: Agency) -> tuple[Decision, Position]:
    decision = consensus_services.motion_propose(
        actor=users["secretariat"],
        title="Statement on lunar surface cooperation",
        text="The ISECG welcomes the report.",
        deadline=timezone.now() + dt.timedelta(days=10),
    )
    consensus_services.position_cast(
        actor=users["rep_a"], decision=decision, agency=agency_a, value="concur"
    )
    return decision, Position.objects.get(decision=decision, agency=agency_a)


def test_a_position_is_never_corrected(
    users: dict[str, Any], decision_with_position: tuple[Decision, Position]
) -> None:
    """ToR III.2.2: a position is the agency's own act, recorded in the ledger."""
    _, position = decision_with_position
    with pytest.raises(ValidationFailed) as info:
        record_correct(
            actor=users["secretariat"],
            obj=position,
            changes={"value": "object"},
            reason="The delegate meant to object.",
        )
    assert info.value.code == "not_correctable"
    assert Position.objects.get(pk=position.pk).value == "concur"
    _nothing_written()


def test_an_outcome_is_never_corrected(
    users: dict[str, Any], decision_with_position: tuple[Decision, Position]
) -> None:
    """ToR III.2.2: an outcome is the tally of the positions, never an edit."""
    decision, _ = decision_with_position
    consensus_services.decision_withdraw(
        actor=users["secretariat"], decision=decision, reason="Superseded."
    )
    for changes in [{"outcome": "adopted"}, {"text": "Another text."}]:
        with pytest.raises(ValidationFailed) as info:
            record_correct(actor=users["secretariat"], obj=decision, changes=changes, reason="x")
        assert info.value.code == "not_correctable"
    stored = Decision.objects.get(pk=decision.pk)
    assert (stored.outcome, stored.text) == ("withdrawn", "The ISECG welcomes the report.")
    _nothing_written()


def test_an_issued_text_is_never_corrected(sec: User) -> None:
    """ToR V: the Terms of Reference change only by an amendment adopted by consensus."""
    version = ToRVersion.objects.create(
        label="Terms of Reference (test)",
        sequence=1,
        text="I. Purpose",
        adopted_on=dt.date(2022, 10, 1),
        effective_from=dt.date(2022, 10, 1),
        expires_on=dt.date(2032, 10, 1),
    )
    with pytest.raises(ValidationFailed) as info:
        record_correct(
            actor=sec, obj=version, changes={"text": "I. Purposes"}, reason="Typo in the text."
        )
    assert info.value.code == "not_correctable"
    assert ToRVersion.objects.get(pk=version.pk).text == "I. Purpose"
    _nothing_written()


@pytest.mark.parametrize(
    ("model", "field"),
    [(Agency, "status"), (Position, "value"), (Decision, "outcome"), (Agency, "id")],
)
def test_a_state_or_key_cannot_even_be_registered(model: Any, field: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        corrections.register(model, fields=[field])
    assert corrections.registration_for(model) is None or field not in (
        corrections.registration_for(model).fields  # type: ignore[union-attr]
    )


def test_history_and_relations_cannot_be_registered() -> None:
    with pytest.raises(ImproperlyConfigured):
        corrections.register(PositionEvent, fields=["statement"])
    with pytest.raises(ImproperlyConfigured):
        corrections.register(Correction, fields=["reason"])
    with pytest.raises(ImproperlyConfigured):
        corrections.register(Position, fields=["agency"])
    with pytest.raises(ImproperlyConfigured):
        corrections.register(Decision, fields=["no_such_field"])


def test_what_each_app_registered() -> None:
    """The whole list of correctable fields: a new entry is a deliberate choice."""
    assert {r.label: r.fields for r in corrections.registrations()} == {
        "agencies.agency": ("name", "country", "website", "joined_on", "withdrawn_on", "notes"),
        "isecg.user": ("first_name", "last_name", "email"),
        "products.product": ("title",),
        "products.workinggroup": ("name",),
        "secretariat.secretariatmember": ("role",),
    }


# --- model validation and the agency's own rules ----------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"website": "not a url"}, "website"),
        ({"name": "x" * 201}, "name"),
        ({"name": "   "}, "name"),
        ({"joined_on": "2007-13-45"}, "joined_on"),
        ({"country": None}, "country"),
    ],
)
def test_values_pass_model_validation(
    sec: User, agency: Agency, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        record_correct(actor=sec, obj=agency, changes=changes, reason="Typo.")
    assert info.value.field == field
    stored = Agency.objects.get(pk=agency.pk)
    assert (stored.name, stored.website, stored.country) == ("Canadain Space Agency", "", "Canada")
    _nothing_written()


@pytest.mark.parametrize(
    ("status", "changes", "code", "field"),
    [
        # ToR VI: a withdrawal is recorded with its letter, never by a correction.
        ("participating", {"withdrawn_on": "2020-01-01"}, "not_withdrawn", "withdrawn_on"),
        ("applicant", {"joined_on": "2020-01-01"}, "not_joined", "joined_on"),
        ("participating", {"joined_on": None}, "required", "joined_on"),
        ("withdrawn", {"withdrawn_on": "2006-01-01"}, "dates_out_of_order", "withdrawn_on"),
        # The database's own rule: a withdrawn agency has a withdrawal date.
        ("withdrawn", {"withdrawn_on": ""}, None, None),
    ],
)
def test_agency_dates_fit_its_status(
    sec: User, status: str, changes: dict[str, Any], code: str | None, field: str | None
) -> None:
    agency = AgencyFactory(
        acronym="DLR",
        status=status,
        joined_on=None if status == "applicant" else dt.date(2007, 11, 6),
        withdrawn_on=dt.date(2020, 1, 1) if status == "withdrawn" else None,
    )
    before = Agency.objects.filter(pk=agency.pk).values().get()
    with pytest.raises(ValidationFailed) as info:
        record_correct(actor=sec, obj=agency, changes=changes, reason="Wrong date.")
    if code is not None:
        assert (info.value.code, info.value.field) == (code, field)
    assert Agency.objects.filter(pk=agency.pk).values().get() == before
    _nothing_written()


def test_a_withdrawn_agencys_dates_can_be_corrected(sec: User) -> None:
    agency = AgencyFactory(
        acronym="DLR",
        status=AgencyStatus.WITHDRAWN,
        joined_on=dt.date(2007, 11, 6),
        withdrawn_on=dt.date(2020, 1, 1),
    )
    rows = record_correct(
        actor=sec,
        obj=agency,
        changes={"withdrawn_on": "2020-01-31", "joined_on": "2007-05-31"},
        reason="Dates as in the letters on file.",
    )
    assert {r.field for r in rows} == {"withdrawn_on", "joined_on"}
    agency.refresh_from_db()
    assert (agency.status, agency.joined_on, agency.withdrawn_on) == (
        AgencyStatus.WITHDRAWN,
        dt.date(2007, 5, 31),
        dt.date(2020, 1, 31),
    )


def test_other_registered_records(sec: User) -> None:
    person = UserFactory(username="j.doe", first_name="Jhon", last_name="Doe")
    (row,) = record_correct(
        actor=sec, obj=person, changes={"first_name": "John"}, reason="Misspelt first name."
    )
    assert (row.before, row.after) == ("Jhon", "John")
    person.refresh_from_db()
    assert person.first_name == "John"
    with pytest.raises(ValidationFailed) as info:
        record_correct(actor=sec, obj=person, changes={"is_superuser": True}, reason="x")
    assert info.value.code == "not_correctable"
    assert not User.objects.get(pk=person.pk).is_superuser
