"""The declaration pages' forms. They only read what was typed into typed values (numbers,
dates); every rule — what is required, what a valid MST or HS code is, that the lines add up —
lives in the services, whose `FieldProblem`s are mapped back onto these fields."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haiquan.core.i18n import in_language
from haiquan.core.problems import FieldProblem
from haiquan.refdata.models import Currency, DeclarationType, Office
from haiquan.tariff.choices import UnitCode
from haiquan.tariff.models import Agreement

from ..choices import Incoterm, TransportMode
from ..inputs import DeclarationInput, LineInput

CHOOSE = ("", gettext_lazy("Choose…"))
HEADER_FIELDS = (
    "type_code",
    "office_code",
    "enterprise_mst",
    "transport_mode",
    "bill_of_lading",
    "arrival_date",
    "containers",
    "packages",
    "partner_name",
    "partner_country",
    "invoice_number",
    "invoice_date",
    "incoterm",
    "currency",
    "invoice_value",
    "freight",
    "insurance",
)
LINE_FIELDS = (
    "hs_code",
    "description",
    "origin",
    "quantity",
    "unit",
    "unit_price",
    "preference",
    "co_number",
    "co_date",
    "ruling_number",
)
# Problems about fields that are not inputs on the page, shown on the nearest input.
LINE_FIELD_ALIASES = {"value": "unit_price"}
HEADER_FIELD_ALIASES = {"exchange_rate": "currency"}


def _type_choices() -> list[tuple[str, Any]]:
    return [CHOOSE] + [
        (t.code, f"{t.code} – {t.name}")
        for t in DeclarationType.objects.filter(active=True).order_by("code")
    ]


def _office_choices() -> list[tuple[str, Any]]:
    return [CHOOSE] + [(o.code, f"{o.code} – {o.name}") for o in Office.objects.order_by("path")]


def _currency_choices() -> list[tuple[str, Any]]:
    return [CHOOSE] + [(c.code, f"{c.code} – {c.name}") for c in Currency.objects.order_by("code")]


def preference_choices() -> list[tuple[str, Any]]:
    return [("", _("None (MFN or ordinary rate)"))] + [
        (a.code, f"{a.code} – {in_language(a.name_vi, a.name)}")
        for a in Agreement.objects.order_by("code")
    ]


def decimal_field(label: Any, places: int, **kw: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=18,
        decimal_places=places,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        **kw,
    )


def _day(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def text_field(label: Any, max_length: int, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(attrs={k.replace("_", "-"): v for k, v in attrs.items()}),
    )


class DeclarationHeaderForm(forms.Form):
    """The declaration's header: type, office, parties, transport, invoice and valuation."""

    type_code = forms.ChoiceField(label=gettext_lazy("Declaration type"), required=False)
    office_code = forms.ChoiceField(label=gettext_lazy("Customs office"), required=False)
    enterprise_mst = text_field(
        gettext_lazy("Tax code (MST) of the importer or exporter"),
        20,
        inputmode="numeric",
        autocomplete="off",
        list="enterprise-list",
        spellcheck="false",
    )
    transport_mode = forms.ChoiceField(
        label=gettext_lazy("Transport mode"),
        required=False,
        choices=[CHOOSE, *TransportMode.choices],
    )
    bill_of_lading = text_field(gettext_lazy("Bill of lading or air waybill"), 35)
    arrival_date = _day(gettext_lazy("Arrival or departure date"))
    containers = forms.CharField(
        label=gettext_lazy("Container numbers"),
        required=False,
        max_length=2400,
        help_text=gettext_lazy("One per line, e.g. CSQU3054383. Leave empty for loose cargo."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    packages = forms.IntegerField(
        label=gettext_lazy("Number of packages"),
        required=False,
        min_value=1,
        max_value=10_000_000,
        help_text=gettext_lazy("As on the bill of lading: what this declaration takes from it."),
    )
    partner_name = text_field(gettext_lazy("Foreign partner (seller or buyer)"), 255)
    partner_country = text_field(
        gettext_lazy("Partner's country"), 2, list="country-list", autocomplete="off"
    )
    invoice_number = text_field(gettext_lazy("Invoice number"), 35)
    invoice_date = _day(gettext_lazy("Invoice date"))
    incoterm = forms.ChoiceField(
        label=gettext_lazy("Delivery terms (Incoterms)"),
        required=False,
        choices=[CHOOSE, *Incoterm.choices],
    )
    currency = forms.ChoiceField(label=gettext_lazy("Invoice currency"), required=False)
    invoice_value = decimal_field(
        gettext_lazy("Invoice total"),
        2,
        help_text=gettext_lazy("The total on the invoice; it must equal the sum of the lines."),
    )
    freight = decimal_field(gettext_lazy("Freight (if not in the price)"), 2)
    insurance = decimal_field(gettext_lazy("Insurance (if not in the price)"), 2)

    def __init__(self, *args: Any, fixed_parties: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type_code"].choices = _type_choices()  # type: ignore[attr-defined]
        self.fields["office_code"].choices = _office_choices()  # type: ignore[attr-defined]
        self.fields["currency"].choices = _currency_choices()  # type: ignore[attr-defined]
        self.fields["partner_country"].help_text = _("Two-letter code, e.g. CN, JP, KR.")
        self.fixed_parties = fixed_parties
        if fixed_parties:
            # An amendment keeps the type, office and enterprise (the service refuses changes).
            for name in ("type_code", "office_code", "enterprise_mst"):
                self.fields[name].widget = forms.HiddenInput()


class LineForm(forms.Form):
    """One goods line. Several lines post the same field names; their order is the line order."""

    hs_code = text_field(
        gettext_lazy("HS code"),
        10,
        inputmode="numeric",
        autocomplete="off",
        spellcheck="false",
    )
    description = text_field(gettext_lazy("Description of the goods"), 500)
    origin = text_field(
        gettext_lazy("Origin"), 2, list="country-list", autocomplete="off", spellcheck="false"
    )
    quantity = decimal_field(gettext_lazy("Quantity"), 3)
    unit = forms.ChoiceField(
        label=gettext_lazy("Unit"), required=False, choices=[CHOOSE, *UnitCode.choices]
    )
    unit_price = decimal_field(gettext_lazy("Unit price"), 4)
    preference = forms.ChoiceField(label=gettext_lazy("Preference claimed"), required=False)
    co_number = text_field(gettext_lazy("C/O number"), 35)
    co_date = _day(gettext_lazy("C/O date"))
    ruling_number = text_field(gettext_lazy("Advance ruling"), 35)

    def __init__(
        self,
        data: Any = None,
        *,
        key: str,
        preference_choices: list[tuple[str, Any]],
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial, auto_id=f"line-{key}-%s")
        self.key = key
        self.fields["preference"].choices = preference_choices  # type: ignore[attr-defined]

    @property
    def fieldset_id(self) -> str:
        return f"line-{self.key}"


def new_line_key() -> str:
    """A key for a line added in the browser; never a plain number (those are server rows)."""
    return "n" + secrets.token_hex(4)


def _split_containers(text: str) -> tuple[str, ...]:
    return tuple(p.strip().upper() for p in re.split(r"[\s,;]+", text or "") if p.strip())


def clean_code(value: str) -> str:
    return (value or "").replace(".", "").replace(" ", "").strip()


@dataclass
class SummaryError:
    href: str
    text: str


class DeclarationForm:
    """The whole declaration as typed: the header form and one `LineForm` per goods line.

    `problems_apply` puts the services' field problems (`lines[2].hs_code`) next to the right
    input; `errors` lists them for the error summary, in page order, each linking to its field.
    """

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        initial: DeclarationInput | None = None,
        fixed_parties: bool = False,
        initial_mst: str = "",
        drop_line: int | None = None,
        copy_line: int | None = None,
        add_line: bool = False,
    ) -> None:
        self.preference_choices = preference_choices()
        self.extra_errors: list[SummaryError] = []
        self.lines_errors: list[str] = []
        if data is not None:
            self.header = DeclarationHeaderForm(data, fixed_parties=fixed_parties)
            rows = _rows_from(data)
            if drop_line is not None and 0 <= drop_line < len(rows) and len(rows) > 1:
                rows.pop(drop_line)
            if copy_line is not None and 0 <= copy_line < len(rows):
                rows.insert(copy_line + 1, dict(rows[copy_line]))
            if add_line:
                rows.append({})
            self.lines = [self._line(str(i), row) for i, row in enumerate(rows)]
        else:
            header_initial = _header_initial(initial) if initial else {}
            if not header_initial.get("enterprise_mst") and initial_mst:
                header_initial["enterprise_mst"] = initial_mst
            self.header = DeclarationHeaderForm(initial=header_initial, fixed_parties=fixed_parties)
            line_initials = [_line_initial(ln) for ln in initial.lines] if initial else [{}]
            self.lines = [
                LineForm(
                    initial=li,
                    key=str(i),
                    preference_choices=self.preference_choices,
                )
                for i, li in enumerate(line_initials)
            ]

    def _line(self, key: str, row: dict[str, str]) -> LineForm:
        return LineForm(row, key=key, preference_choices=self.preference_choices)

    @property
    def is_bound(self) -> bool:
        return self.header.is_bound

    def is_valid(self) -> bool:
        """Every value could be read (numbers are numbers, dates are dates)."""
        # Every form is validated (no short cut), so every field shows its problem at once.
        results = [self.header.is_valid()] + [ln.is_valid() for ln in self.lines]
        return all(results)

    def to_input(self) -> DeclarationInput:
        """What the services take. Call after `is_valid()`. A line's value is quantity × unit
        price (the services check the invoice total against the lines)."""
        h = self.header.cleaned_data
        lines = []
        for form in self.lines:
            c = form.cleaned_data
            if not any(c.get(name) for name in LINE_FIELDS):
                continue  # an empty row left at the end
            quantity = c.get("quantity") or Decimal(0)
            unit_price = c.get("unit_price") or Decimal(0)
            lines.append(
                LineInput(
                    hs_code=clean_code(c.get("hs_code") or ""),
                    description=(c.get("description") or "").strip(),
                    origin=(c.get("origin") or "").strip().upper(),
                    quantity=quantity,
                    unit=(c.get("unit") or "").upper(),
                    unit_price=unit_price,
                    value=(quantity * unit_price).quantize(Decimal("0.01")),
                    preference=(c.get("preference") or "").upper(),
                    co_number=(c.get("co_number") or "").strip(),
                    co_date=c.get("co_date"),
                    ruling_number=(c.get("ruling_number") or "").strip().upper(),
                )
            )
        return DeclarationInput(
            type_code=(h.get("type_code") or "").upper(),
            office_code=(h.get("office_code") or "").upper(),
            enterprise_mst=(h.get("enterprise_mst") or "").strip(),
            transport_mode=h.get("transport_mode") or "",
            incoterm=h.get("incoterm") or "",
            currency=(h.get("currency") or "").upper(),
            invoice_value=h.get("invoice_value") or Decimal(0),
            freight=h.get("freight") or Decimal(0),
            insurance=h.get("insurance") or Decimal(0),
            bill_of_lading=(h.get("bill_of_lading") or "").strip(),
            arrival_date=h.get("arrival_date"),
            invoice_number=(h.get("invoice_number") or "").strip(),
            invoice_date=h.get("invoice_date"),
            partner_name=(h.get("partner_name") or "").strip(),
            partner_country=(h.get("partner_country") or "").strip().upper(),
            containers=_split_containers(h.get("containers") or ""),
            packages=h.get("packages"),
            lines=tuple(lines),
        )

    def line_index_map(self) -> list[int]:
        """Position in the services' `lines[...]` → position among the page's rows (empty rows
        are left out of the input)."""
        out = []
        for i, form in enumerate(self.lines):
            c = getattr(form, "cleaned_data", {}) or {}
            if any(c.get(name) for name in LINE_FIELDS):
                out.append(i)
        return out

    def problems_apply(self, problems: Iterable[FieldProblem]) -> None:
        """Show each service problem next to its field; unknown fields go to the summary."""
        index_map = self.line_index_map()
        # Fields whose value could not be read say so already: nothing more is put on them.
        unread = {("", name) for name in self.header.errors} | {
            (str(i), name) for i, form in enumerate(self.lines) for name in form.errors
        }
        for p in problems:
            message = str(p.problem)
            m = re.fullmatch(r"lines\[(\d+)\](?:\.(\w+))?", p.field)
            if m:
                pos = int(m.group(1))
                row = index_map[pos] if pos < len(index_map) else None
                if row is None:
                    self.lines_errors.append(message)
                    continue
                name = LINE_FIELD_ALIASES.get(m.group(2) or "", m.group(2) or "")
                form = self.lines[row]
                if (str(row), name) in unread:
                    continue
                form.add_error(name if name in form.fields else None, message)
                continue
            if p.field == "lines":
                self.lines_errors.append(message)
                continue
            name = HEADER_FIELD_ALIASES.get(p.field, re.sub(r"\[\d+\]$", "", p.field))
            if ("", name) in unread:
                continue
            if name in self.header.fields:
                self.header.add_error(name, message)
            else:
                self.extra_errors.append(SummaryError("", message))

    @property
    def errors(self) -> list[dict[str, str]]:
        """The error summary's entries, in the order of the page."""
        out: list[dict[str, str]] = []
        for e in self.extra_errors:
            out.append({"href": e.href, "text": e.text})
        if self.header.is_bound:
            for bf in self.header:
                for message in bf.errors:
                    out.append({"href": f"#{bf.auto_id}", "text": f"{bf.label}: {message}"})
        for message in self.lines_errors:
            out.append({"href": "#lines", "text": f"{_('Goods lines')}: {message}"})
        for n, form in enumerate(self.lines, start=1):
            if not form.is_bound:
                continue
            prefix = _("Line %(n)d") % {"n": n}
            for message in form.non_field_errors():
                out.append({"href": f"#{form.fieldset_id}", "text": f"{prefix}: {message}"})
            for bf in form:
                for message in bf.errors:
                    out.append(
                        {"href": f"#{bf.auto_id}", "text": f"{prefix}, {bf.label}: {message}"}
                    )
        return out

    def __iter__(self) -> Iterator[LineForm]:
        return iter(self.lines)


def _rows_from(data: QueryDict) -> list[dict[str, str]]:
    """The goods lines as posted: the i-th value of each field name belongs to line i."""
    columns = {name: data.getlist(name) for name in LINE_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    return [
        {name: (values[i] if i < len(values) else "") for name, values in columns.items()}
        for i in range(count)
    ]


def single_row(data: QueryDict) -> dict[str, str]:
    """The first posted value of each line field: a row sent on its own (copying a line)."""
    return {name: data.get(name, "") for name in LINE_FIELDS}


def line_form_for_row(row: dict[str, str] | None, *, key: str) -> LineForm:
    """A line to add to the page: empty, or a copy of a posted row (shown unbound, no errors)."""
    initial = row or {}
    return LineForm(initial=initial, key=key, preference_choices=preference_choices())


def _header_initial(d: DeclarationInput) -> dict[str, Any]:
    return {
        "type_code": d.type_code,
        "office_code": d.office_code,
        "enterprise_mst": d.enterprise_mst,
        "transport_mode": d.transport_mode,
        "bill_of_lading": d.bill_of_lading,
        "arrival_date": d.arrival_date,
        "containers": "\n".join(d.containers),
        "packages": d.packages,
        "partner_name": d.partner_name,
        "partner_country": d.partner_country,
        "invoice_number": d.invoice_number,
        "invoice_date": d.invoice_date,
        "incoterm": d.incoterm,
        "currency": d.currency,
        "invoice_value": d.invoice_value,
        "freight": d.freight or None,
        "insurance": d.insurance or None,
    }


def _plain(value: Decimal) -> str:
    """1000.000 → 1000 for an input's value (no trailing zeros, no exponent)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _line_initial(ln: LineInput) -> dict[str, Any]:
    return {
        "hs_code": ln.hs_code,
        "description": ln.description,
        "origin": ln.origin,
        "quantity": _plain(ln.quantity),
        "unit": ln.unit,
        "unit_price": _plain(ln.unit_price),
        "preference": ln.preference,
        "co_number": ln.co_number,
        "co_date": ln.co_date,
        "ruling_number": ln.ruling_number,
    }


def problem_text(p: FieldProblem) -> str:
    """A service problem in words a person reads outside the form: 'Line 2, HS code: …'."""
    m = re.fullmatch(r"lines\[(\d+)\](?:\.(\w+))?", p.field)
    if m:
        name = LINE_FIELD_ALIASES.get(m.group(2) or "", m.group(2) or "")
        where = _("Line %(n)d") % {"n": int(m.group(1)) + 1}
        label = LineForm.base_fields[name].label if name in LineForm.base_fields else ""
        return f"{where}, {label}: {p.problem}" if label else f"{where}: {p.problem}"
    name = HEADER_FIELD_ALIASES.get(p.field, re.sub(r"\[\d+\]$", "", p.field))
    if name in DeclarationHeaderForm.base_fields:
        return f"{DeclarationHeaderForm.base_fields[name].label}: {p.problem}"
    if p.field == "lines":
        return f"{_('Goods lines')}: {p.problem}"
    return str(p.problem)
