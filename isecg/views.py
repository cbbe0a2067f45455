"""Pages owned by the core: home, preferences, notifications, health."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from agencies.models import Agency, AgencyStatus
from agencies.roles import is_secretariat, represented_agency_ids
from isecg import corrections, services
from isecg.corrections_forms import CorrectionForm
from isecg.errors import DomainError
from isecg.forms import PreferencesForm
from isecg.forms_util import add_domain_error
from isecg.http import HtmxHttpRequest, actor
from isecg.models import (
    ANY_KIND,
    Notification,
    NotificationDelivery,
    NotificationPreference,
)


def home(request: HttpRequest) -> HttpResponse:
    # The daily-work homes (secretariat/dashboard.py): the secretariat's and a representative's.
    if is_secretariat(request.user):
        return redirect("secretariat-dashboard")
    if request.user.is_authenticated and represented_agency_ids(request.user):
        return redirect("my-agency-home")
    counts = {
        "participating": Agency.objects.filter(status=AgencyStatus.PARTICIPATING).count(),
        "framework": Agency.objects.filter(framework_contributor=True).count(),
    }
    return render(request, "home.html", {"counts": counts})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = PreferencesForm(request.POST or None, initial={"time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_time_zone_set(actor=user, time_zone=form.cleaned_data["time_zone"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Your preferences are saved.")
            return redirect("preferences")
    return render(
        request,
        "account/preferences.html",
        {
            "form": form,
            "notice_rows": notification_preference_rows(user),
            "delivery_choices": NotificationDelivery.choices,
        },
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    queryset = Notification.objects.filter(recipient=actor(request))
    if request.GET.get("unread") == "1":
        queryset = queryset.filter(read_at__isnull=True)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    return render(request, "account/notifications.html", {"page": page})


@login_required
@require_POST
def notification_mark_read(request: HtmxHttpRequest) -> HttpResponse:
    raw = request.POST.get("id")
    ids = [int(raw)] if raw and raw.isdigit() else None
    user = actor(request)
    services.notification_mark_read(actor=user, notification_ids=ids)
    if request.htmx and ids:
        # Someone else's notice, or none: 404, never a 500.
        notification = get_object_or_404(Notification, pk=ids[0], recipient=user)
        return render(request, "account/partials/_notification.html", {"n": notification})
    messages.success(request, "Marked as read.")
    return redirect("notifications")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- The notification center: preferences per kind and one-click unsubscribe ---


@login_required
@require_POST
def notification_preference_set(request: HttpRequest) -> HttpResponse:
    try:
        services.notification_preference_set(
            actor=actor(request),
            kind=request.POST.get("kind", ""),
            delivery=request.POST.get("delivery", ""),
        )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "Your notification preference is saved.")
    return redirect(f"{reverse('preferences')}#notices")


@csrf_exempt  # the signed token is the credential; mail clients POST without a session
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button; POST (also RFC 8058 one-click from mail clients) applies it."""
    if request.method == "POST":
        try:
            preference = services.notification_unsubscribe(token=token)
        except DomainError as error:
            return render(request, "account/unsubscribe.html", {"error": error.detail}, status=400)
        return render(request, "account/unsubscribe.html", {"done": preference})
    return render(request, "account/unsubscribe.html", {"token": token})


def notification_preference_rows(user: Any) -> list[dict[str, str]]:
    """One row per kind the user has received or set, plus "*" (every other kind): 2 queries."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    kinds = set(
        Notification.objects.filter(recipient=user).values_list("kind", flat=True).distinct()
    )
    default = chosen.get(ANY_KIND, NotificationDelivery.IMMEDIATE)
    rows = [{"kind": ANY_KIND, "label": "Every other kind of notice", "delivery": default}]
    for kind in sorted((kinds | chosen.keys()) - {ANY_KIND}):
        label = kind.replace("_", " ").replace(".", ": ").capitalize()
        rows.append({"kind": kind, "label": label, "delivery": chosen.get(kind, default)})
    return rows


# --- Corrections: the secretariat fixes a data error, with its reason ---


@login_required
def correction_form(request: HttpRequest, model: str, object_id: str) -> HttpResponse:
    """The "Correct a record" page of any record whose app registered correctable fields."""
    user = actor(request)
    if not corrections.may_correct(user):
        raise PermissionDenied("Only the secretariat may correct a record.")
    try:
        registration, record = corrections.record_for(user, model, object_id)
    except DomainError as error:
        raise Http404(error.detail) from None
    form = CorrectionForm(request.POST or None, registration=registration, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            rows = corrections.record_correct(
                actor=user,
                obj=record,
                changes=form.changes(),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if rows:
                fields = ", ".join(registration.field_label(row.field) for row in rows)
                messages.success(request, f"Corrected: {fields}.")
                return redirect(corrections.record_url(record) or request.path)
            form.add_error(None, "No value differs from the record: nothing was corrected.")
    return render(
        request,
        "isecg/corrections/form.html",
        {
            "form": form,
            "record": record,
            "registration": registration,
            "record_url": corrections.record_url(record),
        },
        status=400 if request.method == "POST" else 200,
    )
