"""Reads for the secretariat's pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from agencies.roles import SECRETARIAT_GROUP
from isecg.models import User
from secretariat.models import SecretariatMember


def secretariat_members(*, current_only: bool = True) -> QuerySet[SecretariatMember]:
    """Secretariat members with their proposing agency, grouped by agency (ToR IV)."""
    queryset = SecretariatMember.objects.select_related("user", "proposed_by")
    if current_only:
        queryset = queryset.filter(ended_on__isnull=True)
    return queryset.order_by("proposed_by__acronym", "since", "id")


@dataclass(frozen=True)
class GroupOutOfStep:
    """A user whose `secretariat` group membership disagrees with their member record."""

    user: User
    in_group: bool
    has_current_record: bool


def secretariat_group_out_of_step() -> list[GroupOutOfStep]:
    """ToR IV: the role is the member record; the `secretariat` group (the admin's view
    rights) is its projection, kept by `secretariat.services` alone. Lists every user in
    the group without a current record, and every current member missing from it: a
    non-empty answer means someone changed the group another way. Three queries at most."""
    in_group = set(User.objects.filter(groups__name=SECRETARIAT_GROUP).values_list("pk", flat=True))
    members = set(
        SecretariatMember.objects.filter(ended_on__isnull=True).values_list("user_id", flat=True)
    )
    odd = in_group ^ members
    users = User.objects.in_bulk(sorted(odd)) if odd else {}
    return [
        GroupOutOfStep(user=users[pk], in_group=pk in in_group, has_current_record=pk in members)
        for pk in sorted(odd)
    ]
