"""Forms of the meetings pages: input only; every rule lives in meetings.services."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.db.models import QuerySet

from agencies.models import Agency, AgencyStatus
from isecg.models import TIME_ZONE_CHOICES
from meetings.models import ActionItemStatus, MeetingKind

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _participating() -> Any:
    return Agency.objects.filter(status=AgencyStatus.PARTICIPATING).order_by("acronym")


def _choices(field: forms.Field, queryset: QuerySet[Agency]) -> None:
    """Set the agencies a model choice field offers (its declaration offers none)."""
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{field!r} is not a model choice field.")
    field.queryset = queryset


class MeetingTimesMixin:
    """Start and end are entered as wall-clock times in the meeting's own time zone."""

    cleaned_data: dict[str, Any]

    def localise(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        zone = zoneinfo.ZoneInfo(data.get("time_zone") or "UTC")
        for field in ("starts_at", "ends_at"):
            value = data.get(field)
            if isinstance(value, dt.datetime):
                data[field] = value.replace(tzinfo=None).replace(tzinfo=zone)
        return data


class MeetingForm(MeetingTimesMixin, forms.Form):
    """A remote meeting (teleconference): ToR III.2.2 leaves those to the chair and the
    secretariat. A hosted meeting, or one held at a venue, is proposed for consensus."""

    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=MeetingKind.choices, initial=MeetingKind.TELECONFERENCE)
    starts_at = forms.DateTimeField(widget=LOCAL_INPUT, label="Starts (meeting's local time)")
    ends_at = forms.DateTimeField(widget=LOCAL_INPUT, label="Ends (meeting's local time)")
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC")
    dial_in = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Dial-in details", required=False
    )
    associated_event = forms.CharField(max_length=200, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class MeetingEditForm(MeetingForm):
    """The details the chair and the secretariat may change. The place and hosts are not
    here: they change only through a new venue decision (ToR III.2.2)."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Reason for a change of dates",
        help_text="Required when the dates change; announced to every agency.",
    )


class VenueProposalForm(MeetingTimesMixin, forms.Form):
    title = forms.CharField(max_length=200, initial="ISECG plenary meeting")
    kind = forms.ChoiceField(choices=MeetingKind.choices, initial=MeetingKind.PLENARY)
    host_agencies = forms.ModelMultipleChoiceField(queryset=Agency.objects.none())
    chair_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        label="Host that assumes the chair",
        help_text="Required when several agencies host; the host assumes the chair.",
    )
    city = forms.CharField(max_length=100)
    country = forms.CharField(max_length=100, required=False)
    venue = forms.CharField(max_length=200, required=False)
    starts_at = forms.DateTimeField(widget=LOCAL_INPUT, label="Starts (local time)")
    ends_at = forms.DateTimeField(widget=LOCAL_INPUT, label="Ends (local time)")
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC")
    associated_event = forms.CharField(
        max_length=200, required=False, help_text="The exploration-related event, if any."
    )
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    cost_acknowledged = forms.BooleanField(
        required=False,
        label="The host agencies bear the local administrative costs (ToR III.2.2)",
    )

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(
            self.fields["host_agencies"], agencies if agencies is not None else _participating()
        )
        _choices(
            self.fields["chair_agency"], agencies if agencies is not None else _participating()
        )


class VenueChangeForm(forms.Form):
    """A new venue for an agreed meeting: a new consensus decision (ToR III.2.2)."""

    host_agencies = forms.ModelMultipleChoiceField(queryset=Agency.objects.none())
    chair_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        label="Host that assumes the chair",
        help_text="Required when several agencies host.",
    )
    city = forms.CharField(max_length=100)
    country = forms.CharField(max_length=100, required=False)
    venue = forms.CharField(max_length=200, required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why it moves")
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    cost_acknowledged = forms.BooleanField(
        required=False,
        label="The host agencies bear the local administrative costs (ToR III.2.2)",
    )

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(
            self.fields["host_agencies"], agencies if agencies is not None else _participating()
        )
        _choices(
            self.fields["chair_agency"], agencies if agencies is not None else _participating()
        )


class SeriesForm(forms.Form):
    title = forms.CharField(max_length=200, initial="ISECG plenary teleconference")
    rule = forms.CharField(
        max_length=300,
        initial="FREQ=MONTHLY;BYDAY=2TU",
        help_text="RFC 5545 rule, e.g. FREQ=MONTHLY;BYDAY=2TU (second Tuesday of each month).",
    )
    local_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), initial="13:00")
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC")
    duration_minutes = forms.IntegerField(min_value=1, max_value=1440, initial=90)
    starts_on = forms.DateField(widget=DATE_INPUT)
    dial_in = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    horizon_days = forms.IntegerField(min_value=1, max_value=730, initial=120)


class AgendaItemForm(forms.Form):
    title = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    decision_id = forms.IntegerField(required=False, label="Decision number")
    product_id = forms.IntegerField(required=False, label="Product number")
    product_title = forms.CharField(
        max_length=300, required=False, label="Product title (if not a recorded product)"
    )


class AgendaWithdrawForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        label="Reason",
        help_text="E.g. moved to the next meeting.",
    )


class AttendanceForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none())
    user = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["agency"], agencies if agencies is not None else _participating())


class AdvisorForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="Inviting agency")
    name = forms.CharField(max_length=200)
    affiliation = forms.CharField(max_length=200)
    expertise = forms.CharField(max_length=300)
    conflict_of_interest_statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="ToR III.2.1: conflicts of interest are avoided.",
    )

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["agency"], agencies if agencies is not None else _participating())


class MinutesForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 24}), label="Minutes (Markdown)")


class CorrectionForm(MinutesForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class EvidenceForm(forms.Form):
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Evidence of the chair's approval",
        help_text="E.g. email from the chair's head of delegation, 3 May, approving version 1.",
    )


class IssueConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label="I confirm: issued minutes are final and cannot be changed (a correction is a "
        "new version)."
    )


class MeetingCancelForm(forms.Form):
    """Cancelling is final: a reason and an explicit confirmation (no JavaScript needed).

    With an agreed venue (ToR III.2.2), the host that withdraws its offer is named, and the
    secretariat recording that withdrawal on the host's behalf gives its evidence."""

    host_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        empty_label=None,
        label="Host agency withdrawing its offer to host",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Reason",
        help_text="Told to every participating agency.",
    )
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        label="Evidence of the host's withdrawal",
        help_text="E.g. letter from the host's head of delegation, 3 May, withdrawing its offer.",
    )
    confirm = forms.BooleanField(
        label="I confirm: a cancelled meeting cannot be scheduled again, and every agency is told."
    )

    def __init__(
        self,
        *args: Any,
        hosts: QuerySet[Agency] | None = None,
        on_behalf: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if hosts is None:
            del self.fields["host_agency"]
        else:
            _choices(self.fields["host_agency"], hosts)
        if not on_behalf:
            del self.fields["evidence"]


class VenueWithdrawForm(forms.Form):
    """ToR III.2.2: withdrawing a venue proposal is the proposing agency's act: the agency,
    a reason and an explicit confirmation (no JavaScript needed); the secretariat recording
    it on the agency's behalf gives its evidence."""

    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        empty_label=None,
        label="Proposing agency withdrawing its offer",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Reason",
        help_text="Told to every participating agency.",
    )
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        label="Evidence of the agency's withdrawal",
        help_text="E.g. email from the agency's head of delegation, 3 May, withdrawing its offer.",
    )
    confirm = forms.BooleanField(
        label="I confirm: the proposal is withdrawn for good, and every agency is told."
    )

    def __init__(
        self, *args: Any, agencies: QuerySet[Agency], on_behalf: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["agency"], agencies)
        if not on_behalf:
            del self.fields["evidence"]


class DeadlineForm(forms.Form):
    deadline = forms.DateTimeField(widget=LOCAL_INPUT, label="Deadline (your time zone)")


class CommentForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none())
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment")

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["agency"], agencies if agencies is not None else Agency.objects.none())


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=300)
    owner_agency = forms.ModelChoiceField(queryset=Agency.objects.none())
    due_on = forms.DateField(widget=DATE_INPUT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["owner_agency"], _participating())


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionItemStatus.choices)


class NominationForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["agency"], _participating())


class MeetingFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All kinds"), *MeetingKind.choices], required=False)
    when = forms.ChoiceField(
        choices=[("", "All"), ("upcoming", "Upcoming"), ("past", "Past")], required=False
    )
