"""What a trader declares for one consignment: transport, terms of delivery, goods lines with
their quantities, prices, origins and preference claims, containers and documents. Pure
functions of a random generator and the trader's habits; nothing is written here."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from stdnum import iso6346

from . import fraud, timeline
from .catalogue import Catalogue, Goods
from .goods import COUNT_UNITS, GROUPS, price_level
from .population import Firm, weighted
from .profiles import GROUP_ORIGINS, LONG_DECLARATION_REGIMES
from .timeline import VN_TZ

ZERO = Decimal(0)
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
TENTH_MILLI = Decimal("0.0001")
# ISO 6346 owner codes of the lines calling at Vietnamese ports (the fourth letter, U, says
# "freight container").
CARRIERS = (
    "COSU",
    "MSCU",
    "MAEU",
    "CMAU",
    "OOLU",
    "EGHU",
    "HLXU",
    "ONEU",
    "YMLU",
    "TGHU",
    "TCLU",
    "SEGU",
    "GESU",
    "TRHU",
    "WHLU",
    "SITU",
)
RE_EXPORT_TYPES = frozenset({"G21", "B13"})


def _dec(value: float, q: Decimal) -> Decimal:
    return Decimal(repr(value)).quantize(q)


def transport_mode(rng: random.Random, office_kind: str, office_code: str, group: str) -> str:
    """Trucks across the land border (and boats on the Ka Long river at Móng Cái), ships at the
    ports, and from Bình Dương's depots mostly sea freight through the Saigon ports."""
    if office_kind == "border_gate":
        return "inland_waterway" if office_code == "20BD" and rng.random() < 0.12 else "road"
    if office_kind == "port":
        return "inland_waterway" if office_code == "20CG" and rng.random() < 0.5 else "sea"
    if group in ("components", "computers_phones") and rng.random() < 0.35:
        return "air"
    return "road" if rng.random() < 0.1 else "sea"


def terms(rng: random.Random, flow: str, mode: str, value: Decimal) -> tuple[str, Decimal, Decimal]:
    """Incoterm, and the freight and insurance the customs value must add (imports priced
    short of CIF) or deduct (exports priced beyond FOB)."""
    if flow == "import":
        if mode in ("road", "inland_waterway"):
            term = rng.choices(("DAP", "CIF", "FCA", "EXW"), weights=(0.6, 0.15, 0.15, 0.1))[0]
        elif mode == "air":
            term = rng.choices(("FCA", "CPT", "CIP"), weights=(0.5, 0.2, 0.3))[0]
        else:
            term = rng.choices(
                ("CIF", "CFR", "FOB", "EXW", "FCA"), weights=(0.45, 0.2, 0.25, 0.05, 0.05)
            )[0]
        add_freight = term in ("EXW", "FCA", "FAS", "FOB")
        add_insurance = add_freight or term in ("CFR", "CPT")
    else:
        if mode in ("road", "inland_waterway"):
            term = rng.choices(("DAP", "FCA", "EXW"), weights=(0.5, 0.3, 0.2))[0]
            return term, ZERO, ZERO
        term = rng.choices(("FOB", "CIF", "CFR", "FCA"), weights=(0.65, 0.15, 0.1, 0.1))[0]
        add_freight = term in ("CIF", "CFR")
        add_insurance = term == "CIF"
    share = (
        rng.uniform(0.01, 0.03) if mode in ("road", "inland_waterway") else rng.uniform(0.02, 0.06)
    )
    freight = (value * Decimal(repr(round(share, 4)))).quantize(CENT) if add_freight else ZERO
    insurance = (value * Decimal("0.0022")).quantize(CENT) if add_insurance else ZERO
    return term, freight, insurance


def line_count(rng: random.Random, firm: Firm, flow: str, group: str) -> int:
    """1 to 8 lines mostly; bulk goods one or two; materials shipments sometimes up to 30."""
    if GROUPS[group].bulk:
        return 1 if rng.random() < 0.85 else 2
    long_share = 0.12 if firm.regime in LONG_DECLARATION_REGIMES and flow == "import" else 0.04
    if rng.random() < long_share:
        return rng.randint(9, 30)
    return rng.choices(range(1, 9), weights=(34, 20, 13, 9, 7, 5, 4, 3))[0]


@dataclass(frozen=True)
class Setting:
    """Where a declaration's lines are drawn from."""

    firm: Firm
    flow: str
    group: str
    country: str  # the partner's
    type_code: str
    treatment: str
    day: date
    usd_rate: Decimal  # VND per USD
    rate: Decimal  # VND per unit of the invoice currency


def goods_lines(
    rng: random.Random, s: Setting, catalogue: Catalogue, claim: ClaimFinder
) -> list[fraud.Line]:
    """The goods lines as they truly are: the trader's usual goods at the prices of the year,
    quantities that share one consignment, origins, and FTA claims where they pay off."""
    n = line_count(rng, s.firm, s.flow, s.group)
    others = [g for g in s.firm.groups[s.flow] if g != s.group]
    fx = float(s.usd_rate) / float(s.rate)
    out: list[fraud.Line] = []
    seen: Counter = Counter()
    for _line in range(n):
        group = s.group if not others or rng.random() < 0.85 else rng.choice(others)
        goods = rng.choice(s.firm.assortment[group])
        if not goods.line.in_force_on(s.day):
            live = [x for x in catalogue.by_group[group] if x.line.in_force_on(s.day)]
            if not live:
                continue
            goods = rng.choice(live)
        bulk = GROUPS[group].bulk
        usd = (
            goods.price_usd
            * price_level(s.day.year, bulk)
            * s.firm.price_factor
            * rng.lognormvariate(0, 0.12)
        )
        unit_price = max(_dec(usd * fx, TENTH_MILLI), TENTH_MILLI)
        # A consignment is a truck, a few containers or a hold: its lines share it.
        qty = goods.qty_median * rng.lognormvariate(0, 0.5 if bulk else 0.7) / n**0.85
        if goods.unit in COUNT_UNITS:
            quantity = Decimal(max(1, round(qty)))
        elif qty >= 100:
            quantity = Decimal(round(qty))
        else:
            quantity = _dec(max(qty, 0.001), MILLI)
        origin = _origin(rng, s, group)
        preference, co_no, co_day = "", "", None
        if s.flow == "import" and s.treatment == "dutiable" and origin != "VN":
            found = claim(origin, goods, s.day)
            border_cn = origin == "CN" and s.firm.segment.trade in ("border", "farm")
            if found and rng.random() < (0.6 if border_cn else 0.8):
                preference = found[0]
                co_day = s.day - timedelta(days=rng.randint(2, 45))
                co_no = fraud.co_number(rng, found[1], origin, co_day)
        seen[goods.code] += 1
        description = goods.description + (", hàng mới 100%" if GROUPS[group].new_goods else "")
        if seen[goods.code] > 1:
            description += f", loại {seen[goods.code]}"
        out.append(
            fraud.Line(
                code=goods.code,
                description=description,
                origin=origin,
                quantity=quantity,
                unit=goods.unit,
                unit_price=unit_price,
                value=fraud.line_value(quantity, unit_price),
                preference=preference,
                co_number=co_no,
                co_date=co_day,
            )
        )
    return [ln for ln in out if ln.value > 0]


class ClaimFinder:
    """The FTA a trader claims for goods of an origin: the one with the lowest special rate
    granted to that origin's goods on the day (its schedule, less exclusions), if it is below
    the MFN (or ordinary) rate; else none."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.tariff = catalogue.tariff
        self._options: dict[tuple[str, str], tuple[str, ...]] = {}

    def __call__(self, origin: str, goods: Goods, day: date) -> tuple[str, str] | None:
        key = (origin, goods.code)
        options = self._options.get(key)
        line = goods.line
        if options is None:
            options = tuple(
                sorted(
                    {
                        code
                        for code, _schedule in line.prefs
                        if (a := self.tariff.agreement(code)) is not None and origin in a.parties
                    }
                )
            )
            self._options[key] = options
        if not options:
            return None
        period = line.rate_on(day)
        if period is None:
            return None
        base = period.mfn_rate if self.tariff.has_mfn(origin) else period.ordinary_rate
        # The lowest rate; between equal rates the agreement with the fewest parties (ATIGA
        # for goods from Thailand, VKFTA for Korea's), as traders use the one they know.
        best: tuple[Decimal, int, str] | None = None
        for code in options:
            rate = self.tariff.preference_for(line, code, origin, day)
            if rate is not None and (base is None or rate < base):
                agreement = self.tariff.agreement(code)
                candidate = (rate, len(agreement.parties) if agreement else 0, code)
                if best is None or candidate < best:
                    best = candidate
        if best is None:
            return None
        agreement = self.tariff.agreement(best[2])
        return (best[2], agreement.co_form) if agreement is not None else None


def _origin(rng: random.Random, s: Setting, group: str) -> str:
    if s.flow == "export" and s.type_code not in RE_EXPORT_TYPES:
        return "VN"
    if s.flow == "export":  # re-exports keep their foreign origin
        return weighted(rng, s.firm.segment.import_partners)
    if rng.random() < 0.08:  # goods bought from a partner that did not make them
        return weighted(rng, GROUP_ORIGINS.get(group, s.firm.segment.import_partners))
    return s.country


def container_number(rng: random.Random) -> str:
    body = f"{rng.choice(CARRIERS)}{rng.randint(0, 999_999):06d}"
    return body + iso6346.calc_check_digit(body)


def containers(
    rng: random.Random, mode: str, group: str, lines: list[fraud.Line], catalogue: Catalogue
) -> tuple[tuple[str, str], ...]:
    """Containers with their seals, about one per 18 tonnes; none for bulk cargo, barges, air
    freight or the open trucks that cross the land border."""
    if GROUPS[group].bulk or mode not in ("sea", "road"):
        return ()
    if mode == "road" and rng.random() < 0.5:
        return ()
    kg = sum(float(ln.quantity) * catalogue.by_code[ln.code].kg_per_unit for ln in lines)
    n = min(12, max(1, round(kg / 18_000 + 0.4)))
    numbers = sorted({container_number(rng) for _ in range(n)})
    return tuple(
        (c, f"{rng.choice(('VN', 'HL', 'ML', 'CN'))}{rng.randint(1_000_000, 9_999_999)}")
        for c in numbers
    )


def transport_document(rng: random.Random, mode: str, day: date) -> str:
    """Bill of lading, air waybill or road consignment note number."""
    if mode in ("sea", "inland_waterway"):
        return f"{rng.choice(CARRIERS)[:3]}{rng.choice('SNHC')}{rng.randint(10**9, 10**10 - 1)}"
    if mode == "air":
        return f"{rng.randint(100, 999)}-{rng.randint(10**7, 10**8 - 1)}"
    if mode == "road":
        return f"VD{day:%y%m}{rng.randint(10**5, 10**6 - 1)}"
    return ""


# A vessel calls at an office of arrival every 12 hours, a flight lands every 3 hours (UTC grid).
CALL_SECONDS = {"sea": 12 * 3600, "air": 3 * 3600}


def arrival(
    rng: random.Random, flow: str, mode: str, lodged_at: datetime, registered_at: datetime
) -> tuple[datetime | None, date]:
    """(when an import arrived, if reported; the declared arrival or departure date)."""
    if flow == "import":
        before = timeline.arrival_before_lodging(rng, mode)
        arrived = lodged_at - timedelta(seconds=round(before)) if before else None
        if arrived is not None and mode in CALL_SECONDS:
            # Ships and aircraft arrive on calls, each carrying many consignments: the arrival
            # is the call's (the manifest's actual arrival, `manifests/demo.py`).
            arrived -= timedelta(seconds=int(arrived.timestamp()) % CALL_SECONDS[mode])
        return arrived, (arrived or registered_at).astimezone(VN_TZ).date()
    departs = registered_at + timedelta(hours=rng.uniform(2, 48))
    return None, departs.astimezone(VN_TZ).date()
