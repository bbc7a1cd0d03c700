"""Page forms. The filing form is built from the procedure's form definition (data), so a
procedure added in the admin gets its page without code."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from haiquan.refdata.models import Enterprise, Office

from .catalogue import FormSpec
from .choices import HS_FIELD_TYPES, FieldType, Outcome


def _field_for(spec: Any) -> forms.Field:
    # The service checks what is required (one place for the rule) and names every problem.
    kw: dict[str, Any] = {"label": spec.label, "required": False}
    if not spec.required:
        kw["label"] = _("%(label)s (optional)") % {"label": spec.label}
    if spec.type == FieldType.TEXTAREA:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, **kw)
    if spec.type == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **kw)
    if spec.type in (FieldType.DECIMAL, FieldType.INTEGER):
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kw)
    if spec.type == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "–"), *spec.choice_pairs()], **kw)
    if spec.type in HS_FIELD_TYPES:
        return forms.CharField(
            max_length=10,
            help_text=(
                _("8 digits, e.g. 84713020; a code of the AHTN 2017 nomenclature is accepted")
                if spec.type == FieldType.HS_CODE_PROPOSED
                else _("8 digits, e.g. 84713020")
            ),
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            **kw,
        )
    if spec.type == FieldType.COUNTRY:
        return forms.CharField(max_length=2, help_text=_("Two letters, e.g. CN"), **kw)
    if spec.type == FieldType.DECLARATION_NUMBER:
        return forms.CharField(max_length=12, help_text=_("12 digits"), **kw)
    return forms.CharField(max_length=255, **kw)


class FilingForm(forms.Form):
    """The enterprise filing, the office (when the filer chooses it) and the procedure's fields."""

    enterprise_mst = forms.ChoiceField(label=_("Enterprise"))
    office_code = forms.ChoiceField(label=_("Customs office"), required=False)

    def __init__(
        self,
        *args: Any,
        spec: FormSpec,
        enterprises: list[Enterprise] | None,
        offices: list[Office] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        if enterprises is None:  # changing a draft: who files and where stay as they are
            del self.fields["enterprise_mst"]
        else:
            cast(forms.ChoiceField, self.fields["enterprise_mst"]).choices = [
                (e.mst, f"{e.name} ({e.mst})") for e in enterprises
            ]
        if offices is None:
            del self.fields["office_code"]
        else:
            self.fields["office_code"].required = True
            cast(forms.ChoiceField, self.fields["office_code"]).choices = [("", "–")] + [
                (o.code, f"{o.code} – {o.name}") for o in offices
            ]
        for f in spec.fields:
            self.fields[f.name] = _field_for(f)

    def form_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.spec.fields:
            value = self.cleaned_data.get(f.name)
            if value in (None, ""):
                continue
            out[f.name] = value.isoformat() if isinstance(value, date) else value
        return out


class UploadForm(forms.Form):
    slot = forms.ChoiceField(label=_("Document"))
    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, spec: FormSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["slot"]).choices = [
            (a.name, f"{a.label} ({a.type_names}, ≤ {a.max_megabytes} MB)")
            for a in spec.attachments
        ]


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Decision and reasons"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    hs_code = forms.CharField(
        label=_("HS code ruled"), required=False, max_length=10, help_text=_("8 digits")
    )
    origin = forms.CharField(label=_("Origin ruled"), required=False, max_length=2)
    valid_to = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: 3 years"),
    )

    def __init__(self, *args: Any, ruling_kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ruling_kind != "origin_ruling":
            del self.fields["origin"]
        if ruling_kind not in ("hs_ruling", "origin_ruling"):
            del self.fields["hs_code"]
            del self.fields["valid_to"]


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=32)


class VerifyFileForm(forms.Form):
    file = forms.FileField(label=_("The PDF you received"))
