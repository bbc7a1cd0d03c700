"""Page forms for supervision. They only collect input; the services decide."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Direction


class GateForm(forms.Form):
    # Generated when the form is shown, so that a double submit is recorded once.
    message_id = forms.CharField(widget=forms.HiddenInput, max_length=100)
    direction = forms.ChoiceField(
        label=_("Gate"), choices=Direction.choices, widget=forms.RadioSelect, initial=Direction.IN
    )
    container_number = forms.CharField(
        label=_("Container number"),
        required=False,
        max_length=20,
        help_text=_("ISO 6346 with its check digit, e.g. CSQU3054383"),
    )
    bill_of_lading = forms.CharField(
        label=_("Bill of lading"),
        required=False,
        max_length=35,
        help_text=_("For bulk or loose goods, instead of a container"),
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), required=False, max_digits=18, decimal_places=3
    )
    unit = forms.CharField(label=_("Unit"), required=False, max_length=8)
    vehicle_plate = forms.CharField(label=_("Vehicle"), required=False, max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["message_id"] = f"web-{uuid.uuid4()}"


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class WarehouseDocumentForm(forms.Form):
    declaration_number = forms.CharField(label=_("Declaration number"), max_length=12)
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=35,
        help_text=_("The warehouse's own receipt or issue number"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
