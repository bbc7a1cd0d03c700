"""The forms of the decisions taken on a declaration: reasons (amendment, cancellation,
escalation), an officer's decision on a cancellation request, a penalty decision, the release,
and the result of a document check or an inspection. Like the declaration's form they only read
what was typed; the services' `FieldProblem`s are shown next to the fields."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ..choices import CheckOutcome
from ..inputs import LineCorrection
from .declaration import clean_code, decimal_field, preference_choices, text_field

# ---------------------------------------------------------------------------------------------
# Reasons and versions


class ReasonForm(forms.Form):
    """A reason (amendment, cancellation, escalation) and the version the user saw."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, label: Any = None, hint: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        if hint:
            self.fields["reason"].help_text = hint


class CancellationDecisionForm(forms.Form):
    """An officer's decision on a declarant's cancellation request, with the reason."""

    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("approve", gettext_lazy("Approve: cancel the declaration")),
            ("refuse", gettext_lazy("Refuse: the declaration goes on")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose whether to approve or refuse.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the decision"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The declarant reads it."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


GROUPED = re.compile(r"^\d{1,3}(?:([.,\u00a0\u202f ])\d{3})?(?:\1\d{3})*$")


def _whole_vnd(value: str) -> Decimal | None:
    """'5.000.000', '5,000,000', '5 000 000' or '5000000' → 5000000 (whole đồng, grouped by
    threes with one separator). Anything else — a fraction, a stray mark — is refused rather
    than guessed."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return Decimal(text)
    if GROUPED.match(text):
        return Decimal(re.sub(r"\D", "", text))
    raise forms.ValidationError(
        _("Write the amount in whole đồng, e.g. 5.000.000 or 5000000."), code="invalid"
    )


class PenaltyForm(forms.Form):
    """A penalty decision: its number, the fine, the legal basis and the violation."""

    number = forms.CharField(
        label=gettext_lazy("Decision number"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("As on the signed decision, e.g. 125/QĐ-XPHC."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    amount_vnd = forms.CharField(
        label=gettext_lazy("Fine (VND)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    legal_basis = forms.CharField(
        label=gettext_lazy("Legal basis"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("The rule applied, e.g. Decree 128/2020/ND-CP, article 9."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Violation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_amount_vnd(self) -> Decimal | None:
        return _whole_vnd(self.cleaned_data.get("amount_vnd") or "")


class ReleaseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# ---------------------------------------------------------------------------------------------
# The officer's check result


FRAUD_KINDS = [
    ("", gettext_lazy("None found")),
    ("undervaluation", gettext_lazy("Undervaluation")),
    ("misclassification", gettext_lazy("Misclassification (HS code)")),
    ("false_origin", gettext_lazy("False origin or preference")),
    ("quantity", pgettext_lazy("kind of violation", "Quantity misdeclared")),
]
CORRECTABLE = ("hs_code", "origin", "quantity", "unit_price", "preference")


class CheckResultForm(forms.Form):
    """A document-check or inspection result; per line, the values the officer found where
    they differ from the declaration (blank = as declared)."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("Result"),
        choices=CheckOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose whether the goods match.")},
    )
    findings = forms.CharField(
        label=gettext_lazy("Findings"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was checked and what was found."),
    )
    fraud_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of violation"), choices=FRAUD_KINDS, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, lines: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.declared_lines = list(lines)
        preference = preference_choices()
        for ln in self.declared_lines:
            n = ln.line_no
            self.fields[f"c{n}_hs_code"] = text_field(
                _("Line %(n)d: HS code found") % {"n": n}, 10, inputmode="numeric"
            )
            self.fields[f"c{n}_origin"] = text_field(_("Line %(n)d: origin found") % {"n": n}, 2)
            self.fields[f"c{n}_quantity"] = decimal_field(
                _("Line %(n)d: quantity found") % {"n": n}, 3
            )
            self.fields[f"c{n}_unit_price"] = decimal_field(
                _("Line %(n)d: unit price found") % {"n": n}, 4
            )
            field = forms.ChoiceField(
                label=_("Line %(n)d: preference found") % {"n": n},
                required=False,
                choices=[("", _("As declared")), ("-", _("None")), *preference[1:]],
            )
            self.fields[f"c{n}_preference"] = field

    def line_fields(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (ln, [self[f"c{ln.line_no}_{name}"] for name in CORRECTABLE])
            for ln in self.declared_lines
        ]

    def corrections(self) -> list[LineCorrection]:
        """The lines with at least one value found different. Call after `is_valid()`."""
        out = []
        for ln in self.declared_lines:
            n = ln.line_no
            c = {name: self.cleaned_data.get(f"c{n}_{name}") for name in CORRECTABLE}
            if not any(v not in (None, "") for v in c.values()):
                continue
            preference = c["preference"] or None
            out.append(
                LineCorrection(
                    line_no=n,
                    hs_code=clean_code(c["hs_code"] or "") or None,
                    origin=(c["origin"] or "").upper() or None,
                    quantity=c["quantity"],
                    unit_price=c["unit_price"],
                    preference="" if preference == "-" else preference,
                )
            )
        return out

    def correction_errors(self) -> list[str]:
        """The problems of the corrected values, 'Line 1: quantity found: …'."""
        return [
            f"{self[name].label}: {' '.join(str(e) for e in errors)}"
            for name, errors in self.errors.items()
            if re.match(r"^c\d+_", name)
        ]

    def problem_fields(self, corrections: Sequence[LineCorrection]) -> dict[str, str]:
        """Where the services' problems of the corrections go (`problems_onto`'s aliases):
        `corrections[j].quantity` → the quantity found on that correction's line, a problem of
        the whole correction (`corrections[j]`) → its HS code."""
        out: dict[str, str] = {}
        for j, c in enumerate(corrections):
            out[f"corrections[{j}]"] = f"c{c.line_no}_hs_code"
            out.update({f"corrections[{j}].{name}": f"c{c.line_no}_{name}" for name in CORRECTABLE})
        return out
