from django import forms

from isecg.models import TIME_ZONE_CHOICES


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        help_text="Deadlines and meeting times are shown in this time zone; UTC appears on hover.",
    )
