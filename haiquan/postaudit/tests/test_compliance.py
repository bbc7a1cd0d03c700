"""The compliance rank rule: each rule on its own, and more violations never a better rank."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.postaudit.compliance import RULES, RankInputs, rank_decide

CLEAN = RankInputs(
    window_from=date(2024, 1, 1),
    as_of=date(2026, 1, 1),
    declarations=120,
    months_trading=60,
    checks=20,
    discrepancies=0,
    discrepancy_rate=0.0,
    audits_closed=0,
    audits_with_violations=0,
    audit_amount_vnd=0,
    current_rank="medium",
)

# Worst to best; "unranked" says nothing either way and is left out of the order.
ORDER = ["non_compliant", "low", "medium", "high", "priority"]


def _with(**kw):
    if "discrepancies" in kw:
        kw["discrepancy_rate"] = kw["discrepancies"] / kw.get("checks", CLEAN.checks)
    return replace(CLEAN, **kw)


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (_with(audits_with_violations=2, audit_amount_vnd=1), ("non_compliant", "audit_serious")),
        (
            _with(audits_with_violations=1, audit_amount_vnd=100_000_000),
            ("non_compliant", "audit_serious"),
        ),
        (_with(discrepancies=4), ("non_compliant", "checks_serious")),
        (_with(audits_with_violations=1, audit_amount_vnd=5_000_000), ("low", "audit_violation")),
        (_with(discrepancies=2), ("low", "checks_frequent")),
        (_with(months_trading=6), ("unranked", "too_new")),
        (_with(declarations=9), ("unranked", "too_new")),
        (_with(current_rank="priority"), ("priority", "priority_kept")),
        (_with(discrepancies=1), ("medium", "some_discrepancy")),
        (CLEAN, ("high", "clean_record")),
        (_with(months_trading=18), ("medium", "clean_short")),
    ],
)
def test_each_rule(inputs, expected):
    assert rank_decide(inputs) == expected
    assert expected[1] in RULES


def test_a_priority_enterprise_loses_its_status_with_a_violation():
    assert rank_decide(_with(current_rank="priority", discrepancies=1))[0] == "medium"
    assert (
        rank_decide(_with(current_rank="priority", audits_with_violations=1, audit_amount_vnd=1))[0]
        == "low"
    )


@given(
    checks=st.integers(0, 200),
    bad=st.integers(0, 50),
    audits=st.integers(0, 3),
    amount=st.integers(0, 500_000_000),
    more_bad=st.integers(0, 10),
    more_audits=st.integers(0, 2),
    months=st.integers(0, 120),
    declarations=st.integers(0, 500),
    current=st.sampled_from([*ORDER, "unranked"]),
)
def test_more_violations_never_give_a_better_rank(
    checks, bad, audits, amount, more_bad, more_audits, months, declarations, current
):
    bad = min(bad, checks)
    base = replace(
        CLEAN,
        checks=checks,
        discrepancies=bad,
        discrepancy_rate=bad / checks if checks else 0.0,
        audits_with_violations=audits,
        audit_amount_vnd=amount if audits else 0,
        months_trading=months,
        declarations=declarations,
        current_rank=current,
    )
    worse_bad = bad + more_bad
    worse = replace(
        base,
        checks=checks + more_bad,
        discrepancies=worse_bad,
        discrepancy_rate=worse_bad / (checks + more_bad) if checks + more_bad else 0.0,
        audits_with_violations=audits + more_audits,
        audit_amount_vnd=base.audit_amount_vnd + (1_000_000 * more_audits),
    )
    a, b = rank_decide(base)[0], rank_decide(worse)[0]
    if a in ORDER and b in ORDER:
        assert ORDER.index(b) <= ORDER.index(a), (base, worse)
    if a in ("low", "non_compliant"):
        assert b in ("low", "non_compliant")
