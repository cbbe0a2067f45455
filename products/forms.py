from __future__ import annotations

from typing import Any

from django import forms

from agencies.models import Agency, AgencyStatus
from agencies.roles import is_secretariat, represented_agency_ids
from products.models import (
    ProductKind,
    ProductState,
    WorkingGroup,
    WorkplanItemStatus,
)
from products.uploads import max_evidence_bytes, max_upload_bytes


class ProductFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All kinds"), *ProductKind.choices], required=False)
    state = forms.ChoiceField(choices=[("", "All states"), *ProductState.choices], required=False)
    working_group = forms.ModelChoiceField(
        queryset=WorkingGroup.objects.order_by("acronym"),
        required=False,
        to_field_name="acronym",
        empty_label="All groups",
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("acronym"),
        required=False,
        to_field_name="acronym",
        empty_label="All agencies",
    )


class ProductCreateForm(forms.Form):
    title = forms.CharField(max_length=250)
    kind = forms.ChoiceField(choices=ProductKind.choices)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    working_group = forms.ModelChoiceField(queryset=WorkingGroup.objects.order_by("acronym"))
    participating_agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.filter(status=AgencyStatus.PARTICIPATING).order_by("acronym"),
        widget=forms.CheckboxSelectMultiple,
        help_text="The product-participating agencies, who endorse it internally.",
    )


class VersionUploadForm(forms.Form):
    file = forms.FileField(
        help_text=f"PDF or office document (docx, xlsx, pptx, odt), at most "
        f"{max_upload_bytes() // (1024 * 1024)} MB."
    )
    changelog = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What changed")


class CommentForm(forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, empty_label="Secretariat"
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment")
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        field.queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            pk__in=represented_agency_ids(user), status=AgencyStatus.PARTICIPATING
        ).order_by("acronym")
        if not is_secretariat(user):
            field.required = True
            field.empty_label = None  # type: ignore[attr-defined]


class EndorseForm(forms.Form):
    """A representative records their own agency's endorsement (ToR III.2.1, III.2.2)."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none())
    endorser_name = forms.CharField(max_length=200)
    managerial_level = forms.CharField(max_length=200, label="Managerial level or title")
    endorsed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Reference to the record of the internal endorsement.",
    )

    def __init__(self, *args: Any, user: Any = None, product: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "endorse_%s")
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = product.participating_agencies.filter(  # type: ignore[attr-defined]
            pk__in=represented_agency_ids(user)
        ).order_by("acronym")


class EndorseOnBehalfForm(forms.Form):
    """The secretariat records an agency's endorsement from what the agency sent (ToR IV)."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="For the agency")
    endorser_name = forms.CharField(max_length=200, label="Endorsed by (name)")
    managerial_level = forms.CharField(max_length=200, label="Managerial level or title")
    endorsed_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label="Endorsed on"
    )
    evidence = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What the agency sent",
        help_text='The document or email received: who sent it and when, e.g. "Letter from '
        'the head of delegation, 3 May".',
    )
    evidence_file = forms.FileField(
        required=False,
        label="The document received (optional)",
        help_text=f"PDF or office document, at most {max_evidence_bytes() // (1024 * 1024)} MB.",
    )

    def __init__(self, *args: Any, product: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "onbehalf_%s")
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = product.participating_agencies.order_by("acronym")  # type: ignore[attr-defined]


class SubmitForm(forms.Form):
    deadline = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In your time zone; 14 days from now if empty.",
    )
    procedure = forms.ChoiceField(
        choices=[("explicit", "Explicit responses"), ("silence", "Silence procedure")]
    )


class DeadlineForm(forms.Form):
    comment_deadline = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In your time zone. Empty clears it.",
    )


class ProgressForm(forms.Form):
    status = forms.ChoiceField(choices=WorkplanItemStatus.choices)
    progress_percent = forms.IntegerField(min_value=0, max_value=100, label="Progress (%)")
    note = forms.CharField(required=False, max_length=500)
