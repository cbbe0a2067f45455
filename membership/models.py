"""Membership, the Terms of Reference and their versions (ToR III.1, V, VI, VII): issue 4."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from isecg.models import AppendOnlyModel


def letter_upload_to(instance: models.Model, filename: str) -> str:
    """A non-guessable storage name; the uploader's file name is never used (ToR letters)."""
    folder = type(instance).__name__.lower()
    return f"membership/letters/{folder}/{uuid.uuid4().hex}/{secrets.token_urlsafe(16)}.pdf"


class ToRVersion(models.Model):
    """One text of the Terms of Reference (ToR V: amended by consensus; ToR VII: validity).

    ToR V: the texts form one line. `sequence` numbers them in the order they were adopted
    (1, 2, 3 ...) and each text `supersedes` at most one earlier text, once: two texts can
    never branch from the same base, so an adopted amendment cannot silently undo another.
    The version in force is the one with the highest `sequence` among those whose
    `effective_from` has come; identity and sequence decide, never a comparison of dates
    (two texts may take effect on the same day).
    `expires_on` moves when an extension is adopted (ToR VII); each move is a ToRExtension row.
    """

    label = models.CharField(max_length=120, unique=True)
    sequence = models.PositiveIntegerField(
        unique=True, help_text="ToR V: 1 for the first text, then one more for each adopted text."
    )
    text = models.TextField(help_text="Markdown.")
    adopted_on = models.DateField()
    effective_from = models.DateField(db_index=True)
    expires_on = models.DateField(help_text="ToR VII: the ISECG is established until this date.")
    adopted_by_decision = models.ForeignKey(
        "consensus.Decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the 2007 original, adopted in Berlin before this system existed.",
    )
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reconstructed = models.BooleanField(
        default=False, help_text="The text was reconstructed from a later version."
    )
    note = models.TextField(blank=True, help_text="Provenance of the text and dates.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sequence"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__gte=models.F("adopted_on")),
                name="tor_version_effective_after_adoption",
            ),
            # ToR V: a text is superseded at most once; amendments never fork the line.
            models.UniqueConstraint(fields=["supersedes"], name="tor_version_superseded_once"),
        ]

    def __str__(self) -> str:
        return self.label


class ToRExtension(AppendOnlyModel):
    """ToR VII: one extension of the ISECG's period; the history is never edited."""

    version = models.ForeignKey(ToRVersion, on_delete=models.PROTECT, related_name="extensions")
    previous_expires_on = models.DateField()
    new_expires_on = models.DateField()
    decided_on = models.DateField()
    decision = models.ForeignKey(
        "consensus.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposal = models.OneToOneField(
        "ToRExtensionProposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extension",
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.previous_expires_on} -> {self.new_expires_on}"


class ToRAcceptance(AppendOnlyModel):
    """ToR III.1 / VII: an agency's basis under one version of the ToR.

    An official acceptance (a letter, online, or the approved membership request), or one
    of two recorded bases for a version adopted after the agency joined:
    - `consensus_concurrence`: the agency concurred (with or without reservation) in the
      consensus decision that adopted the version (ToR V); `decision` names it;
    - `carried_over`: the version was adopted before this system existed, with no decision
      in the record; the agency was participating when it took effect and held a basis under
      the version it replaced (`carried_from`).
    """

    class Source(models.TextChoices):
        MAIL = "mail", "Letter received by the secretariat"
        ONLINE = "online", "Submitted online by the head of delegation"
        REQUEST = "request", "From the approved membership request"
        HISTORICAL = "historical", "Historical record"
        CONCURRENCE = "consensus_concurrence", "Concurred in the decision adopting this version"
        CARRIED_OVER = "carried_over", "Carried over from the version it replaced"

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="tor_acceptances"
    )
    version = models.ForeignKey(ToRVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_on = models.DateField()
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200, blank=True)
    letter = models.FileField(upload_to=letter_upload_to, blank=True, max_length=255)
    source = models.CharField(max_length=24, choices=Source.choices)
    membership_request = models.ForeignKey(
        "MembershipRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.ForeignKey(
        "consensus.Decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The adopting decision the agency concurred in (consensus_concurrence).",
    )
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The basis under the replaced version (carried_over).",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency__acronym", "-accepted_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "version"], name="tor_acceptance_once_per_agency_version"
            ),
            models.CheckConstraint(
                condition=~Q(source="consensus_concurrence") | Q(decision__isnull=False),
                name="tor_acceptance_concurrence_names_decision",
            ),
            models.CheckConstraint(
                condition=~Q(source="carried_over") | Q(carried_from__isnull=False),
                name="tor_acceptance_carry_over_names_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} accepted {self.version}"


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for completion"
    CIRCULATED = "circulated", "Circulated"
    DECISION_OPEN = "decision_open", "Decision open"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn by the applicant"


OPEN_REQUEST_STATES = frozenset(
    {
        RequestState.SUBMITTED,
        RequestState.RETURNED,
        RequestState.CIRCULATED,
        RequestState.DECISION_OPEN,
    }
)

# ToR III.1: the allowed moves of a membership request. Testable without a database.
REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestState.SUBMITTED: frozenset(
        {RequestState.RETURNED, RequestState.CIRCULATED, RequestState.WITHDRAWN}
    ),
    RequestState.RETURNED: frozenset({RequestState.SUBMITTED, RequestState.WITHDRAWN}),
    RequestState.CIRCULATED: frozenset({RequestState.DECISION_OPEN, RequestState.WITHDRAWN}),
    # A decision withdrawn by the chair sends the request back to `circulated` for a new round.
    RequestState.DECISION_OPEN: frozenset(
        {
            RequestState.APPROVED,
            RequestState.DECLINED,
            RequestState.WITHDRAWN,
            RequestState.CIRCULATED,
        }
    ),
    RequestState.APPROVED: frozenset(),
    RequestState.DECLINED: frozenset(),
    RequestState.WITHDRAWN: frozenset(),
}


def request_transition_allowed(before: str, after: str) -> bool:
    return after in REQUEST_TRANSITIONS.get(before, frozenset())


class MembershipRequest(models.Model):
    """ToR III.1: an agency's executive-level written request to join the ISECG."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="membership_requests"
    )
    state = models.CharField(
        max_length=20, choices=RequestState.choices, default=RequestState.SUBMITTED, db_index=True
    )
    letter = models.FileField(upload_to=letter_upload_to, max_length=255)
    signatory_name = models.CharField(max_length=200)
    signatory_title = models.CharField(max_length=200, help_text="Executive-level title.")
    shares_principles = models.BooleanField(
        help_text="Shares the principles and objectives of the Framework Document."
    )
    accepts_tor = models.BooleanField(help_text="Accepts the Terms of Reference in force.")
    tor_version = models.ForeignKey(ToRVersion, on_delete=models.PROTECT, related_name="+")
    objectives = models.TextField(help_text="Its objectives in joining the ISECG.")
    capabilities = models.TextField(
        help_text="Its exploration capabilities for peaceful purposes, existing or in development."
    )
    received_on = models.DateField()
    submitted_online = models.BooleanField(default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="membership_requests",
        help_text="The applicant's account, when submitted online.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(blank=True)
    decision = models.ForeignKey(
        "consensus.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(state__in=sorted(OPEN_REQUEST_STATES)),
                name="membership_request_one_open_per_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"Membership request of {self.agency}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REQUEST_STATES


class MembershipRequestEvent(AppendOnlyModel):
    """The history of a membership request; never edited."""

    request = models.ForeignKey(MembershipRequest, on_delete=models.PROTECT, related_name="events")
    before = models.CharField(max_length=20, choices=RequestState.choices, blank=True)
    after = models.CharField(max_length=20, choices=RequestState.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.before or '-'} -> {self.after}"


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    DECISION_OPEN = "decision_open", "Decision open"
    ADOPTED = "adopted", "Adopted"
    REJECTED = "rejected", "Not adopted"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUPERSEDED = "superseded", "Superseded: its base text was amended meanwhile"


# ToR V / VII: the moves of an amendment or extension proposal. `superseded`: the text it
# was drafted against is no longer the current text (ToR V), whether found before its
# decision opens or when an adopted decision closes.
PROPOSAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ProposalState.PROPOSED: frozenset(
        {ProposalState.DECISION_OPEN, ProposalState.WITHDRAWN, ProposalState.SUPERSEDED}
    ),
    ProposalState.DECISION_OPEN: frozenset(
        {
            ProposalState.ADOPTED,
            ProposalState.REJECTED,
            ProposalState.PROPOSED,
            ProposalState.SUPERSEDED,
        }
    ),
    ProposalState.ADOPTED: frozenset(),
    ProposalState.REJECTED: frozenset(),
    ProposalState.WITHDRAWN: frozenset(),
    ProposalState.SUPERSEDED: frozenset(),
}


def proposal_transition_allowed(before: str, after: str) -> bool:
    return after in PROPOSAL_TRANSITIONS.get(before, frozenset())


class ToRAmendment(models.Model):
    """ToR V: a proposed new text of the ToR, decided by consensus.

    `base_version` is the text it was drafted against; it must still be the current text
    when its decision opens and when it closes. `previous_round` links a new round, drafted
    on the current text, to the round it follows.
    """

    base_version = models.ForeignKey(
        ToRVersion,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The text this amendment was drafted against.",
    )
    previous_round = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_rounds",
        help_text="The earlier round this one follows (ToR V).",
    )
    label = models.CharField(max_length=120, help_text="Label of the new version if adopted.")
    new_text = models.TextField(help_text="Markdown.")
    rationale = models.TextField()
    proposing_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    effective_from = models.DateField(
        null=True, blank=True, help_text="When the new text takes effect (adoption day if empty)."
    )
    diff = models.TextField(blank=True, help_text="Unified diff against the base version.")
    state = models.CharField(
        max_length=20, choices=ProposalState.choices, default=ProposalState.PROPOSED
    )
    decision = models.ForeignKey(
        "consensus.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resulting_version = models.OneToOneField(
        ToRVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="amendment"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Amendment: {self.label}"


class ToRExtensionProposal(models.Model):
    """ToR VII: a proposal to extend the ISECG to a new expiry date, decided by consensus."""

    version = models.ForeignKey(ToRVersion, on_delete=models.PROTECT, related_name="+")
    current_expires_on = models.DateField()
    proposed_expires_on = models.DateField()
    rationale = models.TextField()
    proposing_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=20, choices=ProposalState.choices, default=ProposalState.PROPOSED
    )
    decision = models.ForeignKey(
        "consensus.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposed_expires_on__gt=models.F("current_expires_on")),
                name="tor_extension_moves_expiry_later",
            ),
        ]

    def __str__(self) -> str:
        return f"Extension to {self.proposed_expires_on}"


class Withdrawal(models.Model):
    """ToR VI: an agency's written notification of withdrawal from the ISECG."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    letter = models.FileField(upload_to=letter_upload_to, max_length=255)
    received_on = models.DateField()
    effective_on = models.DateField()
    note = models.TextField(blank=True)
    applied_at = models.DateTimeField(
        null=True, blank=True, help_text="When the agency's status became withdrawn."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(applied_at__isnull=True),
                name="withdrawal_one_pending_per_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"Withdrawal of {self.agency} effective {self.effective_on}"


class ApplicantAccount(models.Model):
    """ToR III.1: the role of a person who writes for a space agency that wishes to join.

    Created by the applicant's own sign-up (membership.applicants.applicant_sign_up); the
    agency is as the applicant typed it, registered only when the request is submitted. The
    account files a membership request only once its e-mail address is verified.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applicant_account"
    )
    contact_name = models.CharField(max_length=200)
    contact_title = models.CharField(max_length=200)
    agency_name = models.CharField(max_length=200)
    agency_acronym = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    email_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.contact_name} for {self.agency_name}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None
