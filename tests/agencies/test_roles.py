"""Roles: object permissions only, never model-wide ones (DRF #3163)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission

from agencies import selectors
from agencies.roles import (
    SECRETARIAT_GROUP,
    agencies_represented,
    is_chair,
    is_head_of_delegation,
    is_secretariat,
    represents,
)
from agencies.services import representative_revoke
from isecg.models import User
from secretariat.services import secretariat_member_end
from tests.factories import (
    AgencyFactory,
    UserFactory,
    current_designation,
    make_representative,
    make_secretariat,
)

pytestmark = pytest.mark.django_db


def test_model_wide_permission_does_not_make_a_representative() -> None:
    agencies = [AgencyFactory() for _ in range(3)]
    user = UserFactory(username="global.perm")
    user.user_permissions.add(Permission.objects.get(codename="act_for_agency"))
    user = User.objects.get(pk=user.pk)
    assert user.has_perm("agencies.act_for_agency")  # the model-wide permission is real
    assert list(agencies_represented(user)) == []
    assert not any(represents(user, agency) for agency in agencies)


def test_superuser_is_neither_secretariat_nor_a_representative() -> None:
    """ToR IV: the secretariat is its member records; a superuser flag makes no one a member."""
    agency = AgencyFactory()
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert not is_secretariat(admin)
    assert list(agencies_represented(admin)) == []
    assert not represents(admin, agency)
    assert not is_head_of_delegation(admin, agency)


def test_secretariat_is_the_member_record_of_an_active_user() -> None:
    """ToR IV: the role follows the record, not the `secretariat` group or the staff flag."""
    member = make_secretariat("sec")
    assert is_secretariat(User.objects.get(pk=member.pk))
    staff_in_group = UserFactory(username="grouped", is_staff=True)
    staff_in_group.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
    assert not is_secretariat(User.objects.get(pk=staff_in_group.pk))
    inactive = make_secretariat("sec.gone")
    inactive.is_active = False
    inactive.save()
    assert not is_secretariat(User.objects.get(pk=inactive.pk))
    assert not is_secretariat(None)


def test_the_role_ends_with_the_record() -> None:
    member = make_secretariat("sec.leaving")
    assert is_secretariat(member)
    secretariat_member_end(actor=None, member=member.secretariat_memberships.get())
    assert not is_secretariat(member)
    fresh = User.objects.get(pk=member.pk)
    assert not is_secretariat(fresh)
    assert not fresh.groups.filter(name=SECRETARIAT_GROUP).exists()
    assert not fresh.is_staff
    assert fresh not in selectors.secretariat_users()


def test_anonymous_and_inactive_have_no_agencies() -> None:
    from django.contrib.auth.models import AnonymousUser

    agency = AgencyFactory()
    user = make_representative(agency, "rep")
    assert list(agencies_represented(AnonymousUser())) == []
    assert not represents(AnonymousUser(), agency)
    user.is_active = False
    user.save()
    assert list(agencies_represented(User.objects.get(pk=user.pk))) == []


def test_representative_is_head_only_when_head() -> None:
    from agencies.models import RepresentativeKind

    agency = AgencyFactory()
    head = make_representative(agency, "head")
    alternate = make_representative(agency, "alt", RepresentativeKind.ALTERNATE)
    assert is_head_of_delegation(head, agency)
    assert represents(alternate, agency)
    assert not is_head_of_delegation(alternate, agency)


def test_chair_is_the_head_of_the_chairing_agency() -> None:
    from agencies.models import RepresentativeKind
    from meetings.services import chair_term_start

    chairing = AgencyFactory(acronym="CHR")
    other = AgencyFactory(acronym="OTH")
    head = make_representative(chairing, "chr.head")
    alternate = make_representative(chairing, "chr.alt", RepresentativeKind.ALTERNATE)
    other_head = make_representative(other, "oth.head")
    assert not is_chair(head)
    chair_term_start(actor=None, agency=chairing, starts_on=dt.date(2026, 1, 1))
    head = User.objects.get(pk=head.pk)
    assert is_chair(head)
    assert not is_chair(User.objects.get(pk=alternate.pk))
    assert not is_chair(other_head)
    assert list(selectors.chair_users()) == [head]
    # Revocation ends the chair role at once, even on the object that cached it.
    representative_revoke(actor=None, representative=current_designation(head))
    assert not is_chair(head)


def test_recipient_selectors() -> None:
    from agencies.models import AgencyStatus, RepresentativeKind

    active = AgencyFactory(acronym="ACT")
    invited = AgencyFactory(acronym="INV", status=AgencyStatus.INVITED)
    head = make_representative(active, "act.head")
    alt = make_representative(active, "act.alt", RepresentativeKind.ALTERNATE)
    inv_head = make_representative(invited, "inv.head")
    sec = make_secretariat("sec")
    UserFactory(username="root", is_superuser=True, is_staff=True)
    UserFactory(username="nobody")
    assert set(selectors.secretariat_users()) == {sec}
    assert set(selectors.representative_users()) == {head, alt, inv_head}
    assert set(selectors.representative_users([active.pk], heads_only=True)) == {head}
    assert set(selectors.participating_representative_users()) == {head, alt}
    assert set(selectors.participating_representative_users(heads_only=True)) == {head}
    assert list(selectors.chair_users()) == []
