"""The report filters as a form (the pages); the rules behind them are in `reports.filters_build`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haiquan.accounts.selectors import offices_in_scope_subtrees
from haiquan.clearance.choices import TransportMode
from haiquan.refdata.choices import Flow
from haiquan.risk.choices import Lane

from .choices import ComplianceGroup, Dimension, Span

ALL = [("", _("All"))]


class DateInput(forms.DateInput):
    input_type = "date"


class ReportForm(forms.Form):
    span = forms.ChoiceField(label=_("Measured from"), required=False, choices=list(Span.choices))
    date_from = forms.DateField(label=_("Registered from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Registered to"), required=False, widget=DateInput)
    # A select of the user's offices, but not a ChoiceField: an office outside the user's
    # scope is refused by `filters_build` with 403, as the API does, not as a form error.
    office = forms.CharField(label=_("Office"), required=False, max_length=16, widget=forms.Select)
    flow = forms.ChoiceField(label=_("Flow"), required=False, choices=ALL + list(Flow.choices))
    lane = forms.ChoiceField(label=_("Lane"), required=False, choices=ALL + list(Lane.choices))
    transport_mode = forms.ChoiceField(
        label=_("Transport mode"), required=False, choices=ALL + list(TransportMode.choices)
    )
    type_code = forms.CharField(label=_("Declaration type"), required=False, max_length=3)
    hs_chapter = forms.CharField(label=_("HS chapter"), required=False, max_length=2)
    compliance = forms.ChoiceField(
        label=_("Enterprise group"), required=False, choices=ALL + list(ComplianceGroup.choices)
    )
    within_hours = forms.FloatField(
        label=_("Released within (hours)"), required=False, min_value=0.1, max_value=720
    )
    by = forms.ChoiceField(
        label=_("Break down by"), required=False, choices=list(Dimension.choices)
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices = offices_in_scope_subtrees(user).order_by("path")
        office_widget = self.fields["office"].widget
        assert isinstance(office_widget, forms.Select)
        office_widget.choices = ALL + [
            (o.code, ("\u2003" * max(0, o.path.count("/") - 2)) + f"{o.code} {o.name}")
            for o in offices
        ]

    def filter_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("by", None)
        return data


class SampleForm(ReportForm):
    """A WCO sample study: the days replace the period."""

    start = forms.DateField(label=_("First registration day"), widget=DateInput)
    days = forms.IntegerField(label=_("Working days"), initial=6, min_value=1, max_value=31)

    field_order = ["start", "days"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        for name in ("date_from", "date_to", "by"):
            del self.fields[name]

    def filter_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        start = data.pop("start")
        data.pop("days")
        return {**data, "date_from": start, "date_to": start}
