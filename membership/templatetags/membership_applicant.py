"""The applicant's panel on the home page (ToR III.1): `{% load membership_applicant %}`
then `{% applicant_home %}`. Nothing for anyone without an applicant account."""

from __future__ import annotations

from typing import Any

from django import template

from membership import applicants
from membership.models import OPEN_REQUEST_STATES, MembershipRequest

register = template.Library()


@register.inclusion_tag("membership/partials/_applicant_home.html", takes_context=True)
def applicant_home(context: Any) -> dict[str, Any]:
    """The account's requests, newest first, and whether one is open; two queries."""
    request = context.get("request")
    account = applicants.applicant_account_of(getattr(request, "user", None))
    if account is None:
        return {"account": None}
    requests = list(
        MembershipRequest.objects.filter(submitted_by_id=account.user_id)
        .select_related("agency")
        .order_by("-created_at")[:5]
    )
    return {
        "account": account,
        "requests": requests,
        "has_open": any(r.state in OPEN_REQUEST_STATES for r in requests),
    }
