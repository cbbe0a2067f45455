"""The secretariat's pages."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.roles import is_secretariat
from isecg.errors import DomainError
from isecg.forms_util import add_domain_error
from isecg.http import actor
from secretariat import exports, selectors, services
from secretariat.dashboard import representative_home, secretariat_dashboard
from secretariat.forms import AppointForm
from secretariat.models import SecretariatMember
from secretariat.search import clean_term, search


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
                    actor=actor(request), **form.cleaned_data
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
        services.secretariat_member_end(actor=actor(request), member=member)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"{member.user} has left the secretariat.")
    return redirect("secretariat-members")


# --- The daily-work homes -------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The secretariat's home: what is waiting on whom (ToR IV: the secretariat supports the chair)."""
    if not is_secretariat(request.user):
        return redirect("my-agency-home")
    return render(
        request,
        "secretariat/dashboard.html",
        {"d": secretariat_dashboard(), "today": timezone.localdate()},
    )


@login_required
def my_agency_home(request: HttpRequest) -> HttpResponse:
    """The representative's home: what the agency must answer, and by when."""
    return render(request, "secretariat/my_agency.html", {"h": representative_home(request.user)})


@login_required
def action_items(request: HttpRequest) -> HttpResponse:
    """Open action items, filterable by owner agency and overdue (the dashboard's figures link here)."""
    from meetings.models import ActionItem, ActionItemStatus

    today = timezone.localdate()
    queryset = ActionItem.objects.filter(status=ActionItemStatus.OPEN).select_related(
        "owner_agency", "meeting"
    )
    agency = request.GET.get("agency", "")
    if agency:
        queryset = queryset.filter(owner_agency__acronym=agency)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        queryset = queryset.filter(due_on__lt=today)
    page = Paginator(queryset.order_by("due_on", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "secretariat/action_items.html",
        {"page": page, "agency": agency, "overdue": overdue, "today": today},
    )


def search_page(request: HttpRequest) -> HttpResponse:
    """Search what the user may see (anonymous visitors: public agencies and products)."""
    term = request.GET.get("q", "")
    hits = search(request.user, term) if term else []
    return render(
        request,
        "secretariat/search.html",
        {"q": clean_term(term), "hits": hits, "searched": bool(term)},
    )


EXPORTS_PUBLIC = {"agencies"}


def exports_page(request: HttpRequest) -> HttpResponse:
    return render(request, "secretariat/exports.html", {"names": list(exports.EXPORTS)})


def export_download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """CSV (UTF-8 with BOM) or JSON; decisions and history need a signed-in user."""
    if name not in exports.EXPORTS or fmt not in ("csv", "json"):
        raise Http404("No such export.")
    if name not in EXPORTS_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    stamp = timezone.now().strftime("%Y-%m-%d")
    filename = f"isecg-{name}-{stamp}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            exports.export_csv(name, request.user), content_type="text/csv; charset=utf-8"
        )
    else:
        response = JsonResponse(
            {
                "export": name,
                "generated_at": exports.iso(timezone.now()),
                "rows": exports.export_json(name, request.user),
            },
            json_dumps_params={"ensure_ascii": False, "indent": 1},
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
