"""The "Correct a record" form: one input per correctable field, and the reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from isecg.corrections import Correctable, plain


def _display(value: Any) -> str:
    shown = plain(value)
    return "(empty)" if shown in (None, "") else str(shown)


class CorrectionForm(forms.Form):
    """Prefilled with the record's values; change the wrong ones and say why."""

    def __init__(
        self, *args: Any, registration: Correctable, record: models.Model, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.registration = registration
        for name in registration.fields:
            model_field = registration.model_field(name)
            extra: dict[str, Any] = {}
            if isinstance(model_field, models.DateField):
                extra["widget"] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            elif isinstance(model_field, models.TextField):
                extra["widget"] = forms.Textarea(attrs={"rows": 3})
            if isinstance(model_field, models.URLField):
                extra["assume_scheme"] = "https"
            form_field = model_field.formfield(**extra)
            assert form_field is not None
            current = getattr(record, name)
            form_field.label = registration.field_label(name)
            form_field.help_text = f"On record now: {_display(current)}"
            form_field.initial = current
            self.fields[name] = form_field
        self.fields["reason"] = forms.CharField(
            label="Reason for the correction",
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text="Required. Shown with the correction in the record's history.",
        )

    def changes(self) -> dict[str, Any]:
        """The posted fields only: a field left out of the request is not cleared."""
        return {
            name: self.cleaned_data.get(name)
            for name in self.registration.fields
            if name in self.data
        }
