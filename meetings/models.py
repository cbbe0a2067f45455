"""Meetings, teleconferences, venues, delegations, minutes and the rotating chair.

ToR III.2.1 (delegations and advisors) and ToR III.2.2 (meetings, venues, the chair, minutes).
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import IsNull
from django.utils import timezone

from isecg.models import TIME_ZONE_CHOICES, AppendOnlyModel

# --- Meetings -----------------------------------------------------------------


class MeetingKind(models.TextChoices):
    PLENARY = "plenary", "Plenary meeting"
    SENIOR_MANAGERS = "senior_managers", "Senior managers' meeting"
    TELECONFERENCE = "teleconference", "Plenary teleconference"
    WORKING_GROUP = "working_group", "Working-group meeting"


class MeetingState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    MINUTES_ISSUED = "minutes_issued", "Minutes issued"
    CANCELLED = "cancelled", "Cancelled"


# Allowed state changes of a meeting. Testable without a database.
MEETING_TRANSITIONS: dict[str, frozenset[str]] = {
    MeetingState.PROPOSED: frozenset({MeetingState.SCHEDULED, MeetingState.CANCELLED}),
    MeetingState.SCHEDULED: frozenset({MeetingState.HELD, MeetingState.CANCELLED}),
    MeetingState.HELD: frozenset({MeetingState.MINUTES_ISSUED}),
    MeetingState.MINUTES_ISSUED: frozenset(),
    MeetingState.CANCELLED: frozenset(),
}


def meeting_transition_allowed(before: str, after: str) -> bool:
    return after in MEETING_TRANSITIONS.get(before, frozenset())


class TeleconferenceSeries(models.Model):
    """A recurring plenary teleconference (seeds/001: monthly plenary teleconferences).

    `rule` is an RFC 5545 RRULE (e.g. FREQ=MONTHLY;BYDAY=2TU), read in `time_zone`
    from the wall-clock `local_time`. Its meetings are generated ahead of time; an
    occurrence that was cancelled or moved keeps its `occurrence_key`, so it is never
    generated again and the series stays intact.
    """

    title = models.CharField(max_length=200)
    rule = models.CharField(max_length=300, help_text="RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=2TU")
    local_time = models.TimeField(help_text="Wall-clock start time in the series' time zone.")
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    duration_minutes = models.PositiveIntegerField(default=90)
    starts_on = models.DateField(help_text="First day the rule may produce an occurrence.")
    dial_in = models.TextField(blank=True)
    horizon_days = models.PositiveIntegerField(
        default=120, help_text="How far ahead meetings are generated."
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "teleconference series"

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    """A meeting or teleconference of ISECG (ToR III.2.2: at least once a year)."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    state = models.CharField(
        max_length=20, choices=MeetingState.choices, default=MeetingState.PROPOSED, db_index=True
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    time_zone = models.CharField(
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        default="UTC",
        help_text="The meeting's own time zone (where it is held).",
    )
    dates_uncertain = models.BooleanField(
        default=False, help_text="Historical record whose exact dates are not established."
    )
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    venue = models.CharField(max_length=200, blank=True, help_text="Building or site.")
    dial_in = models.TextField(blank=True)
    hosts = models.ManyToManyField("agencies.Agency", blank=True, related_name="meetings_hosted")
    associated_event = models.CharField(
        max_length=200,
        blank=True,
        help_text="ToR III.2.2: the exploration-related event it is held alongside, if any.",
    )
    series = models.ForeignKey(
        TeleconferenceSeries,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    occurrence_key = models.DateTimeField(
        null=True, blank=True, help_text="The series occurrence this meeting was generated for."
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["series", "occurrence_key"],
                condition=Q(series__isnull=False),
                name="meeting_one_per_series_occurrence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_starts_at(self) -> dt.datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_ends_at(self) -> dt.datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.city, self.country) if part)

    @property
    def is_remote(self) -> bool:
        return not self.city and bool(self.dial_in)

    @property
    def moved(self) -> bool:
        return self.occurrence_key is not None and self.occurrence_key != self.starts_at

    @property
    def venue_proposal(self) -> VenueProposal | None:
        """The latest venue proposal for this meeting, if any (read from a prefetch)."""
        proposals = sorted(self.venue_proposals.all(), key=lambda p: p.pk, reverse=True)
        return proposals[0] if proposals else None

    @property
    def active_agenda(self) -> list[AgendaItem]:
        """The agenda as it stands, in order (read from a prefetch when there is one)."""
        return [item for item in self.agenda_items.all() if item.withdrawn_at is None]

    @property
    def withdrawn_agenda(self) -> list[AgendaItem]:
        """Items taken off the agenda, kept as a record."""
        return [item for item in self.agenda_items.all() if item.withdrawn_at is not None]


# --- Venues and the chair ----------------------------------------------------------


class VenueProposalState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    UNDER_DECISION = "under_decision", "Under consensus decision"
    AGREED = "agreed", "Agreed"
    NOT_AGREED = "not_agreed", "Not agreed"
    WITHDRAWN = "withdrawn", "Withdrawn"


VENUE_TRANSITIONS: dict[str, frozenset[str]] = {
    VenueProposalState.SUBMITTED: frozenset(
        {VenueProposalState.UNDER_DECISION, VenueProposalState.WITHDRAWN}
    ),
    VenueProposalState.UNDER_DECISION: frozenset(
        {VenueProposalState.AGREED, VenueProposalState.NOT_AGREED, VenueProposalState.SUBMITTED}
    ),
    VenueProposalState.AGREED: frozenset(),
    VenueProposalState.NOT_AGREED: frozenset(
        {VenueProposalState.UNDER_DECISION, VenueProposalState.WITHDRAWN}
    ),
    VenueProposalState.WITHDRAWN: frozenset(),
}


class VenueProposal(models.Model):
    """ToR III.2.2: venues are agreed by consensus on the proposal of one or more agencies,
    which bear the local administrative costs. The proposed meeting exists in state
    `proposed` until the venue decision adopts it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="venue_proposals")
    host_agencies = models.ManyToManyField("agencies.Agency", related_name="venue_proposals")
    chair_agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The host that assumes the chair at this meeting (seeds/001, seeds/003).",
    )
    is_change = models.BooleanField(
        default=False,
        help_text="Moves an agreed meeting to another venue or host (a new venue decision).",
    )
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    venue = models.CharField(max_length=200, blank=True, help_text="Building or site.")
    reason = models.TextField(blank=True, help_text="Why an agreed venue changes.")
    state = models.CharField(
        max_length=20, choices=VenueProposalState.choices, default=VenueProposalState.SUBMITTED
    )
    cost_acknowledged = models.BooleanField(
        help_text="ToR III.2.2: the host(s) bear the local administrative costs."
    )
    cost_acknowledged_at = models.DateTimeField()
    statement = models.TextField(blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_acknowledged=True), name="venue_proposal_costs_acknowledged"
            )
        ]

    def __str__(self) -> str:
        return f"Venue: {self.meeting.title}"

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.city, self.country) if part)


class ChairNominationState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    UNDER_DECISION = "under_decision", "Under consensus decision"
    AGREED = "agreed", "Agreed"
    NOT_AGREED = "not_agreed", "Not agreed"
    ENACTED = "enacted", "Enacted (term started)"
    LAPSED = "lapsed", "Lapsed (meeting cancelled)"


class ChairNomination(models.Model):
    """The next chair, proposed (seeds/001: the host of the meeting assumes the chair)
    and settled by a consensus decision of kind `chair`."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="chair_nominations"
    )
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chair_nominations",
        help_text="The meeting at which the agency is to assume the chair.",
    )
    venue_proposal = models.ForeignKey(
        VenueProposal, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=20, choices=ChairNominationState.choices, default=ChairNominationState.PROPOSED
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.agency} as next chair"


class ChairTerm(models.Model):
    """ToR III.2.2: the chairmanship rotates on average about every 12-18 months.

    The chair is the head(s) of delegation of the agency holding the current term.
    Exactly one term is current (ends_on empty): a database constraint.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="chair_terms"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty while the term is current.")
    dates_uncertain = models.BooleanField(default=False)
    assumed_at = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chair_terms_assumed",
        help_text="The meeting at which the chair was assumed.",
    )
    decision = models.ForeignKey(
        "consensus.Decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The consensus decision that settled it.",
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            # An expression index: NULLs are distinct in a plain unique index, so
            # UNIQUE(ends_on) WHERE ends_on IS NULL would not stop a second open term.
            models.UniqueConstraint(
                IsNull(F("ends_on"), True),
                condition=Q(ends_on__isnull=True),
                name="chair_term_one_current",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="chair_term_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} chair from {self.starts_on}"

    @property
    def is_current(self) -> bool:
        return self.ends_on is None

    def length_days(self, today: dt.date | None = None) -> int:
        end = self.ends_on or today or timezone.localdate()
        return (end - self.starts_on).days


class HandoverChecklist(models.Model):
    """ToR III.2.2: the chair ensures continuity with the next chair. Generated once at
    each change of chair, as a snapshot of what the new chair inherits."""

    term = models.OneToOneField(ChairTerm, on_delete=models.PROTECT, related_name="handover")
    previous_term = models.ForeignKey(
        ChairTerm, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Handover to {self.term.agency}"


class HandoverCategory(models.TextChoices):
    OPEN_DECISION = "open_decision", "Open decision"
    OUTSTANDING_MINUTES = "outstanding_minutes", "Outstanding minutes"
    OPEN_ACTION = "open_action", "Open action item"
    UPCOMING_MEETING = "upcoming_meeting", "Upcoming meeting"


class HandoverItem(models.Model):
    checklist = models.ForeignKey(HandoverChecklist, on_delete=models.PROTECT, related_name="items")
    category = models.CharField(max_length=30, choices=HandoverCategory.choices)
    label = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["category", "id"]

    def __str__(self) -> str:
        return self.label


# --- Agenda and attendance -------------------------------------------------------


class AgendaItemQuerySet(models.QuerySet["AgendaItem"]):
    def active(self) -> AgendaItemQuerySet:
        """The items on the agenda: not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)

    def withdrawn(self) -> AgendaItemQuerySet:
        return self.filter(withdrawn_at__isnull=False)


class AgendaItem(models.Model):
    """One item of a meeting's ordered agenda; it may refer to a decision and a product.

    An item taken off the agenda is withdrawn, never deleted: it keeps the position it
    had (outside the numbering of the active items) with who withdrew it, when and why.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    decision = models.ForeignKey(
        "consensus.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product_object_id = models.CharField(max_length=64, blank=True)
    product = GenericForeignKey("product_content_type", "product_object_id")
    product_title = models.CharField(max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            # Active items are numbered 1..n; a withdrawn item keeps the number it had.
            models.UniqueConstraint(
                fields=["meeting", "position"],
                condition=Q(withdrawn_at__isnull=True),
                name="agenda_item_unique_position",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""),
                name="agenda_item_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Attendance(models.Model):
    """A representative in an agency's delegation to a meeting (ToR III.2.1)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendances")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency__acronym", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.agency})"


class Advisor(models.Model):
    """ToR III.2.1: an expert invited by an agency; part of that delegation for the meeting
    only. The inviting delegation notifies the secretariat in a timely fashion."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="advisors")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    affiliation = models.CharField(max_length=200)
    expertise = models.CharField(max_length=300)
    conflict_of_interest_statement = models.TextField()
    notified_at = models.DateTimeField(default=timezone.now)
    late_notice = models.BooleanField(default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["agency__acronym", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.affiliation}), advisor to {self.agency}"


# --- Minutes and action items ----------------------------------------------------


class MinutesState(models.TextChoices):
    DRAFT = "draft", "Draft"
    CIRCULATED = "circulated", "Circulated for comments"
    ISSUED = "issued", "Issued"


MINUTES_TRANSITIONS: dict[str, frozenset[str]] = {
    MinutesState.DRAFT: frozenset({MinutesState.CIRCULATED, MinutesState.ISSUED}),
    MinutesState.CIRCULATED: frozenset({MinutesState.ISSUED}),
    MinutesState.ISSUED: frozenset(),
}


class Minutes(models.Model):
    """One version of a meeting's minutes (Markdown). Issued versions never change;
    a correction is a new version with a reason (ToR III.2.2)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(
        max_length=20, choices=MinutesState.choices, default=MinutesState.DRAFT
    )
    body = models.TextField()
    correction_reason = models.TextField(blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    comment_deadline = models.DateTimeField(null=True, blank=True)
    circulated_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(
        null=True, blank=True, help_text="ToR III.2.2: when the chair approved this text for issue."
    )
    approval_agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agency holding the chair when it approved.",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The chair's head of delegation who approved in the application.",
    )
    approval_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The secretariat member who recorded an approval given by other means.",
    )
    approval_evidence = models.TextField(
        blank=True, help_text="How the chair's approval was received (recorded on its behalf)."
    )
    comments_closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the chair closed the comment period early."
    )
    comments_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comments_closed_reason = models.TextField(blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "-version"]
        verbose_name_plural = "minutes"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="minutes_unique_version"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(correction_reason=""),
                name="minutes_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Minutes of {self.meeting.title}, version {self.version}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class MinutesComment(AppendOnlyModel):
    """A participating agency's comment on circulated minutes."""

    minutes = models.ForeignKey(Minutes, on_delete=models.PROTECT, related_name="comments")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.agency} on {self.minutes}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ActionItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="action_items")
    title = models.CharField(max_length=300)
    owner_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="action_items"
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


# --- Calendar feeds --------------------------------------------------------------


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedToken(models.Model):
    """A personal, secret, revocable calendar subscription URL."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_token_one_active_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
