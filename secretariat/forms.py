from django import forms

from agencies.models import Agency, AgencyStatus
from isecg.models import User


class AppointForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True))
    proposed_by = forms.ModelChoiceField(
        queryset=Agency.objects.filter(status=AgencyStatus.PARTICIPATING),
        label="Proposed by (ToR IV)",
    )
    role = forms.CharField(max_length=200, required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    attested_voluntary_unpaid = forms.BooleanField(
        required=False,
        label="Proposed on a voluntary basis, without exchange of funds (ToR IV)",
    )
