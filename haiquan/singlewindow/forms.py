"""Page forms: an agency files a permit or result (or revokes one); an administrator edits the
requirements table. The services check the content; these only carry it and show its problems
next to the fields."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DocumentKind, Flow, MessageFunction, Result
from .inputs import DocumentMessage, GoodsInput
from .models import Agency
from .services import RequirementInput


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is it?"), choices=DocumentKind.choices)
    reference = forms.CharField(label=_("Reference"), max_length=50)
    holder_mst = forms.CharField(label=_("Holder's tax code (MST)"), max_length=14)
    declaration_number = forms.CharField(
        label=_("Declaration number"),
        max_length=12,
        required=False,
        help_text=_("For an inspection of one consignment; leave empty for a permit."),
    )
    issued_on = forms.DateField(
        label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices, widget=forms.RadioSelect)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a fail: what was found."),
    )
    message_id = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("message_id", f"web-{uuid.uuid4()}")


class GoodsForm(forms.Form):
    hs_code = forms.CharField(label=_("HS code"), max_length=12, required=False)
    description = forms.CharField(label=_("Goods"), max_length=500, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=18, decimal_places=3, required=False
    )
    unit = forms.CharField(label=_("Unit"), max_length=8, required=False, initial="KGM")


GoodsFormSet = forms.formset_factory(GoodsForm, extra=3, max_num=20)


def document_message_from(form: DocumentForm, goods: Any) -> DocumentMessage:
    d = form.cleaned_data
    items = tuple(
        GoodsInput(
            hs_code=g.cleaned_data.get("hs_code") or "",
            quantity=g.cleaned_data.get("quantity"),
            unit=g.cleaned_data.get("unit") or "",
            description=g.cleaned_data.get("description") or "",
        )
        for g in goods.forms
        if g.cleaned_data.get("hs_code") or g.cleaned_data.get("quantity")
    )
    return DocumentMessage(
        message_id=d["message_id"],
        reference=d["reference"],
        function=MessageFunction.ORIGINAL,
        kind=d["kind"],
        holder_mst=d["holder_mst"],
        declaration_number=d.get("declaration_number") or "",
        issued_on=d["issued_on"],
        valid_from=d.get("valid_from"),
        valid_to=d.get("valid_to"),
        result=d["result"],
        notes=d.get("notes") or "",
        goods=items,
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it revoked?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    message_id = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("message_id", f"web-{uuid.uuid4()}")


class RequirementForm(forms.Form):
    agency_code = forms.ChoiceField(label=_("Agency"))
    kind = forms.ChoiceField(label=_("Document needed"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=255)
    hs_prefix = forms.CharField(
        label=_("HS code prefix"), max_length=12, help_text=_("2 to 8 digits, e.g. 02 or 0810")
    )
    flow = forms.ChoiceField(label=_("Flow"), choices=Flow.choices, required=False)
    type_codes = forms.CharField(
        label=_("Declaration types"),
        required=False,
        help_text=_("Codes separated by commas (A11, A12...); empty for every type."),
    )
    origins = forms.CharField(
        label=_("Origins"),
        required=False,
        help_text=_("Country codes separated by commas (CN, TH...); empty for every origin."),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=255, required=False)
    active = forms.BooleanField(label=_("In force"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency_code"]).choices = [
            (a.code, f"{a.code} – {a.name}") for a in Agency.objects.filter(active=True)
        ]

    def to_input(self) -> RequirementInput:
        d = self.cleaned_data

        def split(text: str) -> tuple[str, ...]:
            return tuple(x.strip() for x in (text or "").split(",") if x.strip())

        return RequirementInput(
            agency_code=d["agency_code"],
            kind=d["kind"],
            title=d["title"],
            hs_prefix=d["hs_prefix"],
            flow=d.get("flow") or "",
            type_codes=split(d.get("type_codes", "")),
            origins=split(d.get("origins", "")),
            valid_from=d.get("valid_from"),
            valid_to=d.get("valid_to"),
            active=bool(d.get("active")),
            legal_basis=d.get("legal_basis") or "",
        )
