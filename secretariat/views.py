"""The secretariat's pages."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies.roles import is_secretariat
from isecg.errors import DomainError
from isecg.forms_util import add_domain_error
from secretariat import selectors, services
from secretariat.forms import AppointForm
from secretariat.models import SecretariatMember


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    """ToR IV: the secretariat, listed by the agency that proposed each member."""
    can_manage = is_secretariat(request.user)
    form = AppointForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only the secretariat may appoint members.")
        if form.is_valid():
            try:
                member = services.secretariat_member_appoint(
                    actor=request.user, **form.cleaned_data
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"{member.user} joined the secretariat.")
                return redirect("secretariat-members")
    members = list(selectors.secretariat_members())
    by_agency = [
        (agency, list(rows)) for agency, rows in groupby(members, key=lambda m: m.proposed_by)
    ]
    return render(
        request,
        "secretariat/members.html",
        {"by_agency": by_agency, "form": form, "can_manage": can_manage},
    )


@login_required
@require_POST
def member_end(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_secretariat(request.user):
        raise PermissionDenied("Only the secretariat may end memberships.")
    member = get_object_or_404(SecretariatMember, pk=pk)
    try:
        services.secretariat_member_end(actor=request.user, member=member)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"{member.user} has left the secretariat.")
    return redirect("secretariat-members")
