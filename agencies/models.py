"""Space agencies and the people they designate (ToR III.1, III.2.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from isecg.models import AppendOnlyModel


class AgencyStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    APPLICANT = "applicant", "Applicant"
    PARTICIPATING = "participating", "Participating"
    WITHDRAWN = "withdrawn", "Withdrawn"


class StatusBasis(models.TextChoices):
    """The act of record behind a status (DESIGN.md "Agencies and status").

    A status is never chosen: it follows from one of these acts, each allowing exactly
    one change (`BASIS_TRANSITIONS`).
    """

    REGISTRATION = "registration", "Registration"
    HISTORICAL_RECORD = "historical_record", "Historical record"
    TOR_ACCEPTANCE = "tor_acceptance", "Acceptance of the Terms of Reference"
    MEMBERSHIP_DECISION = "membership_decision", "Membership approved by consensus"
    WITHDRAWAL = "withdrawal", "Written notification of withdrawal"
    REAPPLICATION = "reapplication", "New membership request"


# Which status each act moves an agency from, and to. Testable without a database.
BASIS_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    # ToR III.1: Framework Document contributors join through an official acceptance.
    StatusBasis.TOR_ACCEPTANCE: (frozenset({AgencyStatus.INVITED}), AgencyStatus.PARTICIPATING),
    # ToR III.1: other agencies' requests are approved upon consensus.
    StatusBasis.MEMBERSHIP_DECISION: (
        frozenset({AgencyStatus.APPLICANT}),
        AgencyStatus.PARTICIPATING,
    ),
    # ToR VI: any participating agency may withdraw by written notification.
    StatusBasis.WITHDRAWAL: (
        frozenset({AgencyStatus.PARTICIPATING, AgencyStatus.INVITED}),
        AgencyStatus.WITHDRAWN,
    ),
    # ToR III.1: a withdrawn agency comes back through a new request, as an applicant.
    StatusBasis.REAPPLICATION: (frozenset({AgencyStatus.WITHDRAWN}), AgencyStatus.APPLICANT),
}


def status_after(basis: str, before: str) -> str | None:
    """The status an act gives an agency that has `before`, or None if the act does not apply."""
    allowed = BASIS_TRANSITIONS.get(basis)
    if allowed is None or before not in allowed[0]:
        return None
    return allowed[1]


def registration_status(*, framework_contributor: bool) -> str:
    """ToR III.1: Framework Document contributors are invited; every other agency applies."""
    return AgencyStatus.INVITED if framework_contributor else AgencyStatus.APPLICANT


class Agency(models.Model):
    """A space agency: a government organisation responsible for space activities."""

    name = models.CharField(max_length=200)
    acronym = models.CharField(
        max_length=20,
        unique=True,
        help_text="Short name used across ISECG records and in the API, e.g. NASA.",
    )
    country = models.CharField(max_length=100, help_text="Or 'Intergovernmental'.")
    website = models.URLField(blank=True)
    status = models.CharField(
        max_length=20, choices=AgencyStatus.choices, default=AgencyStatus.APPLICANT, db_index=True
    )
    framework_contributor = models.BooleanField(
        default=False,
        help_text="One of the 14 agencies that developed the Framework Document (ToR III.1).",
    )
    joined_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["acronym"]
        verbose_name_plural = "agencies"
        permissions = [("act_for_agency", "Act for this agency")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_on__isnull=False),
                name="agency_withdrawn_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.acronym


class AgencyStatusChange(AppendOnlyModel):
    """The history of an agency's status; never edited."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="status_changes")
    before = models.CharField(max_length=20, choices=AgencyStatus.choices, blank=True)
    after = models.CharField(max_length=20, choices=AgencyStatus.choices)
    basis = models.CharField(
        max_length=30,
        choices=StatusBasis.choices,
        blank=True,
        help_text="The act of record the change follows from; blank only on rows from before it was kept.",
    )
    basis_ref = models.CharField(
        max_length=200, blank=True, help_text="Which record: e.g. the decision or the withdrawal."
    )
    effective_on = models.DateField()
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency", "effective_on", "at", "id"]

    def __str__(self) -> str:
        return f"{self.agency}: {self.before or '-'} -> {self.after} on {self.effective_on}"


class RepresentativeKind(models.TextChoices):
    HEAD_OF_DELEGATION = "head", "Head of delegation"
    REPRESENTATIVE = "representative", "Representative"
    ALTERNATE = "alternate", "Alternate"


class Representative(models.Model):
    """A person an agency designates to ISECG (ToR III.2.1).

    A designation is current until `revoked_at` is set. Its history is kept:
    a revoked designation is never deleted, and designating again creates a new row.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="designations"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="representatives")
    kind = models.CharField(max_length=20, choices=RepresentativeKind.choices)
    title = models.CharField(max_length=200, blank=True, help_text="Job title at the agency.")
    active_from = models.DateTimeField(default=timezone.now)
    active_until = models.DateTimeField(
        null=True, blank=True, help_text="Planned end; the designation is revoked then."
    )
    attested_agency_staff = models.BooleanField(
        default=False, help_text="ToR III.2.1: the person is staff of the designating agency."
    )
    attested_no_conflict = models.BooleanField(
        default=False, help_text="ToR III.2.1: the person has no conflict of interest."
    )
    attestation_note = models.TextField(blank=True)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["agency__acronym", "kind", "user__last_name", "id"]
        constraints = [
            # ToR III.2.1: a person represents one agency at a time (no conflict of interest).
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="representative_one_current_designation_per_user",
            ),
            models.CheckConstraint(
                condition=Q(attested_agency_staff=True) & Q(attested_no_conflict=True),
                name="representative_attested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.agency}, {self.get_kind_display()})"

    @property
    def is_current(self) -> bool:
        return self.revoked_at is None
