"""The demo profiles: what they create, and the lane mix they give a realistic population."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from haiquan.refdata.tests.factories import valid_mst
from haiquan.risk.demo_profiles import DEMO_PROFILES, demo_profiles_load
from haiquan.risk.engine import lane_decide
from haiquan.risk.models import OfficeRiskSetting, RiskProfile
from haiquan.risk.selectors import office_get, office_setting_effective

from .facts import facts, line

pytestmark = pytest.mark.django_db

# Share of declarations by the filing enterprise's compliance rank. Declarations, not
# enterprises: large priority and high-compliance FDI manufacturers file most of them.
RANKS = {
    "priority": 0.10,
    "high": 0.45,
    "medium": 0.26,
    "low": 0.09,
    "non_compliant": 0.02,
    "unranked": 0.08,
}
# Offices and their share of declarations (Mong Cai is a land border gate).
OFFICES = {"20CF": 0.25, "20BD": 0.15, "43IH": 0.35, "43NG": 0.25}
PATHS = {
    "20CF": "/00/20/20CF/",
    "20BD": "/00/20/20BD/",
    "43IH": "/00/43/43IH/",
    "43NG": "/00/43/43NG/",
}
IMPORT_SHARE = 0.55
# Goods of one line per declaration (imports): HS code, origins, share, price per unit (VND).
SENSITIVE_IMPORTS = [
    ("24022090", ["ID", "KR"], 0.001, 60_000),  # cigarettes, per pack
    ("22083000", ["GB", "FR"], 0.004, 400_000),  # spirits, per bottle
    ("87032363", ["JP", "KR", "TH"], 0.015, 600_000_000),  # cars
    ("08061000", ["CN"], 0.03, None),  # grapes: priced below
    ("61091010", ["CN", "KR", "TH"], 0.06, 90_000),  # T-shirts
    ("04022120", ["NZ", "AU", "US"], 0.02, 80_000),  # milk powder, per kg
    ("03038919", ["IN", "NO", "CL"], 0.02, 60_000),  # frozen fish, per kg
    ("21069059", ["US", "KR", "TH"], 0.01, 200_000),  # food preparations, per kg
]


def _fruit_price(rng: random.Random) -> int:
    # Most Chinese fruit is declared around 15,000-30,000 VND/kg; one consignment in five
    # comes in suspiciously low (4,000-8,000).
    return rng.randint(4_000, 7_900) if rng.random() < 0.2 else rng.randint(15_000, 30_000)


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def synthetic_declaration(k: int, rng: random.Random):
    flow = "import" if rng.random() < IMPORT_SHARE else "export"
    # Customs value: lognormal around 600 million VND (about USD 24,000).
    total = Decimal(int(600_000_000 * math.exp(rng.gauss(0, 1.2))))
    hs, origin, preference, quantity = "85177910", "KR", "", Decimal(1000)
    if flow == "import":
        u = rng.random()
        for code, origins, share, price in SENSITIVE_IMPORTS:
            if u < share:
                hs, origin = code, rng.choice(origins)
                if price is None:
                    price = _fruit_price(rng)
                quantity = max(Decimal(1), (total / price).quantize(Decimal(1)))
                if code.startswith("61") and rng.random() < 0.7:
                    preference = (
                        "ACFTA" if origin == "CN" else "AKFTA" if origin == "KR" else "ATIGA"
                    )
                break
            u -= share
        else:
            if rng.random() < 0.3:
                preference = "ATIGA"
    office = _pick(rng, OFFICES)
    return facts(
        line(hs=hs, origin=origin, quantity=quantity, value=total, preference=preference),
        number=f"10{k:010d}",
        flow=flow,
        type_code="A11" if flow == "import" else "B11",
        office_code=office,
        office_path=PATHS[office],
        compliance_rank=_pick(rng, RANKS),
        enterprise_mst=valid_mst(k % 5000),
        registered_at=datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    )


@pytest.fixture
def loaded(analyst):
    return demo_profiles_load(actor=analyst)


def test_demo_creates_every_profile_and_the_random_rates(loaded, analyst):
    assert {p.code for p in loaded} == {spec["code"] for spec in DEMO_PROFILES}
    assert all(p.versions.get().number == 1 for p in loaded)
    rate = office_setting_effective(office=office_get(code="43IH"))
    assert (rate.random_rate, rate.inherited_from) == (Decimal("0.01"), "00")
    gate = office_setting_effective(office=office_get(code="20BD"))
    assert (gate.random_rate, gate.inherited_from) == (Decimal("0.02"), "20BD")
    port = office_setting_effective(office=office_get(code="20CF"))
    assert (port.random_rate, port.inherited_from) == (Decimal("0.01"), "00")


def test_loading_again_changes_nothing(loaded, analyst):
    settings_before = list(OfficeRiskSetting.objects.values_list("office__code", "random_rate"))
    assert demo_profiles_load(actor=analyst) == []
    assert RiskProfile.objects.count() == len(DEMO_PROFILES)
    assert list(OfficeRiskSetting.objects.values_list("office__code", "random_rate")) == (
        settings_before
    )


def test_demo_profiles_fire_on_the_goods_they_name(loaded):
    def codes(decl):
        return {r.code for r in lane_decide(decl).reasons}

    assert codes(facts(line(hs="24022090"))) == {"THUOC-LA-2402"}
    assert codes(facts(line(hs="22083000", origin="GB"))) == {"RUOU-2208"}
    assert codes(facts(line(hs="87032363", quantity=1))) == {"O-TO-8703"}
    cheap = line(hs="08061000", origin="CN", quantity=10_000, unit="KGM", value=60_000_000)
    fair = line(hs="08061000", origin="CN", quantity=10_000, unit="KGM", value=200_000_000)
    assert codes(facts(cheap)) == {"QUA-TUOI-CN-GIA-THAP"}
    assert codes(facts(fair)) == set()
    assert codes(facts(line(hs="62034290", origin="CN", preference="ACFTA"))) == {
        "DET-MAY-UU-DAI-FTA"
    }
    assert codes(facts(line(hs="62034290", origin="CN"))) == set()
    assert codes(facts(compliance_rank="non_compliant")) == {"DN-KHONG-TUAN-THU"}
    assert codes(facts(compliance_rank="unranked", flow="export")) == {"DN-CHUA-XEP-HANG"}
    assert codes(facts(line(value=299_999_999), compliance_rank="medium")) == set()
    assert codes(facts(line(value=300_000_000), compliance_rank="medium")) == {
        "DN-TRUNG-BINH-NK-GIA-TRI"
    }
    assert codes(facts(line(hs="04022120", origin="NZ"))) == {"THUC-PHAM-KTCN"}
    assert codes(facts(compliance_rank="priority")) == set()
    assert lane_decide(facts(compliance_rank="non_compliant")).lane == "red"


@pytest.mark.slow
def test_lane_mix_is_close_to_the_national_figures(loaded):
    # National mix, 9 months of 2023: green 66.6%, yellow 29.6%, red 3.4%. This population
    # gives about 66 / 30.6 / 3.4 (the red: non-compliant 2%, random 1-2%, tobacco, spirits).
    rng = random.Random(20230930)
    n = 20_000
    lanes = Counter(lane_decide(synthetic_declaration(k, rng)).lane for k in range(n))
    green, yellow, red = (lanes[x] / n for x in ("green", "yellow", "red"))
    assert 0.60 <= green <= 0.68, lanes
    assert 0.27 <= yellow <= 0.34, lanes
    assert 0.03 <= red <= 0.05, lanes
