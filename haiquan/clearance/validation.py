"""Validation of a declaration's content against the rules and the reference data.

Every problem is collected and reported at once, each with its field, so a declarant fixes them
in one pass. Nothing is written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _
from stdnum import iso6346
from stdnum.vn import mst as mst_std

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import enterprises_user_may_declare_for
from haiquan.core.compiled import compiled_raw
from haiquan.core.conf import haiquan_setting
from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.core.templatetags.hq import amount, quantity
from haiquan.refdata.models import Country, Currency, DeclarationType, Enterprise, Office
from haiquan.refdata.selectors import Reference, reference_current

from .choices import Incoterm, TransportMode
from .hooks import declaration_validators_run
from .hs_codes import hs_codes_convert
from .inputs import DeclarationInput, LineInput

# Modes whose goods travel under a transport document (bill of lading, air waybill, rail consignment).
TRANSPORT_DOCUMENT_REQUIRED = {TransportMode.SEA, TransportMode.AIR, TransportMode.RAIL}
VALUE_TOLERANCE = Decimal("0.01")


@dataclass(frozen=True)
class ResolvedDeclaration:
    """The input with its references looked up, ready for duties and saving."""

    data: DeclarationInput
    type: DeclarationType
    office: Office
    enterprise: Enterprise
    currency: Currency
    partner_country: Country | None
    origins: dict[str, Country]
    containers: tuple[str, ...]


def _problem(errors: list[FieldProblem], field: str, text: str, code: str = "invalid") -> None:
    errors.append(FieldProblem(field, text, code))


def declaration_validate(
    data: DeclarationInput,
    *,
    on_day: date,
    reference: Reference | None = None,
    declarant: User | None = None,
    tariff_token: str | None = None,
) -> ResolvedDeclaration:
    """Check the content of a declaration; raise `ValidationFailed` listing every problem.
    An AHTN 2017 code that became exactly one line is converted (`hs_codes.py`): the
    resolution's `data` is what is declared; `tariff_token` as for `Tariff.load`.
    `reference` is the reference data to check against (the current one when not given).
    `declarant`: whether that user may declare for the enterprise is read with it, in the same
    statement (`workflow.require_may_declare_for` then needs no query of its own).

    The checks come in the order of the form (header, parties, terms, transport, lines), so the
    problems come in the same order every time."""
    data, errors = hs_codes_convert(data, tariff_token=tariff_token)
    ref = reference or reference_current()
    dtype = _type_checked(data, ref, errors)
    office = _office_checked(data, ref, on_day, errors)
    enterprise = _enterprise_checked(data, declarant, errors)
    _terms_check(data, errors)
    currency = _currency_checked(data, ref, errors)
    _amounts_check(data, errors)
    partner = _partner_checked(data, ref, errors)
    containers = _containers_checked(data, errors)
    origins = _lines_checked(data, ref, errors)
    if (
        dtype is not None
        and office is not None
        and enterprise is not None
        and currency is not None
        and not errors
    ):
        resolved = ResolvedDeclaration(
            data=data,
            type=dtype,
            office=office,
            enterprise=enterprise,
            currency=currency,
            partner_country=partner,
            origins=origins,
            containers=containers,
        )
        # What other apps check once the references resolve (e.g. advance rulings cited).
        errors.extend(declaration_validators_run(resolved, on_day))
        if not errors:
            return resolved
    raise ValidationFailed(errors)


def _type_checked(
    data: DeclarationInput, ref: Reference, errors: list[FieldProblem]
) -> DeclarationType | None:
    """The declaration type in use that the code names."""
    dtype = ref.declaration_type((data.type_code or "").upper())
    if dtype is not None and not dtype.active:
        dtype = None
    if dtype is None and not (data.type_code or "").strip():
        _problem(errors, "type_code", _("choose the declaration type"), "required")
    elif dtype is None:
        _problem(
            errors,
            "type_code",
            _("'%(v)s' is not a declaration type code in use (e.g. A11, B11)")
            % {"v": data.type_code},
            "unknown-type",
        )
    return dtype


def _office_checked(
    data: DeclarationInput, ref: Reference, on_day: date, errors: list[FieldProblem]
) -> Office | None:
    """The customs office the code names, when it is in operation on the day."""
    office = ref.office((data.office_code or "").upper())
    if office is None and not (data.office_code or "").strip():
        _problem(errors, "office_code", _("choose the customs office"), "required")
    elif office is None:
        _problem(
            errors,
            "office_code",
            _("'%(v)s' is not a customs office code") % {"v": data.office_code},
            "unknown-office",
        )
    elif not office.is_active_on(on_day):
        _problem(
            errors,
            "office_code",
            _("office %(v)s is not in operation on %(d)s")
            % {"v": office.code, "d": formats.date_format(on_day, "SHORT_DATE_FORMAT")},
            "office-inactive",
        )
    return office


def _enterprise_checked(
    data: DeclarationInput, declarant: User | None, errors: list[FieldProblem]
) -> Enterprise | None:
    """The importer or exporter by its tax code (MST); with `declarant`, whether that user may
    declare for it is read in the same statement."""
    mst = (data.enterprise_mst or "").strip()
    if not mst:
        _problem(
            errors,
            "enterprise_mst",
            _("give the tax code (MST) of the importer or exporter"),
            "required",
        )
        return None
    if not mst_std.is_valid(mst):
        _problem(
            errors,
            "enterprise_mst",
            _(
                "'%(v)s' is not a valid tax code (MST): 10 digits with a "
                "correct check digit, or 13 for a branch"
            )
            % {"v": mst},
            "invalid-mst",
        )
        return None
    compact = mst_std.compact(mst)

    def found() -> QuerySet[Enterprise]:
        qs: QuerySet[Enterprise] = Enterprise.objects.filter(mst=compact)
        if declarant is not None:
            qs = qs.annotate(
                may_declare=Exists(
                    enterprises_user_may_declare_for(declarant).filter(pk=OuterRef("pk"))
                )
            )
        return qs.order_by("pk")[:1]  # the tax code is unique: at most one

    if declarant is not None and declarant.role == Role.DECLARANT and declarant.is_active:
        # The filing path's query, compiled once per process (haiquan.core.compiled): the
        # Exists(...) subquery's constant, the declarant, the tax code.
        rows = compiled_raw(
            Enterprise, ("enterprise_for_declarant",), found, (1, declarant.pk, compact)
        )
    else:
        rows = list(found())
    enterprise = rows[0] if rows else None
    if enterprise is not None and declarant is not None:
        enterprise.may_declare_checked_for = declarant.pk  # type: ignore[attr-defined]
    if enterprise is None:
        _problem(
            errors,
            "enterprise_mst",
            _("no enterprise is registered with tax code %(v)s") % {"v": mst},
            "unknown-enterprise",
        )
    elif not enterprise.active:
        _problem(
            errors,
            "enterprise_mst",
            _("enterprise %(v)s is not active") % {"v": mst},
            "inactive",
        )
    return enterprise


def _terms_check(data: DeclarationInput, errors: list[FieldProblem]) -> None:
    """The transport mode (and its transport document) and the delivery terms."""
    if not data.transport_mode:
        _problem(errors, "transport_mode", _("choose the transport mode"), "required")
    elif data.transport_mode not in TransportMode.values:
        _problem(errors, "transport_mode", _("choose one of the transport modes in the list"))
    elif data.transport_mode in TRANSPORT_DOCUMENT_REQUIRED and not data.bill_of_lading.strip():
        _problem(
            errors,
            "bill_of_lading",
            _("a bill of lading or air waybill is required for this transport mode"),
            "required",
        )
    if not data.incoterm:
        _problem(errors, "incoterm", _("choose the delivery terms (Incoterms)"), "required")
    elif data.incoterm not in Incoterm.values:
        _problem(errors, "incoterm", _("choose one of the Incoterms in the list, e.g. CIF"))


def _currency_checked(
    data: DeclarationInput, ref: Reference, errors: list[FieldProblem]
) -> Currency | None:
    currency = ref.currency((data.currency or "").upper())
    if currency is None and not (data.currency or "").strip():
        _problem(errors, "currency", _("choose the invoice currency"), "required")
    elif currency is None:
        _problem(
            errors,
            "currency",
            _("'%(v)s' is not an ISO 4217 currency code") % {"v": data.currency},
            "unknown-currency",
        )
    return currency


def _amounts_check(data: DeclarationInput, errors: list[FieldProblem]) -> None:
    for name in ("freight", "insurance"):
        if getattr(data, name) < 0:
            _problem(errors, name, _("must not be negative"))
    if data.invoice_value <= 0:
        _problem(errors, "invoice_value", _("must be greater than zero"))


def _partner_checked(
    data: DeclarationInput, ref: Reference, errors: list[FieldProblem]
) -> Country | None:
    if not data.partner_country:
        return None
    partner = ref.country(data.partner_country.upper())
    if partner is None:
        _problem(
            errors,
            "partner_country",
            _("'%(v)s' is not a country code (ISO 3166 alpha-2)") % {"v": data.partner_country},
            "unknown-country",
        )
    return partner


def _containers_checked(data: DeclarationInput, errors: list[FieldProblem]) -> tuple[str, ...]:
    """The container numbers, compacted; each valid by ISO 6346 and listed once."""
    containers: list[str] = []
    for i, c in enumerate(data.containers):
        compact = iso6346.compact(c or "")
        if not iso6346.is_valid(compact):
            _problem(
                errors,
                f"containers[{i}]",
                _(
                    "'%(v)s' is not a valid ISO 6346 container number "
                    "(owner code, serial and check digit)"
                )
                % {"v": c},
                "invalid-container",
            )
        elif compact in containers:
            _problem(
                errors,
                f"containers[{i}]",
                _("container %(v)s is listed twice") % {"v": compact},
                "duplicate",
            )
        else:
            containers.append(compact)
    return tuple(containers)


def _lines_checked(
    data: DeclarationInput, ref: Reference, errors: list[FieldProblem]
) -> dict[str, Country]:
    """The goods lines, each on its own, then their sum against the invoice; the countries of
    origin they name."""
    max_lines = int(haiquan_setting("MAX_LINES_PER_DECLARATION"))
    if not data.lines:
        _problem(errors, "lines", _("a declaration needs at least one goods line"), "required")
    elif len(data.lines) > max_lines:
        _problem(
            errors,
            "lines",
            _("at most %(n)d goods lines per declaration; split it") % {"n": max_lines},
            "too-many-lines",
        )
    codes = {(ln.origin or "").upper() for ln in data.lines}
    origins = ref.countries_among(codes)
    total = Decimal(0)
    for i, ln in enumerate(data.lines):
        _line_check(ln, f"lines[{i}]", origins, errors)
        total += ln.value
    if data.lines and data.invoice_value > 0 and abs(total - data.invoice_value) > VALUE_TOLERANCE:
        _problem(
            errors,
            "invoice_value",
            _("%(v)s does not equal the sum of the lines' values (%(t)s)")
            % {"v": amount(data.invoice_value), "t": amount(total)},
            "value-mismatch",
        )
    return origins


def _line_check(
    ln: LineInput, f: str, origins: dict[str, Country], errors: list[FieldProblem]
) -> None:
    """One goods line: HS code, description, origin, and quantity × unit price = value."""
    if not ln.hs_code:
        _problem(errors, f"{f}.hs_code", _("give the 8-digit HS code"), "required")
    elif not (len(ln.hs_code) == 8 and ln.hs_code.isdigit()):
        _problem(
            errors,
            f"{f}.hs_code",
            _("'%(v)s' is not an 8-digit HS code") % {"v": ln.hs_code},
            "invalid-hs",
        )
    if not ln.description.strip():
        _problem(errors, f"{f}.description", _("describe the goods"), "required")
    if not (ln.origin or "").strip():
        _problem(
            errors,
            f"{f}.origin",
            _("give the country of origin (two letters, e.g. CN)"),
            "required",
        )
    elif (ln.origin or "").upper() not in origins:
        _problem(
            errors,
            f"{f}.origin",
            _("'%(v)s' is not a country code (ISO 3166 alpha-2)") % {"v": ln.origin},
            "unknown-country",
        )
    if ln.quantity <= 0:
        _problem(errors, f"{f}.quantity", _("must be greater than zero"))
    if ln.unit_price < 0:
        _problem(errors, f"{f}.unit_price", _("must not be negative"))
    if ln.value < 0:
        _problem(errors, f"{f}.value", _("must not be negative"))
    elif ln.quantity > 0 and abs(ln.quantity * ln.unit_price - ln.value) > max(
        VALUE_TOLERANCE, ln.quantity * Decimal("0.00005")
    ):
        _problem(
            errors,
            f"{f}.value",
            _("%(v)s does not equal quantity × unit price (%(q)s × %(p)s)")
            % {"v": amount(ln.value), "q": quantity(ln.quantity), "p": quantity(ln.unit_price)},
            "value-mismatch",
        )
