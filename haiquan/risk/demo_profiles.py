"""A realistic starting set of risk profiles and random-selection rates, for demos and trials.

Calibrated so that, for a trader population like Vietnam's (most declarations filed by
high- or medium-compliance enterprises), about 60-67% of declarations go green, 30% yellow
and 3-5% red, as in the national figures (9 months of 2023: 66.6 / 29.6 / 3.4%). The test
`tests/test_demo_profiles.py` states the population assumed and checks the mix.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from haiquan.refdata.choices import OfficeKind
from haiquan.refdata.models import Office

from .models import OfficeRiskSetting, RiskProfile
from .services import office_setting_set, profile_create

NATIONAL_RANDOM_RATE = Decimal("0.01")
BORDER_GATE_RANDOM_RATE = Decimal("0.02")  # Quang Ninh's land border gates (Mong Cai...)
QUANG_NINH_DEPARTMENT = "20"
# In force from before the earliest demo history (the sources speak of 2018-2020), so that
# declarations generated for past years are laned by the same rules.
DEMO_VALID_FROM = date(2018, 1, 1)

FOOD = ["02", "03", "04", "16", "19", "20", "21"]
FRESH_FRUIT = ["0804", "0805", "0806", "0807", "0808", "0809", "0810"]

DEMO_PROFILES: tuple[dict[str, Any], ...] = (
    {
        "code": "DN-KHONG-TUAN-THU",
        "name": _("Non-compliant enterprises"),
        "description": _(
            "Enterprises ranked non-compliant after violations: every consignment "
            "is inspected until the rank improves."
        ),
        "criteria": {"compliance_ranks": ["non_compliant"]},
        "lane": "red",
        "reason": _("The enterprise is ranked non-compliant: inspect the goods."),
    },
    {
        "code": "DN-TUAN-THU-THAP",
        "name": _("Low-compliance enterprises"),
        "criteria": {"compliance_ranks": ["low"]},
        "lane": "yellow",
        "reason": _("The enterprise is ranked low compliance: check the documents."),
    },
    {
        "code": "DN-CHUA-XEP-HANG",
        "name": _("Enterprises not yet ranked"),
        "description": _("New traders have no history from which to rank them."),
        "criteria": {"compliance_ranks": ["unranked"]},
        "lane": "yellow",
        "reason": _("The enterprise has no compliance history yet: check the documents."),
    },
    {
        "code": "DN-TRUNG-BINH-NK-GIA-TRI",
        "name": _("Imports worth 300 million VND or more by medium-compliance enterprises"),
        "criteria": {
            "compliance_ranks": ["medium"],
            "flow": "import",
            "min_value_vnd": Decimal("300000000"),
        },
        "lane": "yellow",
        "reason": _(
            "Medium-compliance importer and a customs value of 300 million VND or more: "
            "check the invoice and the valuation documents."
        ),
    },
    {
        "code": "THUOC-LA-2402",
        "name": _("Cigarettes and cigars"),
        "criteria": {"hs_prefixes": ["2402"], "flow": "import"},
        "lane": "red",
        "reason": _(
            "Cigarettes (HS 2402) are a smuggling and tax-fraud priority: inspect the "
            "goods and the excise stamps."
        ),
    },
    {
        "code": "RUOU-2208",
        "name": _("Spirits"),
        "criteria": {"hs_prefixes": ["2208"], "flow": "import"},
        "lane": "red",
        "reason": _(
            "Spirits (HS 2208) carry high special consumption tax: inspect the goods, "
            "the alcohol strength and the stamps."
        ),
    },
    {
        "code": "THUC-PHAM-KTCN",
        "name": _("Imported food subject to food-safety inspection"),
        "description": _(
            "Meat, fish, dairy and processed food need a food-safety inspection result from "
            "the responsible ministry before release (kiểm tra chuyên ngành)."
        ),
        "criteria": {"hs_prefixes": FOOD, "flow": "import"},
        "lane": "yellow",
        "reason": _(
            "Food subject to state food-safety inspection: check that the inspection result "
            "is attached and matches the goods."
        ),
    },
    {
        "code": "O-TO-8703",
        "name": _("Passenger cars"),
        "criteria": {"hs_prefixes": ["8703"], "flow": "import"},
        "lane": "yellow",
        "reason": _(
            "Passenger cars (HS 8703): check the type approval, the year of manufacture "
            "and the declared value."
        ),
    },
    {
        "code": "QUA-TUOI-CN-GIA-THAP",
        "name": _("Fresh fruit from China declared at a low price"),
        "criteria": {
            "hs_prefixes": FRESH_FRUIT,
            "origins": ["CN"],
            "flow": "import",
            "max_unit_price_vnd": Decimal("8000"),
        },
        "lane": "yellow",
        "reason": _(
            "Fresh fruit from China declared below 8,000 VND per kg, well under the "
            "usual price: check the invoice and the plant-quarantine certificate."
        ),
    },
    {
        "code": "DET-MAY-UU-DAI-FTA",
        "name": _("Garments claiming an FTA preference"),
        "criteria": {"hs_prefixes": ["61", "62"], "flow": "import", "preference_claimed": True},
        "lane": "yellow",
        "reason": _(
            "Garments (chapters 61-62) claiming a preferential FTA rate: verify the "
            "certificate of origin and the origin criterion."
        ),
    },
)


@transaction.atomic
def demo_profiles_load(*, actor: Any) -> list[RiskProfile]:
    """Create the demo profiles and random rates that do not exist yet (safe to run again).

    The national random rate (1%) is set on the root office(s), and 2% on Quang Ninh's land
    border gates. `actor` must be a risk analyst or an administrator.
    """
    created = []
    existing = set(RiskProfile.objects.values_list("code", flat=True))
    for spec in DEMO_PROFILES:
        if spec["code"] in existing:
            continue
        created.append(
            profile_create(
                code=spec["code"],
                name=str(spec["name"]),
                description=str(spec.get("description", "")),
                criteria=spec["criteria"],
                lane=spec["lane"],
                reason=str(spec["reason"]),
                valid_from=DEMO_VALID_FROM,
                actor=actor,
            )
        )
    with_setting = set(OfficeRiskSetting.objects.values_list("office_id", flat=True))
    for root in Office.objects.filter(parent__isnull=True).exclude(pk__in=with_setting):
        office_setting_set(office=root, random_rate=NATIONAL_RANDOM_RATE, actor=actor)
    department = Office.objects.filter(code=QUANG_NINH_DEPARTMENT).first()
    if department is not None:
        gates = Office.objects.filter(
            path__startswith=department.path, kind=OfficeKind.BORDER_GATE
        ).exclude(pk__in=with_setting)
        for gate in gates:
            office_setting_set(office=gate, random_rate=BORDER_GATE_RANDOM_RATE, actor=actor)
    return created
