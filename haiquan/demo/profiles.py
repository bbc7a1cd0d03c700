"""Who trades what through which office: departments, their offices and trader segments.

Quảng Ninh (department 20): 833 enterprises file there, 304 from the province and 529 from
elsewhere; about 485 are active in a month. Móng Cái and the other land border gates trade
with China (fruit, vegetables, consumer goods in; seafood and farm produce out); Cẩm Phả and
Hòn Gai ship coal and clinker and take in fuel and coal; Cái Lân takes machinery, steel,
grain and vehicles. Bình Dương (department 43) is bigger and industrial: foreign-invested
manufacturers (over 300 Korean) import materials under the processing and export-production
regimes (E11, E21, E31) and export furniture, garments, footwear and electronics (E42, E52,
E62, B11) to the US, the EU, Japan and Korea.

Volumes are per month at scale 1, before the yearly level and the calendar (`volumes`).
Bình Dương is scaled down from its real volume (several times Quảng Ninh's) to keep the
default demo installable in minutes; `scale` raises it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

W = Mapping[str, float]


@dataclass(frozen=True)
class Department:
    code: str
    province: str  # province code of `vietnam-provinces` (2025) for in-province firms
    monthly: int  # declarations a month at scale 1 and level 1
    offices: W  # share of the department's declarations by office
    year_level: Mapping[int, float]
    covid: Mapping[tuple[int, int], float] = field(default_factory=dict)  # (year, month) → factor

    def level(self, year: int, month: int) -> float:
        years = sorted(self.year_level)
        y = min(max(year, years[0]), years[-1])
        return self.year_level[y] * self.covid.get((year, month), 1.0)


DEPARTMENTS: dict[str, Department] = {
    "20": Department(
        code="20",
        province="22",
        monthly=5_000,
        offices={
            "20BD": 0.46,
            "20BC": 0.06,
            "20BI": 0.08,
            "20CD": 0.22,
            "20CE": 0.05,
            "20CF": 0.06,
            "20CG": 0.07,
        },
        year_level={
            2017: 1.1,
            2018: 1.12,
            2019: 1.15,
            2020: 1.04,
            2021: 1.0,
            2022: 1.02,
            2023: 0.97,
            2024: 1.03,
            2025: 1.06,
            2026: 1.08,
        },
        covid={(2020, 2): 0.85, (2020, 3): 0.85, (2020, 4): 0.75, (2020, 5): 0.9},
    ),
    "43": Department(
        code="43",
        province="79",
        monthly=10_000,
        offices={"43IH": 0.3, "43K4": 0.17, "43ND": 0.2, "43NF": 0.15, "43NG": 0.18},
        year_level={
            2017: 0.95,
            2018: 0.98,
            2019: 1.0,
            2020: 0.95,
            2021: 0.97,
            2022: 1.02,
            2023: 0.95,
            2024: 1.02,
            2025: 1.06,
            2026: 1.08,
        },
        covid={(2020, 4): 0.9, (2021, 8): 0.75, (2021, 9): 0.8},
    ),
}

# Customs regimes a firm works under → declaration types by flow (mã loại hình).
REGIMES: dict[str, dict[str, W]] = {
    "border": {
        "import": {"A11": 0.85, "A12": 0.1, "H11": 0.05},
        "export": {"B11": 0.93, "B13": 0.04, "H21": 0.03},
    },
    "tntx": {"import": {"G11": 1.0}, "export": {"G21": 1.0}},
    "trading": {
        "import": {"A11": 0.6, "A12": 0.25, "A41": 0.1, "H11": 0.05},
        "export": {"B11": 0.95, "B13": 0.05},
    },
    "production": {
        "import": {"A12": 0.85, "A11": 0.05, "G12": 0.05, "G14": 0.03, "A31": 0.02},
        "export": {"B11": 0.92, "G61": 0.03, "B12": 0.02, "H21": 0.03},
    },
    "sxxk": {
        "import": {"E31": 0.88, "A12": 0.07, "G12": 0.03, "A31": 0.02},
        "export": {"E62": 0.92, "B11": 0.05, "G61": 0.03},
    },
    "gc": {"import": {"E21": 0.92, "G12": 0.04, "A12": 0.04}, "export": {"E52": 0.96, "B11": 0.04}},
    "epe": {
        "import": {"E11": 0.88, "E13": 0.08, "G12": 0.04},
        "export": {"E42": 0.97, "G61": 0.03},
    },
}
# Materials regimes file long declarations (a shipment of fabrics, trims and accessories).
LONG_DECLARATION_REGIMES = frozenset({"sxxk", "gc", "epe"})

# Share of a segment's declarations filed by each compliance rank (not of its firms: large,
# compliant traders file most declarations). The lanes the risk profiles give follow from them.
RANKS_BORDER = {
    "priority": 0.0,
    "high": 0.3,
    "medium": 0.42,
    "low": 0.12,
    "non_compliant": 0.05,
    "unranked": 0.11,
}
RANKS_PORT = {
    "priority": 0.04,
    "high": 0.4,
    "medium": 0.41,
    "low": 0.08,
    "non_compliant": 0.03,
    "unranked": 0.04,
}
RANKS_FDI = {
    "priority": 0.12,
    "high": 0.49,
    "medium": 0.32,
    "low": 0.04,
    "non_compliant": 0.01,
    "unranked": 0.02,
}
RANKS_FDI_RISKIER = {
    "priority": 0.04,
    "high": 0.42,
    "medium": 0.4,
    "low": 0.08,
    "non_compliant": 0.03,
    "unranked": 0.03,
}
RANKS_MINING = {"priority": 0.35, "high": 0.47, "medium": 0.15, "low": 0.03}
RANKS_DOMESTIC = {
    "priority": 0.02,
    "high": 0.33,
    "medium": 0.42,
    "low": 0.12,
    "non_compliant": 0.05,
    "unranked": 0.06,
}

# Provinces firms come from when they are not from the department's own province.
ELSEWHERE_NORTH = {
    "1": 0.3,
    "31": 0.25,
    "20": 0.1,
    "24": 0.07,
    "33": 0.05,
    "19": 0.04,
    "25": 0.03,
    "37": 0.03,
    "38": 0.03,
    "15": 0.03,
    "79": 0.07,
}
ELSEWHERE_FARM = {
    "1": 0.12,
    "31": 0.12,
    "20": 0.08,
    "79": 0.15,
    "82": 0.12,
    "68": 0.1,
    "66": 0.08,
    "96": 0.08,
    "56": 0.07,
    "92": 0.08,
}

# Where goods of some groups come from, whatever the importer (grain from the Americas...).
GROUP_ORIGINS: dict[str, W] = {
    "grain": {"US": 0.3, "AR": 0.2, "BR": 0.2, "AU": 0.15, "RU": 0.1, "IN": 0.05},
    "coal": {"ID": 0.45, "AU": 0.3, "RU": 0.2, "CN": 0.05},
    "fuel": {"SG": 0.4, "MY": 0.2, "KR": 0.15, "TH": 0.1, "CN": 0.15},
    "timber": {
        "US": 0.25,
        "CL": 0.1,
        "NZ": 0.1,
        "MY": 0.1,
        "LA": 0.1,
        "CN": 0.1,
        "BR": 0.1,
        "CM": 0.1,
        "DE": 0.05,
    },
    "cars": {"JP": 0.3, "KR": 0.2, "TH": 0.2, "CN": 0.2, "DE": 0.1},
    "minerals": {"AU": 0.4, "IN": 0.2, "ID": 0.2, "CN": 0.2},
}


@dataclass(frozen=True)
class Segment:
    """A kind of trader: how many there are, what they trade, where and with whom."""

    key: str
    department: str
    count: int  # enterprises at scale 1
    trade: str  # `names.TRADES` key, or "fdi"
    offices: W
    regimes: W
    flows: W  # "import", "export", "both" → share of firms
    import_groups: W
    export_groups: W
    import_partners: W
    export_partners: W
    ranks: W
    local_share: float = 0.0  # share from the department's own province
    elsewhere: W = field(default_factory=dict)
    fdi: W = field(default_factory=dict)  # investor countries; empty for domestic firms
    size_median: float = 1.0  # relative share of its department's declarations
    size_sigma: float = 1.0
    broker_share: float = 0.25  # share of firms that file through a customs broker


CN_ONLY = {"CN": 1.0}
_BORDER_IMPORT_GROUPS = {
    "fruit_temperate": 0.26,
    "vegetables": 0.13,
    "appliances": 0.1,
    "plastics_articles": 0.07,
    "food": 0.1,
    "toys_sports": 0.05,
    "ceramics": 0.04,
    "garments": 0.04,
    "footwear": 0.04,
    "steel_articles": 0.04,
    "machinery": 0.04,
    "two_wheelers": 0.02,
    "components": 0.02,
    "beverages": 0.02,
    "trucks_parts": 0.03,
}
_BORDER_EXPORT_GROUPS = {
    "seafood": 0.28,
    "fruit_tropical": 0.3,
    "nuts": 0.06,
    "coffee_spices": 0.08,
    "vegetables": 0.06,
    "rubber": 0.1,
    "wood_articles": 0.04,
    "food": 0.04,
    "furniture": 0.04,
}

SEGMENTS: tuple[Segment, ...] = (
    # --- Quảng Ninh: 833 enterprises -----------------------------------------------------------
    Segment(
        key="qn-border-import",
        department="20",
        count=250,
        trade="border",
        offices={"20BD": 0.72, "20BC": 0.08, "20BI": 0.1, "20CG": 0.1},
        regimes={"border": 1.0},
        flows={"import": 0.9, "both": 0.1},
        import_groups=_BORDER_IMPORT_GROUPS,
        export_groups=_BORDER_EXPORT_GROUPS,
        import_partners=CN_ONLY,
        export_partners=CN_ONLY,
        ranks=RANKS_BORDER,
        local_share=0.35,
        elsewhere=ELSEWHERE_NORTH,
        broker_share=0.3,
    ),
    Segment(
        key="qn-border-export",
        department="20",
        count=230,
        trade="farm",
        offices={"20BD": 0.6, "20BC": 0.15, "20BI": 0.15, "20CG": 0.1},
        regimes={"border": 1.0},
        flows={"export": 0.9, "both": 0.1},
        import_groups=_BORDER_IMPORT_GROUPS,
        export_groups=_BORDER_EXPORT_GROUPS,
        import_partners=CN_ONLY,
        export_partners=CN_ONLY,
        ranks=RANKS_BORDER,
        local_share=0.2,
        elsewhere=ELSEWHERE_FARM,
        broker_share=0.35,
    ),
    Segment(
        key="qn-border-mixed",
        department="20",
        count=45,
        trade="border",
        offices={"20BD": 0.7, "20BC": 0.1, "20BI": 0.1, "20CG": 0.1},
        regimes={"border": 1.0},
        flows={"both": 1.0},
        import_groups=_BORDER_IMPORT_GROUPS,
        export_groups=_BORDER_EXPORT_GROUPS,
        import_partners=CN_ONLY,
        export_partners=CN_ONLY,
        ranks=RANKS_BORDER,
        local_share=0.5,
        elsewhere=ELSEWHERE_NORTH,
        size_median=1.5,
        broker_share=0.2,
    ),
    Segment(
        key="qn-tntx",
        department="20",
        count=25,
        trade="border",
        offices={"20CG": 0.5, "20BD": 0.5},
        regimes={"tntx": 1.0},
        flows={"both": 1.0},
        import_groups={
            "seafood": 0.5,
            "food": 0.25,
            "beverages": 0.1,
            "wine_spirits": 0.1,
            "fruit_temperate": 0.05,
        },
        export_groups={
            "seafood": 0.5,
            "food": 0.25,
            "beverages": 0.1,
            "wine_spirits": 0.1,
            "fruit_temperate": 0.05,
        },
        import_partners={"IN": 0.3, "BR": 0.2, "US": 0.2, "AU": 0.1, "AR": 0.1, "RU": 0.1},
        export_partners=CN_ONLY,
        ranks=RANKS_BORDER,
        local_share=0.4,
        elsewhere=ELSEWHERE_NORTH,
        broker_share=0.3,
    ),
    Segment(
        key="qn-port-import",
        department="20",
        count=160,
        trade="port",
        offices={"20CD": 0.9, "20CF": 0.1},
        regimes={"trading": 0.6, "production": 0.4},
        flows={"import": 0.85, "both": 0.15},
        import_groups={
            "machinery": 0.17,
            "steel": 0.17,
            "grain": 0.08,
            "cars": 0.05,
            "trucks_parts": 0.05,
            "appliances": 0.06,
            "plastics_raw": 0.08,
            "timber": 0.05,
            "fuel": 0.03,
            "food": 0.06,
            "components": 0.04,
            "tyres": 0.03,
            "ceramics": 0.03,
            "batteries": 0.02,
            "computers_phones": 0.03,
            "wine_spirits": 0.02,
            "tobacco": 0.01,
            "medical": 0.02,
            "fertiliser": 0.06,
        },
        export_groups={
            "wood_chips": 0.2,
            "clinker_cement": 0.15,
            "timber": 0.15,
            "furniture": 0.2,
            "seafood": 0.15,
            "coffee_spices": 0.15,
        },
        import_partners={
            "CN": 0.38,
            "KR": 0.1,
            "JP": 0.1,
            "TH": 0.06,
            "ID": 0.05,
            "US": 0.07,
            "AU": 0.05,
            "IN": 0.05,
            "DE": 0.04,
            "RU": 0.03,
            "BR": 0.03,
            "MY": 0.02,
            "SG": 0.02,
        },
        export_partners={
            "CN": 0.35,
            "JP": 0.2,
            "KR": 0.15,
            "US": 0.1,
            "TW": 0.05,
            "IN": 0.05,
            "BD": 0.05,
            "PH": 0.05,
        },
        ranks=RANKS_PORT,
        local_share=0.4,
        elsewhere=ELSEWHERE_NORTH,
        broker_share=0.35,
    ),
    Segment(
        key="qn-port-export",
        department="20",
        count=50,
        trade="port",
        offices={"20CD": 0.75, "20CF": 0.25},
        regimes={"trading": 0.5, "production": 0.5},
        flows={"export": 0.8, "both": 0.2},
        import_groups={"machinery": 0.5, "steel": 0.3, "plastics_raw": 0.2},
        export_groups={
            "wood_chips": 0.4,
            "clinker_cement": 0.2,
            "timber": 0.1,
            "furniture": 0.1,
            "seafood": 0.1,
            "coffee_spices": 0.1,
        },
        import_partners={"CN": 0.6, "JP": 0.2, "KR": 0.2},
        export_partners={
            "CN": 0.35,
            "JP": 0.25,
            "KR": 0.15,
            "US": 0.1,
            "TW": 0.05,
            "IN": 0.05,
            "BD": 0.05,
        },
        ranks=RANKS_PORT,
        local_share=0.5,
        elsewhere=ELSEWHERE_NORTH,
        broker_share=0.3,
    ),
    Segment(
        key="qn-fdi",
        department="20",
        count=45,
        trade="fdi",
        offices={"20CD": 1.0},
        regimes={"sxxk": 0.5, "epe": 0.3, "gc": 0.2},
        flows={"both": 1.0},
        import_groups={
            "fabrics": 0.3,
            "yarn_fibre": 0.1,
            "components": 0.3,
            "plastics_raw": 0.15,
            "machinery": 0.1,
            "paper": 0.05,
        },
        export_groups={
            "garments": 0.35,
            "solar": 0.25,
            "components": 0.2,
            "footwear": 0.1,
            "computers_phones": 0.1,
        },
        import_partners={"CN": 0.55, "KR": 0.2, "JP": 0.1, "TW": 0.1, "US": 0.05},
        export_partners={
            "US": 0.35,
            "CN": 0.15,
            "JP": 0.15,
            "KR": 0.15,
            "DE": 0.05,
            "NL": 0.05,
            "AU": 0.05,
            "IN": 0.05,
        },
        ranks=RANKS_FDI,
        local_share=0.8,
        elsewhere=ELSEWHERE_NORTH,
        fdi={"CN": 0.4, "KR": 0.25, "JP": 0.15, "TW": 0.1, "SG": 0.1},
        size_median=1.5,
        broker_share=0.15,
    ),
    Segment(
        key="qn-mining",
        department="20",
        count=28,
        trade="mining",
        offices={"20CE": 0.6, "20CF": 0.4},
        regimes={"production": 0.6, "trading": 0.4},
        flows={"export": 0.5, "both": 0.3, "import": 0.2},
        import_groups={"coal": 0.35, "fuel": 0.35, "machinery": 0.2, "trucks_parts": 0.1},
        export_groups={"coal": 0.5, "clinker_cement": 0.4, "minerals": 0.1},
        import_partners={"ID": 0.35, "AU": 0.25, "RU": 0.15, "CN": 0.1, "SG": 0.1, "MY": 0.05},
        export_partners={"CN": 0.4, "JP": 0.25, "KR": 0.15, "IN": 0.1, "TW": 0.05, "BD": 0.05},
        ranks=RANKS_MINING,
        local_share=0.9,
        elsewhere=ELSEWHERE_NORTH,
        size_median=2.0,
        size_sigma=0.7,
        broker_share=0.05,
    ),
    # --- Bình Dương: about 1,100 enterprises, over 300 of them Korean-invested --------------------
    Segment(
        key="bd-fdi-kr",
        department="43",
        count=320,
        trade="fdi",
        offices={"43IH": 0.3, "43K4": 0.15, "43ND": 0.2, "43NF": 0.15, "43NG": 0.2},
        regimes={"sxxk": 0.45, "epe": 0.35, "gc": 0.2},
        flows={"both": 0.9, "import": 0.05, "export": 0.05},
        import_groups={
            "fabrics": 0.25,
            "yarn_fibre": 0.08,
            "components": 0.2,
            "plastics_raw": 0.15,
            "machinery": 0.1,
            "steel": 0.07,
            "paper": 0.05,
            "aluminium": 0.05,
            "timber": 0.05,
        },
        export_groups={
            "garments": 0.3,
            "footwear": 0.15,
            "components": 0.15,
            "computers_phones": 0.1,
            "furniture": 0.1,
            "plastics_articles": 0.1,
            "appliances": 0.05,
            "steel_articles": 0.05,
        },
        import_partners={"KR": 0.45, "CN": 0.4, "JP": 0.05, "TW": 0.05, "US": 0.05},
        export_partners={
            "US": 0.35,
            "KR": 0.2,
            "JP": 0.1,
            "DE": 0.05,
            "NL": 0.05,
            "FR": 0.03,
            "GB": 0.04,
            "AU": 0.05,
            "CA": 0.05,
            "CN": 0.08,
        },
        ranks=RANKS_FDI,
        local_share=1.0,
        fdi={"KR": 1.0},
        size_median=1.3,
        broker_share=0.2,
    ),
    Segment(
        key="bd-fdi-jp",
        department="43",
        count=110,
        trade="fdi",
        offices={"43IH": 0.3, "43K4": 0.15, "43ND": 0.2, "43NF": 0.15, "43NG": 0.2},
        regimes={"sxxk": 0.4, "epe": 0.45, "gc": 0.15},
        flows={"both": 1.0},
        import_groups={
            "components": 0.35,
            "plastics_raw": 0.2,
            "steel": 0.15,
            "machinery": 0.15,
            "aluminium": 0.15,
        },
        export_groups={
            "components": 0.35,
            "machinery": 0.1,
            "plastics_articles": 0.2,
            "furniture": 0.15,
            "steel_articles": 0.1,
            "appliances": 0.1,
        },
        import_partners={"JP": 0.5, "CN": 0.3, "TH": 0.1, "KR": 0.05, "TW": 0.05},
        export_partners={"JP": 0.5, "US": 0.25, "CN": 0.1, "KR": 0.05, "DE": 0.05, "TH": 0.05},
        ranks=RANKS_FDI,
        local_share=1.0,
        fdi={"JP": 1.0},
        size_median=1.3,
        broker_share=0.15,
    ),
    Segment(
        key="bd-fdi-tw",
        department="43",
        count=95,
        trade="fdi",
        offices={"43IH": 0.3, "43K4": 0.15, "43ND": 0.2, "43NF": 0.15, "43NG": 0.2},
        regimes={"sxxk": 0.5, "epe": 0.3, "gc": 0.2},
        flows={"both": 1.0},
        import_groups={
            "timber": 0.3,
            "fabrics": 0.2,
            "plastics_raw": 0.15,
            "yarn_fibre": 0.1,
            "steel": 0.1,
            "machinery": 0.15,
        },
        export_groups={
            "furniture": 0.45,
            "footwear": 0.25,
            "garments": 0.15,
            "wood_articles": 0.15,
        },
        import_partners={"TW": 0.35, "CN": 0.35, "US": 0.15, "MY": 0.05, "TH": 0.1},
        export_partners={
            "US": 0.55,
            "JP": 0.1,
            "KR": 0.05,
            "DE": 0.05,
            "GB": 0.05,
            "AU": 0.05,
            "CA": 0.05,
            "FR": 0.05,
            "NL": 0.05,
        },
        ranks=RANKS_FDI_RISKIER,
        local_share=1.0,
        fdi={"TW": 1.0},
        broker_share=0.2,
    ),
    Segment(
        key="bd-fdi-cn",
        department="43",
        count=85,
        trade="fdi",
        offices={"43IH": 0.3, "43K4": 0.15, "43ND": 0.2, "43NF": 0.15, "43NG": 0.2},
        regimes={"sxxk": 0.5, "epe": 0.3, "gc": 0.2},
        flows={"both": 1.0},
        import_groups={
            "steel": 0.2,
            "plastics_raw": 0.2,
            "components": 0.2,
            "machinery": 0.2,
            "timber": 0.2,
        },
        export_groups={
            "furniture": 0.3,
            "solar": 0.25,
            "tyres": 0.2,
            "steel_articles": 0.15,
            "ceramics": 0.1,
        },
        import_partners={"CN": 0.8, "KR": 0.05, "JP": 0.05, "TW": 0.05, "US": 0.05},
        export_partners={
            "US": 0.4,
            "DE": 0.1,
            "NL": 0.1,
            "IN": 0.1,
            "AU": 0.1,
            "JP": 0.1,
            "CN": 0.1,
        },
        ranks=RANKS_FDI_RISKIER,
        local_share=1.0,
        fdi={"CN": 1.0},
        broker_share=0.2,
    ),
    Segment(
        key="bd-fdi-other",
        department="43",
        count=65,
        trade="fdi",
        offices={"43IH": 0.3, "43K4": 0.15, "43ND": 0.2, "43NF": 0.15, "43NG": 0.2},
        regimes={"sxxk": 0.5, "epe": 0.3, "gc": 0.2},
        flows={"both": 1.0},
        import_groups={"plastics_raw": 0.3, "paper": 0.2, "components": 0.2, "machinery": 0.3},
        export_groups={"plastics_articles": 0.3, "paper": 0.2, "furniture": 0.2, "food": 0.3},
        import_partners={"SG": 0.2, "MY": 0.2, "TH": 0.2, "US": 0.2, "CN": 0.2},
        export_partners={
            "US": 0.3,
            "JP": 0.2,
            "AU": 0.1,
            "SG": 0.1,
            "KR": 0.1,
            "DE": 0.1,
            "GB": 0.1,
        },
        ranks=RANKS_FDI,
        local_share=1.0,
        fdi={"SG": 0.3, "HK": 0.25, "US": 0.2, "MY": 0.15, "TH": 0.1},
        broker_share=0.2,
    ),
    Segment(
        key="bd-domestic",
        department="43",
        count=425,
        trade="industry",
        offices={"43IH": 0.3, "43K4": 0.3, "43ND": 0.15, "43NF": 0.15, "43NG": 0.1},
        regimes={"production": 0.5, "trading": 0.3, "gc": 0.2},
        flows={"both": 0.6, "export": 0.25, "import": 0.15},
        import_groups={
            "timber": 0.3,
            "machinery": 0.2,
            "steel": 0.15,
            "plastics_raw": 0.15,
            "fabrics": 0.1,
            "paper": 0.1,
        },
        export_groups={
            "furniture": 0.35,
            "wood_articles": 0.15,
            "garments": 0.15,
            "ceramics": 0.1,
            "plastics_articles": 0.1,
            "food": 0.05,
            "nuts": 0.05,
            "coffee_spices": 0.05,
        },
        import_partners={
            "CN": 0.35,
            "US": 0.2,
            "MY": 0.1,
            "TH": 0.1,
            "KR": 0.1,
            "JP": 0.05,
            "DE": 0.05,
            "IN": 0.05,
        },
        export_partners={
            "US": 0.45,
            "JP": 0.1,
            "KR": 0.1,
            "CN": 0.05,
            "GB": 0.05,
            "DE": 0.05,
            "FR": 0.05,
            "AU": 0.05,
            "CA": 0.05,
            "NL": 0.05,
        },
        ranks=RANKS_DOMESTIC,
        local_share=0.85,
        elsewhere={"79": 0.6, "75": 0.4},
        broker_share=0.3,
    ),
)

# The invoice currency by partner: dollars mostly, yuan across the Chinese border, yen, won
# and euros with some partners.
CURRENCY_BY_PARTNER: dict[str, W] = {
    "CN": {"USD": 0.7, "CNY": 0.3},
    "JP": {"USD": 0.7, "JPY": 0.3},
    "KR": {"USD": 0.85, "KRW": 0.15},
    **{c: {"EUR": 0.5, "USD": 0.5} for c in ("DE", "FR", "NL", "IT", "BE", "ES", "AT")},
}
CURRENCY_BORDER_CN: W = {"USD": 0.6, "CNY": 0.4}

# Customs brokers per department (the first is the demo's "Tân Phát").
BROKERS_PER_DEPARTMENT = 4
