"""Pages for the Terms of Reference and membership: thin adapters over services and selectors."""

from __future__ import annotations

from typing import Any

import markdown
import nh3
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import ModelChoiceField
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from agencies.roles import agencies_represented, is_chair, is_secretariat, represented_agency_ids
from isecg.errors import DomainError
from isecg.forms_util import add_domain_error
from isecg.http import HtmxHttpRequest, actor
from membership import applicants, selectors, services
from membership.forms import (
    AcceptanceForm,
    AmendmentDraftForm,
    AmendmentForm,
    DecisionOpenForm,
    ExtensionForm,
    RequestApplyForm,
    RequestCompleteForm,
    RequestRecordForm,
    RequestReturnForm,
    WithdrawalForm,
    WithdrawForm,
)
from membership.models import (
    MembershipRequest,
    ProposalState,
    RequestState,
    ToRAcceptance,
    ToRAmendment,
    ToRExtensionProposal,
    ToRVersion,
    Withdrawal,
)

PAGE_SIZE = 50


def render_markdown(text: str) -> str:
    html = markdown.markdown(text, extensions=["footnotes", "sane_lists", "tables"])
    return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised by nh3 just above


def _limit(form: Any, field: str, queryset: Any) -> None:
    """Representatives choose among their own agencies only."""
    choice: ModelChoiceField[Any] = form.fields[field]
    choice.queryset = queryset


def _secretariat_only(request: HttpRequest) -> None:
    if not is_secretariat(request.user):
        raise PermissionDenied("Only the secretariat may do this.")


def _status_context(request: HttpRequest) -> dict[str, Any]:
    status = services.tor_status()
    return {"tor_status": status}


# --- Terms of Reference ----------------------------------------------------


def tor_current(request: HttpRequest) -> HttpResponse:
    """The ToR in force with its history (public: the ToR is a public document)."""
    version = selectors.version_in_force()
    history = list(selectors.versions().defer("text"))
    context = {
        "version": version,
        "html": render_markdown(version.text) if version else "",
        "history": history,
        "extensions": list(selectors.extension_history()),
        "can_manage": is_secretariat(request.user),
        "can_propose": is_secretariat(request.user) or bool(represented_agency_ids(request.user)),
        **_status_context(request),
    }
    if len(history) >= 2:
        context["diff_from"], context["diff_to"] = history[1], history[0]
    return render(request, "membership/tor_current.html", context)


def tor_version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ToRVersion, pk=pk)
    return render(
        request,
        "membership/tor_version.html",
        {"version": version, "html": render_markdown(version.text), **_status_context(request)},
    )


def tor_diff(request: HttpRequest) -> HttpResponse:
    """A readable diff between any two versions: side by side (default) or unified."""
    all_versions = list(ToRVersion.objects.order_by("sequence"))
    by_pk = {str(v.pk): v for v in all_versions}
    if len(all_versions) < 2:
        raise Http404("There is only one version.")
    old = by_pk.get(request.GET.get("from", "")) or all_versions[-2]
    new = by_pk.get(request.GET.get("to", "")) or all_versions[-1]
    mode = "unified" if request.GET.get("mode") == "unified" else "side"
    context = {
        "versions": all_versions,
        "old": old,
        "new": new,
        "mode": mode,
        "unified_lines": selectors.unified_diff(
            old.text, new.text, old_label=old.label, new_label=new.label
        ).splitlines(),
        **_status_context(request),
    }
    if mode == "side":
        context["table"] = mark_safe(selectors.side_by_side_diff(old, new))  # noqa: S308 - escaped by difflib
    return render(request, "membership/tor_diff.html", context)


# --- Acceptances -----------------------------------------------------------


@login_required
def acceptance_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.acceptances_visible_to(request.user).order_by(
        "agency__acronym", "-accepted_on"
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    secretariat = is_secretariat(request.user)
    return render(
        request,
        "membership/acceptance_list.html",
        {
            "page": page,
            "can_manage": secretariat,
            # ToR VII: who has no basis under the version in force (the secretariat follows up).
            "lacking": selectors.agencies_lacking_tor_basis() if secretariat else None,
            "version": selectors.version_in_force() if secretariat else None,
        },
    )


@login_required
def acceptance_create(request: HttpRequest) -> HttpResponse:
    """ToR III.1: the secretariat records a letter; a head of delegation submits one online."""
    user = actor(request)
    secretariat = is_secretariat(user)
    mine = agencies_represented(user)
    if not secretariat and not mine.exists():
        raise PermissionDenied("Only the secretariat or a head of delegation records acceptances.")
    form = AcceptanceForm(request.POST or None, request.FILES or None)
    if not secretariat:
        _limit(form, "agency", mine)
    form.fields["version"].initial = selectors.version_in_force()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.tor_accept(
                actor=user,
                agency=data["agency"],
                version=data["version"],
                accepted_on=data["accepted_on"],
                signatory_name=data["signatory_name"],
                signatory_title=data["signatory_title"],
                letter=data["letter"],
            )
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from None
            add_domain_error(form, error)
        else:
            messages.success(request, f"The acceptance of {data['agency']} is recorded.")
            return redirect("tor-acceptance-list")
    return render(request, "membership/acceptance_form.html", {"form": form})


# --- Membership requests (ToR III.1) ---------------------------------------


@login_required
def request_list(request: HtmxHttpRequest) -> HttpResponse:
    queryset = selectors.requests_visible_to(request.user)
    state = request.GET.get("state", "")
    if state in RequestState.values:
        queryset = queryset.filter(state=state)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "states": RequestState.choices,
        "state": state,
        "can_manage": is_secretariat(request.user),
        "can_apply": applicants.applicant_account_of(request.user) is not None,
    }
    template = (
        "membership/partials/_request_table.html"
        if request.htmx
        else "membership/request_list.html"
    )
    return render(request, template, context)


def _request_or_404(request: HttpRequest, pk: int) -> MembershipRequest:
    obj = selectors.request_detail(request.user, pk)
    if obj is None:
        raise Http404("No such membership request.")
    return obj


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _request_or_404(request, pk)
    manage = is_secretariat(request.user)
    own = obj.submitted_by_id == request.user.pk
    context = {
        "req": obj,
        "can_manage": manage,
        "is_applicant": own,
        "may_withdraw": (manage or own) and obj.is_open,
        "return_form": RequestReturnForm(),
        "open_form": DecisionOpenForm(),
        "complete_form": RequestCompleteForm(),
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "membership/request_detail.html", context)


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    """ToR III.1: the secretariat records a request received by mail."""
    _secretariat_only(request)
    form = RequestRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            obj = services.membership_request_record(actor=actor(request), **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"The request of {obj.agency} is recorded.")
            return redirect("membership-request-detail", pk=obj.pk)
    return render(
        request, "membership/request_form.html", {"form": form, "title": "Record a request"}
    )


@login_required
def request_apply(request: HttpRequest) -> HttpResponse:
    """ToR III.1: a verified applicant account submits its agency's request online."""
    refusal = applicants.applicant_refusal(request.user)
    if refusal is not None:
        request._isecg_denied_reason = refusal.code  # type: ignore[attr-defined]
        return render(
            request,
            "membership/applicant_refused.html",
            {"title": "Request to join the ISECG", "reason": refusal.detail, "code": refusal.code},
            status=403,
        )
    account = applicants.applicant_account_required(request.user)
    initial = {
        "agency_name": account.agency_name,
        "agency_acronym": account.agency_acronym,
        "country": account.country,
    }
    form = RequestApplyForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.membership_request_submit_online(
                actor=actor(request), **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Your request is submitted to the ISECG Secretariat.")
            return redirect("membership-request-detail", pk=obj.pk)
    return render(
        request,
        "membership/request_form.html",
        {"form": form, "title": "Request to join the ISECG", "apply": True},
    )


def _after_action(request: HttpRequest, obj: MembershipRequest, error: DomainError | None, ok: str):  # type: ignore[no-untyped-def]
    if error is not None:
        if error.status_code == 403:
            raise PermissionDenied(error.detail)
        messages.error(request, error.detail)
    else:
        messages.success(request, ok)
    return redirect("membership-request-detail", pk=obj.pk)


@login_required
@require_POST
def request_return(request: HttpRequest, pk: int) -> HttpResponse:
    _secretariat_only(request)
    obj = _request_or_404(request, pk)
    form = RequestReturnForm(request.POST)
    form.is_valid()
    try:
        services.membership_request_return(
            actor=actor(request), request=obj, reason=form.cleaned_data.get("reason", "")
        )
    except DomainError as error:
        return _after_action(request, obj, error, "")
    return _after_action(request, obj, None, "Returned to the applicant for completion.")


@login_required
@require_POST
def request_circulate(request: HttpRequest, pk: int) -> HttpResponse:
    _secretariat_only(request)
    obj = _request_or_404(request, pk)
    form = DecisionOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a procedure and a deadline.")
        return redirect("membership-request-detail", pk=obj.pk)
    try:
        services.membership_request_circulate(
            actor=actor(request), request=obj, **form.cleaned_data
        )
    except DomainError as error:
        return _after_action(request, obj, error, "")
    return _after_action(
        request, obj, None, "Circulated to the chair and the participating agencies; decision open."
    )


@login_required
@require_POST
def request_complete(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _request_or_404(request, pk)
    form = RequestCompleteForm(request.POST, request.FILES)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if v}
    try:
        services.membership_request_complete(actor=actor(request), request=obj, **data)
    except DomainError as error:
        return _after_action(request, obj, error, "")
    return _after_action(
        request, obj, None, "The request is completed and back with the secretariat."
    )


@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _request_or_404(request, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.membership_request_withdraw(
            actor=actor(request), request=obj, reason=form.cleaned_data.get("reason", "")
        )
    except DomainError as error:
        return _after_action(request, obj, error, "")
    return _after_action(request, obj, None, "The request is withdrawn.")


# --- Amendments (ToR V) and extensions (ToR VII) -----------------------------


@login_required
def amendment_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.amendments_visible_to(request.user).defer("new_text", "diff")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "membership/amendment_list.html",
        {"page": page, "can_propose": _may_propose(request)},
    )


def _may_propose(request: HttpRequest) -> bool:
    return is_secretariat(request.user) or bool(represented_agency_ids(request.user))


@login_required
def amendment_create(request: HttpRequest) -> HttpResponse:
    """ToR V: a participating agency proposes an amendment."""
    if not _may_propose(request):
        raise PermissionDenied("Only representatives and the secretariat propose amendments.")
    current = selectors.version_latest()
    form = AmendmentForm(
        request.POST or None,
        initial={"new_text": current.text if current else "", "base_version": current},
    )
    if not is_secretariat(request.user):
        _limit(form, "proposing_agency", agencies_represented(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.tor_amendment_propose(actor=actor(request), **form.cleaned_data)
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from None
            add_domain_error(form, error)
        else:
            messages.success(request, "The amendment is proposed.")
            return redirect("tor-amendment-detail", pk=amendment.pk)
    return render(request, "membership/amendment_form.html", {"form": form})


def _may_act_for_proposer(request: HttpRequest, amendment: ToRAmendment) -> bool:
    return is_secretariat(request.user) or amendment.proposing_agency_id in represented_agency_ids(
        request.user
    )


def _new_round_offered(amendment: ToRAmendment, base_current: bool) -> bool:
    """ToR V: a new round on the current text follows a superseded or rejected round, or a
    proposal whose base was superseded before its decision opened."""
    if amendment.state in (ProposalState.SUPERSEDED, ProposalState.REJECTED):
        return True
    return amendment.state == ProposalState.PROPOSED and not base_current


def _amendment_page(
    request: HttpRequest,
    amendment: ToRAmendment,
    *,
    open_form: DecisionOpenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    base_current = selectors.version_is_current_text(amendment.base_version)
    mine = _may_act_for_proposer(request, amendment)
    return render(
        request,
        "membership/amendment_detail.html",
        {
            "amendment": amendment,
            "diff_lines": amendment.diff.splitlines(),
            "base_current": base_current,
            "current_text": None if base_current else selectors.version_latest(),
            "next_rounds": list(amendment.next_rounds.order_by("created_at", "id")),
            "can_open": (is_secretariat(request.user) or is_chair(request.user)) and base_current,
            "can_withdraw": mine,
            "can_new_round": mine and _new_round_offered(amendment, base_current),
            "open_form": open_form or DecisionOpenForm(),
        },
        status=status,
    )


@login_required
def amendment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = get_object_or_404(selectors.amendments_visible_to(request.user), pk=pk)
    return _amendment_page(request, amendment)


@login_required
def amendment_new_round(request: HttpRequest, pk: int) -> HttpResponse:
    """ToR V: start a new round on the current text, linked to this amendment."""
    previous = get_object_or_404(selectors.amendments_visible_to(request.user), pk=pk)
    if not _may_act_for_proposer(request, previous):
        raise PermissionDenied("The proposing agency or the secretariat starts a new round.")
    current = selectors.version_latest()
    form = AmendmentDraftForm(
        request.POST or None,
        initial={
            "label": previous.label,
            "rationale": previous.rationale,
            "effective_from": previous.effective_from,
            "new_text": current.text if current else "",
            "base_version": current,
        },
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.tor_amendment_new_round(
                actor=actor(request), amendment=previous, **form.cleaned_data
            )
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from None
            add_domain_error(form, error)
            status = error.status_code
        else:
            messages.success(request, "A new round is proposed on the current text (ToR V).")
            return redirect("tor-amendment-detail", pk=amendment.pk)
    elif request.method == "POST":
        status = 400
    since = (
        selectors.unified_diff(
            previous.base_version.text,
            current.text,
            old_label=previous.base_version.label,
            new_label=current.label,
        )
        if current is not None and current.pk != previous.base_version_id
        else ""
    )
    return render(
        request,
        "membership/amendment_round_form.html",
        {
            "form": form,
            "previous": previous,
            "current": current,
            "previous_diff_lines": previous.diff.splitlines(),
            "since_lines": since.splitlines(),
        },
        status=status,
    )


@login_required
@require_POST
def amendment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("open", "withdraw"):
        raise Http404("No such action.")
    amendment = get_object_or_404(ToRAmendment, pk=pk)
    try:
        if action == "open":
            form = DecisionOpenForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a procedure and a deadline.")
                return redirect("tor-amendment-detail", pk=pk)
            try:
                services.tor_amendment_open_decision(
                    actor=actor(request), amendment=amendment, **form.cleaned_data
                )
            except DomainError as error:
                if error.status_code == 403:
                    raise
                # ToR V: e.g. `base_superseded`: a form error, with the new round offered.
                add_domain_error(form, error)
                visible = get_object_or_404(selectors.amendments_visible_to(request.user), pk=pk)
                return _amendment_page(request, visible, open_form=form, status=error.status_code)
            messages.success(request, "A consensus decision is open (ToR V).")
        else:
            services.tor_amendment_withdraw(actor=actor(request), amendment=amendment)
            messages.success(request, "The amendment is withdrawn.")
    except DomainError as error:
        if error.status_code == 403:
            raise PermissionDenied(error.detail) from None
        messages.error(request, error.detail)
    return redirect("tor-amendment-detail", pk=pk)


@login_required
def extension_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "membership/extension_list.html",
        {
            "proposals": selectors.extension_proposals_visible_to(request.user)[:200],
            "extensions": list(selectors.extension_history()),
            "can_propose": _may_propose(request),
            "can_open": is_secretariat(request.user) or is_chair(request.user),
            "open_form": DecisionOpenForm(),
            "open_states": [ProposalState.PROPOSED],
            **_status_context(request),
        },
    )


@login_required
def extension_create(request: HttpRequest) -> HttpResponse:
    """ToR VII: propose a new expiry date for the ISECG."""
    if not _may_propose(request):
        raise PermissionDenied("Only representatives and the secretariat propose extensions.")
    form = ExtensionForm(request.POST or None)
    if not is_secretariat(request.user):
        _limit(form, "proposing_agency", agencies_represented(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.tor_extension_propose(actor=actor(request), **form.cleaned_data)
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from None
            add_domain_error(form, error)
        else:
            messages.success(request, "The extension is proposed.")
            return redirect("tor-extension-list")
    return render(
        request, "membership/extension_form.html", {"form": form, **_status_context(request)}
    )


@login_required
@require_POST
def extension_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("open", "withdraw"):
        raise Http404("No such action.")
    proposal = get_object_or_404(ToRExtensionProposal, pk=pk)
    try:
        if action == "open":
            form = DecisionOpenForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a procedure and a deadline.")
                return redirect("tor-extension-list")
            services.tor_extension_open_decision(
                actor=actor(request), proposal=proposal, **form.cleaned_data
            )
            messages.success(request, "A consensus decision is open (ToR VII).")
        else:
            services.tor_extension_withdraw(actor=actor(request), proposal=proposal)
            messages.success(request, "The proposal is withdrawn.")
    except DomainError as error:
        if error.status_code == 403:
            raise PermissionDenied(error.detail) from None
        messages.error(request, error.detail)
    return redirect("tor-extension-list")


# --- Withdrawal (ToR VI) ---------------------------------------------------


@login_required
def withdrawal_list(request: HttpRequest) -> HttpResponse:
    withdrawals = selectors.withdrawals_visible_to(request.user)[:200]
    return render(
        request,
        "membership/withdrawal_list.html",
        {"withdrawals": withdrawals, "can_manage": is_secretariat(request.user)},
    )


@login_required
def withdrawal_create(request: HttpRequest) -> HttpResponse:
    _secretariat_only(request)
    form = WithdrawalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            withdrawal = services.withdrawal_record(actor=actor(request), **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"The withdrawal of {withdrawal.agency} is recorded.")
            return redirect("withdrawal-list")
    return render(request, "membership/withdrawal_form.html", {"form": form})


# --- Letters: only through this permission-checked view ---------------------

LETTER_MODELS: dict[str, Any] = {
    "request": MembershipRequest,
    "acceptance": ToRAcceptance,
    "withdrawal": Withdrawal,
}


@login_required
def letter_download(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    model = LETTER_MODELS.get(kind)
    if model is None:
        raise Http404("No such letter.")
    obj: Any = get_object_or_404(model, pk=pk)
    if not obj.letter or not selectors.may_download_letter(request.user, obj):
        raise Http404("No such letter.")
    response = FileResponse(
        obj.letter.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{kind}-{obj.pk}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
