"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group

from agencies import services as agency_services
from agencies.models import Agency, AgencyStatus, Representative, RepresentativeKind
from agencies.roles import SECRETARIAT_GROUP
from isecg.models import User
from secretariat.models import SecretariatMember


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-for-tests-1")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"AG{n}")
    name = factory.LazyAttribute(lambda a: f"{a.acronym} Space Agency")
    country = factory.Faker("country")
    status = AgencyStatus.PARTICIPATING
    joined_on = dt.date(2019, 6, 1)


def make_secretariat(username: str = "sec", proposed_by: Agency | None = None) -> User:
    """A secretariat member: a user with a current secretariat member record (ToR IV).

    The record is the role (`agencies.roles.is_secretariat`). It is written as the service
    writes it (record, `secretariat` group, staff flag), without the service's checks, so
    that a test needs no participating agency of its own: the proposing agency is the
    given one, else the first participating agency, else a non-participating placeholder
    that enters no electorate.
    """
    user = UserFactory(username=username, is_staff=True)
    if proposed_by is None:
        proposed_by = Agency.objects.filter(status=AgencyStatus.PARTICIPATING).order_by(
            "pk"
        ).first() or AgencyFactory(
            acronym="SECR", name="Proposing Agency", status=AgencyStatus.INVITED, joined_on=None
        )
    SecretariatMember.objects.get_or_create(
        user=user,
        ended_on=None,
        defaults={"proposed_by": proposed_by, "voluntary_unpaid": True},
    )
    group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    user.groups.add(group)
    return user


def make_representative(
    agency: Agency,
    username: str | None = None,
    kind: str = RepresentativeKind.HEAD_OF_DELEGATION,
) -> User:
    """A user designated through the service, so the guardian permission is real."""
    user = UserFactory(username=username) if username else UserFactory()
    agency_services.representative_designate(
        actor=None,
        agency=agency,
        user=user,
        kind=kind,
        attested_agency_staff=True,
        attested_no_conflict=True,
    )
    return user


def current_designation(user: User) -> Representative:
    return Representative.objects.get(user=user, revoked_at__isnull=True)
