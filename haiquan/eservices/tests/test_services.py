"""The services directly: the time limit (started, paused, measured on time or late), the
state machine and what each party may do."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eservices import services
from haiquan.eservices.choices import FilingStatus
from haiquan.eservices.models import AdvanceRuling, Filing
from haiquan.eservices.selectors import holidays, on_time_rates
from haiquan.eservices.workdays import working_day_add, working_days_between

pytestmark = pytest.mark.django_db


def _started(filing: Filing, working_days_ago: int) -> Filing:
    """As if the filing had reached customs `working_days_ago` working days before today."""
    today = services._today()
    hol = holidays()
    day = today
    while working_days_between(day, today, hol) < working_days_ago:
        day = date.fromordinal(day.toordinal() - 1)
    Filing.objects.filter(pk=filing.pk).update(
        clock_started_on=day, due_on=working_day_add(day, filing.time_limit_days, hol)
    )
    filing.refresh_from_db()
    return filing


class TestTimeLimit:
    def test_submitting_a_free_procedure_starts_the_clock(
        self, ready_filing: Any, declarant: Any, hoanglong: Any
    ) -> None:
        filing = ready_filing(declarant, hoanglong.mst)
        assert filing.status == FilingStatus.SUBMITTED
        today = services._today()
        assert filing.clock_started_on == today
        assert filing.due_on == working_day_add(today, 20, holidays())

    def test_a_decision_within_the_limit_is_on_time_and_after_it_late(
        self, ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any
    ) -> None:
        on_time = _started(ready_filing(declarant, hoanglong.mst), 20)
        late = _started(ready_filing(declarant, hoanglong.mst), 21)
        for filing in (on_time, late):
            services.filing_receive(actor=hq_officer, filing=filing)
            services.filing_decide(
                actor=hq_officer, filing=filing, outcome="refused", text="Thiếu tài liệu kỹ thuật."
            )
        on_time.refresh_from_db()
        late.refresh_from_db()
        assert (on_time.working_days_used, on_time.on_time) == (20, True)
        assert (late.working_days_used, late.on_time) == (21, False)

    def test_waiting_for_the_enterprise_does_not_count(
        self, ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any
    ) -> None:
        filing = _started(ready_filing(declarant, hoanglong.mst), 25)
        services.filing_receive(actor=hq_officer, filing=filing)
        services.filing_info_request(actor=hq_officer, filing=filing, text="Bổ sung catalogue.")
        filing.refresh_from_db()
        assert filing.status == FilingStatus.INFO_REQUESTED and filing.due_on is None
        # The request went out 8 working days ago; the enterprise answers today.
        today = services._today()
        hol = holidays()
        asked = today
        while working_days_between(asked, today, hol) < 8:
            asked = date.fromordinal(asked.toordinal() - 1)
        Filing.objects.filter(pk=filing.pk).update(paused_since=asked)
        services.filing_info_answer(actor=declarant, filing=filing, text="Đã bổ sung.")
        filing.refresh_from_db()
        assert filing.paused_working_days == 8 and filing.status == FilingStatus.IN_REVIEW
        assert filing.clock_started_on is not None
        assert filing.due_on == working_day_add(filing.clock_started_on, 28, hol)
        services.filing_decide(actor=hq_officer, filing=filing, outcome="approved", text="Đồng ý.")
        filing.refresh_from_db()
        # 25 working days since it reached customs, 8 of them waiting: 17 used, on time.
        assert (filing.working_days_used, filing.on_time) == (17, True)

    def test_leaders_see_on_time_rates_per_procedure_and_office(
        self, ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any, leader: Any
    ) -> None:
        from haiquan.accounts.services import user_create

        filings = [_started(ready_filing(declarant, hoanglong.mst), n) for n in (3, 30, 2)]
        for filing in filings[:2]:
            services.filing_receive(actor=hq_officer, filing=filing)
            services.filing_decide(
                actor=hq_officer, filing=filing, outcome="refused", text="Không."
            )
        Filing.objects.filter(pk=filings[2].pk).update(due_on=date(2020, 1, 1))
        national = user_create(username="t.ld00", password=None, role="leader", office_codes=["00"])
        today = services._today()
        [row] = on_time_rates(national, date_from=None, date_to=None, today=today)
        assert (row.procedure_code, row.office_code) == ("hs-ruling", "00")
        assert (row.decided, row.on_time, row.late, row.open_overdue) == (2, 1, 1, 1)
        assert row.rate == 0.5
        # The Quảng Ninh leader's scope does not include the General Department's filings.
        assert on_time_rates(leader, date_from=None, date_to=None, today=today) == []
        with pytest.raises(Forbidden):
            on_time_rates(hq_officer, date_from=None, date_to=None, today=today)


class TestWorkflow:
    def test_an_approved_hs_ruling_is_issued_to_the_enterprise(
        self, ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any
    ) -> None:
        filing = ready_filing(declarant, hoanglong.mst)
        services.filing_receive(actor=hq_officer, filing=filing)
        with pytest.raises(ValidationFailed) as exc:
            services.filing_decide(
                actor=hq_officer,
                filing=filing,
                outcome="approved",
                text="Phân loại theo chú giải chương 84.",
                ruling=services.RulingTerms(hs_code="12345678"),
            )
        assert exc.value.errors[0].field == "hs_code"
        services.filing_decide(
            actor=hq_officer,
            filing=filing,
            outcome="approved",
            text="Phân loại theo chú giải chương 84.",
            ruling=services.RulingTerms(hs_code="84713020"),
        )
        ruling = AdvanceRuling.objects.get(filing=filing)
        assert ruling.number.startswith("XDTMS-") and ruling.hs_code == "84713020"
        assert ruling.enterprise == hoanglong
        assert (ruling.valid_to - ruling.valid_from).days in (1094, 1095)

    def test_steps_out_of_order_and_by_the_wrong_party_are_refused(
        self,
        ready_filing: Any,
        declarant: Any,
        hoanglong: Any,
        hq_officer: Any,
        gate_officer: Any,
    ) -> None:
        draft = ready_filing(declarant, hoanglong.mst, submit=False)
        with pytest.raises(Conflict):
            services.filing_receive(actor=hq_officer, filing=draft)
        filing = services.filing_submit(actor=declarant, filing=draft)
        with pytest.raises(Conflict):
            services.filing_submit(actor=declarant, filing=filing)
        with pytest.raises(Forbidden):
            services.filing_receive(actor=gate_officer, filing=filing)
        with pytest.raises(Forbidden):
            services.filing_receive(actor=declarant, filing=filing)
        services.filing_receive(actor=hq_officer, filing=filing)
        with pytest.raises(Forbidden):
            services.filing_info_answer(actor=hq_officer, filing=filing, text="?")
        with pytest.raises(Conflict):
            services.filing_info_answer(actor=declarant, filing=filing, text="Không ai hỏi.")
        with pytest.raises(ValidationFailed) as exc:
            services.filing_decide(actor=hq_officer, filing=filing, outcome="maybe", text="x")
        assert exc.value.errors[0].field == "outcome"

    def test_a_broker_files_for_its_principal_and_for_its_own_firm(
        self, catalogue: Any, broker: Any, hoanglong: Any, tanphat: Any, minhanh: Any
    ) -> None:
        from .conftest import BROKER_DATA, HS_RULING_DATA

        for mst, code, data in (
            (hoanglong.mst, "hs-ruling", HS_RULING_DATA),
            (tanphat.mst, "broker-registration", BROKER_DATA),
        ):
            filing = services.filing_create(
                actor=broker, procedure=catalogue[code], enterprise_mst=mst, data=data
            )
            assert filing.enterprise.mst == mst
        with pytest.raises(Forbidden):
            services.filing_create(
                actor=broker,
                procedure=catalogue["hs-ruling"],
                enterprise_mst=minhanh.mst,
                data=HS_RULING_DATA,
            )
