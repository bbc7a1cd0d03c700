"""Every generated declaration is what the live workflow would have written: its number, its
duties (the tariff's `compute_duties`), its lane (the risk app's `lane_decide`), its status and
its events, its payments, and the ground truth behind its checks."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Max, Sum
from django.utils import timezone
from stdnum import iso6346
from stdnum.vn import mst as mst_std

from haiquan.clearance.models import (
    CheckResult,
    Container,
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    NumberSequence,
)
from haiquan.clearance.numbering import number_is_valid
from haiquan.demo.models import DemoDataset, SyntheticEnterprise, SyntheticTruth
from haiquan.eventlog.models import Event
from haiquan.payments.models import BankConfirmation, PaymentOrder, Receipt, ReceiptSequence
from haiquan.refdata.models import BrokerAuthorisation, ExchangeRate
from haiquan.risk.engine import DeclarationFacts, LineFacts, lane_decide
from haiquan.tariff.duties import DeclarationIn, LineIn, compute_duties
from haiquan.tariff.snapshot import Tariff

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


def _declarations():
    return Declaration.objects.select_related("type", "office", "enterprise").order_by(
        "registered_at", "id"
    )


def _events_by_declaration():
    out = defaultdict(list)
    for e in Event.objects.filter(declaration_id__isnull=False).order_by("occurred_at", "id"):
        out[e.declaration_id].append(e)
    return out


def test_the_report_counts_what_was_written(history):
    assert history.declarations == Declaration.objects.count() > 400
    assert history.skipped == 0, history.first_problem
    assert history.lines == DeclarationLine.objects.count()
    assert history.containers == Container.objects.count()
    assert history.events == Event.objects.filter(declaration_id__isnull=False).count()
    assert history.checks == CheckResult.objects.count()
    assert history.bank_confirmations == BankConfirmation.objects.count() == Receipt.objects.count()
    assert history.by_flow == dict(Declaration.objects.values_list("flow").annotate(n=Count("id")))
    assert sum(history.by_status.values()) == history.declarations
    assert history.enterprises + history.brokers == SyntheticEnterprise.objects.count()
    dataset = DemoDataset.objects.get()
    assert dataset.finished_at is not None
    assert dataset.report["declarations"] == history.declarations


def test_numbers_are_valid_unique_and_continue_the_sequence(history):
    numbers = list(Declaration.objects.values_list("flow", "number"))
    assert all(number_is_valid(n) for _flow, n in numbers)
    assert len({n for _f, n in numbers}) == len(numbers)
    for flow, prefix in (("import", "1"), ("export", "3")):
        serials = sorted(int(n[1:11]) for f, n in numbers if f == flow)
        assert all(n.startswith(prefix) for f, n in numbers if f == flow)
        # Gap-free from 1, and the live counter continues after the last one.
        assert serials == list(range(1, len(serials) + 1))
        assert NumberSequence.objects.get(name=flow).last == serials[-1]
    # Numbers follow registration order within each flow.
    for flow in ("import", "export"):
        ordered = list(
            Declaration.objects.filter(flow=flow)
            .order_by("registered_at", "number")
            .values_list("number", flat=True)
        )
        assert ordered == sorted(ordered)


def _duty_request(d: Declaration, lines) -> DeclarationIn:
    return DeclarationIn(
        flow=d.flow,
        duty_treatment=d.type.duty_treatment,
        incoterm=d.incoterm,
        exchange_rate=d.exchange_rate,
        freight=d.freight,
        insurance=d.insurance,
        on_day=timezone.localdate(d.registered_at),
        lines=[
            LineIn(
                hs_code=ln["hs_code"],
                origin=ln["origin"],
                quantity=Decimal(str(ln["quantity"])),
                unit=ln["unit"],
                value=Decimal(str(ln["value"])),
                preference=ln["preference"],
                co_number=ln["co_number"],
                co_date=date.fromisoformat(ln["co_date"]) if ln["co_date"] else None,
            )
            for ln in lines
        ],
    )


def test_duties_are_what_compute_duties_gives_for_the_lines(history):
    tariff = Tariff.load(None)
    for d in _declarations():
        lines = list(
            d.lines.order_by("line_no").values(
                "hs_code",
                "origin",
                "quantity",
                "unit",
                "value",
                "preference",
                "co_number",
                "co_date",
                "customs_value_vnd",
                "import_duty_vnd",
                "vat_vnd",
                "total_vnd",
                "unit_price",
            )
        )
        for ln in lines:
            ln["co_date"] = ln["co_date"].isoformat() if ln["co_date"] else None
            # The value is quantity × unit price (rounded to the cent), as validation requires.
            assert abs(ln["quantity"] * ln["unit_price"] - ln["value"]) <= CENT
        duties = compute_duties(_duty_request(d, lines), tariff)
        assert duties.total_vnd == d.total_duties_vnd, d.number
        assert duties.customs_value_vnd == d.customs_value_vnd
        assert duties.vat_vnd == d.vat_vnd and duties.import_duty_vnd == d.import_duty_vnd
        assert [x.total_vnd for x in duties.lines] == [ln["total_vnd"] for ln in lines]
        assert d.invoice_value == sum(ln["value"] for ln in lines)


def test_lane_is_what_lane_decide_gives_for_the_registered_facts(history):
    tariff = Tariff.load(None)
    events = _events_by_declaration()
    escalated = 0
    for d in _declarations():
        v1 = d.versions.get(number=1).content
        duties = compute_duties(_duty_request(d, v1["lines"]), tariff)
        assert duties.total_vnd == Decimal(v1["duties"]["total_vnd"])
        facts = DeclarationFacts(
            number=d.number,
            flow=d.flow,
            type_code=d.type_id,
            office_code=d.office.code,
            office_path=d.office.path,
            enterprise_mst=d.enterprise.mst,
            compliance_rank=d.enterprise.compliance_rank,
            transport_mode=d.transport_mode,
            partner_country=d.partner_country_id or "",
            total_customs_value_vnd=duties.customs_value_vnd,
            registered_at=d.registered_at,
            lines=tuple(
                LineFacts(
                    line_no=i + 1,
                    hs_code=ln["hs_code"],
                    origin=ln["origin"],
                    quantity=Decimal(str(ln["quantity"])),
                    unit=ln["unit"],
                    customs_value_vnd=x.customs_value_vnd,
                    unit_price_vnd=(x.customs_value_vnd / Decimal(str(ln["quantity"]))).quantize(
                        CENT
                    ),
                    preference=ln["preference"],
                )
                for i, (ln, x) in enumerate(zip(v1["lines"], duties.lines, strict=True))
            ),
        )
        result = lane_decide(facts)
        decided = next(e for e in events[d.pk] if e.kind == "declaration.lane_decided")
        assert decided.data["lane"] == result.lane, d.number
        assert decided.data["reasons"] == [r.code for r in result.reasons]
        if any(e.kind == "declaration.escalated" for e in events[d.pk]):
            escalated += 1
            assert (result.lane, d.lane) == ("yellow", "red")
            assert d.lane_reasons[-1]["code"] == "ESCALATED"
        else:
            assert d.lane == result.lane
            assert [r["code"] for r in d.lane_reasons] == [r.code for r in result.reasons]
    assert escalated > 0


def test_lane_mix_is_near_the_national_figures(history):
    n = history.declarations
    green, yellow, red = (history.by_lane.get(k, 0) / n for k in ("green", "yellow", "red"))
    # 2023: 66.6 / 29.6 / 3.4%. A small sample of few enterprises: wide bounds.
    assert 0.5 <= green <= 0.8
    assert 0.15 <= yellow <= 0.45
    assert 0.01 <= red <= 0.1


def test_status_follows_lane_payments_and_events(history):
    events = _events_by_declaration()
    confirmed = dict(
        BankConfirmation.objects.values("order__declaration_id")
        .annotate(s=Sum("amount_vnd"))
        .values_list("order__declaration_id", "s")
    )
    for d in _declarations():
        ev = events[d.pk]
        kinds = [e.kind for e in ev]
        times = {e.kind: e.occurred_at for e in ev}
        # Lodged, registered and the lane decided, in that order, the last two in the same second.
        assert (
            kinds.index("declaration.lodged")
            < kinds.index("declaration.registered")
            < kinds.index("declaration.lane_decided")
        )
        assert times["declaration.lodged"] <= times["declaration.registered"] == d.registered_at
        assert times["declaration.lane_decided"] == d.registered_at
        assert [e.occurred_at for e in ev] == sorted(e.occurred_at for e in ev)
        assert d.paid_vnd == confirmed.get(d.pk, Decimal(0))
        assert d.paid_vnd == sum(
            (Decimal(str(e.data["amount_vnd"])) for e in ev if e.kind == "payment.confirmed"),
            Decimal(0),
        )
        assert d.created_at == times["declaration.lodged"]
        assert d.checks_pending == (d.status in ("document_check", "inspection"))
        if d.total_duties_vnd == 0:
            assert d.payment_state == "none_due"
        elif d.paid_vnd >= d.total_duties_vnd:
            assert d.payment_state == "paid"
        if d.status in ("cleared", "released"):
            cleared = times["declaration.cleared"]
            assert d.cleared_at == cleared
            # Cleared once duties were settled ...
            assert d.payment_state in ("none_due", "paid") or "declaration.amended" in kinds
            pays = [
                e.occurred_at
                for e in ev
                if e.kind == "payment.confirmed" and e.occurred_at <= cleared
            ]
            if d.lane == "green" and d.total_duties_vnd > 0 and "declaration.amended" not in kinds:
                assert pays and cleared >= max(pays)
            if d.lane == "green" and d.total_duties_vnd == 0:
                assert cleared == d.registered_at  # nothing to pay: cleared at registration
            # ... and after the check of a yellow or red one.
            for kind in ("declaration.document_check_recorded", "declaration.inspection_recorded"):
                if kind in times:
                    assert cleared >= times[kind]
            if d.lane != "green":
                assert (
                    "declaration.document_check_recorded" in kinds
                    or "declaration.inspection_recorded" in kinds
                )
        elif d.status == "cancelled" and "declaration.cleared" in kinds:
            # Cleared, then the goods never left: the declaration was cancelled.
            assert d.cleared_at == times["declaration.cleared"] < d.cancelled_at
        else:
            assert "declaration.cleared" not in kinds and d.cleared_at is None
        if d.status == "released":
            assert d.released_at == times["declaration.released"] > d.cleared_at
        else:
            assert "declaration.released" not in kinds
        if d.status == "cancelled":
            assert d.cancel_reason and d.cancelled_at == times["declaration.cancelled"]
            assert "declaration.released" not in kinds
        if d.status == "document_check":
            assert d.lane == "yellow" and "declaration.document_check_recorded" not in kinds
        if d.status == "inspection":
            assert d.lane == "red" and "declaration.inspection_recorded" not in kinds


def test_the_history_ends_with_work_still_open(history):
    # The last evening before the end: some declarations still wait for payment or a check.
    last = Event.objects.filter(declaration_id__isnull=False).aggregate(m=Max("occurred_at"))["m"]
    assert last < history.period_end
    assert history.by_status.get("released", 0) > 0.9 * history.declarations
    open_ = sum(
        history.by_status.get(s, 0)
        for s in ("awaiting_payment", "document_check", "inspection", "cleared")
    )
    assert open_ > 0


def test_every_declaration_has_its_first_version_and_numbered_amendments(history):
    assert DeclarationVersion.objects.filter(number=1).count() == history.declarations
    for d in Declaration.objects.annotate(n=Count("versions"), top=Max("versions__number")):
        assert d.n == d.top and d.amendment_count == d.n - 1
    amended = Declaration.objects.filter(versions__reason__startswith="Khai bổ sung").distinct()
    for d in amended:
        last = d.versions.order_by("-number").first()
        assert last.total_duties_vnd == d.total_duties_vnd
        ev = Event.objects.filter(declaration_id=d.pk, kind="declaration.amended").get()
        assert ev.data["version"] == last.number
    assert Event.objects.filter(kind="declaration.cancelled").count() == history.by_status.get(
        "cancelled", 0
    )


def test_fraud_share_and_what_the_checks_found(history):
    truths = SyntheticTruth.objects.select_related("declaration")
    assert truths.count() == history.declarations
    fraud = truths.exclude(fraud_kind="")
    share = fraud.count() / history.declarations
    assert 0.015 <= share <= 0.08, share
    assert {t.fraud_kind for t in fraud} <= {"undervaluation", "misclassification", "false_origin"}
    for t in fraud:
        assert t.revenue_at_stake_vnd > 0 and t.true_values
        checks = list(t.declaration.checks.all())
        found = [c for c in checks if c.outcome == "discrepancy"]
        assert t.detected == bool(found)
        if found:
            c = found[0]
            assert c.fraud_kind == t.fraud_kind
            assert (
                c.difference_vnd
                == c.duties_after_vnd - c.duties_before_vnd
                == t.revenue_at_stake_vnd
                > 0
            )
            assert c.corrections and t.declaration.total_duties_vnd >= c.duties_after_vnd
            v2 = t.declaration.versions.get(number=2)
            assert v2.difference_vnd == c.difference_vnd and v2.created_by_id == c.officer_id
        if t.fraud_kind == "undervaluation":
            for line in t.true_values:
                cut = 1 - Decimal(line["declared"]["unit_price"]) / Decimal(
                    line["true"]["unit_price"]
                )
                assert Decimal("0.29") <= cut <= Decimal("0.71")
    # Honest declarations that were checked matched; no discrepancy without a planted fraud.
    honest_checks = CheckResult.objects.filter(declaration__synthetic_truth__fraud_kind="")
    assert honest_checks.exists() and not honest_checks.exclude(outcome="match").exists()
    assert sum(history.detected.values()) == truths.filter(detected=True).count() > 0


def test_checks_have_an_officer_of_the_office(history):
    for c in CheckResult.objects.select_related("officer", "declaration__office"):
        assert c.officer.role == "officer"
        assert c.officer.offices.filter(pk=c.declaration.office_id).exists()


def test_enterprises_have_valid_tax_codes_and_brokers_authorisations(history):
    for e in SyntheticEnterprise.objects.select_related("enterprise"):
        assert mst_std.is_valid(e.enterprise.mst), e.enterprise.mst
    brokered = Declaration.objects.filter(broker__isnull=False).select_related(
        "broker", "created_by"
    )
    assert brokered.exists()
    for d in brokered:
        assert d.broker.is_broker and d.created_by.enterprise_id == d.broker_id
        assert BrokerAuthorisation.objects.filter(
            principal=d.enterprise, broker=d.broker, valid_from__lte=d.registered_at.date()
        ).exists()
    anchors = set(SyntheticEnterprise.objects.exclude(anchor="").values_list("anchor", flat=True))
    assert anchors == {"hoanglong", "tanphat", "bd-fdi"}


def test_containers_units_and_goods(history):
    numbers = list(Container.objects.values_list("number", flat=True))
    assert numbers and all(iso6346.is_valid(n) for n in numbers)
    tariff = Tariff.load(None)
    for code, unit in DeclarationLine.objects.values_list("hs_code", "unit").distinct():
        assert tariff.line(code).unit == unit
    # Bulk goods travel without containers.
    assert not Container.objects.filter(declaration__lines__hs_code__startswith="2701").exists()


def test_events_say_who_the_time_belongs_to(history):
    parties = dict(Event.objects.values_list("kind", "party").distinct())
    assert parties["declaration.lodged"] == parties["declaration.registered"] == "trader"
    assert parties["declaration.lane_decided"] == parties["declaration.cleared"] == "customs"
    assert parties["payment.confirmed"] == "bank" and parties["payment_order.created"] == "trader"
    assert parties["declaration.released"] == "movement" and parties["cargo.arrived"] == "movement"
    arrivals = Event.objects.filter(kind="cargo.arrived")
    assert arrivals.exists() and set(arrivals.values_list("subject_type", flat=True)) == {
        "consignment"
    }
    for e in arrivals[:50]:
        d = Declaration.objects.get(pk=e.declaration_id)
        lodged = Event.objects.get(declaration_id=d.pk, kind="declaration.lodged")
        assert d.flow == "import" and e.occurred_at < lodged.occurred_at
        assert e.data["bill_of_lading"] == d.bill_of_lading


def test_time_release_is_near_quang_ninh_figures(history):
    imports, exports = history.release["20 import"], history.release["20 export"]
    # May 2020: imports 10 h 06 min, exports 2 h 29 min; customs' own work under 20%.
    assert 6 <= imports["hours"] <= 15
    assert 1.2 <= exports["hours"] <= 4.5
    assert imports["customs_share"] < 0.25 and exports["customs_share"] < 0.3


def test_payments_orders_confirmations_and_receipts(history):
    for order in PaymentOrder.objects.select_related("declaration"):
        assert order.reference == f"TT{order.declaration.number}{order.sequence:02d}"
    assert (
        not PaymentOrder.objects.values("declaration")
        .filter(status="open")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    for year, last in ReceiptSequence.objects.values_list("year", "last"):
        sequences = sorted(Receipt.objects.filter(year=year).values_list("sequence", flat=True))
        assert sequences == list(range(1, last + 1))
    for c in BankConfirmation.objects.select_related("order", "receipt")[:100]:
        assert c.order.status == "paid" and c.order.paid_at == c.paid_at <= c.received_at
        assert c.receipt.amount_vnd == c.amount_vnd == c.order.amount_vnd
    assert (
        Counter(PaymentOrder.objects.values_list("status", flat=True))["paid"]
        == history.bank_confirmations
    )


def test_exchange_rates_cover_the_history_and_the_days_ahead(history):
    today = timezone.localdate()
    for cur in ("USD", "CNY", "JPY", "KRW", "EUR"):
        days = set(ExchangeRate.objects.filter(currency_id=cur).values_list("day", flat=True))
        needed = {
            history.period_start.date() + timedelta(days=i)
            for i in range((today - history.period_start.date()).days + 8)
        }
        assert needed <= days
    usd_2024 = ExchangeRate.objects.filter(currency_id="USD", day__year=2024).values_list(
        "rate_vnd", flat=True
    )
    assert all(24_000 <= r <= 26_300 for r in usd_2024)


def test_the_goods_come_from_the_whole_tariff(history):
    """The demo declares lines of every part of the tariff (issue 20), not a sample of a few
    dozen: two months at 4 % of the volume already use hundreds of lines in most chapters."""
    codes = set(DeclarationLine.objects.values_list("hs_code", flat=True))
    chapters = {c[:2] for c in codes}
    assert len(codes) >= 600 and len(chapters) >= 70  # 823 lines of 76 chapters today
    assert not chapters & {"93", "98"}  # arms; chapter 98's national lines
