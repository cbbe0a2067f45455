"""Load realistic ISECG demo data. Safe to run again: nothing is duplicated."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token

from agencies import services
from agencies.demo_data import AGENCIES, DEMO_PASSWORD, REPRESENTATIVES
from agencies.models import Agency
from agencies.roles import SECRETARIAT_GROUP
from isecg.models import User

# The secretariat's admin access, for rare corrections. Never the per-agency permission.
SECRETARIAT_ADMIN_APPS = [
    "isecg",
    "agencies",
    "consensus",
    "membership",
    "products",
    "meetings",
    "secretariat",
    "django_celery_beat",
]


# The order matters: the secretariat's member record (the role, ToR IV) comes before the
# demos that act as the secretariat; the Terms of Reference and chairs come before what
# refers to them.
DEMO_APPS = ["secretariat", "membership", "meetings", "consensus", "products"]


class Command(BaseCommand):
    help = "Load the 27 participating agencies, a secretariat user and demo representatives."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        with transaction.atomic():
            # The group is the admin's view rights of the secretariat. Who is in it follows the
            # member records (secretariat.services); secretariat/demo.py appoints the demo user.
            group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
            self._user("secretariat", "Sofia", "Lindqvist")
            group.permissions.set(
                Permission.objects.filter(
                    content_type__app_label__in=SECRETARIAT_ADMIN_APPS
                ).exclude(codename="act_for_agency")
            )
            created = 0
            for fact in AGENCIES:
                if Agency.objects.filter(acronym=fact.acronym).exists():
                    continue
                # ToR VII: these agencies joined before this register began.
                services.agency_register_historical(
                    name=fact.name,
                    acronym=fact.acronym,
                    country=fact.country,
                    website=fact.website,
                    framework_contributor=fact.framework_contributor,
                    joined_on=fact.joined_on,
                    notes=fact.note,
                    source="Public record (agencies.demo_data, demo).",
                )
                created += 1
            for person in REPRESENTATIVES:
                user = self._user(person.username, person.first_name, person.last_name)
                services.representative_designate(
                    actor=None,
                    agency=Agency.objects.get(acronym=person.agency),
                    user=user,
                    kind=person.kind,
                    title=person.title,
                    attested_agency_staff=True,
                    attested_no_conflict=True,
                    attestation_note="Demo data.",
                )
            client = self._user("integration.client", "Integration", "Client")
            token, _ = Token.objects.get_or_create(user=client)
            # Each app adds its own demo records in <app>/demo.py: seed(stdout=...), idempotent.
            for app in DEMO_APPS:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(stdout=self.stdout)
        if quiet:
            return
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} agencies added)."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write("  secretariat    ISECG Secretariat (ESA ESTEC, Noordwijk)")
        for person in REPRESENTATIVES:
            self.stdout.write(
                f"  {person.username:<14} {person.title.replace(' (demo)', '')}, {person.agency}"
            )
        self.stdout.write(f"API token of 'integration.client' (read-only): {token.key}")

    def _user(self, username: str, first: str, last: str) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.isecg.example",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user
