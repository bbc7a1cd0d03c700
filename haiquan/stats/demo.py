"""The statistics of the demo installation: the aggregates built over the generated history,
and the revenue targets of Quảng Ninh (20) and Bình Dương (43) for 2025 and 2026 from the
Ministry of Finance and the General Department.

Targets are set the way the sources describe them: the General Department's above the
Ministry's (Quảng Ninh 2020: VND 9,500 bn and 10,500 bn, 97.4% and 88.1% reached in September).
They are scaled to the generated revenue so that the dashboard shows plausible percentages:
2025's from 2025's own collection (the Ministry's just above it, the General Department's
higher), 2026's from 2025's collection with growth. Setting them again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_noop

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.core.i18n import later
from haiquan.refdata.models import Office

from .aggregates import stats_refresh
from .choices import Authority
from .selectors import office_subtree_ids, totals_for
from .services import target_set

BILLION = Decimal(1_000_000_000)
# (office, leader) of the demo's Departments.
DEPARTMENTS = (("20", "ld.quangninh"), ("43", "ld.binhduong"))
# Targets as a multiple of the base year's revenue (2025 for both years' base).
FACTORS = {
    2025: {
        Authority.MINISTRY_OF_FINANCE: Decimal("1.026"),
        Authority.GENERAL_DEPARTMENT: Decimal("1.134"),
    },
    2026: {
        Authority.MINISTRY_OF_FINANCE: Decimal("1.08"),
        Authority.GENERAL_DEPARTMENT: Decimal("1.17"),
    },
}
# When the history holds no revenue for 2025 (a small or shifted history): fixed amounts in
# billions of đồng, Quảng Ninh's from the sources.
FALLBACK_BN = {"20": Decimal(9500), "43": Decimal(17100)}


def _setter(username: str) -> User | None:
    return (
        User.objects.filter(username=username, role=Role.LEADER).first()
        or User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    )


def _round_bn(amount: Decimal) -> Decimal:
    """Targets are announced in round figures: to the billion (or the million, when small)."""
    unit = BILLION if amount >= 100 * BILLION else Decimal(1_000_000)
    return max(unit, (amount / unit).quantize(Decimal(1), ROUND_HALF_UP) * unit)


def demo_setup(*, say: Callable[[str], None]) -> None:
    result = stats_refresh(full=True, say=None)
    say(
        later(
            gettext_noop(
                "Statistics: aggregates of %(d)s declarations and %(r)s receipts over %(m)s months."
            ),
            d=result.declarations,
            r=result.receipts,
            m=result.months,
        )
    )
    for code, username in DEPARTMENTS:
        office = Office.objects.filter(code=code).first()
        actor = _setter(username)
        if office is None or actor is None:
            continue
        base = totals_for(
            office_subtree_ids(office), None, date(2025, 1, 1), date(2026, 1, 1)
        ).revenue_vnd
        if base <= 0:
            base = FALLBACK_BN[code] * BILLION / FACTORS[2025][Authority.MINISTRY_OF_FINANCE]
        for year, factors in FACTORS.items():
            for authority, factor in factors.items():
                target_set(
                    actor=actor,
                    office_code=code,
                    year=year,
                    authority=authority,
                    amount_vnd=_round_bn(base * factor),
                    reason="Chỉ tiêu thu ngân sách (dữ liệu minh họa)",
                )
    say(
        later(
            gettext_noop(
                "Statistics: revenue targets of Quảng Ninh and Bình Dương for 2025 and 2026 set."
            )
        )
    )
