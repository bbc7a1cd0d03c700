"""Two public-format declaration histories built from haiquan's demo generator, to test the
learned score on data it was not written for (`haiquan risk datasets --out DIR`).

Both take the demo generator's traders (`demo.population`: segments, compliance ranks, the
goods each trades), its goods and prices (`demo.catalogue`, `demo.consignment.goods_lines`:
the tariff's own lines, quantities and prices of the year) and its calendar
(`demo.volumes`: days, seasons, Tết), and differ from haiquan's own export — and from each
other — in schema, header style and how violations happen:

* `sellers` (one row per declaration, dotted upper-case headers as in the customs datasets
  of the literature: `SGD.DATE`, `IMPORTER.TIN`, `TARIFF.CODE`, `CIF.VALUE`, `ILLICIT`...):
  undervaluation arranged by some foreign sellers, whatever the importer; importers of low
  compliance sometimes undervalue on their own; some consignments are filed again identical
  (same goods, price and mass), with the first one's outcome.
* `importers` (spaced title-case headers with units, `Importer ID` as plain numbers,
  `HS6 Code`, `Net Mass (kg)`, `Fraud Found` yes/no...): misclassification by some importers
  (goods declared under a cheaper HS subheading of the same chapter), and origin switching by
  some sellers (Chinese goods declared as from an ASEAN country to claim a preference).

New importers keep arriving, so the later months hold parties and goods never seen before.
Each has a `rules` column (2 red, 1 yellow, 0 green) from fixed risk profiles that know the
usual suspects (high-duty chapters from China, first filings, large values, a random draw)
but not the planted mechanisms. Split by time: `train.csv` the first months, `test.csv` the
rest. Deterministic for a seed.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from haiquan.demo import consignment, names, volumes
from haiquan.demo.catalogue import Catalogue, Goods
from haiquan.demo.population import Firm, MstFactory, _assign_ranks, _firm_traits, weighted
from haiquan.demo.profiles import DEPARTMENTS, GROUP_ORIGINS, SEGMENTS
from haiquan.demo.timeline import VN_TZ

USD = Decimal(25_000)
VAT = 0.1
ASEAN = {"TH": 0.4, "MY": 0.3, "ID": 0.2, "PH": 0.1}
HIGH_RISK_CHAPTERS = frozenset({"22", "24", "33", "61", "62", "64", "85", "87", "95"})
BORDER = frozenset({"20BD", "20BC", "20BI"})


@dataclass
class Dataset:
    name: str
    months: int
    train_months: int
    description: str


DATASETS = (
    Dataset(
        "sellers",
        18,
        14,
        "undervaluation by some foreign sellers; low-compliance importers; identical refilings",
    ),
    Dataset(
        "importers",
        16,
        12,
        "misclassification by some importers; origin switching by some sellers",
    ),
)


@dataclass
class Trader:
    firm: Firm
    entry: date
    ident: int  # a plain number (the `importers` dataset's Importer ID)
    sellers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # group → sellers
    misclassifies: bool = False
    declarant: str = ""


def _world(
    rng: random.Random, catalogue: Catalogue, n_firms: int, start: date, days: int
) -> tuple[list[Trader], dict[tuple[str, str], list[str]]]:
    """Importers from the demo's segments (a third of them arriving during the period), each
    buying from sellers shared with other importers."""
    segments = [s for s in SEGMENTS if s.import_groups and s.flows.get("export", 0) < 1]
    factory = MstFactory(rng, set())
    by_segment: dict[str, list[Firm]] = defaultdict(list)
    firms: list[Firm] = []
    while len(firms) < n_firms:
        seg = rng.choices(segments, weights=[s.count for s in segments])[0]
        firm = _firm_traits(
            rng, seg, catalogue, len(firms), factory, DEPARTMENTS[seg.department].province
        )
        if firm is None or "import" not in firm.groups:
            continue
        firms.append(firm)
        by_segment[seg.key].append(firm)
    for seg_key, members in by_segment.items():
        seg = next(s for s in SEGMENTS if s.key == seg_key)
        _assign_ranks(rng, members, seg.ranks, start)
    pool: dict[tuple[str, str], list[str]] = {}
    traders = []
    for i, firm in enumerate(firms):
        entry = start if rng.random() < 0.65 else start + timedelta(days=rng.randrange(days))
        t = Trader(firm=firm, entry=entry, ident=rng.randint(1, 99_999) * 10 + i % 10)
        for group in firm.groups["import"]:
            origins = GROUP_ORIGINS.get(group, firm.segment.import_partners)
            chosen = []
            for _k in range(rng.choice((1, 2, 2, 3))):
                country = weighted(rng, origins)
                key = (group, country)
                if key not in pool:
                    pool[key] = [
                        names.partner_company(rng, country) for _n in range(rng.randint(3, 9))
                    ]
                chosen.append((country, rng.choice(pool[key])))
            t.sellers[group] = chosen
        t.declarant = f"{rng.randint(0, 999_999):06d}"
        if rng.random() < firm.segment.broker_share:
            firm.broker_index = rng.randrange(6)
        traders.append(t)
    return traders, pool


def _preference_rate(goods: Goods, country: str, catalogue: Catalogue) -> float | None:
    best = None
    for code, rate in goods.line.preferential.items():
        agreement = catalogue.tariff.agreement(code)
        if agreement is not None and country in agreement.parties:
            best = float(rate) if best is None else min(best, float(rate))
    return best


def _period(months: int) -> tuple[date, int]:
    """The first day of the `months` whole months before 1 October 2026, and their days."""
    end = date(2026, 10, 1)
    start = end
    for _m in range(months):
        start = (start - timedelta(days=1)).replace(day=1)
    return start, (end - start).days


def _plant_cheats(
    rng: random.Random, kind: str, sellers: list[str], traders: list[Any]
) -> set[str]:
    """The sellers that cheat; for the importers' dataset also which traders misclassify
    (more of them among the badly ranked)."""
    if kind == "sellers":
        return set(rng.sample(sellers, max(3, len(sellers) // 10)))
    cheats = set(rng.sample(sellers, max(3, len(sellers) // 6)))
    for t in traders:
        share = {"low": 0.5, "non_compliant": 0.6, "unranked": 0.25}.get(t.firm.rank, 0.08)
        t.misclassifies = rng.random() < share
    return cheats


def _violation(
    rng: random.Random,
    kind: str,
    t: Any,
    seller: str,
    cheats: set[str],
    main: Any,
    goods: Goods,
    catalogue: Catalogue,
    day: date,
    price: float,
    qty: float,
    rate: float,
    origin: str,
    claimed: bool,
    caught: float,
) -> tuple[str, float, str, bool, float, int, float]:
    """The planted violation of one consignment, if any (undervaluation by a seller's
    price; misclassification or a false origin by an importer), and whether the check
    caught it: (hs code, rate, origin, preference claimed, declared price, fraud, revenue)."""
    firm = t.firm
    code = main.code
    declared_price = price
    fraud, revenue = 0, 0.0
    if kind == "sellers":
        cut = 0.0
        if seller in cheats and rng.random() < 0.6:
            cut = rng.uniform(0.2, 0.5)
        elif rng.random() < firm.fraud_propensity * 0.25:
            cut = rng.uniform(0.15, 0.4)
        if cut:
            declared_price = price * (1 - cut)
            if rng.random() < caught:
                fraud = 1
                revenue = qty * (price - declared_price) * (rate / 100 + VAT)
    else:
        cheaper = [
            g
            for g in catalogue.cheaper.get(code, [])
            if g.code[:6] != code[:6] and g.line.in_force_on(day)
        ]
        if t.misclassifies and cheaper and rng.random() < 0.7:
            target = rng.choice(cheaper)
            true_rate = rate
            code = target.code
            rate = float(target.line.mfn_rate)
            if true_rate > rate:
                if rng.random() < caught:
                    fraud = 1
                    revenue = qty * price * (true_rate - rate) / 100
            else:
                code = main.code
                rate = true_rate
        elif seller in cheats and origin == "CN" and rng.random() < 0.8:
            fake = weighted(rng, ASEAN)
            fake_rate = _preference_rate(goods, fake, catalogue)
            if fake_rate is not None and fake_rate < rate:
                if rng.random() < caught:
                    revenue = qty * price * (rate - fake_rate) / 100
                    fraud = 1
                origin, rate, claimed = fake, fake_rate, True
    return code, rate, origin, claimed, declared_price, fraud, revenue


def _repeat(
    rng: random.Random, earlier: list[dict[str, Any]], at: datetime, office: str
) -> dict[str, Any]:
    """The same consignment filed again: same goods, price and mass, same outcome."""
    row = dict(rng.choice(earlier[-30:]))
    row["at"] = at
    row["office"] = office
    row["repeat"] = True
    return row


def _consignment_lines(
    rng: random.Random, t: Any, day: date, catalogue: Catalogue, claims: Any
) -> tuple[str, list[Any]]:
    """One import consignment of the trader's: its seller and its goods lines (none, at
    times)."""
    firm = t.firm
    group = weighted(rng, firm.groups["import"])
    country, seller = rng.choice(t.sellers[group])
    setting = consignment.Setting(
        firm=firm,
        flow="import",
        group=group,
        country=country,
        type_code="A11",
        treatment="dutiable",
        day=day,
        usd_rate=USD,
        rate=USD,
    )
    lines = consignment.goods_lines(rng, setting, catalogue, claims)
    return seller, lines


def _rows(
    kind: str, seed: int, rows: int, months: int, catalogue: Catalogue
) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}:{kind}")
    start, days = _period(months)
    traders, pool = _world(rng, catalogue, max(300, rows // 60), start, days)
    sellers = sorted({s for group in pool.values() for s in group})
    cheats = _plant_cheats(rng, kind, sellers, traders)
    # Sellers sell at their own price level (brands, qualities), so a low price alone proves
    # little; and checks miss some violations (the label is what a check found).
    level = {name: rng.lognormvariate(0, 0.35) for name in sellers}
    caught = 0.85
    claims = consignment.ClaimFinder(catalogue)
    weights = [volumes.day_weight(start + timedelta(days=d)) for d in range(days)]
    per_day = rows / sum(weights)
    history: dict[int, list[dict[str, Any]]] = defaultdict(list)
    out: list[dict[str, Any]] = []
    for d in range(days):
        day = start + timedelta(days=d)
        present = [t for t in traders if t.entry <= day]
        if not present:
            continue
        n = volumes.poisson(rng, per_day * weights[d])
        chosen = rng.choices(present, weights=[t.firm.size for t in present], k=n)
        for t in chosen:
            firm = t.firm
            office = weighted(rng, firm.offices)
            hour = volumes.hour_of_day(rng, office in BORDER)
            at = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=VN_TZ)
            earlier = history[firm.index]
            if kind == "sellers" and earlier and rng.random() < 0.08:
                out.append(_repeat(rng, earlier, at, office))
                continue
            seller, lines = _consignment_lines(rng, t, day, catalogue, claims)
            if not lines:
                continue
            main = max(lines, key=lambda ln: ln.value)
            goods = catalogue.by_code[main.code]
            qty = float(main.quantity)
            price = float(main.unit_price) * level[seller]
            mass = qty * goods.kg_per_unit * rng.lognormvariate(0, 0.08)
            origin = main.origin
            mfn = float(goods.line.mfn_rate)
            pref = _preference_rate(goods, origin, catalogue)
            claimed = bool(main.preference) and pref is not None
            rate = pref if claimed and pref is not None else mfn
            code, rate, origin, claimed, declared_price, fraud, revenue = _violation(
                rng, kind, t, seller, cheats, main, goods, catalogue, day, price, qty, rate,
                origin, claimed, caught,
            )  # fmt: skip
            value = qty * declared_price
            row = {
                "at": at,
                "importer": firm.mst,
                "ident": t.ident,
                "declarant": t.declarant,
                "broker": f"B{firm.broker_index:02d}" if firm.broker_index is not None else "",
                "seller": seller,
                "office": office,
                "transport": "road" if office in BORDER else rng.choice(("sea", "sea", "air")),
                "hs": code,
                "origin": origin,
                "quantity": qty,
                "unit": goods.unit,
                "mass": mass,
                "fob": value,
                "cif": value * (1.0 if office in BORDER else rng.uniform(1.02, 1.08)),
                "rate": rate,
                "preference": claimed,
                "lines": len(lines),
                "fraud": fraud,
                "revenue": round(revenue, 2),
                "first": not earlier,
                "repeat": False,
            }
            earlier.append(row)
            out.append(row)
    out.sort(key=lambda r: r["at"])
    _rank_by_rules(out, seed, kind)
    return out


def _rank_by_rules(out: list[dict[str, Any]], seed: int, kind: str) -> None:
    """The rules: fixed profiles that know the usual suspects, not the planted mechanisms."""
    cif = sorted(r["cif"] for r in out)
    large = cif[int(len(cif) * 0.97)] if cif else math.inf
    draw = random.Random(f"{seed}:{kind}:rules")
    for r in out:
        red = (r["hs"][:2] in HIGH_RISK_CHAPTERS and r["origin"] == "CN") or draw.random() < 0.01
        yellow = r["first"] or r["cif"] >= large or r["preference"]
        r["rules"] = 2 if red else 1 if yellow else 0


def _sellers_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "SGD.NUM": [f"10{i:010d}" for i in range(1, len(rows) + 1)],
            "SGD.DATE": [r["at"].astimezone(UTC).strftime("%Y-%m-%d") for r in rows],
            "IMPORTER.TIN": [r["importer"] for r in rows],
            "DECLARANT.CODE": [r["declarant"] for r in rows],
            "EXPORTER.NAME": [r["seller"] for r in rows],
            "OFFICE.CODE": [r["office"] for r in rows],
            "TARIFF.CODE": [r["hs"] for r in rows],
            "ORIGIN.CODE": [r["origin"] for r in rows],
            "ITEM.COUNT": [r["lines"] for r in rows],
            "QUANTITY": [f"{r['quantity']:g}" for r in rows],
            "GROSS.WEIGHT": [f"{r['mass']:.1f}" for r in rows],
            "FOB.VALUE": [f"{r['fob']:.2f}" for r in rows],
            "CIF.VALUE": [f"{r['cif']:.2f}" for r in rows],
            "TOTAL.TAXES": [f"{r['cif'] * (r['rate'] / 100 + VAT):.2f}" for r in rows],
            "RISK.CHANNEL": [r["rules"] for r in rows],
            "ILLICIT": [r["fraud"] for r in rows],
            "RAISED.TAX.AMOUNT": [f"{r['revenue']:.2f}" for r in rows],
        }
    )


def _importers_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    ports = sorted({r["office"] for r in rows})
    return pd.DataFrame(
        {
            "Declaration Date": [r["at"].strftime("%d %b %Y %H:%M") for r in rows],
            "Importer ID": [r["ident"] for r in rows],
            "Consignor": [r["seller"] for r in rows],
            "Customs Broker": [r["broker"] for r in rows],
            "HS6 Code": [r["hs"][:6] for r in rows],
            "Country of Origin": [r["origin"] for r in rows],
            "Port of Entry": [ports.index(r["office"]) + 1 for r in rows],
            "Mode of Transport": [r["transport"].title() for r in rows],
            "Quantity": [f"{r['quantity']:g}" for r in rows],
            "Unit": [r["unit"] for r in rows],
            "Net Mass (kg)": [f"{r['mass']:.1f}" for r in rows],
            "Invoice Value (USD)": [f"{r['cif']:.2f}" for r in rows],
            "Duty Rate (%)": [f"{r['rate']:g}" for r in rows],
            "Preference Claimed": ["Y" if r["preference"] else "N" for r in rows],
            "Inspection Channel": [r["rules"] for r in rows],
            "Fraud Found": ["Yes" if r["fraud"] else "No" for r in rows],
            "Revenue Recovered (USD)": [f"{r['revenue']:.2f}" for r in rows],
        }
    )


COMMANDS = {
    "sellers": (
        "--label ILLICIT --revenue RAISED.TAX.AMOUNT --id SGD.NUM --rules RISK.CHANNEL",
        _sellers_table,
    ),
    "importers": (
        '--label "Fraud Found" --revenue "Revenue Recovered (USD)" --rules "Inspection Channel"',
        _importers_table,
    ),
}


def datasets_build(*, out: Path, rows: int = 50_000, seed: int = 19) -> list[dict[str, Any]]:
    """Write `out/<name>/train.csv` and `test.csv` for both datasets (and `about.json`)."""
    from haiquan.tariff.snapshot import Tariff

    catalogue = Catalogue(Tariff.load(None))
    if not catalogue.by_group:
        raise ValueError("the tariff is empty: run load_refdata first")
    report = []
    for ds in DATASETS:
        generated = _rows(ds.name, seed, rows, ds.months, catalogue)
        split = generated[0]["at"].date()
        for _m in range(ds.train_months):
            split = (split.replace(day=1) + timedelta(days=32)).replace(day=1)
        flags, builder = COMMANDS[ds.name]
        table = builder(generated)
        is_train = [r["at"].date() < split for r in generated]
        folder = out / ds.name
        folder.mkdir(parents=True, exist_ok=True)
        table[is_train].to_csv(folder / "train.csv", index=False)
        table[[not x for x in is_train]].to_csv(folder / "test.csv", index=False)
        about = {
            "dataset": ds.name,
            "violations": ds.description,
            "seed": seed,
            "rows": len(generated),
            "train_rows": sum(is_train),
            "test_rows": len(generated) - sum(is_train),
            "violation_rate": sum(r["fraud"] for r in generated) / max(len(generated), 1),
            "test_from": split.isoformat(),
            "evaluate": (
                f"haiquan risk evaluate --train {folder / 'train.csv'} "
                f"--test {folder / 'test.csv'} {flags}"
            ),
        }
        (folder / "about.json").write_text(json.dumps(about, indent=2))
        report.append(about)
    return report
