"""The dashboard's filters and the target form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haiquan.refdata.choices import Flow
from haiquan.refdata.models import Office

from .choices import Authority


class StatsFilterForm(forms.Form):
    # Plain text fields shown as selects: the report itself checks them and names the problem.
    office = forms.CharField(label=_("Office"), required=False, widget=forms.Select)
    month_from = forms.CharField(
        label=_("From month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    month_to = forms.CharField(
        label=_("To month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    flow = forms.CharField(
        label=_("Flow"),
        required=False,
        widget=forms.Select(choices=[("", _("Imports and exports")), *Flow.choices]),
    )

    def __init__(self, *args: Any, offices: list[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].widget.choices = [
            (o.code, "\u00a0\u00a0" * (o.path.count("/") - 2) + f"{o.code} {o.name}")
            for o in offices
        ]

    # Map the problems' field names (the API's) to this form's.
    FIELD_OF = {"from": "month_from", "to": "month_to", "flow": "flow", "office": "office"}


class TargetForm(forms.Form):
    office_code = forms.ChoiceField(label=_("Office"))
    year = forms.CharField(label=_("Year"), max_length=4)
    authority = forms.ChoiceField(label=_("Set by"), choices=Authority.choices)
    amount_vnd = forms.CharField(
        label=_("Target (VND)"),
        max_length=30,
        help_text=_("Whole đồng, e.g. 9500000000000 for VND 9,500 bn."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, offices: list[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["office_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.code, f"{o.code} {o.name}") for o in offices]
