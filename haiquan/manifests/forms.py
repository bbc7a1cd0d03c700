"""The carrier's forms: a CUSCAR file to file, the arrival notice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import HoldKind, HoldOutcome
from .cuscar import MAX_BYTES


class CuscarForm(forms.Form):
    file = forms.FileField(
        label=_("CUSCAR file"),
        help_text=_("The UN/EDIFACT cargo report your shipping system writes (.edi or .txt)."),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(n)s MB.") % {"n": MAX_BYTES // (1024 * 1024)}
            )
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not a text file in UTF-8.")) from exc


class ArrivalForm(forms.Form):
    arrived_at = forms.DateTimeField(
        label=_("Arrived at"),
        help_text=_("Local time (Vietnam)."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class HoldForm(forms.Form):
    kind = forms.ChoiceField(label=_("Hold"), choices=HoldKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.TextInput())

    def __init__(self, *args: Any, kinds: list[HoldKind] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            # Only the hold that fits the voyage's direction is offered (the service says why
            # another one does not fit, when one is posted).
            field = self.fields["kind"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(k.value, k.label) for k in kinds]


class HoldReleaseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What the inspection found"), choices=HoldOutcome.choices)
    outcome_note = forms.CharField(label=_("Note"), max_length=2000, required=False)
