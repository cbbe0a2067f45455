"""Forms of the decision pages: input only; every rule lives in consensus.services."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from agencies.models import Agency
from consensus.models import DecisionKind, DecisionState, Outcome, PositionValue, Procedure

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DecisionFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "Open and closed"), *DecisionState.choices], required=False
    )
    kind = forms.ChoiceField(choices=[("", "All kinds"), *DecisionKind.choices], required=False)
    outcome = forms.ChoiceField(choices=[("", "Any outcome"), *Outcome.choices], required=False)


class DecisionOpenForm(forms.Form):
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), help_text="Markdown.")
    deadline = forms.DateTimeField(
        widget=DATETIME_WIDGET, help_text="In your time zone. A deadline is an instant."
    )
    procedure = forms.ChoiceField(choices=Procedure.choices, initial=Procedure.SILENCE)
    quorum_numerator = forms.IntegerField(min_value=1, initial=2, label="Quorum (numerator)")
    quorum_denominator = forms.IntegerField(min_value=1, initial=3, label="Quorum (denominator)")


class PositionForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), empty_label=None)
    # No default: the delegate chooses; the form preselects only a position on record.
    value = forms.ChoiceField(
        choices=[("", "Choose a position"), *PositionValue.choices],
        label="Position",
        error_messages={"required": "Choose the position to record."},
    )
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Statement or grounds",
        help_text="The grounds of an objection, or the text of a reservation. "
        "A plain concurrence carries none.",
    )

    hide_single_agency = True

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if agencies is not None:
            ids = [agency.pk for agency in agencies]
            field = cast(forms.ModelChoiceField, self.fields["agency"])
            field.queryset = Agency.objects.filter(pk__in=ids).order_by("acronym")
            if len(ids) == 1 and self.hide_single_agency:
                self.fields["agency"].initial = ids[0]
                self.fields["agency"].widget = forms.HiddenInput()


class RecordOnBehalfForm(PositionForm):
    evidence = forms.CharField(
        max_length=2000,
        help_text='How the agency gave its position, e.g. "email from head of delegation, 3 May".',
    )
    hide_single_agency = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the decision page may also show the delegate's own position form.
        kwargs.setdefault("auto_id", "id_record_%s")
        super().__init__(*args, **kwargs)


class ExtendForm(forms.Form):
    deadline = forms.DateTimeField(widget=DATETIME_WIDGET, label="New deadline")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Reason for withdrawing"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the extend form on the same page has a `reason` too.
        kwargs.setdefault("auto_id", "id_withdraw_%s")
        super().__init__(*args, **kwargs)


class NewRoundForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, help_text="Empty: keep the title.")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), label="Revised text")
    deadline = forms.DateTimeField(widget=DATETIME_WIDGET)
