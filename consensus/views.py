"""Decision pages: the list, a decision, the awaiting inbox and the chair's forms.

Thin: forms validate input, one service acts, a selector reads. Each page answers a
full page or, for HTMX requests, a fragment. Every form works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import Agency
from agencies.roles import agencies_represented, is_chair, is_secretariat
from consensus import seal, selectors, services, verification
from consensus.api import agency_rows, history
from consensus.forms import (
    DecisionFilterForm,
    DecisionOpenForm,
    ExtendForm,
    NewRoundForm,
    PositionForm,
    RecordOnBehalfForm,
    WithdrawForm,
)
from consensus.models import (
    Decision,
    DecisionSeal,
    DecisionState,
    Outcome,
    PositionValue,
    Procedure,
)
from consensus.rendering import render_markdown
from isecg.errors import DomainError
from isecg.forms_util import add_domain_error
from isecg.http import HtmxHttpRequest, actor

# The list shows a page of decisions at a time, so its cost does not grow with the record.
LIST_PAGE_SIZE = 50


def _may_manage(user: Any) -> bool:
    return is_secretariat(user) or is_chair(user)


def _rows(decisions: Any, now: Any) -> list[dict[str, Any]]:
    """Each decision of a list with its tally (two queries for the whole list)."""
    shown = list(decisions)
    tallies = selectors.decision_tallies(shown, now)
    return [{"decision": d, "tally": tallies[d.pk]} for d in shown]


@login_required
def decision_list(request: HtmxHttpRequest) -> HttpResponse:
    form = DecisionFilterForm(request.GET or None)
    # The tallies are read for the page only (_rows), not prefetched for every row.
    decisions = selectors.decisions_visible_to(request.user).prefetch_related(None)
    if form.is_valid():
        for field in ("state", "kind", "outcome"):
            if form.cleaned_data[field]:
                decisions = decisions.filter(**{field: form.cleaned_data[field]})
    page = Paginator(selectors.decisions_list_order(decisions), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "rows": _rows(page.object_list, timezone.now()),
        "page": page,
        "filter_form": form,
        "awaiting_badge": selectors.decisions_awaiting_badge(request.user),
        "may_manage": _may_manage(request.user),
    }
    template = "consensus/partials/_table.html" if request.htmx else "consensus/list.html"
    return render(request, template, context)


@login_required
def decision_awaiting(request: HttpRequest) -> HttpResponse:
    """ToR III.2.2: the representative's inbox of decisions awaiting their agency."""
    agencies = list(agencies_represented(request.user))
    decisions = selectors.decisions_awaiting(request.user).prefetch_related(None)
    context = {
        "rows": _rows(decisions, timezone.now()),
        "agencies": agencies,
        "single_agency": agencies[0] if len(agencies) == 1 else None,
    }
    return render(request, "consensus/awaiting.html", context)


def _detail_context(request: HttpRequest, decision: Decision, **forms: Any) -> dict[str, Any]:
    now = timezone.now()
    tally = selectors.decision_tally(decision, now)
    rows = agency_rows(decision)
    electorate_ids = {row["agency_id"] for row in rows if not row["excluded"]}
    mine = [a for a in agencies_represented(request.user) if a.pk in electorate_ids]
    may_manage = _may_manage(request.user)
    is_open = decision.state == DecisionState.OPEN and now < decision.deadline
    counted = [row for row in rows if not row["excluded"]]
    total = max(len(counted), 1)
    segments = []
    for key, label in (
        ("concur", "Concur"),
        ("concur_with_reservation", "With reservation"),
        ("abstain", "Abstain"),
        ("recuse", "Recused"),
        ("object", "Object"),
    ):
        count = tally.counts.get(key, 0)
        if count:
            segments.append(
                {"key": key, "label": label, "count": count, "pct": round(100 * count / total, 1)}
            )
    missing = len(tally.not_responded)
    if missing:
        segments.append(
            {
                "key": "none",
                "label": "No response",
                "count": missing,
                "pct": round(100 * missing / total, 1),
            }
        )
    context: dict[str, Any] = {
        "decision": decision,
        "text_html": render_markdown(decision.text),
        "tally": tally,
        "segments": segments,
        "rows": rows,
        "reservations": [r for r in rows if r["position"] == "concur_with_reservation"],
        "objections": [r for r in rows if r["position"] == "object"],
        "history": history(decision),
        "is_open": is_open,
        "may_manage": may_manage and decision.state == DecisionState.OPEN,
        "is_secretariat": is_secretariat(request.user),
        "my_agencies": mine,
        "my_rows": [r for r in rows if r["agency_id"] in {a.pk for a in mine}],
        "seconds_left": max(int((decision.deadline - now).total_seconds()), 0),
        "can_new_round": may_manage
        and decision.outcome == Outcome.BLOCKED
        and not hasattr_next_round(decision),
    }
    if is_open and mine:
        context["position_form"] = forms.get("position_form") or PositionForm(
            agencies=mine, initial=_current_initial(context["my_rows"])
        )
    if is_open and context["may_manage"]:
        context["extend_form"] = forms.get("extend_form") or ExtendForm()
        context["withdraw_form"] = forms.get("withdraw_form") or WithdrawForm()
    if is_open and context["is_secretariat"]:
        electorate = [m.agency for m in decision.electorate.all() if m.excluded_at is None]
        context["record_form"] = forms.get("record_form") or RecordOnBehalfForm(agencies=electorate)
    if context["can_new_round"]:
        context["new_round_form"] = forms.get("new_round_form") or NewRoundForm(
            initial={"text": decision.text}
        )
    return context


def _current_initial(my_rows: list[dict[str, Any]]) -> dict[str, str]:
    """The form starts from the position on record, so sending it unchanged changes nothing.

    Only for a delegate of one agency: with several, the record depends on the agency
    chosen, so nothing is preselected. A first answer preselects nothing either.
    """
    if len(my_rows) != 1 or not my_rows[0]["position"]:
        return {}
    return {"value": my_rows[0]["position"], "statement": my_rows[0]["statement"]}


def hasattr_next_round(decision: Decision) -> bool:
    try:
        return decision.next_round is not None
    except Decision.DoesNotExist:
        return False


def _get_decision(request: HttpRequest, pk: int) -> Decision:
    decision = selectors.decision_detail(request.user, pk)
    if decision is None:
        raise Http404("No such decision.")
    return decision


@login_required
def decision_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    decision = _get_decision(request, pk)
    context = _detail_context(request, decision)
    if request.htmx and request.GET.get("fragment") == "tally":
        return render(request, "consensus/partials/_tally.html", context)
    return render(request, "consensus/detail.html", context)


def _render_detail_with(
    request: HttpRequest, pk: int, status: int = 400, **forms: Any
) -> HttpResponse:
    decision = _get_decision(request, pk)
    return render(
        request, "consensus/detail.html", _detail_context(request, decision, **forms), status=status
    )


@dataclass(frozen=True)
class CastConfirmation:
    """What a cast will record, in words, for the delegate to confirm before it is sent."""

    decision: Decision
    agency: Agency
    value: str
    statement: str
    current: str | None  # the agency's position on record, if any
    from_inbox: bool
    changed_meanwhile: bool  # the position on record changed since the last confirmation

    @property
    def value_label(self) -> str:
        return str(PositionValue(self.value).label)

    @property
    def current_label(self) -> str:
        return str(PositionValue(self.current).label) if self.current else ""

    @property
    def summary(self) -> str:
        acronym = self.agency.acronym
        if self.current is None:
            return f"{acronym} will {self.value_label.upper()}."
        if self.current == self.value:
            return f"{acronym} will still {self.value_label.upper()}, as recorded below."
        return (
            f"{acronym} will change its position from {self.current_label} to {self.value_label}."
        )

    @property
    def consequence(self) -> str:
        if self.value == PositionValue.OBJECT:
            blocks = "An objection blocks the decision while it stands."
            if self.decision.procedure == Procedure.SILENCE:
                return f"{blocks} It breaks the silence: every agency is told at once."
            return blocks
        if self.current == PositionValue.OBJECT:
            return f"{self.agency.acronym}'s objection will no longer stand."
        return ""


def _needs_confirmation(current: str | None, value: str) -> bool:
    """An objection, or a change of a position on record, is confirmed before it is cast."""
    return value == PositionValue.OBJECT or (current is not None and current != value)


@login_required
@require_http_methods(["GET", "POST"])
def position_cast(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One-click concur/abstain from the inbox, or the full form on the decision page.

    An objection or a change of position is first shown in words ("NASA will OBJECT")
    with a button that sends it again with `confirmed=1` (and the position it replaces,
    so a change made meanwhile is confirmed afresh); with htmx the confirmation swaps in.
    `edit=1` goes back to the decision page with the form as it was filled in.

    A GET (e.g. the return from signing in again after a session expired mid-form)
    goes to the decision page, where the browser restores the typed draft.
    """
    if request.method != "POST":
        return redirect("decision-detail", pk=pk)
    decision = _get_decision(request, pk)
    electorate_ids = {m.agency_id for m in decision.electorate.all() if m.excluded_at is None}
    agencies = [a for a in agencies_represented(request.user) if a.pk in electorate_ids]
    form = PositionForm(request.POST, agencies=agencies or list(agencies_represented(request.user)))
    from_inbox = request.POST.get("from") == "inbox"
    if request.POST.get("edit"):
        return _render_detail_with(request, pk, status=200, position_form=form)
    event = None
    if form.is_valid():
        agency, value = form.cleaned_data["agency"], form.cleaned_data["value"]
        try:
            statement = services.position_check(
                value=value, statement=form.cleaned_data["statement"]
            )
            current = selectors.current_position_value(decision.pk, agency.pk)
            confirmed = request.POST.get("confirmed") == "1"
            still_current = request.POST.get("expected", "") == (current or "")
            if _needs_confirmation(current, value) and not (confirmed and still_current):
                confirmation = CastConfirmation(
                    decision=decision,
                    agency=agency,
                    value=value,
                    statement=statement,
                    current=current,
                    from_inbox=from_inbox,
                    changed_meanwhile=confirmed,
                )
                return _confirm_cast(request, confirmation)
            event = services.position_cast(
                actor=actor(request),
                decision=decision,
                agency=agency,
                value=value,
                statement=statement,
            )
        except DomainError as error:
            add_domain_error(form, error)
    if event is None:
        if request.htmx:
            template = "consensus/partials/_cast_error.html"
            # 200 so that htmx swaps the message in (it ignores 4xx bodies by default).
            return render(request, template, {"form": form, "decision": decision})
        if from_inbox:
            for messages_ in form.errors.values():
                for message in messages_:
                    messages.error(request, str(message))
            return redirect("decision-awaiting")
        return _render_detail_with(request, pk, position_form=form)
    context = {"event": event, "decision": decision}
    if request.htmx:
        return render(request, "consensus/partials/_receipt.html", context)
    messages.success(
        request,
        f"{event.agency.acronym}: {event.get_value_display()} recorded. Receipt: {event.hash}",
    )
    if from_inbox:
        return redirect("decision-awaiting")
    return redirect("decision-detail", pk=pk)


def _confirm_cast(request: HtmxHttpRequest, confirmation: CastConfirmation) -> HttpResponse:
    """The confirmation step: a fragment for htmx, otherwise a page of its own."""
    context = {
        "decision": confirmation.decision,
        "c": confirmation,
        "hx_target": request.htmx.target if request.htmx else None,
    }
    if request.htmx:
        return render(request, "consensus/partials/_cast_confirm.html", context)
    context.update(
        fragment="consensus/partials/_cast_confirm.html",
        page_title="Confirm your agency's position",
        level=1,  # the page's own heading
    )
    return render(request, "consensus/confirm.html", context)


@login_required
@require_POST
def position_record(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _get_decision(request, pk)
    electorate = [m.agency for m in decision.electorate.all() if m.excluded_at is None]
    form = RecordOnBehalfForm(request.POST, agencies=electorate)
    if form.is_valid():
        try:
            event = services.position_record_on_behalf(
                actor=actor(request), decision=decision, **form.cleaned_data
            )
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from error
            add_domain_error(form, error)
        else:
            messages.success(request, f"Recorded for {event.agency.acronym}. Receipt: {event.hash}")
            return redirect("decision-detail", pk=pk)
    return _render_detail_with(request, pk, record_form=form)


@login_required
@require_POST
def decision_extend(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _get_decision(request, pk)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            services.decision_extend(actor=actor(request), decision=decision, **form.cleaned_data)
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from error
            add_domain_error(form, error)
        else:
            messages.success(request, "The deadline is extended; everyone is told.")
            return redirect("decision-detail", pk=pk)
    return _render_detail_with(request, pk, extend_form=form)


@login_required
@require_POST
def decision_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdrawing cannot be undone: an open decision is withdrawn only once the chair or
    the secretariat confirms it (a second POST with `confirmed=1`)."""
    decision = _get_decision(request, pk)
    if not _may_manage(request.user):
        raise PermissionDenied("Only the chair or the secretariat may withdraw a decision.")
    form = WithdrawForm(request.POST)
    if form.is_valid():
        if decision.state == DecisionState.OPEN and request.POST.get("confirmed") != "1":
            context = {
                "decision": decision,
                "reason": form.cleaned_data["reason"],
                "fragment": "consensus/partials/_withdraw_confirm.html",
                "page_title": "Withdraw this decision?",
                "level": 1,
            }
            return render(request, "consensus/confirm.html", context)
        try:
            services.decision_withdraw(actor=actor(request), decision=decision, **form.cleaned_data)
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from error
            add_domain_error(form, error)
        else:
            messages.success(request, "The decision is withdrawn.")
            return redirect("decision-detail", pk=pk)
    return _render_detail_with(request, pk, withdraw_form=form)


@login_required
@require_POST
def decision_new_round(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _get_decision(request, pk)
    form = NewRoundForm(request.POST)
    if form.is_valid():
        try:
            new = services.decision_new_round(
                actor=actor(request), decision=decision, **form.cleaned_data
            )
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from error
            add_domain_error(form, error)
        else:
            messages.success(request, "A new round is open.")
            return redirect("decision-detail", pk=new.pk)
    return _render_detail_with(request, pk, new_round_form=form)


@login_required
def decision_open(request: HttpRequest) -> HttpResponse:
    """Chair or secretariat: put a motion to consensus."""
    if not _may_manage(request.user):
        raise PermissionDenied("Only the chair or the secretariat may open a decision.")
    form = DecisionOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.motion_propose(
                actor=actor(request),
                title=data["title"],
                text=data["text"],
                deadline=data["deadline"],
                procedure=data["procedure"],
                quorum=(data["quorum_numerator"], data["quorum_denominator"]),
            )
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from error
            add_domain_error(form, error)
        else:
            messages.success(request, "The decision is open; the agencies are told.")
            return redirect("decision-detail", pk=decision.pk)
    return render(request, "consensus/open.html", {"form": form})


@login_required
def decision_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """The position ledger of one decision and whether its whole record verifies."""
    decision = _get_decision(request, pk)
    events = list(decision.position_events.all())
    context = {
        "decision": decision,
        "events": events,
        "check": verification.verify_decision_record(decision),
        "seal": DecisionSeal.objects.filter(decision=decision).first(),
        "public_key": seal.public_key_info(),
    }
    return render(request, "consensus/ledger.html", context)


@login_required
def decision_record_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision's record as a JSON bundle, to keep and verify offline."""
    decision = _get_decision(request, pk)
    bundle = verification.record_bundle(decision)
    response = JsonResponse(bundle, json_dumps_params={"indent": 1, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="decision-{decision.pk}-record.json"'
    return response
