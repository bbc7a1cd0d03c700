"""Forms of the analysis and audit pages. They parse; the rules are the services'."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AnomalyKind, CaseResult, FindingKind

DATE = forms.DateInput(attrs={"type": "date"})


class TraderFilterForm(forms.Form):
    q = forms.CharField(label=_("Tax code or name"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind of anomaly"),
        required=False,
        choices=[("", _("All kinds")), *AnomalyKind.choices],
    )


class CandidatesForm(forms.Form):
    period_from = forms.DateField(label=_("Registered from"), widget=DATE)
    period_to = forms.DateField(label=_("Registered to"), widget=DATE)
    office_code = forms.CharField(
        label=_("Office (code, with its sub-offices)"), required=False, max_length=16
    )

    @staticmethod
    def defaults() -> dict[str, Any]:
        today = timezone.localdate()
        return {"period_from": today - timedelta(days=365), "period_to": today}


class CasePlanForm(forms.Form):
    enterprise_mst = forms.CharField(label=_("Enterprise tax code (MST)"), max_length=14)
    office_code = forms.CharField(label=_("Auditing office (code)"), max_length=16)
    plan = forms.CharField(
        label=_("Plan"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the audit will check, and how."),
    )
    period_from = forms.DateField(label=_("Declarations registered from"), widget=DATE)
    period_to = forms.DateField(label=_("Declarations registered to"), widget=DATE)
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), widget=DATE)
    team = forms.CharField(
        label=_("Audit team"),
        max_length=500,
        help_text=_("User names of the officers, separated by commas."),
    )

    def team_names(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data["team"].split(",") if n.strip()]


class FindingForm(forms.Form):
    declaration_id = forms.TypedChoiceField(label=_("Declaration"), coerce=int, choices=())
    kind = forms.ChoiceField(label=_("Kind of violation"), choices=FindingKind.choices)
    description = forms.CharField(
        label=_("What was found"), widget=forms.Textarea(attrs={"rows": 3})
    )
    additional_duty_vnd = forms.DecimalField(
        label=_("Additional duties (VND)"), min_value=0, decimal_places=0, initial=0
    )
    penalty_vnd = forms.DecimalField(
        label=_("Penalty (VND)"), min_value=0, decimal_places=0, initial=0
    )

    def __init__(self, *args: Any, declarations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["declaration_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = declarations


class CloseForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=CaseResult.choices, widget=forms.RadioSelect
    )
    conclusion = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 4}))
