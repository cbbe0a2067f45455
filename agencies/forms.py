from __future__ import annotations

from django import forms

from agencies.models import AgencyStatus, RepresentativeKind
from isecg.models import User


class AgencyFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *AgencyStatus.choices], required=False
    )
    founders = forms.BooleanField(required=False, label="Framework Document contributors only")


class AgencyCreateForm(forms.Form):
    acronym = forms.CharField(max_length=20)
    name = forms.CharField(max_length=200)
    country = forms.CharField(max_length=100)
    website = forms.URLField(required=False, assume_scheme="https")
    framework_contributor = forms.BooleanField(
        required=False,
        label="Contributed to the Framework Document",
        help_text="ToR III.1: a contributor is registered as invited and joins by accepting "
        "the Terms of Reference; any other agency is registered as an applicant and joins "
        "through a membership request approved by consensus.",
    )


class DesignateForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
        help_text="The person's account.",
    )
    kind = forms.ChoiceField(choices=RepresentativeKind.choices)
    title = forms.CharField(max_length=200, required=False, label="Job title")
    attested_agency_staff = forms.BooleanField(
        required=False, label="This person is staff of the agency (ToR III.2.1)"
    )
    attested_no_conflict = forms.BooleanField(
        required=False, label="This person has no conflict of interest (ToR III.2.1)"
    )
    attestation_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
