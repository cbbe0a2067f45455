"""Template tags of the membership app, for pages other apps own.

On the agency's page: `{% load membership_tor %}` then `{% tor_basis_panel agency %}`.
"""

from __future__ import annotations

from typing import Any

from django import template

from agencies.models import Agency
from agencies.roles import is_head_of_delegation, is_secretariat
from membership import selectors

register = template.Library()


@register.inclusion_tag("membership/partials/_tor_basis.html", takes_context=True)
def tor_basis_panel(context: Any, agency: Agency) -> dict[str, Any]:
    """ToR III.1, VII: the agency's basis under the version in force (signed-in users only,
    like the register of acceptances); three queries."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"basis": None}
    basis = selectors.tor_basis(agency)
    return {
        "basis": basis,
        "may_record": basis.version is not None
        and not basis.covered
        and (is_secretariat(user) or is_head_of_delegation(user, agency)),
    }
