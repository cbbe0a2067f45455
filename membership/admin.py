"""Admin: read-mostly views for the secretariat's rare corrections; changes go through services."""

from django.contrib import admin

from isecg.admin import ReadOnlyAdmin
from membership.models import (
    ApplicantAccount,
    MembershipRequest,
    MembershipRequestEvent,
    ToRAcceptance,
    ToRAmendment,
    ToRExtension,
    ToRExtensionProposal,
    ToRVersion,
    Withdrawal,
)


@admin.register(ToRVersion)
class ToRVersionAdmin(ReadOnlyAdmin):
    list_display = ["label", "adopted_on", "effective_from", "expires_on", "reconstructed"]


@admin.register(ToRExtension)
class ToRExtensionAdmin(ReadOnlyAdmin):
    list_display = ["version", "previous_expires_on", "new_expires_on", "decided_on"]


@admin.register(ToRAcceptance)
class ToRAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["agency", "version", "accepted_on", "source"]
    list_select_related = ["agency", "version"]
    list_filter = ["source", "version"]


@admin.register(MembershipRequest)
class MembershipRequestAdmin(ReadOnlyAdmin):
    list_display = ["agency", "state", "received_on", "submitted_online"]
    list_select_related = ["agency"]
    list_filter = ["state"]


@admin.register(MembershipRequestEvent)
class MembershipRequestEventAdmin(ReadOnlyAdmin):
    list_display = ["request", "before", "after", "at", "actor"]


@admin.register(ToRAmendment)
class ToRAmendmentAdmin(ReadOnlyAdmin):
    list_display = ["label", "proposing_agency", "state", "created_at"]


@admin.register(ToRExtensionProposal)
class ToRExtensionProposalAdmin(ReadOnlyAdmin):
    list_display = ["proposed_expires_on", "state", "created_at"]


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["agency", "received_on", "effective_on", "applied_at"]


@admin.register(ApplicantAccount)
class ApplicantAccountAdmin(ReadOnlyAdmin):
    """ToR III.1: opened only by the applicant's own sign-up, confirmed only by its e-mail link."""

    list_display = ["contact_name", "agency_name", "country", "created_at", "email_verified_at"]
    list_select_related = ["user"]
