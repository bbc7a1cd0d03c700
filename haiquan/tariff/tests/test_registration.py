"""What the tariff does inside a registration (clearance's services): a tariff quota drawn down
declaration after declaration to zero, then out of quota, and given back on cancellation; a
trade remedy named per line; the classification assistant's disagreement among the reasons
officers read."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.db import connections
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.clearance import services
from haiquan.clearance.inputs import DeclarationInput, LineInput
from haiquan.refdata.services import exchange_rate_set
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.tariff.assistant import assistant_cache_clear, examples_encode
from haiquan.tariff.assistant.model import Example
from haiquan.tariff.models import ClassifierVersion, HsLine, QuotaAllocation, TariffQuota
from haiquan.tariff.quotas import quota_allocation_set
from haiquan.tariff.remedies import trade_remedies_load_from
from haiquan.tariff.services import tariff_changed

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def trader(db):
    firm = EnterpriseFactory(mst=valid_mst(31), name="Công ty Đường Biên Hòa Ví Dụ")
    today = timezone.localdate()
    for d in (-1, 0, 1):
        exchange_rate_set(currency="USD", day=today + timedelta(days=d), rate_vnd=D(25_000))
    user = user_create(
        username="dn.duong", password="pw-duong-2026!", role="declarant", enterprise_msts=[firm.mst]
    )
    return firm, user


def file(user, firm, *lines, partner="Sugar Australia Pty Ltd", partner_country="AU"):
    data = DeclarationInput(
        type_code="A11",
        office_code="20BD",
        enterprise_mst=firm.mst,
        transport_mode="road",
        incoterm="CIF",
        currency="USD",
        invoice_value=sum((ln.value for ln in lines), D(0)),
        lines=tuple(lines),
        partner_name=partner,
        partner_country=partner_country,
        invoice_number="INV-TRQ-1",
    )
    return services.declaration_register(actor=user, data=data)


def sugar(kg: int) -> LineInput:
    # CIF USD 0.50 a kg
    return LineInput(
        hs_code="17019910",
        description="Đường tinh luyện RE",
        origin="AU",
        quantity=D(kg),
        unit="KGM",
        unit_price=D("0.5"),
        value=(D(kg) * D("0.5")).quantize(D("0.01")),
    )


@pytest.fixture
def sugar_quota(trader):
    """A quota open today over refined sugar (the shipped ones are a calendar year's), with
    10 tonnes allocated to the trader."""
    firm, _user = trader
    for shipped in TariffQuota.objects.filter(lines__code="17019910"):
        shipped.lines.remove(HsLine.objects.get(code="17019910"))
    today = timezone.localdate()
    quota = TariffQuota.objects.create(
        code="TRQ-SUGAR-TEST",
        name_vi="Đường",
        unit="TNE",
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=30),
    )
    quota.lines.add(HsLine.objects.get(code="17019910"))
    tariff_changed()
    quota_allocation_set(quota=quota, enterprise=firm, quantity=D(10), licence="GP-2026-01")
    return quota


def test_registrations_draw_the_quota_to_zero_then_pay_the_out_of_quota_rate(trader, sugar_quota):
    firm, user = trader
    allocation = QuotaAllocation.objects.get(quota=sugar_quota, enterprise=firm)

    # 6 t within the quota: 40%. CIF 3,000 USD → 75,000,000 VND; duty 30,000,000.
    first = file(user, firm, sugar(6_000))
    assert (first.lines.get().import_rate, first.import_duty_vnd) == (D(40), D(30_000_000))
    allocation.refresh_from_db()
    assert allocation.drawn == D(6)

    # 6 t more: 4 within, 2 without: 50,000,000 x 40% + 25,000,000 x 85% = 41,250,000.
    second = file(user, firm, sugar(6_000))
    assert second.import_duty_vnd == D(41_250_000)
    allocation.refresh_from_db()
    assert (allocation.drawn, allocation.remaining) == (D(10), D(0))

    # Nothing left: 1 t at 85% of 12,500,000 = 10,625,000.
    third = file(user, firm, sugar(1_000))
    line = third.lines.get()
    assert (line.import_rate, third.import_duty_vnd) == (D(85), D(10_625_000))
    assert any("TRQ-SUGAR-TEST" in n for n in line.duty_notes)

    # The first is cancelled: its 6 t come back for the next declaration.
    services.declaration_cancel(actor=user, declaration=first, reason="Hợp đồng bị hủy")
    allocation.refresh_from_db()
    assert allocation.remaining == D(6)
    fourth = file(user, firm, sugar(2_000))
    assert fourth.lines.get().import_rate == D(40)


def test_a_registration_names_the_trade_remedy_and_its_reason(trader):
    firm, user = trader
    trade_remedies_load_from(
        StringIO(
            "code,kind,title_vi,legal_basis,origins,hs_codes,valid_from,producer,rate\n"
            "AD-TEST,anti_dumping,Đường mía,2105/QĐ-BCT,TH,17019910,2020-01-01,"
            "Thai Sugar Example Co. Ltd,10\n"
            "AD-TEST,anti_dumping,Đường mía,2105/QĐ-BCT,TH,17019910,2020-01-01,,47.64\n"
        )
    )
    line = sugar(1_000)
    thai = LineInput(**{**line.__dict__, "origin": "TH"})
    named = file(user, firm, thai, partner="THAI SUGAR EXAMPLE CO., LTD.", partner_country="TH")
    other = file(user, firm, thai, partner="Another Exporter", partner_country="TH")
    # CIF 500 USD → 12,500,000 VND: the named exporter 10% = 1,250,000; others 47.64% = 5,955,000
    assert named.total_duties_vnd - other.total_duties_vnd < 0
    named_notes = " ".join(named.lines.get().duty_notes)
    other_notes = " ".join(other.lines.get().duty_notes)
    assert "AD-TEST" in named_notes and "2105/QĐ-BCT" in named_notes and "1.250.000" in named_notes
    assert "5.955.000" in other_notes


def _trained_on_dragon_fruit() -> None:
    ClassifierVersion.objects.create(
        examples=1,
        declarations=40,
        data=examples_encode([Example("qua thanh long tuoi", "08109092", "", 40, 10, 0)]),
        active=True,
    )
    tariff_changed(keep_digest=True)
    assistant_cache_clear()


FRUIT_AS_VEGETABLE = LineInput(
    hs_code="07099990",  # other vegetables: another heading
    description="Quả thanh long tươi",
    origin="CN",
    quantity=D(1_000),
    unit="KGM",
    unit_price=D("0.8"),
    value=D("800.00"),
)


def test_registration_never_waits_for_the_assistant_to_be_built(trader, monkeypatch, settings):
    """After a start or a change of the tariff or of the trained version, the assistant is
    built in the background: the declarations registered meanwhile go without its reason."""
    firm, user = trader
    settings.TARIFF_ASSISTANT_BUILD_WAIT = False
    _trained_on_dragon_fruit()
    started: list[threading.Thread] = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    first = file(user, firm, FRUIT_AS_VEGETABLE, partner_country="CN")
    assert not [r for r in first.lane_reasons if r["source"] == "classification"]
    assert [t.name for t in started] == ["hs-assistant-build"]
    again = file(user, firm, FRUIT_AS_VEGETABLE, partner_country="CN")
    assert not [r for r in again.lane_reasons if r["source"] == "classification"]
    assert len(started) == 1  # one build at a time
    monkeypatch.setattr(connections, "close_all", lambda: None)  # the test's own connection
    started[0].run()  # the build, here in this thread (it sees this test's transaction)
    later = file(user, firm, FRUIT_AS_VEGETABLE, partner_country="CN")
    assert [r["line_no"] for r in later.lane_reasons if r["source"] == "classification"] == [1]


def test_a_strong_disagreement_of_the_assistant_is_a_reason_officers_read(trader, settings):
    firm, user = trader
    settings.TARIFF_ASSISTANT_BUILD_WAIT = True
    _trained_on_dragon_fruit()
    fruit = FRUIT_AS_VEGETABLE
    declaration = file(user, firm, fruit, partner_country="CN")
    reasons = [r for r in declaration.lane_reasons if r["source"] == "classification"]
    assert len(reasons) == 1
    assert reasons[0]["line_no"] == 1 and reasons[0]["lane"] == "green"
    assert "08109092" in reasons[0]["text"] and "07099990" in reasons[0]["text"]
    # declared where the assistant agrees: nothing said
    right = file(user, firm, LineInput(**{**fruit.__dict__, "hs_code": "08109092"}))
    assert not [r for r in right.lane_reasons if r["source"] == "classification"]
