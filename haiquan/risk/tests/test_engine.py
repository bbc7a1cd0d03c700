"""The lane decision: profiles, validity, versions, the rule cache and random selection."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from haiquan.risk.engine import lane_decide, lane_decide_unnumbered, lane_with_draw, random_draw
from haiquan.risk.models import RiskProfileVersion
from haiquan.risk.services import office_setting_set, profile_deactivate, profile_update

from .facts import facts, line

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_no_profile_no_random_rate_is_green():
    result = lane_decide(facts())
    assert result.lane == "green"
    assert result.reasons == ()
    assert result.random_selected is False
    assert result.score is None


def test_matching_profile_raises_the_lane_with_its_reason(make_profile):
    make_profile("CARS", {"hs_prefixes": ["8703"]}, reason="Check the type approval.")
    car = line(3, hs="87032363", origin="JP", quantity=1, value=800_000_000)
    result = lane_decide(facts(line(1), line(2), car))
    assert result.lane == "yellow"
    assert result.reasons_json() == [
        {
            "source": "profile",
            "code": "CARS",
            "lane": "yellow",
            "text": "Check the type approval.",
            "line_no": 3,
            "version": 1,
        }
    ]
    assert lane_decide(facts(line(1))).lane == "green"


def test_most_severe_lane_wins_and_every_reason_is_listed(make_profile):
    make_profile("LOW", {"compliance_ranks": ["low"]}, "yellow")
    make_profile("TOBACCO", {"hs_prefixes": ["2402"]}, "red")
    make_profile("FROM-CN", {"origins": ["CN"]}, "yellow")
    make_profile("EXPORTS", {"flow": "export"}, "red")  # does not match an import
    decl = facts(line(1, hs="24022090", origin="CN"), compliance_rank="low")
    result = lane_decide(decl)
    assert result.lane == "red"
    # Most severe first, then by code.
    assert [(r.code, r.lane) for r in result.reasons] == [
        ("TOBACCO", "red"),
        ("FROM-CN", "yellow"),
        ("LOW", "yellow"),
    ]


def test_profile_outside_its_validity_dates_does_not_fire(make_profile):
    make_profile(
        "TET-2021",
        {"hs_prefixes": ["2208"]},
        "red",
        valid_from=date(2021, 1, 15),
        valid_to=date(2021, 2, 28),
    )
    spirits = line(hs="22083000")

    def lane_at(y, m, d, hh, mm):
        return lane_decide(facts(spirits, registered_at=datetime(y, m, d, hh, mm, tzinfo=HCM))).lane

    assert lane_at(2021, 1, 14, 23, 59) == "green"
    assert lane_at(2021, 1, 15, 0, 0) == "red"
    assert lane_at(2021, 2, 28, 23, 59) == "red"  # valid_to is the last day in force
    assert lane_at(2021, 3, 1, 0, 1) == "green"


def test_validity_uses_the_day_in_vietnam_not_utc(make_profile):
    make_profile(
        "ONE-DAY", {"flow": "import"}, valid_from=date(2024, 5, 2), valid_to=date(2024, 5, 2)
    )
    # 2 May 2024 06:30 in Hanoi is 1 May 23:30 UTC: in force.
    utc = ZoneInfo("UTC")
    assert lane_decide(facts(registered_at=datetime(2024, 5, 1, 23, 30, tzinfo=utc))).lane == (
        "yellow"
    )
    # 2 May 17:30 UTC is already 3 May 00:30 in Hanoi: no longer in force.
    assert lane_decide(facts(registered_at=datetime(2024, 5, 2, 17, 30, tzinfo=utc))).lane == (
        "green"
    )


def test_new_version_replaces_the_old_and_the_old_is_kept(make_profile, analyst):
    profile = make_profile("TOBACCO", {"hs_prefixes": ["2402"]}, "red")
    cigarettes, raw_tobacco = line(hs="24022090"), line(hs="24011010")
    assert lane_decide(facts(cigarettes)).lane == "red"

    profile_update(
        profile=profile,
        criteria={"hs_prefixes": ["2401"]},
        lane="yellow",
        reason="Raw tobacco: check the import licence.",
        change_note="Cigarette smuggling moved to raw tobacco.",
        actor=analyst,
    )
    assert lane_decide(facts(cigarettes)).lane == "green"
    result = lane_decide(facts(raw_tobacco))
    assert (result.lane, result.reasons[0].version) == ("yellow", 2)
    assert result.reasons[0].text == "Raw tobacco: check the import licence."

    v1 = RiskProfileVersion.objects.get(profile=profile, number=1)
    assert (v1.hs_prefixes, v1.lane) == (["2402"], "red")


def test_deactivated_profile_stops_firing(make_profile, analyst):
    profile = make_profile("FROM-CN", {"origins": ["CN"]})
    decl = facts(line(origin="CN"))
    assert lane_decide(decl).lane == "yellow"
    profile_deactivate(profile=profile, actor=analyst, reason="Campaign over.")
    assert lane_decide(decl).lane == "green"


def test_rules_are_cached_and_reloaded_after_a_change_through_the_services(make_profile, analyst):
    profile = make_profile("FROM-CN", {"origins": ["CN"]})
    decl = facts(line(origin="CN"))
    assert lane_decide(decl).lane == "yellow"

    # A decision with nothing changed reads one row: the revision token.
    with CaptureQueriesContext(connection) as ctx:
        assert lane_decide(decl).lane == "yellow"
    assert len(ctx.captured_queries) == 1

    # Writing behind the services' back is not seen: the compiled rules are in use...
    RiskProfileVersion.objects.filter(profile=profile).update(lane="red")
    assert lane_decide(decl).lane == "yellow"
    # ...and any change through the services makes every process reload.
    make_profile("OTHER", {"flow": "export"})
    assert lane_decide(decl).lane == "red"


def test_office_setting_change_is_seen_at_once(analyst):
    decl = facts(number="104000000017")
    draw = random_draw(decl.number)
    office_setting_set(office="20CF", random_rate="0", actor=analyst)
    assert lane_decide(decl).random_selected is False
    office_setting_set(office="20CF", random_rate="1", actor=analyst)
    result = lane_decide(decl)
    assert (result.random_selected, result.random_draw, result.lane) == (True, draw, "red")


# Random selection for compliance measurement ---------------------------------------------


def test_draw_is_the_documented_hash(settings):
    import hashlib

    settings.HAIQUAN = {**settings.HAIQUAN, "RANDOM_SELECTION_SEED": "qn-2020"}
    digest = hashlib.sha256(b"qn-2020:104000000017").digest()
    expected = Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)
    assert random_draw("104000000017") == expected
    assert random_draw("104000000017", seed="other") != expected


def test_draw_is_reproducible_and_differs_across_numbers():
    assert random_draw("104000000017") == random_draw("104000000017")
    draws = {random_draw(f"1040000{n:05d}") for n in range(1000)}
    assert len(draws) == 1000
    assert all(Decimal(0) <= d < 1 for d in draws)


@hsettings(max_examples=15, deadline=None)
@given(
    seed=st.text(min_size=1, max_size=20),
    rate=st.sampled_from([Decimal("0.01"), Decimal("0.02"), Decimal("0.05"), Decimal("0.3")]),
)
def test_selected_share_is_within_a_binomial_bound(seed, rate):
    n = 20_000
    selected = sum(random_draw(f"10{k:010d}", seed=seed) < rate for k in range(n))
    # Binomial(20,000, p): mean n·p, sd sqrt(n·p·(1-p)); e.g. p = 1% gives 200 ± 14.1.
    # 5 sd either side: a correct draw falls outside about once in 1.7 million.
    sd = math.sqrt(n * float(rate) * (1 - float(rate)))
    assert abs(selected - n * float(rate)) <= 5 * sd


def test_selected_declaration_goes_red_even_when_a_profile_says_yellow(make_profile, analyst):
    make_profile("LOW", {"compliance_ranks": ["low"]}, "yellow")
    office_setting_set(office="20CF", random_rate="0.5", actor=analyst)
    numbers = [f"10400000{k:04d}" for k in range(40)]
    picked = next(n for n in numbers if random_draw(n) < Decimal("0.5"))
    result = lane_decide(facts(number=picked, compliance_rank="low"))
    assert result.lane == "red"
    assert result.random_selected is True
    assert [(r.source, r.code, r.lane) for r in result.reasons] == [
        ("profile", "LOW", "yellow"),
        ("random", "RANDOM", "red"),
    ]
    not_picked = next(n for n in numbers if random_draw(n) >= Decimal("0.5"))
    assert lane_decide(facts(number=not_picked, compliance_rank="low")).lane == "yellow"


def test_the_lane_decided_before_the_number_then_drawn_is_the_same_decision(make_profile, analyst):
    """Registration decides the lane before it takes its number (the counter's lock is held
    only from the number to the commit) and adds the draw afterwards: the same lane, reasons in
    the same order, draw and score as deciding it all at once."""
    make_profile("LOW", {"compliance_ranks": ["low"]}, "yellow")
    office_setting_set(office="20CF", random_rate="0.5", actor=analyst)
    numbers = [f"10400000{k:04d}" for k in range(40)]
    picked = next(n for n in numbers if random_draw(n) < Decimal("0.5"))
    not_picked = next(n for n in numbers if random_draw(n) >= Decimal("0.5"))
    for number in (picked, not_picked):
        f = facts(number=number, compliance_rank="low")
        before = lane_decide_unnumbered(facts(number="", compliance_rank="low"))
        assert before.lane == "yellow" and before.random_selected is False
        assert lane_with_draw(before, f) == lane_decide(f)
    assert lane_decide(facts(number=picked, compliance_rank="low")).lane == "red"


def test_rate_is_inherited_from_the_nearest_office_up_the_tree(analyst):
    # Numbers whose draw lies between 2% and 30%: selected only where the rate is 30%.
    between = [
        n
        for n in (f"10400{k:07d}" for k in range(400))
        if Decimal("0.02") <= random_draw(n) < Decimal("0.3")
    ][:20]
    assert len(between) == 20

    def selected(office_code):
        return [
            lane_decide(facts(number=n, office_code=office_code)).random_selected for n in between
        ]

    office_setting_set(office="00", random_rate="0.3", actor=analyst)  # national
    assert all(selected("20BD")) and all(selected("43IH"))

    office_setting_set(office="20", random_rate="0.02", actor=analyst)  # Quang Ninh department
    assert not any(selected("20BD"))  # the border gate inherits its department's 2%
    assert all(selected("43IH"))  # Binh Duong still inherits the national 30%

    office_setting_set(office="20BD", random_rate="0.3", actor=analyst)  # the gate's own
    assert all(selected("20BD"))
    assert not any(selected("20CF"))


def test_random_reason_names_the_rate_and_office(analyst):
    office_setting_set(office="20", random_rate="1", actor=analyst)
    with translation.override("en"):
        reason = lane_decide(facts(office_code="20BD")).reasons[-1]
    assert (reason.source, reason.code, reason.lane) == ("random", "RANDOM", "red")
    assert reason.text == (
        "Selected at random for compliance measurement (100% of declarations at office 20)."
    )
