"""The demo's traders: enterprises with valid tax codes, their trade, compliance and habits;
customs brokers and the authorisations principals gave them; declarant, broker and officer
accounts. Written in bulk; the traits the generator needs later stay in memory (`Firm`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_noop
from stdnum.vn import mst as mst_std

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.core.i18n import later
from haiquan.refdata.models import BrokerAuthorisation, Enterprise, Office

from . import names
from .catalogue import Catalogue, Goods
from .models import DemoDataset, SyntheticEnterprise
from .profiles import (
    BROKERS_PER_DEPARTMENT,
    CURRENCY_BORDER_CN,
    CURRENCY_BY_PARTNER,
    DEPARTMENTS,
    GROUP_ORIGINS,
    REGIMES,
    SEGMENTS,
    Segment,
)

SYNTHETIC_EMAIL_DOMAIN = "synthetic.haiquan.invalid"
BATCH = 1_000

# Hidden chance that a dutiable declaration of a firm carries a violation, by compliance rank.
FRAUD_BY_RANK = {
    "priority": 0.01,
    "high": 0.06,
    "medium": 0.165,
    "low": 0.44,
    "non_compliant": 0.65,
    "unranked": 0.22,
}
BANKS_DOMESTIC = {"VCB": 0.3, "BIDV": 0.25, "CTG": 0.2, "VBA": 0.15, "TCB": 0.1}
BANKS_KOREAN = {"SHBVN": 0.45, "VCB": 0.25, "BIDV": 0.15, "CTG": 0.15}

# The named enterprises the demo log-ins belong to.
ANCHOR_HOANGLONG = "hoanglong"
ANCHOR_TANPHAT = "tanphat"
ANCHOR_BD_FDI = "bd-fdi"


def weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


@dataclass
class Firm:
    """A synthetic enterprise and the habits the generator draws its declarations from."""

    index: int
    mst: str
    name: str
    segment: Segment
    department: str
    province: str
    rank: str
    regime: str
    flows: tuple[str, ...]
    offices: dict[str, float]
    groups: dict[str, dict[str, float]]  # flow → group → weight
    assortment: dict[str, list[Goods]]  # group → the lines it trades
    partners: dict[tuple[str, str], list[tuple[str, str]]]  # (flow, group) → [(country, name)]
    currencies: dict[str, dict[str, float]]  # partner country → currency weights
    size: float
    p_active: float
    fraud_propensity: float
    price_factor: float
    bank: str
    established: date
    import_share: float = 0.5  # for a firm that both imports and exports
    is_fdi: bool = False
    investor: str = ""
    anchor: str = ""
    enterprise_id: int = 0
    user_id: int = 0
    username: str = ""
    broker_index: int | None = None  # index into Population.brokers
    broker_use: float = 0.0  # share of its declarations its broker files


@dataclass
class Broker:
    mst: str
    name: str
    department: str
    anchor: str = ""
    enterprise_id: int = 0
    user_ids: list[int] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)


@dataclass
class Population:
    firms: list[Firm]
    brokers: list[Broker]
    officers: dict[str, list[tuple[int, str]]]  # office code → [(user id, username)]
    created_enterprises: int = 0
    created_users: int = 0

    def by_office(self) -> dict[str, list[Firm]]:
        out: dict[str, list[Firm]] = {}
        for f in self.firms:
            for code in f.offices:
                out.setdefault(code, []).append(f)
        return out


class MstFactory:
    """Valid, unused 10-digit tax codes: a 2-digit tax-department prefix, 7 random digits and
    the check digit (`stdnum.vn.mst`); bodies whose check digit would be 10 are skipped."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng = rng
        self.taken = taken

    def make(self, prefix: str) -> str:
        while True:
            serial = self.rng.randint(1, 9_999_999)
            body = f"{prefix}{serial:07d}"
            check = mst_std.calc_check_digit(body)
            if len(check) != 1:
                continue
            mst = body + check
            if mst not in self.taken and mst_std.is_valid(mst):
                self.taken.add(mst)
                return mst


def _pick_subset(
    rng: random.Random, weights: Mapping[str, float], k: int, allowed: set[str]
) -> dict[str, float]:
    pool = {g: w for g, w in weights.items() if g in allowed and w > 0}
    out: dict[str, float] = {}
    while pool and len(out) < k:
        g = weighted(rng, pool)
        out[g] = pool.pop(g) * rng.uniform(0.5, 1.5)
    return out


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


def _trade(
    rng: random.Random, seg: Segment, catalogue: Catalogue
) -> tuple[tuple[str, ...], dict[str, dict[str, float]]] | None:
    """(flows, goods groups by flow) the firm trades in; None if the catalogue has none of its
    segment's groups."""
    available = catalogue.groups_available()
    flow_kind = weighted(rng, seg.flows)
    flows: tuple[str, ...] = ("import", "export") if flow_kind == "both" else (flow_kind,)
    groups: dict[str, dict[str, float]] = {}
    for flow in flows:
        weights = seg.import_groups if flow == "import" else seg.export_groups
        picked = _pick_subset(rng, weights, rng.choice((1, 1, 2, 2, 3)), available)
        if picked:
            groups[flow] = picked
    flows = tuple(f for f in flows if f in groups)
    return (flows, groups) if flows else None


def _assortment(
    rng: random.Random, groups: dict[str, dict[str, float]], catalogue: Catalogue
) -> dict[str, list[Goods]]:
    """The few goods of each group the firm deals in."""
    assortment: dict[str, list[Goods]] = {}
    for per_flow in groups.values():
        for g in per_flow:
            if g not in assortment:
                lines = catalogue.by_group[g]
                assortment[g] = rng.sample(lines, min(len(lines), rng.randint(2, 6)))
    return assortment


def _partners(
    rng: random.Random, seg: Segment, groups: dict[str, dict[str, float]]
) -> tuple[dict[tuple[str, str], list[tuple[str, str]]], dict[str, dict[str, float]]]:
    """(foreign partners by flow and group, the currencies invoiced by partner country)."""
    partners: dict[tuple[str, str], list[tuple[str, str]]] = {}
    currencies: dict[str, dict[str, float]] = {}
    for flow, per_flow in groups.items():
        base = seg.import_partners if flow == "import" else seg.export_partners
        for g in per_flow:
            dist = GROUP_ORIGINS.get(g, base) if flow == "import" else base
            chosen = []
            for _ in range(rng.choice((1, 1, 2, 3))):
                country = weighted(rng, dist)
                chosen.append((country, names.partner_company(rng, country)))
            partners[(flow, g)] = chosen
            for country, _name in chosen:
                if country not in currencies:
                    border_cn = country == "CN" and seg.trade in ("border", "farm")
                    currencies[country] = dict(
                        CURRENCY_BORDER_CN
                        if border_cn
                        else CURRENCY_BY_PARTNER.get(country, {"USD": 1.0})
                    )
    return partners, currencies


def _identity(rng: random.Random, seg: Segment, province: str) -> tuple[str, str, str]:
    """(foreign investor or "", company name, tax-code prefix)."""
    investor = weighted(rng, seg.fdi) if seg.fdi else ""
    if investor:
        name, _name_en = names.fdi_company(rng, investor)
        prefix = names.BINH_DUONG_MST_PREFIX if seg.department == "43" else names.PROVINCES["22"][0]
    else:
        name = names.vietnamese_company(rng, seg.trade if seg.trade != "fdi" else "industry")
        prefix = (
            names.BINH_DUONG_MST_PREFIX
            if seg.department == "43" and province == "79"
            else names.PROVINCES.get(province, names.PROVINCES["1"])[0]
        )
    return investor, name, prefix


def _firm_traits(
    rng: random.Random,
    seg: Segment,
    catalogue: Catalogue,
    index: int,
    mst_factory: MstFactory,
    province: str,
    anchor: str = "",
) -> Firm | None:
    traded = _trade(rng, seg, catalogue)
    if traded is None:
        return None
    flows, groups = traded
    assortment = _assortment(rng, groups, catalogue)
    partners, currencies = _partners(rng, seg, groups)
    n_offices = 1 if rng.random() < 0.7 else 2
    offices = _pick_subset(rng, seg.offices, n_offices, set(seg.offices))
    size = _lognormal(rng, seg.size_median, seg.size_sigma)
    investor, name, prefix = _identity(rng, seg, province)
    bank = weighted(rng, BANKS_KOREAN if investor == "KR" else BANKS_DOMESTIC)
    return Firm(
        index=index,
        mst=mst_factory.make(prefix),
        name=name,
        segment=seg,
        department=seg.department,
        province=province,
        rank="",  # set for the whole segment at once (`_assign_ranks`)
        regime=weighted(rng, seg.regimes),
        flows=flows,
        offices=offices,
        groups=groups,
        assortment=assortment,
        partners=partners,
        currencies=currencies,
        size=size,
        p_active=_p_active(size),
        fraud_propensity=0.0,
        price_factor=_lognormal(rng, 1.0, 0.08),
        bank=bank,
        established=date(1995, 1, 1) + timedelta(days=rng.randint(0, 365 * 25)),
        import_share=(
            1.0
            if flows == ("import",)
            else 0.0
            if flows == ("export",)
            else rng.uniform(0.35, 0.65)
        ),
        is_fdi=bool(investor),
        investor=investor,
        anchor=anchor,
    )


# How much more a firm of each rank files than an average one: priority enterprises are the
# large, long-established traders; newcomers file a little less.
RANK_SIZE = {
    "priority": 3.0,
    "high": 1.1,
    "medium": 1.0,
    "low": 1.0,
    "non_compliant": 1.0,
    "unranked": 0.9,
}


def _assign_ranks(
    rng: random.Random, firms: list[Firm], shares: Mapping[str, float], history_start: date
) -> None:
    """Compliance ranks for a segment's firms, such that each rank files its share of the
    segment's declarations (`shares`).

    Each firm draws its rank (a rank's share of the firms being its share of declarations over
    its relative size, so most firms are high or medium), then the sizes within each rank are
    scaled so the ranks' shares of declarations come out exactly: the lane mix then stays near
    the national figures whatever the seed, though a few large firms file most declarations.
    Newcomers (unranked) were set up recently."""
    if not firms:
        return
    by_firm = {r: w / RANK_SIZE[r] for r, w in shares.items() if w > 0}
    for f in firms:
        f.rank = weighted(rng, by_firm)
    total = sum(f.size for f in firms)
    per_rank: dict[str, float] = {}
    for f in firms:
        per_rank[f.rank] = per_rank.get(f.rank, 0.0) + f.size
    present = sum(shares[r] for r in per_rank)
    for f in firms:
        f.size *= (shares[f.rank] / present) / (per_rank[f.rank] / total)
        f.p_active = _p_active(f.size)
        if f.rank == "unranked":
            f.established = history_start - timedelta(days=rng.randint(30, 700))
        f.fraud_propensity = FRAUD_BY_RANK[f.rank] * rng.uniform(0.5, 1.5)


def _p_active(size: float) -> float:
    """Chance of filing in a given month: the larger the trader, the steadier."""
    return min(0.98, max(0.06, 0.1 + 0.42 * math.sqrt(size)))


def _provinces(
    rng: random.Random, segs: list[tuple[Segment, int]], in_province: int | None
) -> list[list[str]]:
    """Province of each firm: the department's own for `in_province` of them (those most
    likely local by segment), the others from where such traders come from."""
    keyed = []
    for si, (seg, n) in enumerate(segs):
        for i in range(n):
            keyed.append((seg.local_share + rng.uniform(-0.3, 0.3), si, i))
    total = len(keyed)
    if in_province is None:
        in_province = round(sum(seg.local_share * n for seg, n in segs))
    keyed.sort(reverse=True)
    out = [[""] * n for _seg, n in segs]
    for rank_pos, (_score, si, i) in enumerate(keyed):
        seg = segs[si][0]
        local = DEPARTMENTS[seg.department].province
        if rank_pos < min(in_province, total):
            out[si][i] = local
        else:
            elsewhere = {p: w for p, w in seg.elsewhere.items() if p != local} or {"1": 1.0}
            out[si][i] = weighted(rng, elsewhere)
    return out


def _segment_counts(
    departments: Iterable[str], factor: float, minimum: int
) -> list[tuple[Segment, int]]:
    return [
        (seg, max(minimum, round(seg.count * factor)))
        for seg in SEGMENTS
        if seg.department in departments
    ]


def population_build(
    *,
    rng: random.Random,
    catalogue: Catalogue,
    dataset: DemoDataset,
    departments: list[str],
    factor: float,
    history_start: date,
    anchors: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Population:
    """Invent the traders of `departments` (`factor` times the calibrated counts) and write
    them: enterprises, their synthetic traits, brokers with authorisations, user accounts."""
    taken = set(Enterprise.objects.values_list("mst", flat=True))
    mst_factory = MstFactory(rng, taken)
    firms: list[Firm] = []
    minimum = 2 if factor < 1 else 1
    for dept in departments:
        segs = _segment_counts([dept], factor, minimum)
        in_province = round(304 * factor) if dept == "20" and factor == 1 else None
        provinces = _provinces(rng, segs, in_province)
        for (seg, n), provs in zip(segs, provinces, strict=True):
            of_segment = []
            for i in range(n):
                firm = _firm_traits(rng, seg, catalogue, len(firms), mst_factory, provs[i])
                if firm is not None:
                    firms.append(firm)
                    of_segment.append(firm)
            _assign_ranks(rng, of_segment, seg.ranks, history_start)
    brokers = [
        Broker(mst="", name="", department=dept)
        for dept in departments
        for _ in range(BROKERS_PER_DEPARTMENT)
    ]
    for b in brokers:
        province = DEPARTMENTS[b.department].province
        prefix = (
            names.BINH_DUONG_MST_PREFIX
            if b.department == "43"
            else names.PROVINCES.get(province, names.PROVINCES["1"])[0]
        )
        b.mst = mst_factory.make(prefix)
        b.name = names.vietnamese_company(rng, "broker")
    if anchors:
        _anchors(rng, firms, brokers, catalogue, mst_factory)
    _assign_brokers(rng, firms, brokers)
    population = Population(firms=firms, brokers=brokers, officers={})
    _write(population, dataset=dataset, rng=rng, history_start=history_start, progress=progress)
    return population


def _anchors(
    rng: random.Random,
    firms: list[Firm],
    brokers: list[Broker],
    catalogue: Catalogue,
    mst_factory: MstFactory,
) -> None:
    """The named firms of the demo log-ins: Hoàng Long (a Móng Cái importer from the province),
    the broker Tân Phát, and a Korean-invested manufacturer in Bình Dương."""
    qn = [f for f in firms if f.segment.key == "qn-border-import" and "import" in f.groups]
    qn.sort(key=lambda f: f.province != "22")  # a firm of the province, keeping the 304 local
    if qn:
        f = qn[0]
        f.name = "Công ty TNHH Thương mại Hoàng Long"
        f.anchor, f.rank, f.province = ANCHOR_HOANGLONG, "high", "22"
        f.mst = mst_factory.make(names.PROVINCES["22"][0])
        f.offices = {"20BD": 1.0}
        f.size, f.p_active = max(f.size, 4.0), 0.98
        f.fraud_propensity = 0.0
    qn_brokers = [b for b in brokers if b.department == "20"]
    if qn_brokers:
        qn_brokers[0].name = "Công ty TNHH Dịch vụ Hải quan Tân Phát"
        qn_brokers[0].anchor = ANCHOR_TANPHAT
    bd = [f for f in firms if f.segment.key == "bd-fdi-kr"]
    if bd:
        f = bd[0]
        f.name = "Công ty TNHH Daehan Precision Vina"
        f.anchor, f.rank = ANCHOR_BD_FDI, "high"
        f.size, f.p_active = max(f.size, 2.0), 0.98
        f.fraud_propensity = 0.0


def _assign_brokers(rng: random.Random, firms: list[Firm], brokers: list[Broker]) -> None:
    for f in firms:
        own = [i for i, b in enumerate(brokers) if b.department == f.department]
        if not own:
            continue
        uses = f.anchor == ANCHOR_HOANGLONG or rng.random() < f.segment.broker_share
        if not uses:
            continue
        # The first broker of a department (Tân Phát in Quảng Ninh) has the most principals.
        f.broker_index = rng.choices(own, weights=[3] + [1] * (len(own) - 1))[0]
        f.broker_use = 0.3 if f.anchor else rng.uniform(0.5, 0.95)


def _write(
    population: Population,
    *,
    dataset: DemoDataset,
    rng: random.Random,
    history_start: date,
    progress: Callable[[str], None] | None,
) -> None:
    firms, brokers = population.firms, population.brokers
    created = Enterprise.objects.bulk_create(_enterprises(population, rng), batch_size=BATCH)
    for f, e in zip(firms, created[: len(firms)], strict=True):
        f.enterprise_id = e.pk
    for b, e in zip(brokers, created[len(firms) :], strict=True):
        b.enterprise_id = e.pk
    population.created_enterprises = len(created)
    _write_truth(population, dataset)
    _write_authorisations(population, history_start)
    if progress:
        progress(
            later(
                gettext_noop("Enterprises: %(f)s traders and %(b)s customs brokers."),
                f=len(firms),
                b=len(brokers),
            )
        )
    _write_users(population, rng=rng)


def _enterprises(population: Population, rng: random.Random) -> list[Enterprise]:
    """The traders' and the brokers' enterprises, not yet written."""
    firms, brokers = population.firms, population.brokers
    return [
        Enterprise(
            mst=f.mst,
            name=f.name,
            address=names.address(
                rng, f.province, binh_duong=f.department == "43" and f.province == "79"
            ),
            province_code=f.province,
            is_fdi=f.is_fdi,
            investor_country_id=f.investor or None,
            compliance_rank=f.rank,
            is_broker=False,
            established_on=f.established,
        )
        for f in firms
    ] + [
        Enterprise(
            mst=b.mst,
            name=b.name,
            province_code=DEPARTMENTS[b.department].province,
            address=names.address(
                rng, DEPARTMENTS[b.department].province, binh_duong=b.department == "43"
            ),
            compliance_rank="high",
            is_broker=True,
            established_on=date(2005, 1, 1) + timedelta(days=rng.randint(0, 3650)),
        )
        for b in brokers
    ]


def _write_truth(population: Population, dataset: DemoDataset) -> None:
    """Each enterprise's segment and fraud propensity (the ground truth)."""
    firms, brokers = population.firms, population.brokers
    SyntheticEnterprise.objects.bulk_create(
        [
            SyntheticEnterprise(
                enterprise_id=f.enterprise_id,
                dataset=dataset,
                segment=f.segment.key,
                anchor=f.anchor,
                fraud_propensity=Decimal(f"{f.fraud_propensity:.4f}"),
            )
            for f in firms
        ]
        + [
            SyntheticEnterprise(
                enterprise_id=b.enterprise_id,
                dataset=dataset,
                segment="broker",
                anchor=b.anchor,
                fraud_propensity=Decimal(0),
            )
            for b in brokers
        ],
        batch_size=BATCH,
    )


def _write_authorisations(population: Population, history_start: date) -> None:
    """The brokers' authorisations by the firms that use one."""
    firms, brokers = population.firms, population.brokers
    authorised_from = history_start - timedelta(days=730)
    BrokerAuthorisation.objects.bulk_create(
        [
            BrokerAuthorisation(
                principal_id=f.enterprise_id,
                broker_id=brokers[f.broker_index].enterprise_id,
                valid_from=max(f.established, authorised_from),
            )
            for f in firms
            if f.broker_index is not None
        ],
        batch_size=BATCH,
    )


def _user(username: str, role: str, rng: random.Random, enterprise_id: int | None = None) -> User:
    first, last = names.person(rng)
    return User(
        username=username,
        email=f"{username}@{SYNTHETIC_EMAIL_DOMAIN}",
        first_name=first,
        last_name=last,
        role=role,
        enterprise_id=enterprise_id,
        password=make_password(None),
        is_active=True,
    )


def _write_users(population: Population, *, rng: random.Random) -> None:
    """A declarant account per enterprise, two staff per broker firm, officers per office."""
    firms, brokers = population.firms, population.brokers
    existing = set(
        User.objects.filter(email__endswith="@" + SYNTHETIC_EMAIL_DOMAIN).values_list(
            "username", flat=True
        )
    )
    users: list[User] = []
    for f in firms:
        f.username = f"dn{f.mst}"
        users.append(_user(f.username, Role.DECLARANT, rng))
    for b in brokers:
        b.usernames = [f"dl{b.mst}.{i}" for i in (1, 2)]
        users += [_user(u, Role.BROKER, rng, enterprise_id=b.enterprise_id) for u in b.usernames]
    offices = {o.code: o for o in Office.objects.filter(code__in=_office_codes(firms))}
    officer_names: dict[str, list[str]] = {}
    for code in sorted(offices):
        share = max((d.offices.get(code, 0) for d in DEPARTMENTS.values()), default=0)
        n = 3 + round(share * 20)
        officer_names[code] = [
            f"cc.{code.lower()}.{i:02d}"
            for i in range(1, n + 1)
            if f"cc.{code.lower()}.{i:02d}" not in existing
        ]
        users += [_user(u, Role.OFFICER, rng) for u in officer_names[code]]
    users = [u for u in users if u.username not in existing]
    created = User.objects.bulk_create(users, batch_size=BATCH)
    population.created_users = len(created)
    ids = dict(
        User.objects.filter(username__in=_all_usernames(population, officer_names)).values_list(
            "username", "pk"
        )
    )
    Through = User.enterprises.through
    Through.objects.bulk_create(
        [
            Through(user_id=ids[f.username], enterprise_id=f.enterprise_id)
            for f in firms
            if f.username in ids and f.username not in existing
        ],
        batch_size=BATCH,
    )
    for f in firms:
        f.user_id = ids[f.username]
    for b in brokers:
        b.user_ids = [ids[u] for u in b.usernames]
    OfficeThrough = User.offices.through
    OfficeThrough.objects.bulk_create(
        [
            OfficeThrough(user_id=ids[u], office_id=offices[code].pk)
            for code, usernames in officer_names.items()
            for u in usernames
        ],
        batch_size=BATCH,
    )
    # Officers created by an earlier run are reused.
    for code in offices:
        prefix = f"cc.{code.lower()}."
        population.officers[code] = sorted(
            (pk, name)
            for name, pk in User.objects.filter(
                username__startswith=prefix,
                email__endswith="@" + SYNTHETIC_EMAIL_DOMAIN,
            ).values_list("username", "pk")
        )


def _office_codes(firms: list[Firm]) -> set[str]:
    return {code for f in firms for code in f.offices}


def _all_usernames(population: Population, officer_names: dict[str, list[str]]) -> list[str]:
    out = [f.username for f in population.firms]
    for b in population.brokers:
        out += b.usernames
    for usernames in officer_names.values():
        out += usernames
    return out


def regime_types(firm: Firm, flow: str) -> Mapping[str, float]:
    return REGIMES[firm.regime][flow]
