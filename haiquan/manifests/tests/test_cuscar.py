"""CUSCAR files: a real-shaped file of 300 bills imports exactly; malformed ones are refused
with the place of every problem."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.accounts.models import User
from haiquan.core.problems import ValidationFailed
from haiquan.manifests.cuscar import cuscar_read
from haiquan.manifests.models import Bill, BillContainer, GoodsItem, Voyage
from haiquan.manifests.services import cuscar_file

from .cuscar_sample import cuscar_text, sample_bills

pytestmark = pytest.mark.django_db


def _firms(hoanglong: Any, phuthai: Any) -> list[tuple[str, str]]:
    return [
        (hoanglong.mst, hoanglong.name),
        (phuthai.mst, phuthai.name),
        ("", "TO ORDER OF BANK FOR INVESTMENT AND DEVELOPMENT OF VIETNAM"),
    ]


def test_a_file_of_300_bills_imports_exactly(carrier: User, hoanglong: Any, phuthai: Any) -> None:
    bills = sample_bills(300, _firms(hoanglong, phuthai))
    voyage = cuscar_file(actor=carrier, text=cuscar_text(bills))

    assert voyage.source == "cuscar"
    assert voyage.transport_means_name == "WAN HAI 307"
    assert voyage.office.code == "20CD"
    stored = {b.number: b for b in Bill.objects.filter(voyage=voyage)}
    assert len(stored) == 300
    for sample in bills:
        b = stored[sample.number]
        assert (b.kind, b.master_number) == (sample.kind, sample.master)
        assert b.consignee_mst == sample.consignee_mst
        assert b.consignee_id == (
            {hoanglong.mst: hoanglong.pk, phuthai.mst: phuthai.pk}.get(sample.consignee_mst)
        )
        assert b.packages == sample.packages
        assert b.gross_mass_kg == sample.mass
        goods = list(b.goods.order_by("sequence"))
        assert [
            (g.description, g.hs_code, g.packages, g.package_kind, g.gross_mass_kg) for g in goods
        ] == [(d, hs, n, k, kg) for d, hs, n, k, kg in sample.goods]
        containers = {c.number: c.seals for c in b.containers.all()}
        assert containers == dict(sample.containers)
    assert GoodsItem.objects.filter(bill__voyage=voyage).count() == sum(len(b.goods) for b in bills)
    assert BillContainer.objects.filter(bill__voyage=voyage).count() == sum(
        len(b.containers) for b in bills
    )
    houses = [b for b in bills if b.kind == "house"]
    assert houses and all(stored[h.master].kind == "master" for h in houses)


def _problems(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def _lines(text: str) -> list[str]:
    return text.splitlines()


def test_a_malformed_segment_is_refused_with_its_position(carrier: User, hoanglong: Any) -> None:
    text = cuscar_text(sample_bills(5, [(hoanglong.mst, hoanglong.name)]))
    lines = _lines(text)
    # line 12 is the 12th segment (UNA is the first); break its tag with a component separator
    broken = lines[11]
    lines[11] = "C:" + broken
    with pytest.raises(ValidationFailed) as exc:
        cuscar_file(actor=carrier, text="\n".join(lines))
    assert _problems(exc)[0] == ("segment 12", "syntax")
    assert not Voyage.objects.exists()


def test_a_bad_value_names_segment_element_and_component(carrier: User, hoanglong: Any) -> None:
    text = cuscar_text(sample_bills(3, [(hoanglong.mst, hoanglong.name)]))
    lines = _lines(text)
    at = next(i for i, ln in enumerate(lines) if ln.startswith("CNT+11:"))
    lines[at] = "CNT+11:many'"
    with pytest.raises(ValidationFailed) as exc:
        cuscar_file(actor=carrier, text="\n".join(lines))
    assert _problems(exc) == [(f"segment {at + 1} (CNT+01:2)", "not-a-number")]


def test_validation_problems_are_placed_in_the_file(carrier: User, hoanglong: Any) -> None:
    """A container number with a wrong check digit, and a bill whose total is not its items'."""
    text = cuscar_text(sample_bills(4, [(hoanglong.mst, hoanglong.name)]))
    lines = _lines(text)
    eqd = next(i for i, ln in enumerate(lines) if ln.startswith("EQD+CN+"))
    number = lines[eqd].split("+")[2]
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    lines[eqd] = lines[eqd].replace(number, wrong)
    cnt = [i for i, ln in enumerate(lines) if ln.startswith("CNT+11:")][2]
    lines[cnt] = "CNT+11:1'"
    with pytest.raises(ValidationFailed) as exc:
        cuscar_file(actor=carrier, text="\n".join(lines))
    assert sorted(_problems(exc)) == sorted(
        [
            (f"segment {eqd + 1} (EQD+02:1)", "invalid-container"),
            (f"segment {cnt + 1} (CNT+01:2)", "totals-differ"),
        ]
    )
    assert not Bill.objects.exists()


def test_a_cut_file_is_refused_by_its_segment_count(carrier: User, hoanglong: Any) -> None:
    lines = _lines(cuscar_text(sample_bills(3, [(hoanglong.mst, hoanglong.name)])))
    gone = next(i for i, ln in enumerate(lines) if ln.startswith("NAD+N1"))
    del lines[gone]
    with pytest.raises(ValidationFailed) as exc:
        cuscar_file(actor=carrier, text="\n".join(lines))
    assert [c for _, c in _problems(exc)] == ["segment-count"]


def test_another_message_is_not_a_cargo_report(carrier: User) -> None:
    text = "UNA:+.? 'UNB+UNOC:3+A+B+261207:0930+1'UNH+1+IFTMIN:D:01B:UN'BGM+85+X'UNT+3+1'UNZ+1+1'"
    with pytest.raises(ValidationFailed) as exc:
        cuscar_file(actor=carrier, text=text)
    assert ("segment 3 (UNH+02:1)", "not-cuscar") in _problems(exc)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    packages=st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=4),
    kg=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999.999"), places=3),
    description=st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1
    ).filter(lambda s: s.strip() and len(s) <= 200),
)
def test_what_is_written_is_read_back(packages: list[int], kg: Decimal, description: str) -> None:
    """Any counts, masses and descriptions (escaped separators included) survive the round trip."""
    from .cuscar_sample import SampleBill

    goods = [(description, "", n, "CT", kg) for n in packages]
    bill = SampleBill(
        number="COSU1",
        kind="simple",
        master="",
        consignee_mst="",
        consignee="X",
        packages=sum(packages),
        mass=kg * len(packages),
        goods=goods,
    )
    report, _reader = cuscar_read(cuscar_text([bill]))
    c = report.consignments[0]
    assert c.total_package_quantity == sum(packages)
    assert [(g.package_quantity, g.gross_mass_measure) for g in c.goods_items] == [
        (n, kg) for n in packages
    ]
    assert all(g.description == description.strip() for g in c.goods_items)
