"""Forms: they parse input; every rule lives in membership.services."""

from __future__ import annotations

from django import forms

from agencies.models import Agency, AgencyStatus
from consensus.models import Procedure
from membership.models import ToRVersion

DATE = forms.DateInput(attrs={"type": "date"})


class RequestFieldsForm(forms.Form):
    letter = forms.FileField(
        required=False, help_text="The executive-level letter, as a PDF (checked by content)."
    )
    signatory_name = forms.CharField(max_length=200, required=False)
    signatory_title = forms.CharField(
        max_length=200, required=False, help_text="The signatory's executive title."
    )
    shares_principles = forms.BooleanField(
        required=False,
        label="Shares the principles and objectives of the Framework Document",
    )
    accepts_tor = forms.BooleanField(
        required=False, label="Accepts the Terms of Reference in force"
    )
    objectives = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Objectives in joining"
    )
    capabilities = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Exploration capabilities for peaceful purposes (existing or in development)",
    )


class RequestRecordForm(RequestFieldsForm):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.filter(
            status__in=[AgencyStatus.APPLICANT, AgencyStatus.WITHDRAWN]
        ).order_by("acronym"),
        help_text="Register a new agency as an applicant first if it is not listed.",
    )
    received_on = forms.DateField(required=False, widget=DATE)

    field_order = ["agency", "received_on"]


class RequestApplyForm(RequestFieldsForm):
    agency_name = forms.CharField(max_length=200, required=False)
    agency_acronym = forms.CharField(max_length=20, required=False)
    country = forms.CharField(max_length=100, required=False)
    website = forms.URLField(required=False, assume_scheme="https")

    field_order = ["agency_name", "agency_acronym", "country", "website"]


class RequestReturnForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RequestCompleteForm(forms.Form):
    letter = forms.FileField(required=False, help_text="A new letter, if asked for (PDF).")
    objectives = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    capabilities = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    note = forms.CharField(required=False)


class DecisionOpenForm(forms.Form):
    procedure = forms.ChoiceField(choices=Procedure.choices, initial=Procedure.SILENCE)
    deadline = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In your time zone.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(required=False)


class AcceptanceForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("acronym"))
    version = forms.ModelChoiceField(queryset=ToRVersion.objects.order_by("-sequence"))
    accepted_on = forms.DateField(required=False, widget=DATE)
    signatory_name = forms.CharField(max_length=200, required=False)
    signatory_title = forms.CharField(max_length=200, required=False)
    letter = forms.FileField(required=False, help_text="The official letter, as a PDF.")


class AmendmentDraftForm(forms.Form):
    """ToR V: a new text, drafted against `base_version` (hidden: the text the drafter saw)."""

    label = forms.CharField(
        max_length=120, help_text="Label of the new version, e.g. 'March 2027'."
    )
    effective_from = forms.DateField(required=False, widget=DATE)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    new_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24}), label="New text (Markdown)"
    )
    base_version = forms.ModelChoiceField(
        queryset=ToRVersion.objects.all(), widget=forms.HiddenInput, required=False
    )


class AmendmentForm(AmendmentDraftForm):
    proposing_agency = forms.ModelChoiceField(
        queryset=Agency.objects.filter(status=AgencyStatus.PARTICIPATING).order_by("acronym")
    )
    field_order = ["proposing_agency", "label", "effective_from", "rationale", "new_text"]


class ExtensionForm(forms.Form):
    proposed_expires_on = forms.DateField(widget=DATE, label="New expiry date")
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    proposing_agency = forms.ModelChoiceField(
        queryset=Agency.objects.filter(status=AgencyStatus.PARTICIPATING).order_by("acronym"),
        required=False,
    )


class WithdrawalForm(forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.filter(status=AgencyStatus.PARTICIPATING).order_by("acronym")
    )
    received_on = forms.DateField(required=False, widget=DATE)
    effective_on = forms.DateField(
        required=False, widget=DATE, help_text="Immediate (today) when empty."
    )
    letter = forms.FileField(required=False, help_text="The written notification, as a PDF.")
    note = forms.CharField(required=False)


class ApplicantSignUpForm(forms.Form):
    """ToR III.1: the sign-up of a person writing for a space agency that wishes to join."""

    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    email = forms.EmailField(
        label="E-mail address",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    contact_name = forms.CharField(
        label="Your name",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_title = forms.CharField(
        label="Your title", max_length=200, required=False, help_text="Your position at the agency."
    )
    agency_name = forms.CharField(
        label="Agency's name",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    agency_acronym = forms.CharField(label="Agency's acronym", max_length=20, required=False)
    country = forms.CharField(
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "country-name"}),
    )
    on_behalf = forms.BooleanField(
        required=False,
        label="I write on behalf of this agency, which wishes to join the ISECG",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data
