"""A CUSCAR file of a real shape: a container ship's arrival at Cái Lân with a few hundred bills,
master bills with their house bills, FCL and LCL containers with seals, goods with and without
HS codes. Reproducible from its seed.

    python -m haiquan.manifests.tests.cuscar_sample 300 > /tmp/cuscar.edi

The tests and the benchmark build their files with `cuscar_text`.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from stdnum import iso6346

# (description, HS code or "" when the shipper gave none, kind of package, kg per package)
GOODS = (
    ("Quả thanh long tươi / Fresh dragon fruit", "08109092", "CT", Decimal("12.5")),
    ("LAPTOP COMPUTERS", "84713020", "CT", Decimal("9.8")),
    ("POLYESTER FABRIC ROLLS", "54075200", "RO", Decimal("45.0")),
    ("STEEL WIRE ROD IN COILS", "72139190", "CO", Decimal("2050.0")),
    ("FROZEN SHRIMP", "03061719", "CT", Decimal("10.2")),
    ("SPARE PARTS FOR MOTORCYCLES", "", "PK", Decimal("31.0")),
    ("PLASTIC HOUSEHOLD ARTICLES", "39249090", "CT", Decimal("6.4")),
    ("FURNITURE PARTS, WOODEN", "", "PK", Decimal("55.0")),
    ("GARMENTS, COTTON T-SHIRTS", "61091010", "CT", Decimal("14.0")),
    ("INDUSTRIAL SEWING MACHINES", "84522100", "CS", Decimal("88.0")),
)
LOADING = ("CNSHA", "CNNGB", "KRPUS", "SGSIN", "JPYOK", "HKHKG", "TWKHH")
OWNERS = ("CSQ", "MSK", "TGH", "OOL", "EGH", "HLX", "ONE")


def imo_number(seed: int) -> str:
    digits = f"{9_000_000 + seed % 999_999:07d}"[:6]
    check = sum(int(d) * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return f"{digits}{check}"


def container_number(rng: random.Random) -> str:
    body = f"{rng.choice(OWNERS)}U{rng.randrange(1_000_000):06d}"
    return body + iso6346.calc_check_digit(body)


@dataclass
class SampleBill:
    number: str
    kind: str  # simple, master, house
    master: str
    consignee_mst: str
    consignee: str
    packages: int
    mass: Decimal
    goods: list[tuple[str, str, int, str, Decimal]] = field(default_factory=list)
    containers: list[tuple[str, list[str]]] = field(default_factory=list)


def sample_bills(
    n: int, consignees: list[tuple[str, str]], *, seed: int = 21, prefix: str = "COSU"
) -> list[SampleBill]:
    """n bills: one in ten a master bill followed by two house bills (counted in n); each with
    one to three goods items and, for FCL, its own containers (LCL house bills share their
    master's)."""
    rng = random.Random(seed)
    bills: list[SampleBill] = []
    i = 0
    while len(bills) < n:
        i += 1
        mst, name = consignees[rng.randrange(len(consignees))]
        number = f"{prefix}{6_100_000_000 + i * 7:010d}"
        kind = "simple"
        if i % 10 == 0 and len(bills) + 3 <= n:
            kind = "master"
        bill = _bill(rng, number, kind, "", mst, name)
        bills.append(bill)
        if kind == "master":
            # LCL: the consolidator's house bills travel in the master's containers.
            for h in (1, 2):
                hmst, hname = consignees[rng.randrange(len(consignees))]
                house = _bill(rng, f"{number}H{h}", "house", number, hmst, hname, containers=False)
                bills.append(house)
    return bills[:n]


def _bill(
    rng: random.Random,
    number: str,
    kind: str,
    master: str,
    mst: str,
    name: str,
    *,
    containers: bool = True,
) -> SampleBill:
    goods = []
    for _ in range(rng.randint(1, 3)):
        description, hs, pkg, kg_each = GOODS[rng.randrange(len(GOODS))]
        count = rng.randint(1, 400) if pkg != "CO" else rng.randint(1, 12)
        goods.append((description, hs, count, pkg, (kg_each * count).quantize(Decimal("0.001"))))
    bill = SampleBill(
        number=number,
        kind=kind,
        master=master,
        consignee_mst=mst,
        consignee=name,
        packages=sum(g[2] for g in goods),
        mass=sum((g[4] for g in goods), Decimal(0)),
        goods=goods,
    )
    if containers:
        for _ in range(rng.randint(1, 3)):
            seals = [f"CN{rng.randrange(10_000_000):07d}"]
            if rng.random() < 0.2:
                seals.append(f"VN{rng.randrange(10_000_000):07d}")
            bill.containers.append((container_number(rng), seals))
    return bill


def _esc(text: str) -> str:
    for ch in "?+:'":
        text = text.replace(ch, "?" + ch)
    return text


def cuscar_text(
    bills: list[SampleBill],
    *,
    voyage: str = "V2026E",
    office: str = "20CD",
    eta: datetime | None = None,
    vessel: str = "WAN HAI 307",
    imo: str | None = None,
    mode: str = "1",
) -> str:
    """The interchange, one segment a line as shipping lines' systems write it."""
    eta = eta or datetime(2026, 12, 10, 6, 0)
    imo = imo or imo_number(len(voyage) * 7919)
    seg = [
        "UNA:+.? '",
        "UNB+UNOC:3+WHLC:ZZZ+VNCUSTOMS:ZZZ+261207:0930+00000021'",
    ]
    body = [
        "UNH+1+CUSCAR:D:95B:UN",
        f"BGM+85+MNF{voyage}+9",
        f"DTM+132:{eta:%Y%m%d%H%M}:203",
        f"TDT+20+{voyage}+{mode}++WHL:172:20+++{imo}:146:11:{_esc(vessel)}",
        "LOC+5+CNSHA:139:6",
        f"LOC+60+{office}",
    ]
    for seq, b in enumerate(bills, start=1):
        body.append(f"CNI+{seq}+{b.number}")
        if b.kind == "house":
            body.append(f"RFF+MB:{b.master}")
        elif b.kind == "master":
            body.append(f"RFF+BM:{b.number}")
        body.append("NAD+CZ+++GUANGXI PINGXIANG TRADING CO LTD+NO 8 YOUYI ROAD PINGXIANG")
        consignee_id = f"{b.consignee_mst}:160:VN" if b.consignee_mst else ""
        body.append(f"NAD+CN+{consignee_id}++{_esc(b.consignee)}")
        body.append(f"NAD+N1+++{_esc(b.consignee)}")
        body.append(f"CNT+7:{b.mass}:KGM")
        body.append(f"CNT+11:{b.packages}")
        for g, (description, hs, count, pkg, kg) in enumerate(b.goods, start=1):
            body.append(f"GID+{g}+{count}:{pkg}")
            body.append(f"FTX+AAA+++{_esc(description)}")
            if hs:
                body.append(f"PIA+5+{hs}:HS")
            body.append(f"MEA+AAE+G+KGM:{kg}")
        for number, seals in b.containers:
            body.append(f"EQD+CN+{number}+45G1:102:5")
            body.extend(f"SEL+{s}+CA" for s in seals)
    body.append(f"UNT+{len(body) + 1}+1")
    return "\n".join([*(s for s in seg), *(s + "'" for s in body), "UNZ+1+00000021'"]) + "\n"


if __name__ == "__main__":  # pragma: no cover
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    firms = [("0100109106", "CONG TY TNHH THUONG MAI HOANG LONG")]
    sys.stdout.write(cuscar_text(sample_bills(n, firms)))
