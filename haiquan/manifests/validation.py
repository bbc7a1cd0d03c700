"""Checking a cargo report before anything is written. Every problem is collected at once, each
with the field it is about (the JSON API's names; the CUSCAR reader maps them back to segments)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext as _
from stdnum import iso6346
from stdnum.vn import mst as mst_std

from haiquan.core.problems import FieldProblem
from haiquan.refdata.models import Enterprise, Office
from haiquan.refdata.selectors import reference_current

from .choices import BillKind, ManifestMode, VoyageDirection
from .inputs import CargoReportInput, ConsignmentInput

FLIGHT = re.compile(r"^[A-Z0-9]{2}[A-Z]?\d{1,4}[A-Z]?$")
LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
HS = re.compile(r"^\d{4,10}$")
MASS_TOLERANCE = Decimal("0.5")  # kg: a bill's total against its items' sum, after rounding


class _Add(Protocol):
    """Adds a problem (the field, its words, its code) to the list being collected."""

    def __call__(self, field: str, text: str, code: str = ...) -> None: ...


def imo_number_is_valid(value: str) -> bool:
    """An IMO ship number: 7 digits whose last is the sum of the first six weighted 7..2,
    modulo 10 (IMO resolution A.1117(30))."""
    digits = value.upper().removeprefix("IMO").strip()
    if not re.fullmatch(r"\d{7}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(digits[6])


@dataclass(frozen=True)
class ResolvedReport:
    data: CargoReportInput
    office: Office
    # consignee tax code → enterprise, for the consignees registered here
    consignees: dict[str, Enterprise]


def consignment_problems(c: ConsignmentInput, at: str, problems: list[FieldProblem]) -> list[str]:
    """Problems of one bill; returns the consignee tax code it names (compact), if valid."""

    def add(field: str, text: str, code: str = "invalid") -> None:
        problems.append(FieldProblem(f"{at}.{field}" if field else at, text, code))

    msts = _parties_problems(c, add)
    if c.total_package_quantity <= 0:
        add("total_package_quantity", _("the number of packages must be at least 1"))
    if c.total_gross_mass_measure <= 0:
        add("total_gross_mass_measure", _("the gross mass must be more than 0 kg"))
    _goods_problems(c, add)
    _equipment_problems(c, add)
    return msts


def _parties_problems(c: ConsignmentInput, add: _Add) -> list[str]:
    """The bill's number and kind, its consignor and consignee; the consignee's tax code."""
    if not c.transport_contract_document_id.strip():
        add("transport_contract_document_id", _("give the bill of lading number"), "required")
    if c.transport_contract_document_type not in BillKind.values:
        add(
            "transport_contract_document_type",
            _("choose one of: simple bill, master bill, house bill"),
        )
    elif (
        c.transport_contract_document_type == BillKind.HOUSE
        and not c.master_transport_contract_document_id.strip()
    ):
        add(
            "master_transport_contract_document_id",
            _("a house bill names the master bill it travels under"),
            "required",
        )
    if not c.consignor_name.strip():
        add("consignor_name", _("give the consignor's name"), "required")
    if not c.consignee_name.strip():
        add("consignee_name", _("give the consignee's name"), "required")
    msts: list[str] = []
    if c.consignee_id.strip():
        if mst_std.is_valid(c.consignee_id):
            msts.append(mst_std.compact(c.consignee_id))
        else:
            add(
                "consignee_id",
                _(
                    "'%(v)s' is not a valid tax code (MST): 10 digits with a correct check "
                    "digit, or 13 for a branch"
                )
                % {"v": c.consignee_id},
                "invalid-mst",
            )
    return msts


def _goods_problems(c: ConsignmentInput, add: _Add) -> None:
    """Each goods item, and the bill's totals against the items'."""
    if not c.goods_items:
        add("goods_items", _("a bill lists at least one goods item"), "required")
    for j, g in enumerate(c.goods_items):
        gat = f"goods_items[{j}]"
        if not g.description.strip():
            add(f"{gat}.description", _("describe the goods"), "required")
        if g.commodity_classification and not HS.fullmatch(g.commodity_classification):
            add(
                f"{gat}.commodity_classification",
                _("'%(v)s' is not an HS code (4 to 10 digits)") % {"v": g.commodity_classification},
            )
        if g.package_quantity <= 0:
            add(f"{gat}.package_quantity", _("the number of packages must be at least 1"))
        if g.gross_mass_measure <= 0:
            add(f"{gat}.gross_mass_measure", _("the gross mass must be more than 0 kg"))
    if c.goods_items and c.total_package_quantity > 0:
        items = sum(g.package_quantity for g in c.goods_items)
        if items != c.total_package_quantity:
            add(
                "total_package_quantity",
                _("the bill says %(total)s packages but its goods items add up to %(items)s")
                % {"total": c.total_package_quantity, "items": items},
                "totals-differ",
            )
    if c.goods_items and c.total_gross_mass_measure > 0:
        items_kg = sum((g.gross_mass_measure for g in c.goods_items), Decimal(0))
        if abs(items_kg - c.total_gross_mass_measure) > MASS_TOLERANCE:
            add(
                "total_gross_mass_measure",
                _("the bill says %(total)s kg but its goods items add up to %(items)s kg")
                % {"total": c.total_gross_mass_measure, "items": items_kg},
                "totals-differ",
            )


def _equipment_problems(c: ConsignmentInput, add: _Add) -> None:
    """The containers: valid ISO 6346 numbers, each once, with their seal numbers."""
    seen: set[str] = set()
    for k, eq in enumerate(c.transport_equipment):
        eat = f"transport_equipment[{k}]"
        number = iso6346.compact(eq.identification or "")
        if not iso6346.is_valid(number):
            add(
                f"{eat}.identification",
                _("'%(v)s' is not a valid ISO 6346 container number (e.g. CSQU3054383)")
                % {"v": eq.identification},
                "invalid-container",
            )
        elif number in seen:
            add(
                f"{eat}.identification",
                _("container %(v)s is listed twice on this bill") % {"v": number},
                "duplicate",
            )
        seen.add(number)
        for s, seal in enumerate(eq.seals):
            if not seal.strip() or len(seal) > 35:
                add(f"{eat}.seals[{s}]", _("a seal number has 1 to 35 characters"))


def cargo_report_validate(data: CargoReportInput, *, now: datetime) -> ResolvedReport:
    """The report's problems, all at once (raises `ValidationFailed`), or it resolved."""
    from haiquan.core.problems import ValidationFailed

    problems: list[FieldProblem] = []

    def add(field: str, text: str, code: str = "invalid") -> None:
        problems.append(FieldProblem(field, text, code))

    _conveyance_problems(data, add)
    office = _places_problems(data, add, now=now)
    if data.estimated_arrival is None:
        add("estimated_arrival", _("give the estimated time of arrival"), "required")
    if not data.consignments:
        add("consignments", _("a manifest lists at least one bill of lading"), "required")
    msts = _bills_problems(data, problems, add)
    if problems:
        raise ValidationFailed(problems)
    assert office is not None
    consignees = {e.mst: e for e in Enterprise.objects.filter(mst__in=msts)} if msts else {}
    return ResolvedReport(data=data, office=office, consignees=consignees)


def _conveyance_problems(data: CargoReportInput, add: _Add) -> None:
    """The mode of transport, the means (IMO number, flight or plate), direction and voyage."""
    mode = data.transport_mode_code
    if mode not in ManifestMode.values:
        add("transport_mode_code", _("choose one of: sea, air, road, rail"))
    means = data.transport_means_id.strip().upper()
    if not means:
        add(
            "transport_means_id",
            _("give the ship's IMO number, the flight or the plate"),
            "required",
        )
    elif mode == ManifestMode.SEA and not imo_number_is_valid(means):
        add(
            "transport_means_id",
            _("'%(v)s' is not a valid IMO ship number (7 digits, the last a check digit)")
            % {"v": data.transport_means_id},
            "invalid-imo",
        )
    elif mode == ManifestMode.AIR and not FLIGHT.fullmatch(means):
        add(
            "transport_means_id",
            _("'%(v)s' is not a flight number (airline code and up to 4 digits, e.g. VN0301)")
            % {"v": data.transport_means_id},
            "invalid-flight",
        )
    if data.direction not in VoyageDirection.values:
        add("direction", _("choose one of: arrival, departure"))
    if not data.conveyance_reference_number.strip():
        add("conveyance_reference_number", _("give the voyage or flight number"), "required")


def _places_problems(data: CargoReportInput, add: _Add, *, now: datetime) -> Office | None:
    """The port of loading and the office of arrival (answered, when it is one)."""
    ref = reference_current()
    locode = data.loading_location_id.strip().upper()
    if not LOCODE.fullmatch(locode) or ref.country(locode[:2]) is None:
        add(
            "loading_location_id",
            _("'%(v)s' is not a UN/LOCODE (country code and 3 letters, e.g. CNSHA)")
            % {"v": data.loading_location_id},
            "invalid-location",
        )
    elif data.direction == VoyageDirection.DEPARTURE and not locode.startswith("VN"):
        add(
            "loading_location_id",
            _("an export manifest's port of loading is in Vietnam (e.g. VNHPH), not %(v)s")
            % {"v": locode},
            "not-here",
        )
    office = ref.office(data.office_of_arrival.strip().upper())
    if office is None:
        add(
            "office_of_arrival",
            _("'%(v)s' is not a customs office code") % {"v": data.office_of_arrival},
            "unknown-office",
        )
    elif not office.is_active_on(now.date()):
        add("office_of_arrival", _("office %(v)s is not in operation") % {"v": office.code})
    return office


def _bills_problems(data: CargoReportInput, problems: list[FieldProblem], add: _Add) -> set[str]:
    """Each bill, and no bill twice; answers the consignees' tax codes."""
    numbers: set[str] = set()
    msts: set[str] = set()
    for i, c in enumerate(data.consignments):
        at = f"consignments[{i}]"
        msts.update(consignment_problems(c, at, problems))
        number = c.transport_contract_document_id.strip().upper()
        if number and number in numbers:
            add(
                f"{at}.transport_contract_document_id",
                _("bill %(v)s is listed twice on this manifest") % {"v": number},
                "duplicate",
            )
        numbers.add(number)
    return msts
