"""Reading a UN/EDIFACT CUSCAR (customs cargo report) file into a cargo report, with pydifact.

The subset read is what shipping lines send for an arrival (directory D:95B and later):

    UNB ... UNH+<ref>+CUSCAR:D:95B:UN
    BGM+85+<manifest reference>+9            85 = customs cargo manifest
    DTM+132:<CCYYMMDDHHMM>:203               estimated arrival
    TDT+20+<voyage>+<mode>++<carrier>+++<IMO or flight>:146:11:<vessel name>
    LOC+5+<UN/LOCODE>                        port of loading
    LOC+60+<office code>                     customs office of arrival
    then for each bill (consignment):
    CNI+<seq>+<bill number>
    RFF+MB:<master bill>                     a house bill's master (RFF+BM: a master bill itself)
    NAD+CZ+++<consignor>+<address>           consignor
    NAD+CN+<tax code>:160:VN++<consignee>    consignee (the tax code when known)
    NAD+N1+++<notify party>                  notify party
    CNT+7:<kg>:KGM  CNT+11:<packages>        bill totals: gross mass, packages
    GID+<seq>+<packages>:<kind>              a goods item
      FTX+AAA+++<description>
      PIA+5+<HS code>:HS
      MEA+AAE+G+KGM:<kg>
    EQD+CN+<container>  SEL+<seal>           containers of the bill and their seals
    UNT ... UNZ

Every problem names its place: the segment's position in the file (1-based, counting UNA when
present), its tag and the element (and component) within it, as EDIFACT syntax reports do.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser

from haiquan.core.problems import FieldProblem, ValidationFailed

from .inputs import (
    CargoReportInput,
    ConsignmentInput,
    GoodsItemInput,
    TransportEquipmentInput,
)

# UN/ECE Rec. 19 codes of TDT's mode of transport → ours.
MODES = {"1": "sea", "4": "air", "3": "road", "2": "rail"}
MAX_BYTES = 20 * 1024 * 1024
TAG = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Place:
    position: int
    tag: str
    element: int  # 1-based, after the tag
    component: int = 0  # 1-based; 0 when the element is simple

    def name(self) -> str:
        at = f"{self.tag}+{self.element:02d}"
        if self.component:
            at += f":{self.component}"
        return f"segment {self.position} ({at})"


def _el(elements: list[Any], i: int, c: int = 0) -> str:
    """Element i (1-based), component c (1-based; 0: the whole simple element)."""
    if i > len(elements):
        return ""
    value = elements[i - 1]
    if isinstance(value, list):
        if c == 0:
            c = 1
        return str(value[c - 1]) if c <= len(value) else ""
    return str(value) if c in (0, 1) else ""


@dataclass
class _Bill:
    place: int
    number: str = ""
    kind: str = "simple"
    master: str = ""
    consignor: str = ""
    consignor_address: str = ""
    consignee: str = ""
    consignee_id: str = ""
    notify: str = ""
    packages: int = 0
    mass: Decimal = Decimal(0)
    goods: list[dict[str, Any]] = field(default_factory=list)
    equipment: list[dict[str, Any]] = field(default_factory=list)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []
        # JSON path of a field → where it was read, to place validation problems in the file
        self.places: dict[str, Place] = {}
        self.header: dict[str, Any] = {}
        self.bills: list[_Bill] = []

    def problem(self, place: Place, text: str, code: str = "invalid") -> None:
        self.problems.append(FieldProblem(place.name(), text, code))

    def read_int(self, place: Place, raw: str) -> int:
        if not raw.isdigit():
            self.problem(place, _("'%(v)s' is not a whole number") % {"v": raw}, "not-a-number")
            return 0
        return int(raw)

    def read_decimal(self, place: Place, raw: str) -> Decimal:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.problem(place, _("'%(v)s' is not a number") % {"v": raw}, "not-a-number")
            return Decimal(0)
        return value

    def read_time(self, place: Place, raw: str, fmt: str) -> datetime | None:
        pattern = {"203": "%Y%m%d%H%M", "102": "%Y%m%d"}.get(fmt)
        if pattern is None:
            self.problem(
                place, _("date format '%(v)s' is not one of 203, 102") % {"v": fmt}, "format"
            )
            return None
        try:
            return datetime.strptime(raw, pattern).replace(tzinfo=UTC)
        except ValueError:
            self.problem(place, _("'%(v)s' is not a date in format %(f)s") % {"v": raw, "f": fmt})
            return None

    def segment(self, pos: int, tag: str, el: list[Any]) -> None:
        bill = self.bills[-1] if self.bills else None

        def p(element: int, component: int = 0) -> Place:
            return Place(pos, tag, element, component)

        if tag == "UNH":
            if _el(el, 2, 1) != "CUSCAR":
                self.problem(
                    p(2, 1),
                    _("the message is %(v)s, not CUSCAR") % {"v": _el(el, 2, 1) or "?"},
                    "not-cuscar",
                )
        elif tag == "BGM":
            self.header["reference"] = _el(el, 2)
        elif tag == "DTM" and _el(el, 1, 1) == "132" and bill is None:
            self.places["estimated_arrival"] = p(1, 2)
            self.header["estimated_arrival"] = self.read_time(p(1, 2), _el(el, 1, 2), _el(el, 1, 3))
        elif tag == "TDT":
            self.places["conveyance_reference_number"] = p(2)
            self.places["transport_mode_code"] = p(3)
            self.places["transport_means_id"] = p(8, 1)
            self.header["conveyance"] = _el(el, 2)
            mode = _el(el, 3)
            self.header["mode"] = MODES.get(mode, mode)
            self.header["means"] = _el(el, 8, 1)
            self.header["means_name"] = _el(el, 8, 4)
        elif tag == "LOC" and _el(el, 1) == "5":
            self.places["loading_location_id"] = p(2, 1)
            self.header["loading"] = _el(el, 2, 1)
        elif tag == "LOC" and _el(el, 1) == "60":
            self.places["office_of_arrival"] = p(2, 1)
            self.header["office"] = _el(el, 2, 1)
        elif tag == "CNI":
            self.bills.append(_Bill(place=pos, number=_el(el, 2)))
            i = len(self.bills) - 1
            self.places[f"consignments[{i}]"] = p(2)
            self.places[f"consignments[{i}].transport_contract_document_id"] = p(2)
            self.places[f"consignments[{i}].goods_items"] = p(2)
        elif bill is None and tag in {
            "RFF",
            "NAD",
            "CNT",
            "GID",
            "FTX",
            "PIA",
            "MEA",
            "EQD",
            "SEL",
        }:
            self.problem(p(1), _("%(tag)s before the first bill (CNI)") % {"tag": tag}, "order")
        elif bill is not None:
            self.bill_segment(bill, len(self.bills) - 1, tag, el, p)

    def bill_segment(
        self, bill: _Bill, i: int, tag: str, el: list[Any], p: Callable[..., Place]
    ) -> None:
        at = f"consignments[{i}]"
        if tag == "RFF" and _el(el, 1, 1) == "MB":
            bill.kind, bill.master = "house", _el(el, 1, 2)
            self.places[f"{at}.master_transport_contract_document_id"] = p(1, 2)
        elif tag == "RFF" and _el(el, 1, 1) == "BM":
            bill.kind = "master"
        elif tag == "NAD":
            role = _el(el, 1)
            if role == "CZ":
                bill.consignor, bill.consignor_address = _el(el, 4), _el(el, 5)
                self.places[f"{at}.consignor_name"] = p(4)
            elif role == "CN":
                bill.consignee, bill.consignee_id = _el(el, 4), _el(el, 2, 1)
                self.places[f"{at}.consignee_name"] = p(4)
                self.places[f"{at}.consignee_id"] = p(2, 1)
            elif role == "N1":
                bill.notify = _el(el, 4)
        elif tag == "CNT" and _el(el, 1, 1) == "7":
            self.places[f"{at}.total_gross_mass_measure"] = p(1, 2)
            bill.mass = self.read_decimal(p(1, 2), _el(el, 1, 2))
        elif tag == "CNT" and _el(el, 1, 1) == "11":
            self.places[f"{at}.total_package_quantity"] = p(1, 2)
            bill.packages = self.read_int(p(1, 2), _el(el, 1, 2))
        elif tag == "GID":
            j = len(bill.goods)
            self.places[f"{at}.goods_items[{j}].package_quantity"] = p(2, 1)
            self.places[f"{at}.goods_items[{j}].description"] = p(1)
            self.places[f"{at}.goods_items[{j}].gross_mass_measure"] = p(1)
            bill.goods.append(
                {
                    "packages": self.read_int(p(2, 1), _el(el, 2, 1)),
                    "kind": _el(el, 2, 2),
                    "description": "",
                    "hs": "",
                    "mass": Decimal(0),
                }
            )
        elif tag in {"FTX", "PIA", "MEA"} and bill.goods:
            j = len(bill.goods) - 1
            item = bill.goods[-1]
            if tag == "FTX":
                item["description"] = " ".join(
                    _el(el, 4, c) for c in range(1, 6) if _el(el, 4, c)
                ).strip()
                self.places[f"{at}.goods_items[{j}].description"] = p(4, 1)
            elif tag == "PIA":
                item["hs"] = _el(el, 2, 1)
                self.places[f"{at}.goods_items[{j}].commodity_classification"] = p(2, 1)
            elif _el(el, 2) == "G":
                item["mass"] = self.read_decimal(p(3, 2), _el(el, 3, 2))
                self.places[f"{at}.goods_items[{j}].gross_mass_measure"] = p(3, 2)
        elif tag == "EQD":
            k = len(bill.equipment)
            self.places[f"{at}.transport_equipment[{k}].identification"] = p(2, 1)
            bill.equipment.append({"number": _el(el, 2, 1), "seals": []})
        elif tag == "SEL" and bill.equipment:
            k = len(bill.equipment) - 1
            s = len(bill.equipment[-1]["seals"])
            self.places[f"{at}.transport_equipment[{k}].seals[{s}]"] = p(1)
            bill.equipment[-1]["seals"].append(_el(el, 1))
        elif tag in {"FTX", "PIA", "MEA", "SEL"}:
            self.problem(
                p(1),
                _("%(tag)s must follow the goods item (GID) or container (EQD) it describes")
                % {"tag": tag},
                "order",
            )

    def report(self) -> CargoReportInput:
        h = self.header
        return CargoReportInput(
            transport_mode_code=h.get("mode", ""),
            transport_means_id=h.get("means", ""),
            transport_means_name=h.get("means_name", ""),
            conveyance_reference_number=h.get("conveyance", ""),
            loading_location_id=h.get("loading", ""),
            office_of_arrival=h.get("office", ""),
            estimated_arrival=h.get("estimated_arrival"),
            reference=h.get("reference", ""),
            consignments=tuple(
                ConsignmentInput(
                    transport_contract_document_id=b.number,
                    transport_contract_document_type=b.kind,
                    master_transport_contract_document_id=b.master,
                    consignor_name=b.consignor,
                    consignor_address=b.consignor_address,
                    consignee_name=b.consignee,
                    consignee_id=b.consignee_id,
                    notify_party_name=b.notify,
                    total_package_quantity=b.packages,
                    total_gross_mass_measure=b.mass,
                    goods_items=tuple(
                        GoodsItemInput(
                            description=g["description"],
                            package_quantity=g["packages"],
                            package_type_code=g["kind"],
                            commodity_classification=g["hs"],
                            gross_mass_measure=g["mass"],
                        )
                        for g in b.goods
                    ),
                    transport_equipment=tuple(
                        TransportEquipmentInput(identification=e["number"], seals=tuple(e["seals"]))
                        for e in b.equipment
                    ),
                )
                for b in self.bills
            ),
        )

    def place_of(self, field_path: str) -> str:
        """The file's place of a validation problem's field (the nearest known one)."""
        path = field_path
        while path:
            if path in self.places:
                return self.places[path].name()
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return _("message header (BGM, DTM, TDT, LOC)")


def cuscar_read(text: str) -> tuple[CargoReportInput, _Reader]:
    """Parse a CUSCAR interchange; raise `ValidationFailed` with the problems by segment."""
    reader = _Reader()
    position = 0
    segments = 0
    opened = 0
    try:
        with warnings.catch_warnings():
            # pydifact warns that it has no directory files for validation: we check ourselves.
            warnings.simplefilter("ignore")
            for segment in Parser().parse(text):
                position += 1
                if segment.tag == "UNA":
                    continue
                segments += 1
                tag = str(segment.tag)
                if not TAG.fullmatch(tag):
                    reader.problems.append(
                        FieldProblem(
                            _("segment %(n)s") % {"n": position},
                            _("'%(v)s' is not a segment tag (3 capital letters)") % {"v": tag},
                            "syntax",
                        )
                    )
                    continue
                if tag == "UNH":
                    opened = position
                elif tag == "UNT":
                    declared = _el(list(segment.elements), 1)
                    counted = position - opened + 1 if opened else 0
                    if declared != str(counted):
                        reader.problems.append(
                            FieldProblem(
                                Place(position, "UNT", 1).name(),
                                _(
                                    "the message says it has %(v)s segments but has %(n)s: "
                                    "it was cut or joined"
                                )
                                % {"v": declared or "?", "n": counted},
                                "segment-count",
                            )
                        )
                reader.segment(position, tag, list(segment.elements))
    except EDISyntaxError as exc:
        reader.problems.append(
            FieldProblem(
                _("segment %(n)s") % {"n": position + 1},
                _("not a well-formed EDIFACT segment (%(why)s)") % {"why": str(exc)},
                "syntax",
            )
        )
    if not reader.problems and segments == 0:
        reader.problems.append(
            FieldProblem(_("file"), _("the file holds no EDIFACT segments"), "empty")
        )
    if not reader.problems and not reader.bills:
        reader.problems.append(
            FieldProblem(_("file"), _("the manifest lists no bill of lading (CNI)"), "required")
        )
    if reader.problems:
        raise ValidationFailed(reader.problems)
    return reader.report(), reader


def problems_placed(exc: ValidationFailed, reader: _Reader) -> ValidationFailed:
    """The cargo report's validation problems, placed in the file."""
    return ValidationFailed(
        [FieldProblem(reader.place_of(e.field), e.problem, e.code) for e in exc.errors]
    )
