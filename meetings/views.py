"""Pages of the meetings app: thin adapters over meetings.services and meetings.selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import markdown
import nh3
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.models import Agency, AgencyStatus
from agencies.roles import agencies_represented, is_chair, is_secretariat
from isecg.errors import DomainError, PermissionDeniedError
from isecg.forms_util import add_domain_error
from isecg.http import HtmxHttpRequest, actor
from meetings import calendar, forms, selectors, services
from meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    ChairNomination,
    HandoverItem,
    Meeting,
    MeetingState,
    Minutes,
    MinutesState,
    TeleconferenceSeries,
    VenueProposalState,
)
from meetings.recurrence import FORMAT_HELP, explain


def render_markdown(text: str) -> str:
    """Markdown to HTML, sanitised with nh3."""
    return nh3.clean(markdown.markdown(text or "", extensions=["extra", "sane_lists"]))


def _my_agencies(request: HttpRequest) -> QuerySet[Agency]:
    if is_secretariat(request.user):
        return Agency.objects.filter(status=AgencyStatus.PARTICIPATING).order_by("acronym")
    return agencies_represented(request.user).filter(status=AgencyStatus.PARTICIPATING)


def _require_manager(request: HttpRequest) -> None:
    if not selectors.may_manage(request.user):
        raise PermissionDenied("Only the chair or the secretariat may do this.")


def _require_secretariat(request: HttpRequest) -> None:
    if not is_secretariat(request.user):
        raise PermissionDenied("Only the secretariat may do this.")


def _act(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run one service call for a POST; a refusal becomes 403 or a message."""
    try:
        action()
    except PermissionDeniedError as error:
        raise PermissionDenied(error.detail) from error
    except DomainError as error:
        messages.error(request, error.detail)
        return False
    messages.success(request, success)
    return True


def _posted(request: HttpRequest) -> Any:
    """The POST data for a form, bound even when empty (an empty POST is an error shown)."""
    return request.POST if request.method == "POST" else None


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meetings_visible_to(request.user).filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def _form_page(
    request: HttpRequest,
    form: Any,
    template: str,
    context: dict[str, Any],
    action: Callable[[dict[str, Any]], Any],
    success: Callable[[Any], HttpResponse],
) -> HttpResponse:
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = action(form.cleaned_data)
            except PermissionDeniedError as error:
                raise PermissionDenied(error.detail) from error
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status_code
            else:
                return success(result)
        else:
            status = 400
    return render(request, template, {**context, "form": form}, status=status)


# --- meetings --------------------------------------------------------------------------


@login_required
def meeting_list(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.MeetingFilterForm(request.GET or None)
    meetings = selectors.meetings_visible_to(request.user)
    now = timezone.now()
    if form.is_valid():
        if form.cleaned_data["kind"]:
            meetings = meetings.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["when"] == "upcoming":
            meetings = meetings.filter(ends_at__gte=now).order_by("starts_at")
        elif form.cleaned_data["when"] == "past":
            meetings = meetings.filter(ends_at__lt=now)
    context = {
        "meetings": meetings[:200],
        "filter_form": form,
        "can_manage": selectors.may_manage(request.user),
        "can_propose": is_secretariat(request.user) or _my_agencies(request).exists(),
        "chair": selectors.current_chair_term(),
    }
    template = "meetings/partials/_table.html" if request.htmx else "meetings/list.html"
    return render(request, template, context)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_detail(request.user, pk)
    if meeting is None:
        raise Http404("No such meeting.")
    user = request.user
    can_manage = selectors.may_manage(user)
    mine = list(_my_agencies(request))
    minutes = [
        (version, render_markdown(version.body))
        for version in meeting.minutes.all()
        if selectors.minutes_visible(user, version)
    ]
    venue_proposals = selectors.venue_proposals_of(meeting)
    context = {
        "meeting": meeting,
        "minutes_versions": minutes,
        "latest_minutes": meeting.minutes.all()[0] if meeting.minutes.all() else None,
        "can_manage": can_manage,
        "is_secretariat": is_secretariat(user),
        "my_agencies": mine,
        "my_agency_ids": {a.pk for a in mine},
        "venue_proposals": venue_proposals,
        "has_agreed_venue": any(
            view.proposal.state == VenueProposalState.AGREED for view in venue_proposals
        ),
        "is_chair": is_chair(user),
        "now": timezone.now(),
        "agenda_form": forms.AgendaItemForm(),
        "action_form": forms.ActionItemForm(),
        "deadline_form": forms.DeadlineForm(),
        "comment_form": forms.CommentForm(
            agencies=Agency.objects.filter(pk__in=[a.pk for a in mine])
        ),
        "attendance_form": forms.AttendanceForm(
            agencies=Agency.objects.filter(pk__in=[a.pk for a in mine])
        ),
        "open_for_delegations": meeting.state in (MeetingState.PROPOSED, MeetingState.SCHEDULED),
        "agenda_withdrawable": can_manage and services.agenda_withdrawal_open(meeting),
        "can_cancel": services.may_cancel(user, meeting),
        "can_withdraw_venue": bool(venue_proposals)
        and services.may_withdraw_venue_proposal(user, venue_proposals[0].proposal),
        "cancellation": selectors.meeting_cancellation(meeting),
    }
    return render(request, "meetings/detail.html", context)


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    """ToR III.2.2: the chair and the secretariat schedule remote meetings; a hosted
    meeting is proposed for a consensus decision instead (the page says where)."""
    _require_manager(request)
    form = forms.MeetingForm(request.POST or None)

    def action(data: dict[str, Any]) -> Meeting:
        values = form.localise()
        return services.meeting_create(actor=actor(request), **values)

    return _form_page(
        request,
        form,
        "meetings/form.html",
        {
            "heading": "Schedule a teleconference",
            "intro": "ToR III.2.2: teleconferences and other remote meetings, which have no "
            "host, are scheduled by the chair and the secretariat. A meeting hosted by "
            "agencies at a venue is agreed by consensus: propose the venue instead.",
            "alternative": (reverse("venue-propose"), "Propose to host a meeting"),
        },
        action,
        lambda m: redirect("meeting-detail", pk=m.pk),
    )


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a meeting's details or dates (e.g. move one occurrence of a series). The
    place and hosts change only through a new venue decision (ToR III.2.2)."""
    _require_manager(request)
    meeting = _meeting(request, pk)
    zone = meeting.zone
    initial = {
        "title": meeting.title,
        "kind": meeting.kind,
        "starts_at": meeting.starts_at.astimezone(zone).replace(tzinfo=None),
        "ends_at": meeting.ends_at.astimezone(zone).replace(tzinfo=None),
        "time_zone": meeting.time_zone,
        "dial_in": meeting.dial_in,
        "associated_event": meeting.associated_event,
        "notes": meeting.notes,
    }
    form = forms.MeetingEditForm(request.POST or None, initial=initial)

    def action(data: dict[str, Any]) -> Meeting:
        values = form.localise()
        reason = values.pop("reason", "")
        return services.meeting_update(
            actor=actor(request), meeting=meeting, reason=reason, **values
        )

    intro = "A change of dates needs a reason; it is recorded and announced to every agency."
    if meeting.city:
        intro += (
            f" The venue ({meeting.place}) and hosts were agreed by consensus: they change "
            "only through a new venue proposal (ToR III.2.2)."
        )
    return _form_page(
        request,
        form,
        "meetings/form.html",
        {
            "heading": f"Change {meeting.title}",
            "meeting": meeting,
            "intro": intro,
            "alternative": (reverse("venue-change", args=[meeting.pk]), "Propose a new venue")
            if meeting.city and meeting.state == MeetingState.SCHEDULED
            else None,
        },
        action,
        lambda m: redirect("meeting-detail", pk=m.pk),
    )


@login_required
@require_POST
def meeting_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    meeting = _meeting(request, pk)
    calls: dict[str, tuple[Callable[[], Any], str]] = {
        "schedule": (
            lambda: services.meeting_schedule(actor=actor(request), meeting=meeting),
            "The meeting is scheduled.",
        ),
        "held": (
            lambda: services.meeting_mark_held(actor=actor(request), meeting=meeting),
            "The meeting is recorded as held.",
        ),
    }
    if action not in calls:
        raise Http404("No such action.")
    call, message = calls[action]
    _act(request, call, message)
    return redirect("meeting-detail", pk=meeting.pk)


@login_required
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancelling is final: the page asks for a reason and an explicit confirmation (a
    required checkbox, no JavaScript needed). ToR III.2.2: a meeting whose venue was agreed
    by consensus is cancelled by its host withdrawing its voluntary offer to host (or the
    secretariat recording that withdrawal, with evidence); others by the chair or the
    secretariat. The service decides; a refusal is a 403 or a field error."""
    meeting = _meeting(request, pk)
    if meeting.state == MeetingState.CANCELLED:
        return redirect("meeting-detail", pk=pk)
    if not services.may_cancel(request.user, meeting):
        raise PermissionDenied(
            "Only a host agency withdrawing its offer to host (or the secretariat recording "
            "that withdrawal) cancels a meeting agreed by consensus; other meetings, the chair "
            "or the secretariat."
        )
    agreed = services.has_agreed_venue(meeting)
    hosts = None
    on_behalf = False
    if agreed:
        hosts = meeting.hosts.filter(
            pk__in=agencies_represented(request.user).values("pk")
        ).order_by("acronym")
        if not hosts.exists():
            hosts, on_behalf = meeting.hosts.order_by("acronym"), True
    form = forms.MeetingCancelForm(_posted(request), hosts=hosts, on_behalf=on_behalf)

    def success(_: Meeting) -> HttpResponse:
        messages.success(request, "The meeting is cancelled; every agency is told.")
        return redirect("meeting-detail", pk=pk)

    return _form_page(
        request,
        form,
        "meetings/cancel.html",
        {
            "heading": f"Cancel {meeting.title}",
            "meeting": meeting,
            "agreed": agreed,
            "on_behalf": on_behalf,
            "submit_label": "Cancel the meeting",
        },
        lambda data: services.meeting_cancel(
            actor=actor(request),
            meeting=meeting,
            reason=data["reason"],
            host_agency=data.get("host_agency"),
            evidence=data.get("evidence", ""),
        ),
        success,
    )


@login_required
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meetings_visible_to(request.user).filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such meeting.")
    response = HttpResponse(
        calendar.meeting_ics(meeting), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="isecg-meeting-{meeting.pk}.ics"'
    return response


@login_required
def meeting_print(request: HttpRequest, pk: int) -> HttpResponse:
    """A print-ready page of the minutes (the browser turns it into a PDF)."""
    meeting = selectors.meeting_detail(request.user, pk)
    if meeting is None:
        raise Http404("No such meeting.")
    version_number = request.GET.get("version")
    versions = [v for v in meeting.minutes.all() if selectors.minutes_visible(request.user, v)]
    if version_number:
        versions = [v for v in versions if str(v.version) == version_number]
    if not versions:
        raise Http404("No minutes to print.")
    minutes = versions[0]
    return render(
        request,
        "meetings/print.html",
        {"meeting": meeting, "minutes": minutes, "html": render_markdown(minutes.body)},
    )


# --- agenda, delegations, advisors ---------------------------------------------------------


@login_required
@require_POST
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    meeting = _meeting(request, pk)
    form = forms.AgendaItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the agenda item a title.")
        return redirect("meeting-detail", pk=pk)
    data = form.cleaned_data
    decision = None
    if data.get("decision_id"):
        from consensus.models import Decision

        decision = Decision.objects.filter(pk=data["decision_id"]).first()
        if decision is None:
            messages.error(request, f"There is no decision {data['decision_id']}.")
            return redirect("meeting-detail", pk=pk)
    product = None
    if data.get("product_id"):
        product = selectors.product_by_id(data["product_id"])
        if product is None:
            messages.error(request, f"There is no product {data['product_id']}.")
            return redirect("meeting-detail", pk=pk)
    _act(
        request,
        lambda: services.agenda_item_add(
            actor=actor(request),
            meeting=meeting,
            title=data["title"],
            description=data["description"],
            decision=decision,
            product=product,
            product_title=data["product_title"],
        ),
        "Agenda item added.",
    )
    return redirect("meeting-detail", pk=pk)


@login_required
@require_POST
def agenda_move(request: HttpRequest, pk: int, item_id: int, direction: str) -> HttpResponse:
    _require_manager(request)
    meeting = _meeting(request, pk)
    ids = list(meeting.agenda_items.active().order_by("position").values_list("pk", flat=True))
    if item_id not in ids or direction not in ("up", "down"):
        raise Http404("No such agenda item.")
    index = ids.index(item_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        _act(
            request,
            lambda: services.agenda_reorder(actor=actor(request), meeting=meeting, item_ids=ids),
            "Agenda reordered.",
        )
    return redirect("meeting-detail", pk=pk)


@login_required
def agenda_withdraw(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """Take an item off the agenda with a reason; it stays on the page as withdrawn.

    The meeting page posts here from a short inline form; this page shows the same form
    on its own, with the field's error when the reason is missing or the service refuses.
    """
    _require_manager(request)
    meeting = _meeting(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)
    form = forms.AgendaWithdrawForm(request.POST or None)

    def action(data: dict[str, Any]) -> AgendaItem:
        return services.agenda_item_withdraw(actor=actor(request), item=item, reason=data["reason"])

    def success(_: AgendaItem) -> HttpResponse:
        messages.success(request, f"Agenda item withdrawn: {item.title}.")
        return redirect("meeting-detail", pk=pk)

    return _form_page(
        request,
        form,
        "meetings/form.html",
        {
            "heading": f"Withdraw an agenda item: {item.title}",
            "intro": "The item leaves the agenda and stays on record as withdrawn, with the "
            "reason, who withdrew it and when.",
            "meeting": meeting,
            "submit_label": "Withdraw",
        },
        action,
        success,
    )


@login_required
@require_POST
def attendance_register(request: HttpRequest, pk: int) -> HttpResponse:
    """A representative registers themselves in their agency's delegation."""
    meeting = _meeting(request, pk)
    agency = get_object_or_404(Agency, pk=request.POST.get("agency") or 0)
    user = actor(request)
    _act(
        request,
        lambda: services.attendance_register(actor=user, meeting=meeting, agency=agency, user=user),
        f"You are in the {agency.acronym} delegation.",
    )
    return redirect("meeting-detail", pk=pk)


@login_required
@require_POST
def attendance_withdraw(request: HttpRequest, pk: int, attendance_id: int) -> HttpResponse:
    attendance = get_object_or_404(
        Attendance.objects.select_related("agency", "user"), pk=attendance_id, meeting_id=pk
    )
    _act(
        request,
        lambda: services.attendance_withdraw(actor=actor(request), attendance=attendance),
        "Removed from the delegation.",
    )
    return redirect("meeting-detail", pk=pk)


@login_required
def advisor_invite(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    agencies = _my_agencies(request)
    if not agencies.exists():
        raise PermissionDenied("Only representatives invite advisors for their agency.")
    form = forms.AdvisorForm(request.POST or None, agencies=agencies)

    def action(data: dict[str, Any]) -> Any:
        return services.advisor_invite(actor=actor(request), meeting=meeting, **data)

    def done(advisor: Any) -> HttpResponse:
        if advisor.late_notice:
            messages.warning(
                request, "The secretariat was notified; the notice is later than the lead time."
            )
        return redirect("meeting-detail", pk=pk)

    return _form_page(
        request,
        form,
        "meetings/form.html",
        {
            "heading": f"Invite an advisor to {meeting.title}",
            "meeting": meeting,
            "intro": "ToR III.2.1: advisors are part of the inviting delegation for this meeting only.",
        },
        action,
        done,
    )


# --- minutes --------------------------------------------------------------------------------


def _minutes(request: HttpRequest, pk: int, minutes_id: int) -> Minutes:
    minutes = get_object_or_404(
        Minutes.objects.select_related("meeting"), pk=minutes_id, meeting_id=pk
    )
    if not selectors.minutes_visible(request.user, minutes):
        raise Http404("No such minutes.")
    return minutes


@login_required
@require_POST
def minutes_draft(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    meeting = _meeting(request, pk)
    _act(
        request,
        lambda: services.minutes_draft(actor=actor(request), meeting=meeting),
        "Draft minutes created.",
    )
    return redirect("meeting-detail", pk=pk)


@login_required
def minutes_edit(request: HttpRequest, pk: int, minutes_id: int) -> HttpResponse:
    _require_manager(request)
    minutes = _minutes(request, pk, minutes_id)
    form = forms.MinutesForm(request.POST or None, initial={"body": minutes.body})
    return _form_page(
        request,
        form,
        "meetings/form.html",
        {"heading": f"Edit {minutes}", "meeting": minutes.meeting},
        lambda data: services.minutes_edit(
            actor=actor(request), minutes=minutes, body=data["body"]
        ),
        lambda m: redirect("meeting-detail", pk=pk),
    )


@login_required
@require_POST
def minutes_circulate(request: HttpRequest, pk: int, minutes_id: int) -> HttpResponse:
    _require_manager(request)
    minutes = _minutes(request, pk, minutes_id)
    form = forms.DeadlineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a comment deadline.")
    else:
        _act(
            request,
            lambda: services.minutes_circulate(
                actor=actor(request),
                minutes=minutes,
                comment_deadline=form.cleaned_data["deadline"],
            ),
            "The draft is circulated for comments.",
        )
    return redirect("meeting-detail", pk=pk)


@login_required
@require_POST
def minutes_comment(request: HttpRequest, pk: int, minutes_id: int) -> HttpResponse:
    minutes = _minutes(request, pk, minutes_id)
    agency = get_object_or_404(Agency, pk=request.POST.get("agency") or 0)
    _act(
        request,
        lambda: services.minutes_comment(
            actor=actor(request), minutes=minutes, agency=agency, body=request.POST.get("body", "")
        ),
        "Comment recorded.",
    )
    return redirect("meeting-detail", pk=pk)


@login_required
def minutes_issue(request: HttpRequest, pk: int, minutes_id: int) -> HttpResponse:
    """Issuing is irreversible: the page asks for an explicit confirmation (a required
    checkbox, no JavaScript needed) and says whose approval the issue rests on."""
    _require_manager(request)
    minutes = _minutes(request, pk, minutes_id)
    if minutes.state == MinutesState.ISSUED:
        return redirect("meeting-detail", pk=pk)
    form = forms.IssueConfirmForm(_posted(request))

    def success(_: Minutes) -> HttpResponse:
        messages.success(request, "Minutes issued.")
        return redirect("meeting-detail", pk=pk)

    return _form_page(
        request,
        form,
        "meetings/minutes_issue.html",
        {
            "heading": f"Issue {minutes}",
            "meeting": minutes.meeting,
            "minutes": minutes,
            "chair": selectors.current_chair_term(),
            "is_chair": is_chair(request.user),
            "submit_label": "Issue the minutes",
        },
        lambda data: services.minutes_issue(actor=actor(request), minutes=minutes),
        success,
    )


@login_required
@require_POST
def minutes_approve(request: HttpRequest, pk: int, minutes_id: int) -> HttpResponse:
    """The chair approves the minutes for issue (ToR III.2.2)."""
    minutes = _minutes(request, pk, minutes_id)
    _act(
        request,
        lambda: services.minutes_approve(actor=actor(request), minutes=minutes),
        "Your approval as chair is recorded.",
    )
    return redirect("meeting-detail", pk=pk)


@login_required
def minutes_approval_record(request: HttpRequest, pk: int, minutes_id: int) -> HttpResponse:
    """The secretariat records the chair's approval received by other means, with evidence."""
    _require_secretariat(request)
    minutes = _minutes(request, pk, minutes_id)
    form = forms.EvidenceForm(_posted(request))

    def success(_: Minutes) -> HttpResponse:
        messages.success(request, "The chair's approval is recorded.")
        return redirect("meeting-detail", pk=pk)

    return _form_page(
        request,
        form,
        "meetings/form.html",
        {
            "heading": f"Record the chair's approval: {minutes}",
            "meeting": minutes.meeting,
            "intro": "ToR III.2.2: the chair, supported by the secretariat, issues the minutes. "
            "Record an approval the chair gave by other means, with its evidence.",
            "submit_label": "Record the approval",
        },
        lambda data: services.minutes_approval_record(
            actor=actor(request), minutes=minutes, evidence=data["evidence"]
        ),
        success,
    )


@login_required
def minutes_comments_close(request: HttpRequest, pk: int, minutes_id: int) -> HttpResponse:
    """The chair closes the comment period early, with a reason (announced to all)."""
    if not is_chair(request.user):
        raise PermissionDenied("Only the chair closes the comment period early.")
    minutes = _minutes(request, pk, minutes_id)
    form = forms.ReasonForm(_posted(request))

    def success(_: Minutes) -> HttpResponse:
        messages.success(request, "The comment period is closed.")
        return redirect("meeting-detail", pk=pk)

    return _form_page(
        request,
        form,
        "meetings/form.html",
        {
            "heading": f"Close the comment period: {minutes}",
            "meeting": minutes.meeting,
            "intro": "The reason is recorded and announced to every agency.",
            "submit_label": "Close the comment period",
        },
        lambda data: services.minutes_comments_close(
            actor=actor(request), minutes=minutes, reason=data["reason"]
        ),
        success,
    )


@login_required
def minutes_correct(request: HttpRequest, pk: int, minutes_id: int) -> HttpResponse:
    _require_manager(request)
    minutes = _minutes(request, pk, minutes_id)
    if minutes.state != MinutesState.ISSUED:
        raise Http404("Only issued minutes are corrected.")
    form = forms.CorrectionForm(request.POST or None, initial={"body": minutes.body})
    return _form_page(
        request,
        form,
        "meetings/form.html",
        {
            "heading": f"Correct {minutes}",
            "meeting": minutes.meeting,
            "intro": "A correction is a new version with a reason; the issued version stays as it is.",
        },
        lambda data: services.minutes_correct(
            actor=actor(request), minutes=minutes, body=data["body"], reason=data["reason"]
        ),
        lambda m: redirect("meeting-detail", pk=pk),
    )


# --- action items ---------------------------------------------------------------------------


@login_required
@require_POST
def action_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    meeting = _meeting(request, pk)
    form = forms.ActionItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a title, an owner agency and a due date.")
    else:
        _act(
            request,
            lambda: services.action_item_create(
                actor=actor(request), meeting=meeting, **form.cleaned_data
            ),
            "Action item recorded.",
        )
    return redirect("meeting-detail", pk=pk)


@login_required
@require_POST
def action_item_status(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = get_object_or_404(
        ActionItem.objects.select_related("owner_agency"), pk=item_id, meeting_id=pk
    )
    _act(
        request,
        lambda: services.action_item_set_status(
            actor=actor(request), item=item, status=request.POST.get("status", "")
        ),
        "Action item updated.",
    )
    return redirect("meeting-detail", pk=pk)


# --- venues -----------------------------------------------------------------------------------


@login_required
def venue_propose(request: HttpRequest) -> HttpResponse:
    agencies = _my_agencies(request)
    if not agencies.exists():
        raise PermissionDenied("Only representatives of participating agencies propose venues.")
    form = forms.VenueProposalForm(request.POST or None, agencies=agencies)

    def action(data: dict[str, Any]) -> Any:
        values = form.localise()
        return services.venue_proposal_submit(
            actor=actor(request),
            host_agencies=list(values.pop("host_agencies")),
            **values,
        )

    return _form_page(
        request,
        form,
        "meetings/form.html",
        {
            "heading": "Propose to host a meeting",
            "intro": "ToR III.2.2: venues are agreed by consensus; the hosts bear the local administrative costs.",
        },
        action,
        lambda p: redirect("meeting-detail", pk=p.meeting_id),
    )


def _venue_proposal(meeting: Meeting) -> Any:
    proposal = meeting.venue_proposal
    if proposal is None:
        raise Http404("No venue proposal.")
    return proposal


@login_required
@require_POST
def venue_put_to_decision(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    meeting = _meeting(request, pk)
    proposal = _venue_proposal(meeting)
    form = forms.DeadlineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a deadline.")
    else:
        _act(
            request,
            lambda: services.venue_proposal_put_to_decision(
                actor=actor(request),
                proposal=proposal,
                deadline=form.cleaned_data["deadline"],
            ),
            "The venue is put to a consensus decision.",
        )
    return redirect("meeting-detail", pk=pk)


@login_required
def venue_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """ToR III.2.2: a venue proposal is its proposing agencies' offer. Withdrawing it is
    their act (or the secretariat's on their behalf, with evidence), with a reason and an
    explicit confirmation (a required checkbox, no JavaScript needed). The service decides;
    a refusal is a 403 or a field error."""
    meeting = _meeting(request, pk)
    proposal = _venue_proposal(meeting)
    if proposal.state == VenueProposalState.WITHDRAWN:
        return redirect("meeting-detail", pk=pk)
    if not services.may_withdraw_venue_proposal(request.user, proposal):
        raise PermissionDenied(
            "Only a representative of an agency that made this proposal (or the secretariat "
            "recording its withdrawal) withdraws a venue proposal that is not agreed yet."
        )
    proposers = proposal.host_agencies.order_by("acronym")
    agencies = proposers.filter(pk__in=agencies_represented(request.user).values("pk"))
    on_behalf = not agencies.exists()
    form = forms.VenueWithdrawForm(
        _posted(request), agencies=proposers if on_behalf else agencies, on_behalf=on_behalf
    )

    def success(_: Any) -> HttpResponse:
        messages.success(request, "The venue proposal is withdrawn; every agency is told.")
        return redirect("meeting-detail", pk=pk)

    return _form_page(
        request,
        form,
        "meetings/venue_withdraw.html",
        {
            "heading": f"Withdraw the venue proposal for {meeting.title}",
            "meeting": meeting,
            "proposal": proposal,
            "on_behalf": on_behalf,
            "drops_meeting": not proposal.is_change and meeting.state == MeetingState.PROPOSED,
            "submit_label": "Withdraw the proposal",
        },
        lambda data: services.venue_proposal_withdraw(
            actor=actor(request),
            proposal=proposal,
            reason=data["reason"],
            agency=data.get("agency"),
            evidence=data.get("evidence", ""),
        ),
        success,
    )


@login_required
def venue_change(request: HttpRequest, pk: int) -> HttpResponse:
    """ToR III.2.2: a new venue or host for an agreed meeting is a new consensus decision."""
    meeting = _meeting(request, pk)
    agencies = _my_agencies(request)
    if not agencies.exists():
        raise PermissionDenied("Only representatives of participating agencies propose venues.")
    form = forms.VenueChangeForm(request.POST or None, agencies=agencies)

    def action(data: dict[str, Any]) -> Any:
        return services.venue_change_propose(
            actor=actor(request),
            meeting=meeting,
            host_agencies=list(data["host_agencies"]),
            chair_agency=data["chair_agency"],
            city=data["city"],
            country=data["country"],
            venue=data["venue"],
            reason=data["reason"],
            statement=data["statement"],
            cost_acknowledged=data["cost_acknowledged"],
        )

    return _form_page(
        request,
        form,
        "meetings/form.html",
        {
            "heading": f"Propose a new venue for {meeting.title}",
            "meeting": meeting,
            "intro": "ToR III.2.2: venues are agreed by consensus. The meeting moves only when "
            "the new proposal is adopted; the new hosts bear the local administrative costs.",
            "submit_label": "Propose the new venue",
        },
        action,
        lambda p: redirect("meeting-detail", pk=p.meeting_id),
    )


# --- teleconference series ---------------------------------------------------------------------


@login_required
def series_list(request: HttpRequest) -> HttpResponse:
    series = [
        (s, explain(s.rule, s.local_time, s.time_zone))
        for s in selectors.series_visible_to(request.user)
    ]
    return render(
        request, "meetings/series_list.html", {"series_list": series, "format_help": FORMAT_HELP}
    )


@login_required
def series_create(request: HttpRequest) -> HttpResponse:
    _require_secretariat(request)
    form = forms.SeriesForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    return _form_page(
        request,
        form,
        "meetings/form.html",
        {"heading": "New teleconference series", "intro": FORMAT_HELP},
        lambda data: services.series_create(actor=actor(request), **data),
        lambda s: redirect("series-list"),
    )


@login_required
@require_POST
def series_deactivate(request: HttpRequest, series_id: int) -> HttpResponse:
    _require_secretariat(request)
    series = get_object_or_404(TeleconferenceSeries, pk=series_id)
    _act(
        request,
        lambda: services.series_deactivate(actor=actor(request), series=series),
        "Series ended.",
    )
    return redirect("series-list")


# --- the chair ---------------------------------------------------------------------------------


@login_required
def chair_overview(request: HttpRequest) -> HttpResponse:
    term = selectors.current_chair_term()
    context = {
        "term": term,
        "stats": selectors.rotation_stats(),
        "terms": selectors.chair_terms(),
        "handover": selectors.handover_for(term),
        "nominations": selectors.chair_nominations(),
        "can_manage": selectors.may_manage(request.user),
        "nomination_form": forms.NominationForm(),
        "deadline_form": forms.DeadlineForm(),
    }
    return render(request, "meetings/chair.html", context)


@login_required
@require_POST
def chair_nomination_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = forms.NominationForm(request.POST)
    if form.is_valid():
        _act(
            request,
            lambda: services.chair_nomination_create(
                actor=actor(request), agency=form.cleaned_data["agency"]
            ),
            "Nomination recorded.",
        )
    return redirect("chair-overview")


@login_required
@require_POST
def chair_nomination_decide(request: HttpRequest, nomination_id: int) -> HttpResponse:
    _require_manager(request)
    nomination = get_object_or_404(ChairNomination, pk=nomination_id)
    form = forms.DeadlineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a deadline.")
    else:
        _act(
            request,
            lambda: services.chair_nomination_put_to_decision(
                actor=actor(request), nomination=nomination, deadline=form.cleaned_data["deadline"]
            ),
            "The nomination is put to a consensus decision.",
        )
    return redirect("chair-overview")


@login_required
@require_POST
def handover_item_done(request: HttpRequest, item_id: int) -> HttpResponse:
    _require_manager(request)
    item = get_object_or_404(HandoverItem, pk=item_id)
    _act(request, lambda: services.handover_item_done(actor=actor(request), item=item), "Ticked.")
    return redirect("chair-overview")


# --- calendar feeds ------------------------------------------------------------------------------


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_token_revoke(actor=actor(request))
            messages.success(request, "Your calendar feed address no longer works.")
        else:
            services.calendar_token_issue(actor=actor(request))
            messages.success(request, "A new calendar feed address was created.")
        return redirect("meeting-calendar")
    token = selectors.active_feed_token(request.user)
    feed_url = (
        request.build_absolute_uri(reverse("meeting-feed", args=[token.token])) if token else None
    )
    return render(request, "meetings/calendar.html", {"token": token, "feed_url": feed_url})


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal subscription feed: the secret token is the credential."""
    user = selectors.feed_user(token)
    if user is None:
        raise Http404("No such feed.")
    body = calendar.feed_ics(
        name="ISECG meetings and decision deadlines",
        meetings=selectors.feed_meetings(user),
        decisions=selectors.feed_decisions(user),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response
