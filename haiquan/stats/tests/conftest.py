"""A hand-built history around October 2026 for Quảng Ninh (20: Móng Cái 20BD, Cái Lân 20CD)
and one Bình Dương declaration (43IH), whose figures the tests compute by hand.

USD rates: 24,000 from 1 Sep 2025; 25,000 from 1 Sep 2026; 26,000 from 1 Oct 2026.

| decl | office | flow | enterprise (province) | registered (local) | value VND | USD | lane | notes |
|---|---|---|---|---|---|---|---|---|
| D1 | 20BD | import | E1 (22) | 2026-10-05 10:00 | 260,000,000 | 10,000 | green | ch 08; receipt 26 M on 6 Oct |
| D2 | 20CD | import | E2 (01) | 2026-10-31 23:30 | 520,000,000 | 20,000 | yel. | ch 84 312 M, 85 208 M; KR; paid 2/11 |
| D3 | 20BD | export | E3 (22) | 2026-10-12 09:00 | 130,000,000 | 5,000 | red | ch 08, B11 |
| D4 | 20BD | import | E5 (22) | 2026-10-10 08:00 | 100,000,000 | – | – | cancelled |
| D5 | 20BD | import | E2 | draft | | | | never registered |
| D6 | 20BD | import | E1 | 2026-11-01 00:30 | 26,000,000 | 1,000 | green | November (17:30 UTC on 31 Oct) |
| D7 | 43IH | import | E4 (79) | 2026-10-15 10:00 | 2,600,000,000 | 100,000 | green | receipt 260 M on 20 Oct |
| D8 | 20BD | import | E1 | 2026-09-15 10:00 | 250,000,000 | 10,000 | green | receipt 25 M on 16 Sep |
| D9 | 20CD | import | E2 | 2026-09-20 10:00 | 125,000,000 | 5,000 | green | receipt 12.5 M on 1 Oct 00:10 |
| D10 | 20BD | import | E1 | 2025-10-10 10:00 | 240,000,000 | 10,000 | green | receipt 24 M on 11 Oct 2025 |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.clearance.models import Declaration
from haiquan.payments.services import bank_create
from haiquan.refdata.models import Enterprise
from haiquan.refdata.services import exchange_rate_set
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.stats.aggregates import stats_refresh

from .builders import declaration, receipt

TODAY = date(2026, 11, 25)


@dataclass
class History:
    users: dict[str, User]
    tokens: dict[str, str]
    enterprises: dict[str, Enterprise]
    d: dict[str, Declaration]

    def auth(self, role: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[role]}"}


def build_history() -> History:
    exchange_rate_set(currency="USD", day=date(2025, 9, 1), rate_vnd=Decimal(24000), source="t")
    exchange_rate_set(currency="USD", day=date(2026, 9, 1), rate_vnd=Decimal(25000), source="t")
    exchange_rate_set(currency="USD", day=date(2026, 10, 1), rate_vnd=Decimal(26000), source="t")
    e = {
        "E1": EnterpriseFactory(mst=valid_mst(7101), name="E1 Hạ Long", province_code="22"),
        "E2": EnterpriseFactory(mst=valid_mst(7102), name="E2 Hà Nội", province_code="01"),
        "E3": EnterpriseFactory(mst=valid_mst(7103), name="E3 Móng Cái", province_code="22"),
        "E4": EnterpriseFactory(mst=valid_mst(7104), name="E4 Thủ Dầu Một", province_code="79"),
        "E5": EnterpriseFactory(mst=valid_mst(7105), name="E5 Cẩm Phả", province_code="22"),
    }
    users = {
        "declarant": user_create(
            username="s.declarant", password=None, role="declarant", enterprise_msts=[e["E1"].mst]
        ),
        "officer": user_create(
            username="s.officer", password=None, role="officer", office_codes=["20BD"]
        ),
        "leader": user_create(
            username="s.leader", password=None, role="leader", office_codes=["20"]
        ),
        "leader_bd": user_create(
            username="s.leader.bd", password=None, role="leader", office_codes=["43"]
        ),
        "analyst": user_create(username="s.analyst", password=None, role="analyst"),
        "admin": user_create(username="s.admin", password=None, role="admin"),
    }
    tokens = {role: api_token(u, name="stats tests") for role, u in users.items()}
    actor = users["declarant"]
    bank, _secret = bank_create(code="VTB", name="VietinBank")

    def decl(**kw: Any) -> Declaration:
        return declaration(actor=actor, **kw)

    d = {
        "D1": decl(office="20BD", enterprise=e["E1"], registered="2026-10-05 10:00",
                   value_vnd=260_000_000, duties_vnd=26_000_000),
        "D2": decl(office="20CD", enterprise=e["E2"], registered="2026-10-31 23:30",
                   value_vnd=520_000_000, duties_vnd=52_000_000, lane="yellow", type_code="A12",
                   country="KR", transport="sea",
                   lines=[("84713020", 312_000_000), ("85171300", 208_000_000)]),
        "D3": decl(office="20BD", enterprise=e["E3"], registered="2026-10-12 09:00",
                   value_vnd=130_000_000, flow="export", type_code="B11", lane="red"),
        "D4": decl(office="20BD", enterprise=e["E5"], registered="2026-10-10 08:00",
                   value_vnd=100_000_000, status="cancelled"),
        "D5": decl(office="20BD", enterprise=e["E2"], registered=None, value_vnd=50_000_000),
        "D6": decl(office="20BD", enterprise=e["E1"], registered="2026-11-01 00:30",
                   value_vnd=26_000_000),
        "D7": decl(office="43IH", enterprise=e["E4"], registered="2026-10-15 10:00",
                   value_vnd=2_600_000_000),
        "D8": decl(office="20BD", enterprise=e["E1"], registered="2026-09-15 10:00",
                   value_vnd=250_000_000),
        "D9": decl(office="20CD", enterprise=e["E2"], registered="2026-09-20 10:00",
                   value_vnd=125_000_000),
        "D10": decl(office="20BD", enterprise=e["E1"], registered="2025-10-10 10:00",
                    value_vnd=240_000_000),
    }  # fmt: skip
    for name, amount, issued in (
        ("D1", 26_000_000, "2026-10-06 09:00"),
        ("D2", 52_000_000, "2026-11-02 09:00"),
        ("D7", 260_000_000, "2026-10-20 09:00"),
        ("D8", 25_000_000, "2026-09-16 09:00"),
        ("D9", 12_500_000, "2026-10-01 00:10"),
        ("D10", 24_000_000, "2025-10-11 09:00"),
    ):
        receipt(bank=bank, actor=actor, declaration=d[name], amount=amount, issued=issued)
    return History(users=users, tokens=tokens, enterprises=e, d=d)


@pytest.fixture(scope="module")
def history(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Built and aggregated once per module, rolled back at its end; each test runs in a
    savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        h = build_history()
        stats_refresh(full=True)
        yield h
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
