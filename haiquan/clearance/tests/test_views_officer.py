"""The officers' pages through Django's test client: the queue, the declaration page with the
risk reasons, the check result with recomputed duties, escalation, release, the leader's day."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services
from haiquan.clearance.models import CheckResult, Declaration
from haiquan.clearance.tests.conftest import declaration_input
from haiquan.refdata.models import Enterprise
from haiquan.risk.services import profile_create

pytestmark = pytest.mark.django_db

QUEUE = reverse("clearance:queue")


def red_profile(analyst: Any, lane: str = "red") -> None:
    profile_create(
        code=f"FRUIT-{lane.upper()}",
        name="Fresh fruit from China",
        criteria={"hs_prefixes": ["0810"]},
        lane=lane,
        reason="Kiểm tra thực tế trái cây tươi",
        actor=analyst,
    )


def file(user: Any, mst: str, **kw: Any) -> Declaration:
    return services.declaration_register(actor=user, data=declaration_input(mst, **kw))


@pytest.fixture
def desk(officer: Any) -> Client:
    return login(Client(), officer)


def test_the_queue_lists_own_office_longest_waiting_first(
    rates: None,
    desk: Client,
    declarant: User,
    hoanglong: Enterprise,
    analyst: User,
    officer_elsewhere: User,
) -> None:
    red_profile(analyst)
    first = file(declarant, hoanglong.mst)
    second = file(declarant, hoanglong.mst)
    elsewhere = file(declarant, hoanglong.mst, office_code="43IH")
    html = desk.get(QUEUE).content.decode()
    assert first.number and second.number and elsewhere.number
    assert html.index(first.number) < html.index(second.number)
    assert elsewhere.number not in html
    other_desk = login(Client(), officer_elsewhere).get(QUEUE).content.decode()
    assert elsewhere.number in other_desk and first.number not in other_desk


def test_queue_filters_by_lane_and_enterprise(
    rates: None,
    desk: Client,
    declarant: User,
    hoanglong: Enterprise,
    analyst: User,
    other_declarant: User,
    other_enterprise: Enterprise,
) -> None:
    red_profile(analyst)
    red = file(declarant, hoanglong.mst)
    theirs = file(other_declarant, other_enterprise.mst)
    by_lane = desk.get(QUEUE, {"lane": "yellow"}).content.decode()
    assert red.number and theirs.number
    assert red.number not in by_lane
    by_enterprise = desk.get(QUEUE, {"enterprise": "Minh Anh"}).content.decode()
    assert theirs.number in by_enterprise and red.number not in by_enterprise
    by_mst = desk.get(QUEUE, {"enterprise": hoanglong.mst[:6]}, headers={"HX-Request": "true"})
    assert red.number in by_mst.content.decode() and b"<html" not in by_mst.content


def test_queue_queries_do_not_grow_with_the_queue(
    rates: None,
    desk: Client,
    declarant: User,
    hoanglong: Enterprise,
    analyst: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    red_profile(analyst)
    for _ in range(3):
        file(declarant, hoanglong.mst)
    # 12: with the notifications bell's unread count and the outage banner's lookup (held per
    # process for 10 s; a test's first page reads it).
    with django_assert_max_num_queries(12) as few:
        assert desk.get(QUEUE).status_code == 200
    for _ in range(27):
        file(declarant, hoanglong.mst)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = desk.get(QUEUE)
    assert page.context["page"].paginator.count == 30


def test_traders_may_not_open_the_queue(declarant: User) -> None:
    assert login(Client(), declarant).get(QUEUE).status_code == 403


def test_customs_without_second_factor_are_sent_to_it(officer: User) -> None:
    client = Client()
    client.force_login(officer)
    resp = client.get(QUEUE)
    assert resp.status_code == 302
    assert resp["Location"].startswith(reverse("accounts:second_factor"))


def test_the_officer_sees_the_risk_reasons(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    red_profile(analyst)
    d = file(declarant, hoanglong.mst)
    page = desk.get(reverse("clearance:declaration_detail", args=[d.pk]))
    html = page.content.decode()
    assert 'data-testid="lane-reasons"' in html and "Kiểm tra thực tế trái cây tươi" in html
    assert page.context["actions"].record_check and not page.context["actions"].pay


def test_an_officer_elsewhere_gets_404(
    rates: None, declarant: User, hoanglong: Enterprise, officer_elsewhere: User
) -> None:
    d = file(declarant, hoanglong.mst)
    client = login(Client(), officer_elsewhere)
    assert client.get(reverse("clearance:declaration_detail", args=[d.pk])).status_code == 404
    assert client.get(reverse("clearance:check_record", args=[d.pk])).status_code == 404


def test_a_matching_inspection_clears_once_paid(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    red_profile(analyst)
    d = file(declarant, hoanglong.mst)
    url = reverse("clearance:check_record", args=[d.pk])
    assert desk.get(url).status_code == 200
    missing = desk.post(url, {"version": d.version})
    assert 'href="#id_outcome_0"' in missing.content.decode()
    resp = desk.post(url, {"outcome": "match", "findings": "", "version": d.version})
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.status == "awaiting_payment" and not d.checks_pending
    assert CheckResult.objects.get(declaration=d).outcome == "match"


def test_a_discrepancy_shows_the_recomputed_duties_before_saving(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    red_profile(analyst)
    d = file(declarant, hoanglong.mst)
    url = reverse("clearance:check_record", args=[d.pk])
    data = {
        "outcome": "discrepancy",
        "findings": "Thực tế 12.000 kg",
        "fraud_kind": "quantity",
        "c1_quantity": "12000",
        "version": d.version,
    }
    first = desk.post(url, data)
    html = first.content.decode()
    # 2,000 kg more at USD 0.80 and 25,000 VND: customs value +40,000,000; duty 25% +10,000,000;
    # VAT 5% of 50,000,000 = +2,500,000: the difference is 12,500,000.
    assert first.status_code == 200
    assert "+12.500.000" in html
    assert CheckResult.objects.count() == 0
    confirmed = re.search(r'name="confirmed_for" value="([0-9a-f]+)"', html)
    assert confirmed is not None
    fingerprint = confirmed.group(1)
    resp = desk.post(url, {**data, "confirmed_for": fingerprint})
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.total_duties_vnd == Decimal(62_500_000 + 12_500_000)
    assert CheckResult.objects.get().difference_vnd == Decimal(12_500_000)


def test_a_confirmation_for_other_corrections_shows_the_new_difference_first(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    red_profile(analyst)
    d = file(declarant, hoanglong.mst)
    url = reverse("clearance:check_record", args=[d.pk])
    base = {"outcome": "discrepancy", "findings": "x", "version": d.version}
    html = desk.post(url, {**base, "c1_quantity": "12000"}).content.decode()
    confirmed = re.search(r'name="confirmed_for" value="([0-9a-f]+)"', html)
    assert confirmed is not None
    fingerprint = confirmed.group(1)
    again = desk.post(url, {**base, "c1_quantity": "15000", "confirmed_for": fingerprint})
    assert again.status_code == 200 and CheckResult.objects.count() == 0


def test_a_bad_correction_is_shown_next_to_the_line_field(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    red_profile(analyst)
    d = file(declarant, hoanglong.mst)
    resp = desk.post(
        reverse("clearance:check_record", args=[d.pk]),
        {"outcome": "discrepancy", "findings": "x", "c1_hs_code": "99999999", "version": 1},
    )
    html = resp.content.decode()
    assert 'id="id_c1_hs_code-error"' in html and CheckResult.objects.count() == 0


def test_check_preview_partial(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    red_profile(analyst)
    d = file(declarant, hoanglong.mst)
    html = desk.post(
        reverse("clearance:check_preview", args=[d.pk]), {"c1_quantity": "12000"}
    ).content.decode()
    assert 'data-testid="difference"' in html and "+12.500.000" in html
    assert "<html" not in html


def test_a_stale_version_is_a_409_and_nothing_is_recorded(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    red_profile(analyst)
    d = file(declarant, hoanglong.mst)
    services.declaration_amend(
        actor=declarant,
        declaration=d,
        data=declaration_input(hoanglong.mst, invoice_number="INV-X"),
        reason="Sửa số hóa đơn",
    )
    resp = desk.post(
        reverse("clearance:check_record", args=[d.pk]),
        {"outcome": "match", "version": 1},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 409
    assert "version" in resp.content.decode()
    assert CheckResult.objects.count() == 0


def test_escalate_a_yellow_declaration(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    red_profile(analyst, lane="yellow")
    d = file(declarant, hoanglong.mst)
    url = reverse("clearance:escalate", args=[d.pk])
    assert desk.get(url).status_code == 200
    no_reason = desk.post(url, {"reason": "", "version": d.version})
    assert 'id="id_reason-error"' in no_reason.content.decode()
    desk.post(url, {"reason": "Nghi khai sai số lượng", "version": d.version})
    d.refresh_from_db()
    assert d.status == "inspection" and d.lane == "red"


def test_release_a_cleared_declaration(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise
) -> None:
    d = file(declarant, hoanglong.mst)
    Declaration.objects.filter(pk=d.pk).update(status="cleared")
    url = reverse("clearance:release", args=[d.pk])
    assert desk.get(url).status_code == 200
    desk.post(url, {"version": d.version, "note": ""})
    d.refresh_from_db()
    assert d.status == "released"


def test_release_of_a_declaration_not_cleared_is_a_409(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise
) -> None:
    d = file(declarant, hoanglong.mst)
    resp = desk.post(reverse("clearance:release", args=[d.pk]), {"version": d.version})
    assert resp.status_code == 409


def test_the_leader_sees_todays_numbers_per_office(
    rates: None,
    declarant: User,
    hoanglong: Enterprise,
    analyst: User,
    leader_qn: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    red_profile(analyst, lane="yellow")
    file(declarant, hoanglong.mst)
    file(declarant, hoanglong.mst)
    file(declarant, hoanglong.mst, lines=None, office_code="20BC")
    client = login(Client(), leader_qn)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("clearance:overview"))
    offices = {o.office.code: o for o in page.context["offices"]}
    assert offices["20BD"].total == 2 and offices["20BD"].lanes == {"yellow": 2}
    assert offices["20BC"].total == 1
    assert page.context["totals"]["total"] == 3


def test_an_officer_has_no_overview(officer: User) -> None:
    assert login(Client(), officer).get(reverse("clearance:overview")).status_code == 403


def test_a_central_team_member_sees_the_offices_it_serves(
    rates: None, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    from haiquan.refdata.models import CentralTeam, Office

    team = CentralTeam.objects.create(code="QN-TT", name="Đội thủ tục tập trung")
    team.offices.add(Office.objects.get(code="20BD"))
    member = user_create(
        username="cc.taptrung", password="pw-tt-2026!", role="officer", team_codes=["QN-TT"]
    )
    red_profile(analyst)
    d = file(declarant, hoanglong.mst)
    assert d.number
    assert d.number in login(Client(), member).get(QUEUE).content.decode()


def test_an_officer_reading_a_declaration_page_leaves_a_trace_and_the_trader_does_not(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, officer: User
) -> None:
    from haiquan.accounts.tests.helpers import login as log_in
    from haiquan.audit.models import AccessRecord

    d = file(declarant, hoanglong.mst)
    assert desk.get(reverse("clearance:declaration_detail", args=[d.pk])).status_code == 200
    record = AccessRecord.objects.get()
    assert (record.user_id, record.subject_id, record.via) == (officer.pk, d.pk, "page")
    trader = log_in(Client(), declarant)
    assert trader.get(reverse("clearance:declaration_detail", args=[d.pk])).status_code == 200
    assert AccessRecord.objects.count() == 1


def test_a_discrepancy_without_findings_is_told_next_to_the_findings_and_nothing_recorded(
    rates: None, desk: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    red_profile(analyst)
    d = file(declarant, hoanglong.mst)
    resp = desk.post(
        reverse("clearance:check_record", args=[d.pk]),
        {"outcome": "discrepancy", "findings": "", "version": d.version},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = resp.content.decode()
    assert resp.status_code == 422  # the check page again, the refusal next to its field
    assert 'id="id_findings-error"' in html and "describe the discrepancy found" in html
    assert CheckResult.objects.count() == 0
    d.refresh_from_db()
    assert d.status == "inspection"
