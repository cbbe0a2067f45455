"""Meetings, teleconference series, venues, the chair, agendas, delegations, minutes,
action items, calendar tokens and the notices about them: the only code that writes them.

ToR III.2.1 (delegations, advisors) and ToR III.2.2 (meetings, venues, chair, minutes).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyStatus, Representative
from agencies.roles import is_chair, is_secretariat, represents
from agencies.selectors import (
    chair_users,
    participating_representative_users,
    representative_users,
    secretariat_users,
)
from isecg.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from isecg.models import User
from isecg.services import audit_record, notification_send
from meetings import recurrence
from meetings.models import (
    MINUTES_TRANSITIONS,
    VENUE_TRANSITIONS,
    ActionItem,
    ActionItemStatus,
    Advisor,
    AgendaItem,
    Attendance,
    CalendarFeedToken,
    ChairNomination,
    ChairNominationState,
    ChairTerm,
    HandoverCategory,
    HandoverChecklist,
    HandoverItem,
    Meeting,
    MeetingKind,
    MeetingState,
    Minutes,
    MinutesComment,
    MinutesState,
    TeleconferenceSeries,
    VenueProposal,
    VenueProposalState,
    meeting_transition_allowed,
)

DEFAULT_ADVISOR_LEAD_DAYS = 14
MINUTES_OVERDUE_DAYS = 30
ROTATION_PLAN_MONTHS = 12
ROTATION_OVERDUE_MONTHS = 18
ACTION_DUE_SOON_DAYS = 3
MAX_BODY = 200_000


def advisor_lead_time() -> dt.timedelta:
    """ToR III.2.1: advisors are notified to the secretariat "in a timely fashion";
    the lead time is `settings.MEETINGS_ADVISOR_LEAD_DAYS` (default 14 days)."""
    return dt.timedelta(
        days=getattr(settings, "MEETINGS_ADVISOR_LEAD_DAYS", DEFAULT_ADVISOR_LEAD_DAYS)
    )


def meeting_url(meeting: Meeting) -> str:
    return reverse("meeting-detail", args=[meeting.pk])


# --- permission helpers ---------------------------------------------------------------


def _require_secretariat(actor: User | None, what: str) -> None:
    if actor is not None and not is_secretariat(actor):
        raise PermissionDeniedError(f"Only the secretariat may {what}.", code="not_secretariat")


def _may_manage(actor: User | None) -> bool:
    return actor is None or is_secretariat(actor) or is_chair(actor)


def _require_manager(actor: User | None, what: str) -> None:
    """ToR III.2.2: the chair, supported by the secretariat."""
    if not _may_manage(actor):
        raise PermissionDeniedError(
            f"Only the chair or the secretariat may {what}.", code="not_chair_or_secretariat"
        )


def _require_acts_for(actor: User | None, agency: Agency, what: str) -> None:
    """ToR III.2.1: representatives act only for their own agency."""
    if actor is None or is_secretariat(actor) or represents(actor, agency):
        return
    raise PermissionDeniedError(
        f"Only representatives of {agency.acronym} (or the secretariat) may {what}.",
        code="not_representative",
    )


def _lock_meeting(meeting: Meeting | int) -> Meeting:
    pk = meeting if isinstance(meeting, int) else meeting.pk
    locked = Meeting.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFoundError("No such meeting.", code="meeting_not_found")
    return locked


def _text(value: str | None, field: str, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(
            f"The {field.replace('_', ' ')} is required.", code="required", field=field
        )
    if len(value) > max_length:
        raise ValidationFailed(
            f"The {field.replace('_', ' ')} is longer than {max_length} characters.",
            code="too_long",
            field=field,
        )
    return value


def _check_zone(name: str) -> str:
    if name not in zoneinfo.available_timezones():
        raise ValidationFailed(
            f"Unknown time zone {name!r}.", code="unknown_time_zone", field="time_zone"
        )
    return name


def _check_instants(starts_at: Any, ends_at: Any) -> None:
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            raise ValidationFailed(
                "Give an instant with a time zone.", code="invalid_instant", field=field
            )
    if ends_at <= starts_at:
        raise ValidationFailed(
            "A meeting must end after it starts.", code="ends_before_start", field="ends_at"
        )


def _participating(agencies: Iterable[Agency], field: str) -> list[Agency]:
    result = list(agencies)
    for agency in result:
        if agency.status != AgencyStatus.PARTICIPATING:
            raise ValidationFailed(
                f"{agency.acronym} is not a participating agency.",
                code="not_participating",
                field=field,
            )
    return result


# --- meetings -----------------------------------------------------------------------

MEETING_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "time_zone",
    "city",
    "country",
    "venue",
    "dial_in",
    "associated_event",
    "notes",
    "dates_uncertain",
)


def _validate_meeting(values: dict[str, Any]) -> dict[str, Any]:
    values["title"] = _text(values.get("title"), "title", max_length=200)
    if values.get("kind") not in MeetingKind.values:
        raise ValidationFailed("Choose a kind of meeting.", code="invalid_kind", field="kind")
    _check_zone(values.get("time_zone") or "UTC")
    _check_instants(values.get("starts_at"), values.get("ends_at"))
    for field, limit in (
        ("city", 100),
        ("country", 100),
        ("venue", 200),
        ("associated_event", 200),
    ):
        values[field] = _text(values.get(field), field, max_length=limit, required=False)
    values["dial_in"] = _text(values.get("dial_in"), "dial_in", max_length=2000, required=False)
    if not values["city"] and not values["dial_in"]:
        raise ValidationFailed(
            "Give a place (city, country) or dial-in details.", code="no_place", field="city"
        )
    return values


PLACE_FIELDS = ("city", "country", "venue")


def _require_unhosted(values: dict[str, Any], hosts: Sequence[Agency]) -> None:
    """ToR III.2.2: meetings are hosted by participating agencies on a voluntary basis and
    their venues are agreed by consensus: a hosted meeting, or one held at a place, exists
    only through an adopted venue proposal. The chair and the secretariat schedule
    teleconferences and other remote meetings, which have no host."""
    if hosts:
        raise ValidationFailed(
            "ToR III.2.2: a hosted meeting is agreed by consensus. Propose the venue "
            "(Propose to host a meeting) instead of naming hosts here.",
            code="venue_needs_decision",
            field="hosts",
        )
    for field in PLACE_FIELDS:
        if values.get(field):
            raise ValidationFailed(
                "ToR III.2.2: meeting venues are agreed by consensus. Schedule a remote "
                "meeting here (dial-in details), or propose the venue for a consensus decision.",
                code="venue_needs_decision",
                field=field,
            )


def meeting_create(
    *,
    actor: User | None,
    title: str,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str = "UTC",
    city: str = "",
    country: str = "",
    venue: str = "",
    dial_in: str = "",
    hosts: Sequence[Agency] = (),
    associated_event: str = "",
    notes: str = "",
    state: str = MeetingState.SCHEDULED,
    dates_uncertain: bool = False,
) -> Meeting:
    """ToR III.2.2: the chair, supported by the secretariat, schedules teleconferences and
    other remote meetings, which have no host. A hosted meeting (or one held at a venue)
    exists only through a venue proposal adopted by consensus (`venue_proposal_submit`):
    hosts or a place here are refused with `venue_needs_decision`.

    A past meeting may be recorded as held or with its minutes issued (history).
    """
    _require_manager(actor, "schedule meetings")
    values = _validate_meeting(
        {
            "title": title,
            "kind": kind,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "time_zone": time_zone or "UTC",
            "city": city,
            "country": country,
            "venue": venue,
            "dial_in": dial_in,
            "associated_event": associated_event,
            "notes": notes,
            "dates_uncertain": dates_uncertain,
        }
    )
    _require_unhosted(values, list(hosts))
    if state not in MeetingState.values:
        raise ValidationFailed("Unknown state.", code="invalid_state", field="state")
    if state in (MeetingState.HELD, MeetingState.MINUTES_ISSUED) and ends_at > timezone.now():
        raise ValidationFailed(
            "Only a past meeting can be recorded as held.", code="not_past", field="state"
        )
    with transaction.atomic():
        meeting = Meeting.objects.create(**values, state=state, created_by=_user(actor))
        audit_record(
            actor=actor,
            action="meeting.created",
            obj=meeting,
            data={"kind": kind, "state": state, "starts_at": starts_at.isoformat()},
        )
    return meeting


def meeting_record_historical(
    *,
    actor: User | None,
    title: str,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str,
    city: str,
    country: str = "",
    venue: str = "",
    hosts: Sequence[Agency] = (),
    notes: str,
    dates_uncertain: bool = False,
) -> Meeting:
    """Record a meeting held before this application kept the record (history loading only).

    ToR III.2.2: venues are agreed by consensus; a past meeting's venue was agreed outside
    the application, so the system alone (actor None: data loading, never a page or the
    API) records it, in the past, with a note saying where the record comes from.
    """
    if actor is not None:
        raise PermissionDeniedError(
            "Historical meetings are loaded by the system only; propose a venue instead.",
            code="venue_needs_decision",
        )
    values = _validate_meeting(
        {
            "title": title,
            "kind": kind,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "time_zone": time_zone or "UTC",
            "city": city,
            "country": country,
            "venue": venue,
            "dial_in": "" if city else "Teleconference (historical record)",
            "associated_event": "",
            "notes": _text(notes, "notes", max_length=5000),
            "dates_uncertain": dates_uncertain,
        }
    )
    if ends_at > timezone.now():
        raise ValidationFailed(
            "Only a past meeting is recorded as history.", code="not_past", field="ends_at"
        )
    with transaction.atomic():
        meeting = Meeting.objects.create(**values, state=MeetingState.MINUTES_ISSUED)
        if hosts:
            meeting.hosts.set(list(hosts))
        audit_record(
            actor=None,
            action="meeting.recorded_historical",
            obj=meeting,
            data={
                "hosts": sorted(a.acronym for a in hosts),
                "starts_at": starts_at.isoformat(),
                "note": values["notes"],
            },
        )
    return meeting


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _everyone() -> list[User]:
    """Every participating agency's representatives, the chair and the secretariat."""
    users: dict[int, User] = {}
    for queryset in (participating_representative_users(), chair_users(), secretariat_users()):
        for user in queryset:
            users[user.pk] = user
    return list(users.values())


def _venue_proposals(meeting: Meeting, *states: str) -> models.QuerySet[VenueProposal]:
    return VenueProposal.objects.filter(meeting=meeting, state__in=states).order_by("-pk")


def meeting_update(
    *, actor: User | None, meeting: Meeting, reason: str = "", **changes: Any
) -> Meeting:
    """Change a meeting's details before it is held, e.g. move one occurrence of a series
    (the series and its other occurrences are untouched).

    ToR III.2.2: venues are agreed by consensus, so the host(s) and the place (city,
    country, venue) are never changed here: 409 `venue_needs_decision`; the way is a new
    venue proposal for the meeting (`venue_change_propose`), which moves it when adopted.
    The kind and time zone of a meeting with a venue belong to its venue decision too.
    A date change needs a reason; it is recorded and announced to every agency.
    """
    _require_manager(actor, "change meetings")
    unknown = set(changes) - set(MEETING_FIELDS) - {"hosts"}
    if unknown:
        raise ValidationFailed(f"Cannot change {', '.join(sorted(unknown))}.", code="invalid")
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if meeting.state not in (MeetingState.PROPOSED, MeetingState.SCHEDULED):
            raise ConflictError(
                f"A {meeting.get_state_display().lower()} meeting cannot be changed.",
                code="meeting_not_editable",
            )
        hosts = changes.pop("hosts", None)
        if hosts is not None and {a.pk for a in hosts} != set(
            meeting.hosts.values_list("pk", flat=True)
        ):
            raise ConflictError(
                "ToR III.2.2: the hosts of a meeting are agreed by consensus. Propose a new "
                "venue for this meeting; it moves when the proposal is adopted.",
                code="venue_needs_decision",
            )
        before = {field: getattr(meeting, field) for field in MEETING_FIELDS}
        values = _validate_meeting({**before, **changes})
        changed = [field for field in MEETING_FIELDS if values[field] != before[field]]
        has_venue = VenueProposal.objects.filter(meeting=meeting).exists()
        governed = set(PLACE_FIELDS)
        if has_venue or meeting.city:
            governed |= {"kind", "time_zone"}
        refused = sorted(governed.intersection(changed))
        if refused:
            raise ConflictError(
                f"ToR III.2.2: meeting venues are agreed by consensus; {', '.join(refused)} "
                "cannot be changed here. Propose a new venue for this meeting; it moves when "
                "the proposal is adopted.",
                code="venue_needs_decision",
            )
        dates = [field for field in ("starts_at", "ends_at") if field in changed]
        reason = (reason or "").strip()
        if dates:
            if _venue_proposals(meeting, VenueProposalState.UNDER_DECISION).exists():
                raise ConflictError(
                    "The venue and dates of this meeting are under a consensus decision; they "
                    "change only once it is settled.",
                    code="venue_under_decision",
                )
            reason = _text(reason, "reason", max_length=2000)
        for field in changed:
            setattr(meeting, field, values[field])
        if changed:
            meeting.save(update_fields=changed)
            audit_record(
                actor=actor,
                action="meeting.updated",
                obj=meeting,
                data={field: str(values[field]) for field in changed},
            )
        if dates:
            _announce_reschedule(meeting, before=before, reason=reason, actor=actor)
    return meeting


def _announce_reschedule(
    meeting: Meeting, *, before: dict[str, Any], reason: str, actor: User | None
) -> None:
    """ToR III.2.2: a date change is recorded with its reason and announced to all."""
    event = audit_record(
        actor=actor,
        action="meeting.rescheduled",
        obj=meeting,
        data={
            "before": {
                "starts_at": before["starts_at"].isoformat(),
                "ends_at": before["ends_at"].isoformat(),
            },
            "after": {
                "starts_at": meeting.starts_at.isoformat(),
                "ends_at": meeting.ends_at.isoformat(),
            },
            "reason": reason,
        },
    )
    local = meeting.local_starts_at
    notification_send(
        kind="meetings.rescheduled",
        recipients=_everyone(),
        key=f"meeting:{meeting.pk}:rescheduled:{event.pk}",
        title=f"New dates: {meeting.title}"[:200],
        body=(
            f"Now from {meeting.starts_at.astimezone(dt.UTC):%d %b %Y %H:%M} UTC "
            f"({local:%d %b %Y %H:%M} {meeting.time_zone}); was "
            f"{before['starts_at'].astimezone(dt.UTC):%d %b %Y %H:%M} UTC.\nReason: {reason}"
        ),
        url=meeting_url(meeting),
    )


def _set_state(meeting: Meeting, state: str, *, actor: User | None) -> None:
    if not meeting_transition_allowed(meeting.state, state):
        raise ConflictError(
            f"A {meeting.get_state_display().lower()} meeting cannot become {state}.",
            code="invalid_transition",
        )
    before = meeting.state
    meeting.state = state
    meeting.save(update_fields=["state"])
    audit_record(
        actor=actor, action=f"meeting.{state}", obj=meeting, data={"before": before, "after": state}
    )


def meeting_schedule(*, actor: User | None, meeting: Meeting) -> Meeting:
    """Confirm a proposed meeting (without a venue proposal, e.g. a teleconference)."""
    _require_secretariat(actor, "schedule meetings")
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if meeting.state == MeetingState.SCHEDULED:
            return meeting
        if VenueProposal.objects.filter(meeting=meeting).exists():
            raise ConflictError(
                "ToR III.2.2: this meeting's venue is agreed by consensus, not scheduled directly.",
                code="venue_needs_consensus",
            )
        _set_state(meeting, MeetingState.SCHEDULED, actor=actor)
    return meeting


def has_agreed_venue(meeting: Meeting) -> bool:
    """ToR III.2.2: the meeting's venue and hosts were agreed by consensus."""
    return _venue_proposals(meeting, VenueProposalState.AGREED).exists()


def may_cancel(user: Any, meeting: Meeting) -> bool:
    """Whether to offer `user` the cancellation of `meeting` (the service decides).

    ToR III.2.2: a meeting whose venue was agreed by consensus is cancelled by its host
    withdrawing its voluntary offer (a representative of a host, or the secretariat on the
    host's behalf, with evidence); any other meeting by the chair or the secretariat.
    """
    if user is None or not user.is_authenticated:
        return False
    if not meeting_transition_allowed(meeting.state, MeetingState.CANCELLED):
        return False
    if has_agreed_venue(meeting):
        return is_secretariat(user) or any(represents(user, a) for a in meeting.hosts.all())
    return _may_manage(user)


@dataclass(frozen=True)
class _OfferWording:
    """How `_offering_agency` words its refusals for one kind of offer."""

    field: str
    code: str
    not_offerer: str  # "{acronym} ..." when the named agency made no such offer
    not_offerer_code: str
    refused: str  # to someone neither of an offering agency nor of the secretariat
    several: str  # several agencies made the offer and none is named
    needs_evidence: str  # the secretariat without evidence


def _offering_agency(
    actor: User | None,
    offerers: Sequence[Agency],
    named: Agency | None,
    evidence: str,
    wording: _OfferWording,
) -> tuple[Agency | None, bool]:
    """ToR III.2.2: "Meetings are hosted by the Participating Agencies on a voluntary basis.
    Meeting venues will be agreed by the ISECG by consensus, upon proposal by one or more of
    the Participating Agency(ies)". An offer to host is withdrawn only by an agency that made
    it: a representative of it, or the secretariat recording the withdrawal on its behalf
    with evidence (ToR IV: the secretariat supports). The one rule behind cancelling an agreed
    meeting and withdrawing a venue proposal. Returns the agency and whether the withdrawal
    was recorded on its behalf; the system (actor None) acts for the only offerer."""
    if named is not None and named.pk not in {a.pk for a in offerers}:
        raise ValidationFailed(
            wording.not_offerer.format(acronym=named.acronym),
            code=wording.not_offerer_code,
            field=wording.field,
        )
    candidates = [named] if named is not None else list(offerers)
    if actor is None:
        return (candidates[0] if len(candidates) == 1 else None), False
    mine = [agency for agency in candidates if represents(actor, agency)]
    if not mine and not is_secretariat(actor):
        raise PermissionDeniedError(wording.refused, code=wording.code)
    chosen = mine or candidates
    if len(chosen) > 1:
        raise ValidationFailed(wording.several, code="required", field=wording.field)
    if not mine and not evidence:
        raise ConflictError(wording.needs_evidence, code=wording.code, field="evidence")
    return chosen[0], not mine


_HOST_WITHDRAWS = _OfferWording(
    field="host_agency",
    code="cancel_needs_host_or_decision",
    not_offerer="{acronym} does not host this meeting.",
    not_offerer_code="not_host",
    refused=(
        "ToR III.2.2: this meeting's venue was agreed by consensus and its hosts host it "
        "voluntarily. Only a host agency withdrawing its offer to host cancels it (or the "
        "secretariat recording that withdrawal, with evidence)."
    ),
    several="Several agencies host this meeting: name the host that withdraws its offer.",
    needs_evidence=(
        "ToR III.2.2: the host withdraws its offer to host. The secretariat records that "
        "withdrawal on the host's behalf only with evidence (e.g. the letter or email "
        "received from the host)."
    ),
)


def _cancelling_host(
    actor: User | None, meeting: Meeting, host_agency: Agency | None, evidence: str
) -> tuple[Agency | None, bool]:
    """ToR III.2.2: a meeting agreed by consensus is cancelled only by a host withdrawing
    its offer to host (`_offering_agency`)."""
    hosts = list(meeting.hosts.order_by("acronym"))
    return _offering_agency(actor, hosts, host_agency, evidence, _HOST_WITHDRAWS)


def meeting_cancel(
    *,
    actor: User | None,
    meeting: Meeting,
    reason: str,
    host_agency: Agency | None = None,
    evidence: str = "",
) -> Meeting:
    """Cancel a meeting, or one occurrence of a series (the series stays intact).

    ToR III.2.2: "Meetings are hosted by the Participating Agencies on a voluntary basis.
    Meeting venues will be agreed by the ISECG by consensus". A meeting whose venue was
    agreed (an adopted venue proposal) is cancelled only by a host withdrawing its offer to
    host: a representative of the host (`host_agency`), or the secretariat on the host's
    behalf with `evidence`; anyone else is refused, 403 `cancel_needs_host_or_decision`
    (409 for the secretariat without evidence). No consensus decision cancels a meeting
    today: a venue decision agrees a place, so the host's withdrawal is the only path.
    While a venue proposal for the meeting is pending, the proposal is settled or withdrawn
    first (409 `venue_proposal_pending`). Teleconferences and other meetings without a
    venue decision stay with the chair and the secretariat.

    A reason is required. The cancellation is one event row (reason, basis, host, evidence)
    and is announced to every participating agency. A chair nomination to assume the chair
    at this meeting lapses with it (ToR III.2.2 continuity: the current chair stays until a
    new host or nomination is agreed; `_chair_nominations_lapse`).
    """
    reason = _text(reason, "reason", max_length=2000)
    evidence = _text(evidence, "evidence", max_length=2000, required=False)
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if meeting.state == MeetingState.CANCELLED:
            return meeting
        agreed = has_agreed_venue(meeting)
        host: Agency | None = None
        on_behalf = False
        if agreed:
            host, on_behalf = _cancelling_host(actor, meeting, host_agency, evidence)
        else:
            _require_manager(actor, "cancel meetings")
            evidence = ""
        if not meeting_transition_allowed(meeting.state, MeetingState.CANCELLED):
            raise ConflictError(
                f"A {meeting.get_state_display().lower()} meeting cannot be cancelled.",
                code="invalid_transition",
            )
        if _venue_proposals(
            meeting, VenueProposalState.SUBMITTED, VenueProposalState.UNDER_DECISION
        ).exists():
            raise ConflictError(
                "ToR III.2.2: a venue proposal for this meeting is pending. It is settled by "
                "consensus or withdrawn by its proposers first (withdrawing a first proposal "
                "cancels the meeting).",
                code="venue_proposal_pending",
            )
        before = meeting.state
        meeting.state = MeetingState.CANCELLED
        meeting.save(update_fields=["state"])
        basis = "host_withdrawal" if agreed else "chair_or_secretariat"
        event = audit_record(
            actor=actor,
            action="meeting.cancelled",
            obj=meeting,
            data={
                "before": before,
                "after": MeetingState.CANCELLED.value,
                "reason": reason,
                "basis": basis,
                "host_agency": host.acronym if host is not None else None,
                "on_behalf": on_behalf,
                "evidence": evidence,
            },
        )
        local = meeting.local_starts_at
        who = f"{host.name} ({host.acronym}) withdrew its offer to host" if host else ""
        notification_send(
            kind="meetings.cancelled",
            recipients=_everyone(),
            key=f"meeting:{meeting.pk}:cancelled:{event.pk}",
            title=f"Cancelled: {meeting.title}"[:200],
            body=(
                f"{meeting.title} ({local:%d %b %Y %H:%M} {meeting.time_zone}) is cancelled."
                f"{' ' + who + '.' if who else ''}\nReason: {reason}"
            ),
            url=meeting_url(meeting),
        )
        _chair_nominations_lapse(meeting, actor=actor, reason=reason)
    return meeting


CHAIR_NOMINATION_PENDING_STATES = (
    ChairNominationState.PROPOSED,
    ChairNominationState.UNDER_DECISION,
    ChairNominationState.AGREED,
    ChairNominationState.NOT_AGREED,
)


def _chair_nominations_lapse(
    meeting: Meeting,
    *,
    actor: User | None,
    reason: str,
    keep: Agency | None = None,
    cause: str = "cancelled",
) -> list[ChairNomination]:
    """ToR III.2.2: the host of a meeting assumes the chair there (seeds/001), and "the
    chair ensures continuity with the next chair". A nomination to assume the chair at a
    meeting that is cancelled can never take effect: it lapses (an open chair decision on
    it is withdrawn as a system step), and the current chair stays until a new host or a
    new nomination is agreed. One event row and one notice per nomination.

    The same holds for the former host's nomination when an agreed change of venue gives
    the meeting another host (`keep` is the new host that assumes the chair; `cause`
    words the notice): the displaced host no longer hosts, so it does not assume the chair.
    """
    from consensus.selectors import decisions_for_subject
    from consensus.services import decision_withdraw
    from meetings.selectors import current_chair_agency

    pending = (
        ChairNomination.objects.select_for_update(of=("self",))
        .select_related("agency")
        .filter(meeting=meeting, state__in=CHAIR_NOMINATION_PENDING_STATES)
    )
    if keep is not None:
        pending = pending.exclude(agency_id=keep.pk)
    nominations = list(pending.order_by("pk"))
    if not nominations:
        return []
    current = current_chair_agency()
    stays = (
        f"{current.name} ({current.acronym}) remains chair until a new host or a new "
        "nomination is agreed by consensus"
        if current is not None
        else "The chair stays as it is until a new host or a new nomination is agreed by consensus"
    )
    for nomination in nominations:
        before = nomination.state
        decision = None
        if before == ChairNominationState.UNDER_DECISION:
            decision = decisions_for_subject(nomination).filter(state="open").first()
            if decision is not None:
                decision_withdraw(
                    actor=None,
                    decision=decision,
                    reason=f"ToR III.2.2: {meeting.title} is {cause}; the nomination lapses.",
                )
        nomination.state = ChairNominationState.LAPSED
        nomination.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="chair_nomination.lapsed",
            obj=nomination,
            data={
                "before": before,
                "after": ChairNominationState.LAPSED.value,
                "meeting": meeting.pk,
                "reason": reason,
                "decision": decision.pk if decision is not None else None,
                "current_chair": current.acronym if current is not None else None,
            },
        )
        notification_send(
            kind="meetings.chair_nomination_lapsed",
            recipients=_everyone(),
            key=f"chair_nomination:{nomination.pk}:lapsed",
            title=f"{nomination.agency.acronym} will not assume the chair: meeting {cause}"[:200],
            body=(
                f"{meeting.title} is {cause}, so the nomination of "
                f"{nomination.agency.acronym} to assume the chair there lapses.\n"
                f"ToR III.2.2 (continuity with the next chair): {stays}."
            ),
            url=reverse("chair-overview"),
        )
    return nominations


def meeting_mark_held(
    *, actor: User | None, meeting: Meeting, now: dt.datetime | None = None
) -> Meeting:
    """Record that a meeting took place. The host agency whose chair nomination was agreed
    for this meeting assumes the chair (seeds/001: the host assumes the chair)."""
    _require_manager(actor, "record a meeting as held")
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if meeting.state in (MeetingState.HELD, MeetingState.MINUTES_ISSUED):
            return meeting
        if meeting.starts_at > now:
            raise ConflictError("The meeting has not started yet.", code="not_started")
        _set_state(meeting, MeetingState.HELD, actor=actor)
        for nomination in ChairNomination.objects.select_for_update().filter(
            meeting=meeting, state=ChairNominationState.AGREED
        ):
            _nomination_enact(nomination, actor=actor, on=meeting.local_starts_at.date())
    return meeting


# --- teleconference series --------------------------------------------------------------


def series_create(
    *,
    actor: User | None,
    title: str,
    rule: str,
    local_time: dt.time,
    time_zone: str = "UTC",
    duration_minutes: int = 90,
    starts_on: dt.date | None = None,
    dial_in: str = "",
    horizon_days: int = 120,
    now: dt.datetime | None = None,
) -> TeleconferenceSeries:
    """seeds/001: monthly plenary teleconferences. The rule is validated (400 with an
    explanation of the format) and the first meetings are generated ahead of time."""
    _require_secretariat(actor, "create teleconference series")
    rule = recurrence.normalise_rule(rule)
    _check_zone(time_zone)
    if not 1 <= int(duration_minutes) <= 24 * 60:
        raise ValidationFailed(
            "The duration is between 1 minute and 24 hours.",
            code="invalid",
            field="duration_minutes",
        )
    if not 1 <= int(horizon_days) <= 730:
        raise ValidationFailed(
            "Generate between 1 and 730 days ahead.", code="invalid", field="horizon_days"
        )
    with transaction.atomic():
        series = TeleconferenceSeries.objects.create(
            title=_text(title, "title", max_length=200),
            rule=rule,
            local_time=local_time,
            time_zone=time_zone,
            duration_minutes=duration_minutes,
            starts_on=starts_on or timezone.localdate(),
            dial_in=_text(dial_in, "dial_in", max_length=2000, required=False),
            horizon_days=horizon_days,
            created_by=_user(actor),
        )
        audit_record(
            actor=actor,
            action="series.created",
            obj=series,
            data={"rule": rule, "explained": recurrence.explain(rule, local_time, time_zone)},
        )
        series_generate(series_id=series.pk, now=now)
    return series


def series_deactivate(*, actor: User | None, series: TeleconferenceSeries) -> TeleconferenceSeries:
    """Stop generating meetings; meetings already generated stay."""
    _require_secretariat(actor, "end teleconference series")
    with transaction.atomic():
        series = TeleconferenceSeries.objects.select_for_update().get(pk=series.pk)
        if series.active:
            series.active = False
            series.save(update_fields=["active"])
            audit_record(actor=actor, action="series.deactivated", obj=series)
    return series


def series_generate(*, series_id: int, now: dt.datetime | None = None) -> list[Meeting]:
    """Generate the series' meetings within its horizon. Idempotent: an occurrence that
    already has a meeting (even cancelled or moved) is never generated again."""
    now = now or timezone.now()
    with transaction.atomic():
        series = TeleconferenceSeries.objects.select_for_update().filter(pk=series_id).first()
        if series is None or not series.active:
            return []
        keys = list(
            recurrence.occurrences(
                rule=series.rule,
                starts_on=series.starts_on,
                local_time=series.local_time,
                time_zone=series.time_zone,
                after=now,
                before=now + dt.timedelta(days=series.horizon_days),
            )
        )
        existing = set(
            Meeting.objects.filter(series=series, occurrence_key__in=keys).values_list(
                "occurrence_key", flat=True
            )
        )
        created = []
        for key in keys:
            if key in existing:
                continue
            meeting = Meeting.objects.create(
                title=series.title,
                kind=MeetingKind.TELECONFERENCE,
                state=MeetingState.SCHEDULED,
                starts_at=key,
                ends_at=key + dt.timedelta(minutes=series.duration_minutes),
                time_zone=series.time_zone,
                dial_in=series.dial_in or "Dial-in details follow.",
                series=series,
                occurrence_key=key,
            )
            created.append(meeting)
        if created:
            audit_record(
                actor=None,
                action="series.generated",
                obj=series,
                data={"occurrences": [m.starts_at.isoformat() for m in created]},
            )
    return created


def series_generate_all(*, now: dt.datetime | None = None) -> int:
    count = 0
    for pk in TeleconferenceSeries.objects.filter(active=True).values_list("pk", flat=True):
        count += len(series_generate(series_id=pk, now=now))
    return count


# --- venues (ToR III.2.2) -----------------------------------------------------------------


def _chair_of_hosts(hosts: Sequence[Agency], chair_agency: Agency | None) -> Agency:
    """seeds/001, seeds/003: the host of the meeting assumes the chair. With several hosts
    the proposal names which one; it must be one of them."""
    if chair_agency is None:
        if len(hosts) == 1:
            return hosts[0]
        raise ValidationFailed(
            "Several agencies host this meeting: name the one that assumes the chair.",
            code="required",
            field="chair_agency",
        )
    if chair_agency.pk not in {agency.pk for agency in hosts}:
        raise ValidationFailed(
            f"{chair_agency.acronym} is not one of the host agencies; the host assumes the chair.",
            code="chair_agency_not_host",
            field="chair_agency",
        )
    return chair_agency


def _require_cost_acknowledged(cost_acknowledged: Any) -> None:
    if cost_acknowledged is not True:
        raise ValidationFailed(
            "ToR III.2.2: the agencies proposing to host must acknowledge that they bear the "
            "local administrative costs.",
            code="cost_not_acknowledged",
            field="cost_acknowledged",
        )


def _hosts_for(actor: User | None, host_agencies: Sequence[Agency]) -> list[Agency]:
    hosts = _participating(host_agencies, "host_agencies")
    if not hosts:
        raise ValidationFailed(
            "Name at least one host agency.", code="required", field="host_agencies"
        )
    for agency in hosts:
        _require_acts_for(actor, agency, "propose to host for it")
    return hosts


def venue_proposal_submit(
    *,
    actor: User | None,
    host_agencies: Sequence[Agency],
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str,
    city: str,
    country: str,
    cost_acknowledged: bool,
    kind: str = MeetingKind.PLENARY,
    venue: str = "",
    associated_event: str = "",
    statement: str = "",
    chair_agency: Agency | None = None,
) -> VenueProposal:
    """ToR III.2.2: meetings are hosted by participating agencies on a voluntary basis;
    one or more agencies propose a venue, and the agencies proposing to host bear the
    local administrative costs (an explicit acknowledgement is required). With several
    hosts, the proposal names the one that assumes the chair (seeds/001)."""
    _require_cost_acknowledged(cost_acknowledged)
    hosts = _hosts_for(actor, host_agencies)
    chair = _chair_of_hosts(hosts, chair_agency)
    if not (city or "").strip():
        raise ValidationFailed("A venue proposal names a city.", code="required", field="city")
    values = _validate_meeting(
        {
            "title": title,
            "kind": kind,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "time_zone": time_zone or "UTC",
            "city": city,
            "country": country,
            "venue": venue,
            "dial_in": "",
            "associated_event": associated_event,
            "notes": "",
            "dates_uncertain": False,
        }
    )
    if starts_at <= timezone.now():
        raise ValidationFailed(
            "A venue is proposed for a future meeting.", code="in_past", field="starts_at"
        )
    with transaction.atomic():
        meeting = Meeting.objects.create(
            **values, state=MeetingState.PROPOSED, created_by=_user(actor)
        )
        meeting.hosts.set(hosts)
        proposal = VenueProposal.objects.create(
            meeting=meeting,
            cost_acknowledged=True,
            cost_acknowledged_at=timezone.now(),
            statement=_text(statement, "statement", max_length=5000, required=False),
            proposed_by=_user(actor),
            chair_agency=chair,
            city=values["city"],
            country=values["country"],
            venue=values["venue"],
        )
        proposal.host_agencies.set(hosts)
        audit_record(
            actor=actor,
            action="venue_proposal.submitted",
            obj=proposal,
            data={
                "hosts": [a.acronym for a in hosts],
                "chair_agency": chair.acronym,
                "city": values["city"],
                "starts_at": starts_at.isoformat(),
                "cost_acknowledged": True,
            },
        )
        notification_send(
            kind="meetings.venue_proposed",
            recipients=list(secretariat_users()) + list(chair_users()),
            key=f"venue_proposal:{proposal.pk}:submitted",
            title=f"Venue proposed: {values['city']} by {', '.join(a.acronym for a in hosts)}",
            body="Put the proposal to a consensus decision (ToR III.2.2).",
            url=meeting_url(meeting),
        )
    return proposal


def venue_change_propose(
    *,
    actor: User | None,
    meeting: Meeting,
    host_agencies: Sequence[Agency],
    city: str,
    country: str = "",
    venue: str = "",
    reason: str,
    cost_acknowledged: bool,
    statement: str = "",
    chair_agency: Agency | None = None,
) -> VenueProposal:
    """ToR III.2.2: meeting venues are agreed by consensus, so changing the host(s) or the
    place of an agreed meeting needs a new venue decision. This proposes the new venue for
    the same meeting; the meeting moves only when the decision adopts it. The new hosts
    acknowledge the local administrative costs; a reason is required."""
    _require_cost_acknowledged(cost_acknowledged)
    hosts = _hosts_for(actor, host_agencies)
    chair = _chair_of_hosts(hosts, chair_agency)
    city = _text(city, "city", max_length=100)
    country = _text(country, "country", max_length=100, required=False)
    venue = _text(venue, "venue", max_length=200, required=False)
    reason = _text(reason, "reason", max_length=2000)
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if meeting.state != MeetingState.SCHEDULED or meeting.starts_at <= timezone.now():
            raise ConflictError(
                "Only an upcoming scheduled meeting can be moved to another venue.",
                code="meeting_not_editable",
            )
        if not _venue_proposals(meeting, VenueProposalState.AGREED).exists():
            raise ConflictError(
                "This meeting has no agreed venue: its venue proposal is decided first.",
                code="no_agreed_venue",
            )
        if _venue_proposals(
            meeting, VenueProposalState.SUBMITTED, VenueProposalState.UNDER_DECISION
        ).exists():
            raise ConflictError(
                "A venue proposal for this meeting is pending; settle or withdraw it first.",
                code="venue_proposal_pending",
            )
        proposal = VenueProposal.objects.create(
            meeting=meeting,
            is_change=True,
            cost_acknowledged=True,
            cost_acknowledged_at=timezone.now(),
            statement=_text(statement, "statement", max_length=5000, required=False),
            proposed_by=_user(actor),
            chair_agency=chair,
            city=city,
            country=country,
            venue=venue,
            reason=reason,
        )
        proposal.host_agencies.set(hosts)
        audit_record(
            actor=actor,
            action="venue_proposal.change_submitted",
            obj=proposal,
            data={
                "meeting": meeting.pk,
                "before": {
                    "hosts": sorted(a.acronym for a in meeting.hosts.all()),
                    "city": meeting.city,
                    "country": meeting.country,
                    "venue": meeting.venue,
                },
                "after": {
                    "hosts": sorted(a.acronym for a in hosts),
                    "city": city,
                    "country": country,
                    "venue": venue,
                },
                "chair_agency": chair.acronym,
                "reason": reason,
            },
        )
        notification_send(
            kind="meetings.venue_proposed",
            recipients=list(secretariat_users()) + list(chair_users()),
            key=f"venue_proposal:{proposal.pk}:submitted",
            title=f"New venue proposed for {meeting.title}: {city}"[:200],
            body=f"Reason: {reason}\nPut the proposal to a consensus decision (ToR III.2.2).",
            url=meeting_url(meeting),
        )
    return proposal


def _venue_set_state(proposal: VenueProposal, state: str, *, actor: User | None) -> None:
    if state not in VENUE_TRANSITIONS.get(proposal.state, frozenset()):
        raise ConflictError(
            f"A proposal that is {proposal.get_state_display().lower()} cannot become {state}.",
            code="invalid_transition",
        )
    before = proposal.state
    proposal.state = state
    proposal.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action=f"venue_proposal.{state}",
        obj=proposal,
        data={"before": before, "after": state},
    )


def _venue_decision_text(proposal: VenueProposal) -> str:
    meeting = proposal.meeting
    hosts = ", ".join(a.acronym for a in proposal.host_agencies.order_by("acronym"))
    chair = proposal.chair_agency.acronym if proposal.chair_agency else hosts
    where = f"{proposal.place}{' (' + proposal.venue + ')' if proposal.venue else ''}"
    when = meeting.local_starts_at
    costs = (
        "The host agencies have acknowledged that they bear the local administrative costs "
        "(ToR III.2.2)."
    )
    if proposal.is_change:
        was = f"{meeting.place}{' (' + meeting.venue + ')' if meeting.venue else ''}"
        return (
            f"The ISECG agrees to move **{meeting.title}** "
            f"({when:%d %B %Y %H:%M} {meeting.time_zone}) from {was or 'its agreed venue'} "
            f"to {where}, hosted by {hosts}.\n\nReason: {proposal.reason}\n\n{costs} "
            f"{chair} is proposed to assume the chair at this meeting."
        )
    return (
        f"The ISECG agrees to hold **{meeting.title}** in {where}, "
        f"from {when:%d %B %Y %H:%M} {meeting.time_zone}, hosted by {hosts}"
        f"{', alongside ' + meeting.associated_event if meeting.associated_event else ''}.\n\n"
        f"{costs} {chair} is proposed to assume the chair at this meeting."
    )


def venue_proposal_put_to_decision(
    *,
    actor: User | None,
    proposal: VenueProposal,
    deadline: dt.datetime,
    procedure: str = "explicit",
) -> Any:
    """ToR III.2.2: meeting venues are agreed by consensus. Opens a `venue` decision."""
    from consensus.services import decision_open

    _require_manager(actor, "put a venue to consensus")
    with transaction.atomic():
        proposal = (
            VenueProposal.objects.select_for_update().select_related("meeting").get(pk=proposal.pk)
        )
        if proposal.state == VenueProposalState.UNDER_DECISION:
            from consensus.selectors import decisions_for_subject

            return decisions_for_subject(proposal).filter(state="open").first()
        _venue_set_state(proposal, VenueProposalState.UNDER_DECISION, actor=actor)
        meeting = proposal.meeting
        verb = "New venue" if proposal.is_change else "Venue"
        return decision_open(
            actor=actor,
            kind="venue",
            title=f"{verb}: {meeting.title} in {proposal.city or meeting.city}"[:200],
            text=_venue_decision_text(proposal),
            deadline=deadline,
            procedure=procedure,
            subject=proposal,
        )


VENUE_WITHDRAWABLE_STATES = (
    VenueProposalState.SUBMITTED,
    VenueProposalState.UNDER_DECISION,
    VenueProposalState.NOT_AGREED,
)


def may_withdraw_venue_proposal(user: Any, proposal: VenueProposal) -> bool:
    """Whether to offer `user` the withdrawal of `proposal` (the service decides).

    ToR III.2.2: a venue proposal is the proposing agencies' voluntary offer to host; it is
    withdrawn by a representative of a proposing agency, or by the secretariat on its
    behalf with evidence."""
    if user is None or not user.is_authenticated:
        return False
    if proposal.state not in VENUE_WITHDRAWABLE_STATES:
        return False
    return is_secretariat(user) or any(represents(user, a) for a in proposal.host_agencies.all())


_PROPOSER_WITHDRAWS = _OfferWording(
    field="agency",
    code="venue_withdraw_needs_proposer",
    not_offerer="{acronym} did not make this proposal.",
    not_offerer_code="not_proposer",
    refused=(
        "ToR III.2.2: a venue proposal is the offer of the agencies that made it. Only a "
        "representative of a proposing agency withdraws it (or the secretariat recording "
        "that withdrawal, with evidence)."
    ),
    several="Several agencies made this proposal: name the one that withdraws it.",
    needs_evidence=(
        "ToR III.2.2: the proposing agency withdraws its offer. The secretariat records "
        "that withdrawal on its behalf only with evidence (e.g. the letter or email "
        "received from the agency)."
    ),
)


def _withdrawing_proposer(
    actor: User | None, proposers: Sequence[Agency], agency: Agency | None, evidence: str
) -> tuple[Agency | None, bool]:
    """ToR III.2.2: only a proposing agency withdraws its offer (`_offering_agency`)."""
    return _offering_agency(actor, proposers, agency, evidence, _PROPOSER_WITHDRAWS)


def venue_proposal_withdraw(
    *,
    actor: User | None,
    proposal: VenueProposal,
    reason: str,
    agency: Agency | None = None,
    evidence: str = "",
) -> VenueProposal:
    """Withdraw a venue proposal that is not agreed yet.

    ToR III.2.2: "Meetings are hosted by the Participating Agencies on a voluntary basis.
    Meeting venues will be agreed by the ISECG by consensus, upon proposal by one or more of
    the Participating Agency(ies)". A proposal is its proposing agencies' offer, so only
    they withdraw it: a representative of a proposing agency (`agency`, required when the
    actor could act for several), or the secretariat on its behalf with `evidence` (the
    letter or email received). Anyone else: 403 `venue_withdraw_needs_proposer`; the
    secretariat without evidence: 409 with the same code on the `evidence` field. One
    co-proposer withdrawing ends the joint offer as proposed. A reason is always required.

    An open venue decision on the proposal is withdrawn with it through
    `consensus.services.decision_withdraw` as a system step (actor None: that service is
    the chair's or the secretariat's, and the proposer's act is what withdraws it here).
    Withdrawing the first proposal of a meeting that was never agreed cancels the proposed
    meeting (and lapses any chair nomination for it). An agreed proposal is not withdrawn
    (409 `venue_already_agreed`): the host cancels the meeting instead (`meeting_cancel`).
    One event row, announced to every participating agency.
    """
    from consensus.selectors import decisions_for_subject
    from consensus.services import decision_withdraw

    reason = _text(reason, "reason", max_length=2000)
    evidence = _text(evidence, "evidence", max_length=2000, required=False)
    with transaction.atomic():
        proposal = (
            VenueProposal.objects.select_for_update(of=("self",))
            .select_related("meeting")
            .get(pk=proposal.pk)
        )
        if proposal.state == VenueProposalState.WITHDRAWN:
            return proposal
        proposers = list(proposal.host_agencies.order_by("acronym"))
        withdrawing, on_behalf = _withdrawing_proposer(actor, proposers, agency, evidence)
        if not on_behalf:
            evidence = ""
        if proposal.state == VenueProposalState.AGREED:
            raise ConflictError(
                "ToR III.2.2: this venue was agreed by consensus. The host cancels the meeting "
                "(withdrawing its offer to host) instead.",
                code="venue_already_agreed",
            )
        if proposal.state not in VENUE_WITHDRAWABLE_STATES:
            raise ConflictError(
                f"A proposal that is {proposal.get_state_display().lower()} cannot be withdrawn.",
                code="invalid_transition",
            )
        who = withdrawing.acronym if withdrawing is not None else "The proposers"
        before = proposal.state
        withdrawn_decision = None
        if proposal.state == VenueProposalState.UNDER_DECISION:
            withdrawn_decision = decisions_for_subject(proposal).filter(state="open").first()
            if withdrawn_decision is not None:
                decision_withdraw(
                    actor=None,
                    decision=withdrawn_decision,
                    reason=f"ToR III.2.2: {who} withdrew the venue proposal. Reason: {reason}",
                )
            proposal.refresh_from_db(fields=["state"])
        proposal.state = VenueProposalState.WITHDRAWN
        proposal.save(update_fields=["state"])
        event = audit_record(
            actor=actor,
            action="venue_proposal.withdrawn",
            obj=proposal,
            data={
                "before": before,
                "after": VenueProposalState.WITHDRAWN.value,
                "reason": reason,
                "agency": withdrawing.acronym if withdrawing is not None else None,
                "on_behalf": on_behalf,
                "evidence": evidence,
                "decision": withdrawn_decision.pk if withdrawn_decision is not None else None,
            },
        )
        meeting = _lock_meeting(proposal.meeting_id)
        dropped = meeting.state == MeetingState.PROPOSED and not proposal.is_change
        if dropped:
            meeting.state = MeetingState.CANCELLED
            meeting.save(update_fields=["state"])
            audit_record(
                actor=actor,
                action="meeting.cancelled",
                obj=meeting,
                data={
                    "before": MeetingState.PROPOSED.value,
                    "after": MeetingState.CANCELLED.value,
                    "reason": reason,
                    "basis": "venue_proposal_withdrawn",
                    "host_agency": withdrawing.acronym if withdrawing is not None else None,
                    "on_behalf": on_behalf,
                    "evidence": evidence,
                    "venue_proposal": proposal.pk,
                },
            )
            _chair_nominations_lapse(meeting, actor=actor, reason=reason)
        place = proposal.place or meeting.place
        notification_send(
            kind="meetings.venue_withdrawn",
            recipients=_everyone(),
            key=f"venue_proposal:{proposal.pk}:withdrawn:{event.pk}",
            title=f"Venue proposal withdrawn: {meeting.title} in {place}"[:200],
            body=(
                f"{who} withdrew {'its' if withdrawing else 'their'} offer to host "
                f"{meeting.title} in {place}"
                f"{' (recorded by the secretariat on its behalf)' if on_behalf else ''}."
                f"{' The proposed meeting is dropped.' if dropped else ''}\nReason: {reason}"
            ),
            url=meeting_url(meeting),
        )
    return proposal


def _venue_move(meeting: Meeting, proposal: VenueProposal, decision: Any) -> None:
    """ToR III.2.2: an adopted change of venue moves the meeting (recorded, announced)."""
    before = {
        "hosts": sorted(a.acronym for a in meeting.hosts.all()),
        "city": meeting.city,
        "country": meeting.country,
        "venue": meeting.venue,
    }
    meeting.city, meeting.country, meeting.venue = proposal.city, proposal.country, proposal.venue
    meeting.save(update_fields=["city", "country", "venue"])
    hosts = list(proposal.host_agencies.all())
    meeting.hosts.set(hosts)
    audit_record(
        actor=None,
        action="meeting.venue_changed",
        obj=meeting,
        data={
            "before": before,
            "after": {
                "hosts": sorted(a.acronym for a in hosts),
                "city": proposal.city,
                "country": proposal.country,
                "venue": proposal.venue,
            },
            "venue_proposal": proposal.pk,
            "decision": decision.pk,
            "reason": proposal.reason,
        },
    )


def _nominate_host(meeting: Meeting, proposal: VenueProposal, decision: Any) -> None:
    """seeds/001: the host of the meeting assumes the chair: its agency is proposed as the
    next chair (settled by a `chair` decision, effective when the meeting is held)."""
    from meetings.selectors import current_chair_agency

    host = proposal.chair_agency or proposal.host_agencies.order_by("acronym").first()
    current = current_chair_agency()
    if host is None or (current is not None and current.pk == host.pk):
        return
    pending = ChairNomination.objects.filter(
        meeting=meeting,
        state__in=[
            ChairNominationState.PROPOSED,
            ChairNominationState.UNDER_DECISION,
            ChairNominationState.AGREED,
            ChairNominationState.NOT_AGREED,
        ],
    )
    if pending.filter(agency=host).exists():
        return
    nomination = ChairNomination.objects.create(
        agency=host, meeting=meeting, venue_proposal=proposal
    )
    audit_record(
        actor=None,
        action="chair_nomination.proposed",
        obj=nomination,
        data={"agency": host.acronym, "meeting": meeting.pk, "venue_decision": decision.pk},
    )
    notification_send(
        kind="meetings.chair_nominated",
        recipients=list(secretariat_users()) + list(chair_users()),
        key=f"chair_nomination:{nomination.pk}:proposed",
        title=f"{host.acronym} is proposed as the next chair",
        body=(
            f"The venue of {meeting.title} was agreed; its host is proposed as the next "
            "chair. Put the nomination to a consensus decision."
        ),
        url=reverse("chair-overview"),
    )


def venue_proposal_decided(*, proposal_id: int, decision: Any) -> VenueProposal:
    """Handler of the venue decision (runs in the transaction that closes it).

    ToR III.2.2: once agreed, the meeting is scheduled with its host(s) (or, for a change
    of venue, moved to the new place and hosts), and the host named by the proposal is
    proposed as the next chair (seeds/001: the host of the meeting assumes the chair).
    """
    proposal = (
        VenueProposal.objects.select_for_update().select_related("meeting").get(pk=proposal_id)
    )
    outcome = decision.outcome
    if outcome == "adopted":
        if proposal.state == VenueProposalState.AGREED:
            return proposal
        _venue_set_state(proposal, VenueProposalState.AGREED, actor=None)
        meeting = _lock_meeting(proposal.meeting_id)
        if proposal.is_change:
            _venue_move(meeting, proposal, decision)
            _chair_nominations_lapse(
                meeting,
                actor=None,
                reason=f"An agreed change of venue (decision {decision.pk}) gave it another host.",
                keep=proposal.chair_agency or proposal.host_agencies.order_by("acronym").first(),
                cause="moved to another host",
            )
        else:
            if meeting.state == MeetingState.PROPOSED:
                _set_state(meeting, MeetingState.SCHEDULED, actor=None)
            meeting.hosts.set(list(proposal.host_agencies.all()))
        _nominate_host(meeting, proposal, decision)
        notification_send(
            kind="meetings.venue_agreed",
            recipients=participating_representative_users(),
            key=f"venue_proposal:{proposal.pk}:agreed",
            title=f"Venue agreed: {meeting.title} in {meeting.city}"[:200],
            url=meeting_url(meeting),
        )
    elif outcome == "withdrawn":
        if proposal.state == VenueProposalState.UNDER_DECISION:
            _venue_set_state(proposal, VenueProposalState.SUBMITTED, actor=None)
    elif proposal.state == VenueProposalState.UNDER_DECISION:
        _venue_set_state(proposal, VenueProposalState.NOT_AGREED, actor=None)
    return proposal


# --- the chair (ToR III.2.2) ---------------------------------------------------------------


def chair_term_start(
    *,
    actor: User | None,
    agency: Agency,
    starts_on: dt.date,
    note: str = "",
    assumed_at: Meeting | None = None,
    decision: Any = None,
    dates_uncertain: bool = False,
    end_current: bool = True,
    handover: bool = True,
) -> ChairTerm:
    """ToR III.2.2: the chairmanship rotates; starting a term ends the previous one, and
    the chair ensures continuity with the next chair (a handover checklist is generated).

    seeds/001, seeds/003: the host of a meeting assumes the chair. A term starts only when
    an agreed nomination takes effect: the host assumes the chair at its meeting
    (`meeting_mark_held`) or an adopted nomination without a meeting
    (`chair_nomination_decided`). This is their system step (actor None), also used to load
    the historical record; no person starts a term directly (403
    `chair_term_needs_nomination`): propose a nomination and put it to consensus.

    Starting a term for the agency that already holds the open one is a no-op. With
    `end_current=False`, an open term is a conflict (409): exactly one term is current,
    which a database constraint also enforces against concurrent writers.
    """
    if actor is not None:
        raise PermissionDeniedError(
            "ToR III.2.2: a chair term starts when the host assumes the chair at its meeting "
            "or through a nomination adopted by consensus; nominate the agency instead.",
            code="chair_term_needs_nomination",
        )
    if agency.status != AgencyStatus.PARTICIPATING:
        raise ConflictError(
            f"{agency.acronym} is not a participating agency; it cannot chair ISECG.",
            code="not_participating",
        )
    try:
        with transaction.atomic():
            current = ChairTerm.objects.select_for_update().filter(ends_on__isnull=True).first()
            if current is not None:
                if current.agency_id == agency.pk:
                    return current
                if not end_current:
                    raise ConflictError(
                        f"{current.agency.acronym} holds the current chair term; only one term "
                        "is current.",
                        code="chair_term_current_exists",
                    )
                if starts_on < current.starts_on:
                    raise ValidationFailed(
                        "A new term cannot start before the current one began.",
                        code="invalid_date",
                        field="starts_on",
                    )
                current.ends_on = starts_on
                current.save(update_fields=["ends_on"])
                audit_record(actor=actor, action="chair_term.ended", obj=current)
            term = ChairTerm.objects.create(
                agency=agency,
                starts_on=starts_on,
                note=note,
                created_by=_user(actor),
                assumed_at=assumed_at,
                decision=decision,
                dates_uncertain=dates_uncertain,
            )
            audit_record(
                actor=actor,
                action="chair_term.started",
                obj=term,
                data={
                    "agency": agency.acronym,
                    "starts_on": starts_on.isoformat(),
                    "meeting": assumed_at.pk if assumed_at else None,
                    "decision": decision.pk if decision is not None else None,
                },
            )
            if handover:
                _handover_generate(term=term, previous=current)
    except IntegrityError as exc:
        raise ConflictError(
            "Another chair term became current at the same time; only one term is current.",
            code="chair_term_current_exists",
        ) from exc
    return term


def _handover_generate(*, term: ChairTerm, previous: ChairTerm | None) -> HandoverChecklist:
    """ToR III.2.2: continuity with the next chair: what the new chair inherits."""
    from consensus.models import Decision, DecisionState

    checklist, created = HandoverChecklist.objects.get_or_create(
        term=term, defaults={"previous_term": previous}
    )
    if not created:
        return checklist
    now = timezone.now()
    items: list[HandoverItem] = []
    for decision in Decision.objects.filter(state=DecisionState.OPEN).order_by("deadline"):
        items.append(
            HandoverItem(
                checklist=checklist,
                category=HandoverCategory.OPEN_DECISION,
                label=f"{decision.title} (deadline {decision.deadline:%d %b %Y %H:%M} UTC)"[:300],
                url=reverse("decision-detail", args=[decision.pk]),
            )
        )
    for meeting in Meeting.objects.filter(state=MeetingState.HELD).order_by("starts_at"):
        items.append(
            HandoverItem(
                checklist=checklist,
                category=HandoverCategory.OUTSTANDING_MINUTES,
                label=f"Minutes of {meeting.title} ({meeting.starts_at:%d %b %Y})"[:300],
                url=meeting_url(meeting),
            )
        )
    for action in ActionItem.objects.filter(status=ActionItemStatus.OPEN).select_related(
        "owner_agency", "meeting"
    ):
        items.append(
            HandoverItem(
                checklist=checklist,
                category=HandoverCategory.OPEN_ACTION,
                label=f"{action.title} ({action.owner_agency.acronym}, due {action.due_on:%d %b %Y})"[
                    :300
                ],
                url=meeting_url(action.meeting),
            )
        )
    for meeting in Meeting.objects.filter(
        state__in=[MeetingState.PROPOSED, MeetingState.SCHEDULED], starts_at__gte=now
    ).order_by("starts_at")[:20]:
        items.append(
            HandoverItem(
                checklist=checklist,
                category=HandoverCategory.UPCOMING_MEETING,
                label=f"{meeting.title} ({meeting.starts_at:%d %b %Y})"[:300],
                url=meeting_url(meeting),
            )
        )
    HandoverItem.objects.bulk_create(items)
    audit_record(
        actor=None,
        action="chair_handover.generated",
        obj=checklist,
        data={"items": len(items), "previous_term": previous.pk if previous else None},
    )
    notification_send(
        kind="meetings.chair_handover",
        recipients=list(secretariat_users())
        + list(representative_users([term.agency_id], heads_only=True))
        + (list(representative_users([previous.agency_id], heads_only=True)) if previous else []),
        key=f"chair_term:{term.pk}:handover",
        title=f"Chair handover to {term.agency.acronym}: {len(items)} items",
        body="ToR III.2.2: the chair ensures continuity with the next chair.",
        url=reverse("chair-overview"),
    )
    return checklist


def handover_item_done(*, actor: User, item: HandoverItem) -> HandoverItem:
    """Tick an item of the handover checklist (the chair or the secretariat)."""
    _require_manager(actor, "tick the handover checklist")
    with transaction.atomic():
        item = HandoverItem.objects.select_for_update().get(pk=item.pk)
        if item.done_at is not None:
            return item
        item.done_at = timezone.now()
        item.done_by = _user(actor)
        item.save(update_fields=["done_at", "done_by"])
        audit_record(actor=actor, action="chair_handover.item_done", obj=item)
    return item


def chair_nomination_create(
    *, actor: User | None, agency: Agency, meeting: Meeting | None = None
) -> ChairNomination:
    """Propose an agency as the next chair (usually the host of the next meeting).

    ToR III.2.2: the host assumes the chair at a meeting that takes place, so a nomination
    for a cancelled meeting is refused (409 `meeting_cancelled`)."""
    _require_manager(actor, "propose the next chair")
    _participating([agency], "agency")
    with transaction.atomic():
        if meeting is not None and _lock_meeting(meeting).state == MeetingState.CANCELLED:
            raise ConflictError(
                "ToR III.2.2: the chair is assumed at a meeting that takes place; this one is "
                "cancelled.",
                code="meeting_cancelled",
                field="meeting",
            )
        nomination = ChairNomination.objects.create(agency=agency, meeting=meeting)
        audit_record(
            actor=actor,
            action="chair_nomination.proposed",
            obj=nomination,
            data={"agency": agency.acronym, "meeting": meeting.pk if meeting else None},
        )
    return nomination


def chair_nomination_put_to_decision(
    *,
    actor: User | None,
    nomination: ChairNomination,
    deadline: dt.datetime,
    procedure: str = "explicit",
) -> Any:
    """The next chair is settled by a consensus decision of kind `chair`."""
    from consensus.selectors import decisions_for_subject
    from consensus.services import decision_open

    _require_manager(actor, "put a chair nomination to consensus")
    with transaction.atomic():
        nomination = (
            ChairNomination.objects.select_for_update(of=("self",))
            .select_related("agency", "meeting")
            .get(pk=nomination.pk)
        )
        if nomination.state == ChairNominationState.UNDER_DECISION:
            return decisions_for_subject(nomination).filter(state="open").first()
        if nomination.state not in (ChairNominationState.PROPOSED, ChairNominationState.NOT_AGREED):
            raise ConflictError(
                f"This nomination is {nomination.get_state_display().lower()}.",
                code="invalid_transition",
            )
        nomination.state = ChairNominationState.UNDER_DECISION
        nomination.save(update_fields=["state"])
        audit_record(actor=actor, action="chair_nomination.under_decision", obj=nomination)
        where = (
            f" at {nomination.meeting.title} ({nomination.meeting.place or 'teleconference'})"
            if nomination.meeting
            else ""
        )
        return decision_open(
            actor=actor,
            kind="chair",
            title=f"Next chair: {nomination.agency.acronym}",
            text=(
                f"{nomination.agency.name} ({nomination.agency.acronym}) assumes the ISECG "
                f"chair{where}. ToR III.2.2: the chairmanship rotates about every 12-18 months."
            ),
            deadline=deadline,
            procedure=procedure,
            subject=nomination,
        )


def _nomination_enact(nomination: ChairNomination, *, actor: User | None, on: dt.date) -> ChairTerm:
    from consensus.selectors import decisions_for_subject

    decision = decisions_for_subject(nomination).filter(outcome="adopted").first()
    term = chair_term_start(
        actor=None,
        agency=nomination.agency,
        starts_on=on,
        assumed_at=nomination.meeting,
        decision=decision,
        note="Assumed as host of the meeting." if nomination.meeting else "",
    )
    nomination.state = ChairNominationState.ENACTED
    nomination.save(update_fields=["state"])
    audit_record(actor=actor, action="chair_nomination.enacted", obj=nomination)
    return term


def chair_nomination_decided(*, nomination_id: int, decision: Any) -> ChairNomination:
    """Handler of the chair decision: agreed nominations take effect when the meeting at
    which the chair is assumed is held (at once if it already was, or if there is none)."""
    nomination = (
        ChairNomination.objects.select_for_update(of=("self",))
        .select_related("agency", "meeting")
        .get(pk=nomination_id)
    )
    if decision.outcome == "adopted":
        if nomination.state != ChairNominationState.UNDER_DECISION:
            return nomination
        nomination.state = ChairNominationState.AGREED
        nomination.save(update_fields=["state"])
        audit_record(
            actor=None,
            action="chair_nomination.agreed",
            obj=nomination,
            data={"decision": decision.pk},
        )
        meeting = nomination.meeting
        if meeting is None:
            _nomination_enact(nomination, actor=None, on=timezone.localdate())
        elif meeting.state in (MeetingState.HELD, MeetingState.MINUTES_ISSUED):
            _nomination_enact(nomination, actor=None, on=meeting.local_starts_at.date())
    elif nomination.state == ChairNominationState.UNDER_DECISION:
        nomination.state = (
            ChairNominationState.PROPOSED
            if decision.outcome == "withdrawn"
            else ChairNominationState.NOT_AGREED
        )
        nomination.save(update_fields=["state"])
        audit_record(actor=None, action=f"chair_nomination.{nomination.state}", obj=nomination)
    return nomination


def _months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


def chair_rotation_notices(*, now: dt.datetime | None = None) -> list[str]:
    """ToR III.2.2: the chairmanship rotates about every 12-18 months. At 12 months the chair
    and the secretariat are asked to plan the next chair and host; at 18 months the rotation
    is overdue. Each notice once per term."""
    now = now or timezone.now()
    term = ChairTerm.objects.select_related("agency").filter(ends_on__isnull=True).first()
    if term is None:
        return []
    months = _months_between(term.starts_on, now.date())
    recipients = list(secretariat_users()) + list(chair_users())
    sent = []
    if months >= ROTATION_PLAN_MONTHS:
        notification_send(
            kind="meetings.chair_rotation_plan",
            recipients=recipients,
            key=f"chair_term:{term.pk}:12m",
            title=f"{term.agency.acronym} has chaired ISECG for 12 months: plan the next chair and host",
            body="ToR III.2.2: the chairmanship rotates on average about every 12-18 months.",
            url=reverse("chair-overview"),
        )
        sent.append("12m")
    if months >= ROTATION_OVERDUE_MONTHS:
        notification_send(
            kind="meetings.chair_rotation_overdue",
            recipients=recipients,
            key=f"chair_term:{term.pk}:18m",
            title=f"Chair rotation overdue: {term.agency.acronym} has chaired for 18 months",
            body="ToR III.2.2: the chairmanship rotates on average about every 12-18 months.",
            url=reverse("chair-overview"),
        )
        sent.append("18m")
    return sent


PLENARY_COUNTED_STATES = (MeetingState.SCHEDULED, MeetingState.HELD, MeetingState.MINUTES_ISSUED)


def annual_meeting_rule_check(*, now: dt.datetime | None = None) -> bool:
    """ToR III.2.2: ISECG meets at least once a year. When 12 months have passed since the
    last plenary meeting and no other has been held or scheduled, tell the secretariat
    (once per last plenary)."""
    now = now or timezone.now()
    last = (
        Meeting.objects.filter(
            kind=MeetingKind.PLENARY,
            state__in=[MeetingState.HELD, MeetingState.MINUTES_ISSUED],
            starts_at__lte=now,
        )
        .order_by("-starts_at")
        .first()
    )
    if last is None or now < last.starts_at + dt.timedelta(days=365):
        return False
    if Meeting.objects.filter(
        kind=MeetingKind.PLENARY, state__in=PLENARY_COUNTED_STATES, starts_at__gt=last.starts_at
    ).exists():
        return False
    return bool(
        notification_send(
            kind="meetings.annual_rule",
            recipients=secretariat_users(),
            key=f"annual_rule:after:{last.pk}",
            title="No plenary meeting held or scheduled for 12 months",
            body=(
                f"ToR III.2.2: ISECG meets at least once a year. The last plenary meeting was "
                f"{last.title} on {last.starts_at:%d %b %Y}."
            ),
            url=reverse("meeting-list"),
        )
    )


# --- agenda ----------------------------------------------------------------------------------


def _require_agenda_open(meeting: Meeting) -> None:
    if meeting.state not in (MeetingState.PROPOSED, MeetingState.SCHEDULED, MeetingState.HELD):
        raise ConflictError(
            f"The agenda of a {meeting.get_state_display().lower()} meeting is closed.",
            code="agenda_closed",
        )


def agenda_item_add(
    *,
    actor: User | None,
    meeting: Meeting,
    title: str,
    description: str = "",
    decision: Any = None,
    product: models.Model | None = None,
    product_title: str = "",
) -> AgendaItem:
    """Add an item at the end of the agenda; it may refer to a decision and a product."""
    _require_manager(actor, "edit the agenda")
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        _require_agenda_open(meeting)
        active = AgendaItem.objects.active().filter(meeting=meeting)
        last = active.aggregate(models.Max("position"))["position__max"] or 0
        item = AgendaItem.objects.create(
            meeting=meeting,
            position=last + 1,
            title=_text(title, "title", max_length=300),
            description=_text(description, "description", max_length=10_000, required=False),
            decision=decision,
            product_content_type=ContentType.objects.get_for_model(product) if product else None,
            product_object_id=str(product.pk) if product is not None else "",
            product_title=(product_title or (str(product) if product is not None else ""))[:300],
        )
        audit_record(
            actor=actor,
            action="agenda_item.added",
            obj=item,
            data={"meeting": meeting.pk, "position": item.position},
        )
    return item


def _number_agenda(item_ids: Sequence[int]) -> None:
    """Give the active items positions 1..n in this order, writing only the items that
    move. Two passes, so that no statement ever puts two active items at one position
    (PostgreSQL checks the unique index row by row)."""
    current = dict(AgendaItem.objects.filter(pk__in=item_ids).values_list("pk", "position"))
    moves = [(pk, index) for index, pk in enumerate(item_ids, start=1) if current[pk] != index]
    offset = max(current.values(), default=0) + len(item_ids) + 1
    for pk, index in moves:
        AgendaItem.objects.filter(pk=pk).update(position=offset + index)
    for pk, index in moves:
        AgendaItem.objects.filter(pk=pk).update(position=index)


def agenda_reorder(
    *, actor: User | None, meeting: Meeting, item_ids: Sequence[int]
) -> list[AgendaItem]:
    """Put the agenda in the given order (every active item exactly once)."""
    _require_manager(actor, "edit the agenda")
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        _require_agenda_open(meeting)
        active = AgendaItem.objects.active().filter(meeting=meeting)
        if sorted(item_ids) != sorted(active.values_list("pk", flat=True)):
            raise ValidationFailed(
                "List every agenda item of the meeting exactly once (withdrawn items excluded).",
                code="invalid",
                field="items",
            )
        _number_agenda(item_ids)
        audit_record(
            actor=actor, action="agenda.reordered", obj=meeting, data={"order": list(item_ids)}
        )
    return list(active.order_by("position"))


AGENDA_WITHDRAWABLE_STATES = (MeetingState.PROPOSED, MeetingState.SCHEDULED)


def agenda_withdrawal_open(meeting: Meeting, now: dt.datetime | None = None) -> bool:
    """Items may still be taken off the agenda: the meeting is proposed or scheduled and
    has not ended (agenda_item_withdraw; the meeting page offers the form only then)."""
    now = now or timezone.now()
    return meeting.state in AGENDA_WITHDRAWABLE_STATES and meeting.ends_at > now


def agenda_item_withdraw(*, actor: User | None, item: AgendaItem, reason: str) -> AgendaItem:
    """Take an item off a meeting's agenda before the meeting (e.g. moved to the next one).

    ToR III.2.2: the chair, supported by the secretariat. Nothing of record is deleted:
    the item is marked withdrawn, with who, when and why, and keeps the number it had;
    the remaining items are renumbered 1..n in the same transaction. Once the meeting
    has taken place (held, minutes issued, or past its end) or was cancelled, its agenda
    is a record (409). Withdrawing a withdrawn item again changes nothing.
    """
    _require_manager(actor, "edit the agenda")
    reason = _text(reason, "reason", max_length=2_000)
    with transaction.atomic():
        meeting = _lock_meeting(item.meeting_id)
        now = timezone.now()
        locked = AgendaItem.objects.select_for_update().filter(pk=item.pk).first()
        if locked is None:
            raise NotFoundError("No such agenda item.", code="agenda_item_not_found")
        if locked.withdrawn_at is not None:
            return locked
        if not agenda_withdrawal_open(meeting, now):
            if meeting.state == MeetingState.CANCELLED:
                raise ConflictError(
                    f"The agenda of a {meeting.get_state_display().lower()} meeting is closed.",
                    code="agenda_closed",
                )
            raise ConflictError(
                "The meeting has taken place: its agenda is a record and items are no "
                "longer withdrawn from it.",
                code="meeting_already_held",
            )
        locked.withdrawn_at = now
        locked.withdrawn_by = _user(actor)
        locked.withdrawal_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        remaining = AgendaItem.objects.active().filter(meeting=meeting).order_by("position", "id")
        _number_agenda(list(remaining.values_list("pk", flat=True)))
        audit_record(
            actor=actor,
            action="agenda_item.withdrawn",
            obj=locked,
            data={
                "meeting": meeting.pk,
                "position": locked.position,
                "title": locked.title,
                "reason": reason,
            },
        )
    return locked


# --- delegations and advisors (ToR III.2.1) -------------------------------------------------


def _require_attendable(meeting: Meeting) -> None:
    if meeting.state not in (MeetingState.PROPOSED, MeetingState.SCHEDULED):
        raise ConflictError(
            f"Delegations to a {meeting.get_state_display().lower()} meeting are closed.",
            code="delegations_closed",
        )


def attendance_register(
    *, actor: User | None, meeting: Meeting, agency: Agency, user: User
) -> Attendance:
    """ToR III.2.1: an agency's delegation consists of its designated representatives;
    representatives register only their own agency's delegation."""
    _require_acts_for(actor, agency, "register its delegation")
    _participating([agency], "agency")
    if not Representative.objects.filter(
        user=user, agency=agency, revoked_at__isnull=True
    ).exists():
        raise ValidationFailed(
            f"{user} is not a current representative of {agency.acronym} (ToR III.2.1).",
            code="not_representative",
            field="user",
        )
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        _require_attendable(meeting)
        existing = Attendance.objects.filter(meeting=meeting, user=user).first()
        if existing is not None:
            return existing
        attendance = Attendance.objects.create(
            meeting=meeting, agency=agency, user=user, registered_by=_user(actor)
        )
        audit_record(
            actor=actor,
            action="attendance.registered",
            obj=meeting,
            data={"agency": agency.acronym, "user": user.username},
        )
    return attendance


def attendance_withdraw(*, actor: User | None, attendance: Attendance) -> None:
    _require_acts_for(actor, attendance.agency, "change its delegation")
    with transaction.atomic():
        meeting = _lock_meeting(attendance.meeting_id)
        _require_attendable(meeting)
        audit_record(
            actor=actor,
            action="attendance.withdrawn",
            obj=meeting,
            data={"agency": attendance.agency.acronym, "user": attendance.user.username},
        )
        Attendance.objects.filter(pk=attendance.pk).delete()


def advisor_invite(
    *,
    actor: User | None,
    meeting: Meeting,
    agency: Agency,
    name: str,
    affiliation: str,
    expertise: str,
    conflict_of_interest_statement: str,
    now: dt.datetime | None = None,
) -> Advisor:
    """ToR III.2.1: an agency may invite appropriate experts as advisors; they are part of
    its delegation for the duration of the meeting; the delegation notifies the secretariat
    in a timely fashion (later than the configured lead time is flagged); conflicts of
    interest are avoided (a statement is required)."""
    _require_acts_for(actor, agency, "invite advisors to its delegation")
    _participating([agency], "agency")
    now = now or timezone.now()
    values = {
        "name": _text(name, "name", max_length=200),
        "affiliation": _text(affiliation, "affiliation", max_length=200),
        "expertise": _text(expertise, "expertise", max_length=300),
        "conflict_of_interest_statement": _text(
            conflict_of_interest_statement, "conflict_of_interest_statement", max_length=5000
        ),
    }
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        _require_attendable(meeting)
        late = meeting.starts_at - now < advisor_lead_time()
        advisor = Advisor.objects.create(
            meeting=meeting,
            agency=agency,
            notified_at=now,
            late_notice=late,
            invited_by=_user(actor),
            **values,
        )
        audit_record(
            actor=actor,
            action="advisor.invited",
            obj=advisor,
            data={"agency": agency.acronym, "meeting": meeting.pk, "late_notice": late},
        )
        lead_days = advisor_lead_time().days
        notification_send(
            kind="meetings.advisor_late" if late else "meetings.advisor_invited",
            recipients=secretariat_users(),
            key=f"advisor:{advisor.pk}",
            title=(
                f"{'LATE NOTICE: ' if late else ''}{agency.acronym} invites {advisor.name} "
                f"to {meeting.title}"
            )[:200],
            body=(
                f"Affiliation: {advisor.affiliation}\nExpertise: {advisor.expertise}\n"
                f"Conflict of interest: {advisor.conflict_of_interest_statement}\n"
                + (
                    f"Notified less than {lead_days} days before the meeting (ToR III.2.1)."
                    if late
                    else ""
                )
            ),
            url=meeting_url(meeting),
        )
    return advisor


# --- minutes (ToR III.2.2) ---------------------------------------------------------------------


def _previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(
            starts_at__lt=meeting.starts_at,
            state__in=[MeetingState.HELD, MeetingState.MINUTES_ISSUED],
        )
        .exclude(pk=meeting.pk)
        .order_by("-starts_at")
        .first()
    )


def decisions_section(meeting: Meeting) -> str:
    """The decisions taken at or since the previous meeting, with their outcomes,
    reservations and grounds (read through the consensus selectors)."""
    from consensus.models import DecisionState, Position, PositionValue
    from consensus.selectors import decisions_visible_to

    previous = _previous_meeting(meeting)
    since = previous.starts_at if previous else meeting.starts_at - dt.timedelta(days=365)
    decisions = list(
        decisions_visible_to(_system_reader())
        .filter(state=DecisionState.CLOSED, closed_at__gte=since, closed_at__lte=meeting.ends_at)
        .order_by("closed_at", "pk")
    )
    positions: dict[int, list[Any]] = {}
    for position in (
        Position.objects.filter(
            decision__in=decisions,
            value__in=[PositionValue.CONCUR_WITH_RESERVATION, PositionValue.OBJECT],
        )
        .select_related("agency")
        .order_by("agency__acronym")
    ):
        positions.setdefault(position.decision_id, []).append(position)
    lines = [
        "## Decisions taken since the previous meeting",
        "",
        f"_Decisions closed from {since:%d %b %Y} to {meeting.ends_at:%d %b %Y} (UTC)._",
        "",
    ]
    if not decisions:
        lines.append("No decisions were closed in this period.")
    for decision in decisions:
        lines.append(
            f"- **{decision.title}** ({decision.get_kind_display()}): "
            f"{decision.get_outcome_display().lower()} on {decision.closed_at:%d %b %Y}."
        )
        for position in positions.get(decision.pk, []):
            label = (
                "Reservation"
                if position.value == PositionValue.CONCUR_WITH_RESERVATION
                else "Objection, grounds"
            )
            lines.append(f"  - {label} ({position.agency.acronym}): {position.statement}")
    return "\n".join(lines) + "\n"


class _SystemReader:
    """An authenticated stand-in for reading decisions on behalf of the system."""

    is_authenticated = True
    is_active = True
    pk = None


def _system_reader() -> Any:
    return _SystemReader()


def _minutes_skeleton(meeting: Meeting) -> str:
    agenda = "\n".join(
        f"{item.position}. {item.title}"
        for item in AgendaItem.objects.active().filter(meeting=meeting).order_by("position")
    )
    delegations: dict[str, list[str]] = {}
    for attendance in meeting.attendances.select_related("agency", "user"):
        delegations.setdefault(attendance.agency.acronym, []).append(str(attendance.user))
    for advisor in meeting.advisors.select_related("agency"):
        delegations.setdefault(advisor.agency.acronym, []).append(f"{advisor.name} (advisor)")
    attendees = "\n".join(
        f"- {acronym}: {', '.join(names)}" for acronym, names in sorted(delegations.items())
    )
    return (
        f"# Minutes of {meeting.title}\n\n"
        f"{meeting.local_starts_at:%d %B %Y}, {meeting.place or 'teleconference'}\n\n"
        f"## Participants\n\n{attendees or '_To be completed._'}\n\n"
        f"## Agenda\n\n{agenda or '_No agenda recorded._'}\n\n"
        f"## Discussion\n\n_To be completed._\n\n"
    )


def _require_minutes_editor(actor: User | None) -> None:
    """ToR III.2.2: the chair, supported by the secretariat, issues the minutes."""
    _require_manager(actor, "draft or issue minutes")


def minutes_draft(*, actor: User | None, meeting: Meeting, body: str = "") -> Minutes:
    """The secretariat drafts the minutes of a held meeting. The decisions taken since the
    previous meeting are included automatically. A pending draft is returned as is."""
    _require_minutes_editor(actor)
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if meeting.state not in (MeetingState.HELD, MeetingState.MINUTES_ISSUED):
            raise ConflictError("Minutes are drafted once the meeting is held.", code="not_held")
        latest = meeting.minutes.order_by("-version").first()
        if latest is not None:
            if latest.state != MinutesState.ISSUED:
                return latest
            raise ConflictError(
                "These minutes are issued; correct them with a new version.", code="minutes_issued"
            )
        text = _text(body, "body", max_length=MAX_BODY, required=False) or _minutes_skeleton(
            meeting
        )
        text = text.rstrip() + "\n\n" + decisions_section(meeting)
        minutes = Minutes.objects.create(
            meeting=meeting, version=1, body=text, drafted_by=_user(actor)
        )
        audit_record(actor=actor, action="minutes.drafted", obj=minutes, data={"version": 1})
    return minutes


def _lock_minutes(minutes: Minutes) -> Minutes:
    return Minutes.objects.select_for_update().select_related("meeting").get(pk=minutes.pk)


def _require_not_issued(minutes: Minutes) -> None:
    if minutes.state == MinutesState.ISSUED:
        raise ConflictError(
            "Issued minutes cannot be changed; correct them with a new version.",
            code="minutes_issued",
        )


def minutes_edit(*, actor: User | None, minutes: Minutes, body: str) -> Minutes:
    """Edit a draft or circulated version (409 once issued)."""
    _require_minutes_editor(actor)
    with transaction.atomic():
        minutes = _lock_minutes(minutes)
        _require_not_issued(minutes)
        text = _text(body, "body", max_length=MAX_BODY)
        if text != minutes.body:
            minutes.body = text
            minutes.updated_at = timezone.now()
            minutes.save(update_fields=["body", "updated_at"])
            audit_record(
                actor=actor, action="minutes.edited", obj=minutes, data={"length": len(text)}
            )
            _approval_clear(minutes, actor=actor)
    return minutes


def _approval_clear(minutes: Minutes, *, actor: User | None) -> None:
    """ToR III.2.2: the chair approves one text; an edit after the approval needs a new one."""
    if minutes.approved_at is None:
        return
    audit_record(
        actor=actor,
        action="minutes.approval_cleared",
        obj=minutes,
        data={
            "approved_at": minutes.approved_at.isoformat(),
            "approval_agency": minutes.approval_agency_id,
            "reason": "The text changed after the chair's approval.",
        },
    )
    minutes.approved_at = None
    minutes.approval_agency = None
    minutes.approved_by = None
    minutes.approval_recorded_by = None
    minutes.approval_evidence = ""
    minutes.save(
        update_fields=[
            "approved_at",
            "approval_agency",
            "approved_by",
            "approval_recorded_by",
            "approval_evidence",
        ]
    )


def minutes_circulate(
    *, actor: User | None, minutes: Minutes, comment_deadline: dt.datetime
) -> Minutes:
    """Circulate the draft to the participating agencies for comments until a deadline."""
    _require_minutes_editor(actor)
    if not isinstance(comment_deadline, dt.datetime) or timezone.is_naive(comment_deadline):
        raise ValidationFailed(
            "Give the deadline as an instant.", code="invalid_instant", field="comment_deadline"
        )
    if comment_deadline <= timezone.now():
        raise ValidationFailed(
            "The comment deadline must be in the future.", code="in_past", field="comment_deadline"
        )
    with transaction.atomic():
        minutes = _lock_minutes(minutes)
        if minutes.state == MinutesState.CIRCULATED:
            return minutes
        _require_not_issued(minutes)
        minutes.state = MinutesState.CIRCULATED
        minutes.comment_deadline = comment_deadline
        minutes.circulated_at = timezone.now()
        minutes.save(update_fields=["state", "comment_deadline", "circulated_at"])
        audit_record(
            actor=actor,
            action="minutes.circulated",
            obj=minutes,
            data={"comment_deadline": comment_deadline.isoformat()},
        )
        notification_send(
            kind="meetings.minutes_circulated",
            recipients=participating_representative_users(),
            key=f"minutes:{minutes.pk}:circulated",
            title=f"Draft minutes of {minutes.meeting.title} for comment",
            body=f"Comments until {comment_deadline.astimezone(dt.UTC):%d %b %Y %H:%M} UTC.",
            url=meeting_url(minutes.meeting),
        )
    return minutes


def minutes_comment(*, actor: User, minutes: Minutes, agency: Agency, body: str) -> MinutesComment:
    """A participating agency comments on circulated minutes, before the deadline."""
    if actor is None or not represents(actor, agency):
        raise PermissionDeniedError(
            f"Only representatives of {agency.acronym} comment for it.", code="not_representative"
        )
    _participating([agency], "agency")
    text = _text(body, "body", max_length=20_000)
    with transaction.atomic():
        minutes = _lock_minutes(minutes)
        if minutes.state != MinutesState.CIRCULATED:
            raise ConflictError("These minutes are not open for comments.", code="not_circulated")
        if minutes.comment_deadline and timezone.now() >= minutes.comment_deadline:
            raise ConflictError("The comment period has ended.", code="comments_closed")
        comment = MinutesComment.objects.create(
            minutes=minutes, agency=agency, author=actor, body=text
        )
        audit_record(
            actor=actor, action="minutes.commented", obj=minutes, data={"agency": agency.acronym}
        )
    return comment


def _require_issuable(minutes: Minutes, now: dt.datetime) -> None:
    """Circulated minutes are issued (and approved for issue) after the comment period;
    a correction (version 2 and later) may be issued from its draft."""
    if MinutesState.ISSUED not in MINUTES_TRANSITIONS[minutes.state]:
        raise ConflictError("These minutes cannot be issued.", code="invalid_transition")
    if minutes.state == MinutesState.DRAFT and minutes.version == 1:
        raise ConflictError(
            "Circulate the draft for comments before issuing it.", code="not_circulated"
        )
    if (
        minutes.state == MinutesState.CIRCULATED
        and minutes.comment_deadline
        and now < minutes.comment_deadline
    ):
        raise ConflictError("The comment period is still open.", code="comment_period_open")


def _chair_agency_now() -> Agency:
    from meetings.selectors import current_chair_agency

    agency = current_chair_agency()
    if agency is None:
        raise ConflictError(
            "No agency holds the chair: there is no chair to approve the minutes.",
            code="no_chair",
        )
    return agency


def _approve(
    minutes: Minutes,
    *,
    actor: User | None,
    agency: Agency,
    approved_by: User | None,
    evidence: str,
    now: dt.datetime,
) -> None:
    minutes.approved_at = now
    minutes.approval_agency = agency
    minutes.approved_by = approved_by
    minutes.approval_recorded_by = _user(actor) if approved_by is None else None
    minutes.approval_evidence = evidence
    minutes.save(
        update_fields=[
            "approved_at",
            "approval_agency",
            "approved_by",
            "approval_recorded_by",
            "approval_evidence",
        ]
    )
    audit_record(
        actor=actor,
        action="minutes.approved" if approved_by is not None else "minutes.approval_recorded",
        obj=minutes,
        data={
            "version": minutes.version,
            "chair_agency": agency.acronym,
            "approved_by": approved_by.username if approved_by is not None else None,
            "on_behalf": approved_by is None,
            "evidence": evidence,
        },
    )


def _approval_current(minutes: Minutes) -> bool:
    """An approval counts while the agency that gave it still holds the chair."""
    if minutes.approved_at is None:
        return False
    from meetings.selectors import current_chair_agency

    agency = current_chair_agency()
    return agency is not None and agency.pk == minutes.approval_agency_id


def minutes_approve(*, actor: User, minutes: Minutes) -> Minutes:
    """ToR III.2.2: the ISECG Chair, supported by the Secretariat, issues the minutes. The
    chair (a head of delegation of the agency holding the chair) approves the text for
    issue in the application; the approval is recorded with who gave it and when."""
    if actor is None or not is_chair(actor):
        raise PermissionDeniedError(
            "Only the chair (a head of delegation of the chair agency) approves the minutes.",
            code="not_chair",
        )
    now = timezone.now()
    with transaction.atomic():
        minutes = _lock_minutes(minutes)
        _require_not_issued(minutes)
        _require_issuable(minutes, now)
        if _approval_current(minutes):
            return minutes
        _approve(
            minutes,
            actor=actor,
            agency=_chair_agency_now(),
            approved_by=actor,
            evidence="",
            now=now,
        )
        notification_send(
            kind="meetings.minutes_approved",
            recipients=secretariat_users(),
            key=f"minutes:{minutes.pk}:approved:{now.isoformat()}",
            title=f"The chair approved the minutes of {minutes.meeting.title} for issue"[:200],
            url=meeting_url(minutes.meeting),
        )
    return minutes


def minutes_approval_record(*, actor: User | None, minutes: Minutes, evidence: str) -> Minutes:
    """ToR III.2.2 and IV: the secretariat supports the chair. It records the chair's
    approval given by other means (e.g. an email from the chair's head of delegation),
    with evidence, as it records positions on an agency's behalf."""
    _require_secretariat(actor, "record the chair's approval of the minutes")
    evidence = _text(evidence, "evidence", max_length=2000)
    now = timezone.now()
    with transaction.atomic():
        minutes = _lock_minutes(minutes)
        _require_not_issued(minutes)
        _require_issuable(minutes, now)
        if _approval_current(minutes):
            return minutes
        _approve(
            minutes,
            actor=actor,
            agency=_chair_agency_now(),
            approved_by=None,
            evidence=evidence,
            now=now,
        )
    return minutes


def minutes_issue(*, actor: User | None, minutes: Minutes) -> Minutes:
    """ToR III.2.2: the ISECG Chair, supported by the Secretariat, issues the minutes;
    issued minutes are immutable. Circulated minutes are issued after the comment deadline.

    The secretariat issues them only for the chair: with the chair's approval recorded
    (`minutes_approve` in the application, or `minutes_approval_record` with evidence);
    otherwise 409 `chair_approval_required`. When the chair issues them, that is its
    approval, recorded as such. The issued version shows who issued and who approved it.
    """
    _require_minutes_editor(actor)
    now = timezone.now()
    with transaction.atomic():
        minutes = _lock_minutes(minutes)
        if minutes.state == MinutesState.ISSUED:
            return minutes
        _require_issuable(minutes, now)
        if not _approval_current(minutes):
            if actor is not None and is_chair(actor):
                _approve(
                    minutes,
                    actor=actor,
                    agency=_chair_agency_now(),
                    approved_by=actor,
                    evidence="",
                    now=now,
                )
            else:
                raise ConflictError(
                    "ToR III.2.2: the chair issues the minutes. Record the chair's approval "
                    "first (the chair approves in the application, or the secretariat records "
                    "the approval with evidence).",
                    code="chair_approval_required",
                )
        minutes.state = MinutesState.ISSUED
        minutes.issued_at = now
        minutes.issued_by = _user(actor)
        minutes.save(update_fields=["state", "issued_at", "issued_by"])
        audit_record(
            actor=actor,
            action="minutes.issued",
            obj=minutes,
            data={
                "version": minutes.version,
                "approval_agency": minutes.approval_agency.acronym
                if minutes.approval_agency
                else None,
                "approved_by": minutes.approved_by.username if minutes.approved_by else None,
                "approval_recorded_by": minutes.approval_recorded_by.username
                if minutes.approval_recorded_by
                else None,
            },
        )
        meeting = _lock_meeting(minutes.meeting_id)
        if meeting.state == MeetingState.HELD:
            _set_state(meeting, MeetingState.MINUTES_ISSUED, actor=actor)
        notification_send(
            kind="meetings.minutes_issued",
            recipients=participating_representative_users(),
            key=f"minutes:{minutes.pk}:issued",
            title=f"Minutes issued: {meeting.title} (version {minutes.version})",
            url=meeting_url(meeting),
        )
    return minutes


def minutes_comments_close(*, actor: User, minutes: Minutes, reason: str) -> Minutes:
    """ToR III.2.2: the chair is responsible for issuing the minutes and may close the
    comment period early, with a reason; recorded and announced to every agency."""
    if actor is None or not is_chair(actor):
        raise PermissionDeniedError(
            "Only the chair closes the comment period early.", code="not_chair"
        )
    reason = _text(reason, "reason", max_length=2000)
    now = timezone.now()
    with transaction.atomic():
        minutes = _lock_minutes(minutes)
        if minutes.state != MinutesState.CIRCULATED:
            raise ConflictError("These minutes are not open for comments.", code="not_circulated")
        if minutes.comment_deadline is None or minutes.comment_deadline <= now:
            return minutes
        before = minutes.comment_deadline
        minutes.comment_deadline = now
        minutes.comments_closed_at = now
        minutes.comments_closed_by = _user(actor)
        minutes.comments_closed_reason = reason
        minutes.save(
            update_fields=[
                "comment_deadline",
                "comments_closed_at",
                "comments_closed_by",
                "comments_closed_reason",
            ]
        )
        audit_record(
            actor=actor,
            action="minutes.comments_closed",
            obj=minutes,
            data={"before": before.isoformat(), "after": now.isoformat(), "reason": reason},
        )
        notification_send(
            kind="meetings.minutes_comments_closed",
            recipients=_everyone(),
            key=f"minutes:{minutes.pk}:comments_closed",
            title=f"Comments on the minutes of {minutes.meeting.title} are closed"[:200],
            body=(
                f"The chair closed the comment period early (it was to end "
                f"{before.astimezone(dt.UTC):%d %b %Y %H:%M} UTC).\nReason: {reason}"
            ),
            url=meeting_url(minutes.meeting),
        )
    return minutes


def minutes_correct(*, actor: User | None, minutes: Minutes, body: str, reason: str) -> Minutes:
    """A correction to issued minutes is a new version with a reason; the issued version
    is kept unchanged."""
    _require_minutes_editor(actor)
    reason = _text(reason, "reason", max_length=5000)
    text = _text(body, "body", max_length=MAX_BODY)
    with transaction.atomic():
        minutes = _lock_minutes(minutes)
        meeting = _lock_meeting(minutes.meeting_id)
        latest = meeting.minutes.order_by("-version").first()
        if minutes.state != MinutesState.ISSUED:
            raise ConflictError("Only issued minutes are corrected.", code="not_issued")
        if latest is None or latest.pk != minutes.pk:
            raise ConflictError(
                "Correct the latest version; a newer one exists.", code="not_latest"
            )
        correction = Minutes.objects.create(
            meeting=meeting,
            version=minutes.version + 1,
            body=text,
            correction_reason=reason,
            corrects=minutes,
            drafted_by=_user(actor),
        )
        audit_record(
            actor=actor,
            action="minutes.correction_drafted",
            obj=correction,
            data={"version": correction.version, "reason": reason},
        )
    return correction


def minutes_overdue_notices(*, now: dt.datetime | None = None) -> int:
    """ToR III.2.2: the chair issues the minutes. Thirty days after a meeting without
    issued minutes, the chair and the secretariat are reminded (once per meeting)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=MINUTES_OVERDUE_DAYS)
    meetings = Meeting.objects.filter(state=MeetingState.HELD, ends_at__lte=cutoff)
    recipients = list(secretariat_users()) + list(chair_users())
    count = 0
    for meeting in meetings:
        count += len(
            notification_send(
                kind="meetings.minutes_overdue",
                recipients=recipients,
                key=f"meeting:{meeting.pk}:minutes-overdue",
                title=f"Minutes of {meeting.title} not issued after {MINUTES_OVERDUE_DAYS} days",
                body="ToR III.2.2: the chair, supported by the secretariat, issues the minutes.",
                url=meeting_url(meeting),
            )
        )
    return count


# --- action items ------------------------------------------------------------------------------


def action_item_create(
    *, actor: User | None, meeting: Meeting, title: str, owner_agency: Agency, due_on: dt.date
) -> ActionItem:
    _require_manager(actor, "record action items")
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if meeting.state == MeetingState.CANCELLED:
            raise ConflictError("The meeting was cancelled.", code="meeting_cancelled")
        item = ActionItem.objects.create(
            meeting=meeting,
            title=_text(title, "title", max_length=300),
            owner_agency=owner_agency,
            due_on=due_on,
            created_by=_user(actor),
        )
        audit_record(
            actor=actor,
            action="action_item.created",
            obj=item,
            data={"owner": owner_agency.acronym, "due_on": due_on.isoformat()},
        )
    return item


def action_item_set_status(*, actor: User | None, item: ActionItem, status: str) -> ActionItem:
    """The owner agency, the chair or the secretariat closes (or reopens) an action item."""
    if status not in ActionItemStatus.values:
        raise ValidationFailed("Unknown status.", code="invalid_status", field="status")
    if not _may_manage(actor):
        _require_acts_for(actor, item.owner_agency, "update its action items")
    with transaction.atomic():
        item = ActionItem.objects.select_for_update().get(pk=item.pk)
        if item.status == status:
            return item
        before = item.status
        item.status = status
        item.closed_at = None if status == ActionItemStatus.OPEN else timezone.now()
        item.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action="action_item.status",
            obj=item,
            data={"before": before, "after": status},
        )
    return item


def action_item_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the owner agency of an action item due soon, and when overdue (each once)."""
    now = now or timezone.now()
    today = now.date()
    count = 0
    items = ActionItem.objects.filter(
        status=ActionItemStatus.OPEN, due_on__lte=today + dt.timedelta(days=ACTION_DUE_SOON_DAYS)
    ).select_related("owner_agency", "meeting")
    for item in items:
        overdue = item.due_on < today
        count += len(
            notification_send(
                kind="meetings.action_overdue" if overdue else "meetings.action_due",
                recipients=representative_users([item.owner_agency_id]),
                key=f"action_item:{item.pk}:{'overdue' if overdue else 'due'}",
                title=f"Action item {'overdue' if overdue else 'due'} {item.due_on:%d %b %Y}: {item.title}"[
                    :200
                ],
                body=f"From {item.meeting.title}, owner {item.owner_agency.acronym}.",
                url=meeting_url(item.meeting),
            )
        )
    return count


# --- meeting reminders -----------------------------------------------------------------------------


def _attendee_users(meeting: Meeting) -> list[User]:
    users = [a.user for a in meeting.attendances.select_related("user")]
    if users:
        return users
    return list(participating_representative_users())


REMINDER_WINDOWS = (
    ("7d", dt.timedelta(days=7), dt.timedelta(days=1)),
    ("1d", dt.timedelta(days=1), dt.timedelta(0)),
)


def meeting_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind attendees 7 days and 1 day before a scheduled meeting (each once)."""
    now = now or timezone.now()
    count = 0
    meetings = Meeting.objects.filter(
        state=MeetingState.SCHEDULED, starts_at__gt=now, starts_at__lte=now + dt.timedelta(days=7)
    )
    for meeting in meetings:
        for label, upper, lower in REMINDER_WINDOWS:
            if not (now + lower < meeting.starts_at <= now + upper):
                continue
            local = meeting.local_starts_at
            count += len(
                notification_send(
                    kind=f"meetings.reminder_{label}",
                    recipients=_attendee_users(meeting),
                    key=f"meeting:{meeting.pk}:reminder:{label}",
                    title=f"{'Tomorrow' if label == '1d' else 'In a week'}: {meeting.title}",
                    body=(
                        f"Starts {meeting.starts_at.astimezone(dt.UTC):%d %b %Y %H:%M} UTC "
                        f"({local:%H:%M} {meeting.time_zone}). "
                        f"{meeting.place or meeting.dial_in}"
                    ),
                    url=meeting_url(meeting),
                )
            )
    return count


# --- calendar tokens ----------------------------------------------------------------------------


def calendar_token_issue(*, actor: User) -> CalendarFeedToken:
    """A new secret subscription URL for the actor; any previous one stops working."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError("Sign in first.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        now = timezone.now()
        CalendarFeedToken.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=now)
        token = CalendarFeedToken.objects.create(user=actor)
        audit_record(actor=actor, action="calendar_token.issued", obj=token)
    return token


def calendar_token_revoke(*, actor: User) -> int:
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError("Sign in first.")
    with transaction.atomic():
        count = CalendarFeedToken.objects.filter(user=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if count:
            audit_record(actor=actor, action="calendar_token.revoked", obj=actor)
    return count
