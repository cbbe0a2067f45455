"""Consensus decisions (ToR III.2.2: ISECG operates by consensus).

A `Decision` runs under a procedure over a snapshot of the participating agencies
(`ElectorateMember`). Each agency holds at most one current `Position`; every change
is an append-only `PositionEvent` on a per-decision SHA-256 hash chain.
"""

from __future__ import annotations

from fractions import Fraction

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from isecg.models import AppendOnlyModel

GENESIS_HASH = "0" * 64


class DecisionKind(models.TextChoices):
    MOTION = "motion", "Motion"
    MEMBERSHIP_REQUEST = "membership_request", "Membership request (ToR III.1)"
    TOR_AMENDMENT = "tor_amendment", "ToR amendment (ToR V)"
    TOR_EXTENSION = "tor_extension", "ToR extension (ToR VII)"
    PRODUCT = "product", "Product endorsement (ToR III.2.2)"
    VENUE = "venue", "Meeting venue (ToR III.2.2)"
    CHAIR = "chair", "Chair nomination"
    WORKPLAN = "workplan", "Annual workplan (ToR III.2.2)"


class Procedure(models.TextChoices):
    EXPLICIT = "explicit", "Explicit consensus"
    SILENCE = "silence", "Silence procedure"


class DecisionState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    ADOPTED = "adopted", "Adopted"
    BLOCKED = "blocked", "Blocked"
    LAPSED = "lapsed", "Lapsed"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Allowed state changes of a decision. Testable without a database.
DECISION_TRANSITIONS: dict[str, frozenset[str]] = {
    DecisionState.OPEN: frozenset({DecisionState.CLOSED}),
    DecisionState.CLOSED: frozenset(),
}


def decision_transition_allowed(before: str, after: str) -> bool:
    return after in DECISION_TRANSITIONS.get(before, frozenset())


class PositionValue(models.TextChoices):
    CONCUR = "concur", "Concur"
    CONCUR_WITH_RESERVATION = "concur_with_reservation", "Concur with reservation"
    ABSTAIN = "abstain", "Abstain"
    OBJECT = "object", "Object"
    RECUSE = "recuse", "Recuse"


def decision_list_order() -> tuple[models.OrderBy, ...]:
    """The decision list's order: open decisions by nearest deadline, then closed ones,
    latest first. The index `decision_list_order` holds the same expressions, so a page
    of the list is read from the index instead of sorting every decision.
    """
    open_deadline = models.Case(
        models.When(state="open", then=F("deadline")), output_field=models.DateTimeField()
    )
    return (
        F("state").desc(),
        open_deadline.asc(),
        F("closed_at").desc(),  # never null on a closed decision (constraint)
        F("id").desc(),
    )


class Decision(models.Model):
    """One question put to the participating agencies (ToR III.2.2)."""

    subject_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_content_type", "subject_object_id")

    kind = models.CharField(max_length=30, choices=DecisionKind.choices, db_index=True)
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="Markdown.")
    procedure = models.CharField(
        max_length=10, choices=Procedure.choices, default=Procedure.EXPLICIT
    )
    quorum_numerator = models.PositiveSmallIntegerField(default=2)
    quorum_denominator = models.PositiveSmallIntegerField(default=3)

    opened_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(db_index=True)
    state = models.CharField(
        max_length=10, choices=DecisionState.choices, default=DecisionState.OPEN, db_index=True
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, db_index=True)
    outcome_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    previous_round = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_round"
    )
    round_number = models.PositiveSmallIntegerField(default=1)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_numerator__gt=0)
                & Q(quorum_numerator__lte=F("quorum_denominator")),
                name="decision_quorum_fraction_in_0_1",
            ),
            models.CheckConstraint(
                condition=(Q(state="open") & Q(outcome="") & Q(closed_at__isnull=True))
                | (Q(state="closed") & ~Q(outcome="") & Q(closed_at__isnull=False)),
                name="decision_outcome_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=F("opened_at")), name="decision_deadline_after_opening"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["subject_content_type", "subject_object_id"]),
            models.Index(*decision_list_order(), name="decision_list_order"),
            # The default ordering (the API's list): a page is read, not sorted.
            models.Index(fields=["-opened_at", "-id"], name="decision_opened_order"),
        ]

    def __str__(self) -> str:
        return f"Decision {self.pk}: {self.title}"

    @property
    def quorum(self) -> Fraction:
        return Fraction(self.quorum_numerator, self.quorum_denominator)

    @property
    def is_open(self) -> bool:
        return self.state == DecisionState.OPEN


class ElectorateMember(models.Model):
    """An agency that was participating when the decision opened.

    ToR VI: an agency that withdraws while the decision is open is excluded
    (`excluded_at`); its positions stay in the history but stop counting.
    """

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="electorate")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="electorate_memberships"
    )
    included_at = models.DateTimeField(default=timezone.now)
    excluded_at = models.DateTimeField(null=True, blank=True)
    exclusion_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["decision", "agency__acronym"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "agency"], name="electorate_member_once_per_decision"
            ),
            models.CheckConstraint(
                condition=Q(excluded_at__isnull=True) | ~Q(exclusion_reason=""),
                name="electorate_exclusion_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} in decision {self.decision_id}"

    @property
    def is_excluded(self) -> bool:
        return self.excluded_at is not None


class PositionEvent(AppendOnlyModel):
    """One cast (or re-cast) position: never edited, chained by SHA-256 per decision."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="position_events")
    seq = models.PositiveIntegerField(help_text="1, 2, 3 ... within the decision.")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=30, choices=PositionValue.choices)
    statement = models.TextField(
        blank=True, help_text="Reservation statement or objection grounds."
    )
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf = models.BooleanField(
        default=False, help_text="Recorded by the secretariat on the agency's behalf."
    )
    evidence = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["decision", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "seq"], name="position_event_seq_unique"),
            # The chain cannot fork: no two events share a predecessor.
            models.UniqueConstraint(
                fields=["decision", "prev_hash"], name="position_event_chain_unforked"
            ),
            models.CheckConstraint(
                condition=Q(on_behalf=False) | ~Q(evidence=""),
                name="position_event_on_behalf_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.agency_id} {self.value} on decision {self.decision_id}"


class Position(models.Model):
    """The current position of one agency on one decision (one row at most)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="positions")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=30, choices=PositionValue.choices)
    statement = models.TextField(blank=True)
    event = models.OneToOneField(PositionEvent, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decision", "agency__acronym"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "agency"], name="position_one_current_per_agency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.value} on decision {self.decision_id}"


class DecisionSeal(AppendOnlyModel):
    """The signed record of a closed decision (ToR III.2.2; README "Verifying a decision
    record"): an Ed25519 signature over the canonical JSON in `message`, which holds the
    decision's text hash, electorate, ledger head and length, outcome and counts.

    `retroactive`: sealed by `manage.py seal_decisions` after the decision had closed,
    before sealing existed; `sealed_at` says when.
    """

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="seal")
    message = models.TextField(help_text="The canonical JSON that is signed.")
    signature = models.CharField(max_length=100, help_text="Ed25519 signature, base64.")
    key_id = models.CharField(max_length=16, help_text="SHA-256 of the public key, 16 hex.")
    sealed_at = models.DateTimeField(default=timezone.now)
    retroactive = models.BooleanField(default=False)

    class Meta:
        ordering = ["decision"]

    def __str__(self) -> str:
        return f"seal of decision {self.decision_id} (key {self.key_id})"


class DecisionEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    EXTENDED = "extended", "Deadline extended"
    REMINDER_SENT = "reminder_sent", "Reminder sent"
    SILENCE_BROKEN = "silence_broken", "Silence broken"
    ELECTORATE_EXCLUDED = "electorate_excluded", "Agency excluded from the electorate"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    NEW_ROUND = "new_round", "New round opened"


class DecisionEvent(AppendOnlyModel):
    """The course of a decision: opened, extended, reminded, silence broken, closed ..."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=DecisionEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decision", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on decision {self.decision_id}"


class ReminderSent(AppendOnlyModel):
    """A deadline reminder went to an agency: at most once per agency and offset."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="reminders")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    offset_seconds = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "agency", "offset_seconds"],
                name="reminder_once_per_agency_and_offset",
            ),
        ]

    def __str__(self) -> str:
        return f"reminder {self.offset_seconds}s to {self.agency_id} on {self.decision_id}"


class MotionState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ADOPTED = "adopted", "Adopted"
    BLOCKED = "blocked", "Blocked"
    LAPSED = "lapsed", "Lapsed"
    WITHDRAWN = "withdrawn", "Withdrawn"


MOTION_TRANSITIONS: dict[str, frozenset[str]] = {
    MotionState.PROPOSED: frozenset(
        {MotionState.ADOPTED, MotionState.BLOCKED, MotionState.LAPSED, MotionState.WITHDRAWN}
    ),
    # A blocked or lapsed motion may go to a new round and be decided again.
    MotionState.BLOCKED: frozenset(
        {MotionState.ADOPTED, MotionState.BLOCKED, MotionState.LAPSED, MotionState.WITHDRAWN}
    ),
    MotionState.LAPSED: frozenset(
        {MotionState.ADOPTED, MotionState.BLOCKED, MotionState.LAPSED, MotionState.WITHDRAWN}
    ),
    MotionState.ADOPTED: frozenset(),
    MotionState.WITHDRAWN: frozenset(),
}


class Motion(models.Model):
    """A free-standing question (a statement, a letter, a position of the group)."""

    title = models.CharField(max_length=200)
    text = models.TextField(help_text="Markdown.")
    state = models.CharField(
        max_length=10, choices=MotionState.choices, default=MotionState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
