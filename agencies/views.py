"""Pages for the agency register and each agency."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies import selectors, services
from agencies.forms import (
    AgencyCreateForm,
    AgencyFilterForm,
    DesignateForm,
    RevokeForm,
)
from agencies.models import Agency, Representative
from agencies.roles import is_secretariat
from isecg.errors import DomainError
from isecg.forms_util import add_domain_error
from isecg.http import HtmxHttpRequest, actor


def agency_list(request: HtmxHttpRequest) -> HttpResponse:
    form = AgencyFilterForm(request.GET or None)
    agencies = selectors.agencies_visible_to(request.user)
    if form.is_valid():
        if form.cleaned_data["status"]:
            agencies = agencies.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["founders"]:
            agencies = agencies.filter(framework_contributor=True)
    template = "agencies/partials/_table.html" if request.htmx else "agencies/list.html"
    return render(request, template, {"agencies": agencies, "filter_form": form})


def agency_detail(request: HttpRequest, acronym: str) -> HttpResponse:
    agency = selectors.agency_detail(request.user, acronym)
    if agency is None:
        raise Http404("No such agency.")
    context = {"agency": agency, "can_manage": is_secretariat(request.user)}
    if context["can_manage"]:
        context["designate_form"] = DesignateForm()
    return render(request, "agencies/detail.html", context)


def _secretariat_only(request: HttpRequest) -> None:
    if not is_secretariat(request.user):
        raise PermissionDenied("Only the secretariat may do this.")


@login_required
def agency_create(request: HttpRequest) -> HttpResponse:
    _secretariat_only(request)
    form = AgencyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(actor=actor(request), **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{agency.acronym} is registered.")
            return redirect("agency-detail", acronym=agency.acronym)
    return render(request, "agencies/create.html", {"form": form})


@login_required
def representative_designate(request: HttpRequest, acronym: str) -> HttpResponse:
    _secretariat_only(request)
    agency = get_object_or_404(Agency, acronym=acronym)
    form = DesignateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            representative = services.representative_designate(
                actor=actor(request), agency=agency, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{representative.user} now represents {agency.acronym}.")
            return redirect("agency-detail", acronym=agency.acronym)
    return render(request, "agencies/designate.html", {"form": form, "agency": agency})


@login_required
@require_POST
def representative_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _secretariat_only(request)
    representative = get_object_or_404(
        Representative.objects.select_related("agency", "user"), pk=pk
    )
    form = RevokeForm(request.POST)
    form.is_valid()
    services.representative_revoke(
        actor=actor(request),
        representative=representative,
        reason=form.cleaned_data.get("reason", ""),
    )
    messages.success(
        request, f"{representative.user} no longer represents {representative.agency.acronym}."
    )
    return redirect("agency-detail", acronym=representative.agency.acronym)
