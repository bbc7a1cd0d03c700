"""The enterprise's pages through Django's test client: the list, the declaration form with its
errors next to the fields, check your answers and registration, amendment, cancellation."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.clearance.tests.conftest import declaration_input, line
from haiquan.refdata.models import Enterprise

pytestmark = pytest.mark.django_db

NEW = reverse("clearance:declaration_create")
LIST = reverse("clearance:declaration_list")


def form_data(mst: str, **changes: Any) -> dict[str, Any]:
    """What the page posts for one line of dragon fruit from China, CIF USD 8,000."""
    data: dict[str, Any] = {
        "type_code": "A11",
        "office_code": "20BD",
        "enterprise_mst": mst,
        "transport_mode": "road",
        "bill_of_lading": "",
        "arrival_date": "",
        "containers": "CSQU3054383",
        "partner_name": "Guangxi Pingxiang Trading Co.",
        "partner_country": "CN",
        "invoice_number": "INV-2026-001",
        "invoice_date": "",
        "incoterm": "CIF",
        "currency": "USD",
        "invoice_value": "8000",
        "freight": "",
        "insurance": "",
        "hs_code": ["08109092"],
        "description": ["Quả thanh long tươi"],
        "origin": ["CN"],
        "quantity": ["10000"],
        "unit": ["KGM"],
        "unit_price": ["0.8"],
        "preference": [""],
        "co_number": [""],
        "co_date": [""],
        "action": "continue",
    }
    data.update(changes)
    return data


@pytest.fixture
def trader(declarant: Any) -> Client:
    return login(Client(), declarant)


def registered(user: Any, mst: str, **kw: Any) -> Declaration:
    return services.declaration_register(actor=user, data=declaration_input(mst, **kw))


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_own_declarations_by_status_tab(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    d1 = registered(declarant, hoanglong.mst, invoice_number="INV-A")
    draft = services.declaration_draft_save(
        actor=declarant, data=declaration_input(hoanglong.mst, invoice_number="INV-B")
    )
    page = trader.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert d1.number
    assert d1.number in html and f"#{draft.pk}" in html
    drafts = trader.get(LIST, {"tab": "draft"}).content.decode()
    assert d1.number not in drafts and f"#{draft.pk}" in drafts
    # The tab counts: 2 in all, 1 draft, 1 in progress (awaiting payment).
    counts = {t["key"]: t["count"] for t in page.context["tabs"]}
    assert counts == {"all": 2, "draft": 1, "open": 1, "cleared": 0, "released": 0, "cancelled": 0}


def test_search_by_number_bill_of_lading_or_invoice(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    a = registered(declarant, hoanglong.mst, invoice_number="INV-A", bill_of_lading="BL-111")
    b = registered(declarant, hoanglong.mst, invoice_number="INV-B", bill_of_lading="BL-222")
    assert a.number and b.number
    for q, shown, hidden in (
        ("BL-222", b, a),
        ("inv-a", a, b),
        (a.number, a, b),
    ):
        assert shown.number and hidden.number
        html = trader.get(LIST, {"q": q}).content.decode()
        assert shown.number in html and hidden.number not in html, q


def test_htmx_search_answers_only_the_results(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    registered(declarant, hoanglong.mst)
    resp = trader.get(LIST, {"q": "INV"}, headers={"HX-Request": "true"})
    html = resp.content.decode()
    assert "<html" not in html and 'data-testid="declarations"' in html
    assert "HX-Request" in resp["Vary"]


def test_another_enterprises_declarations_are_not_listed(
    rates: None, trader: Client, other_declarant: User, other_enterprise: Enterprise
) -> None:
    theirs = registered(other_declarant, other_enterprise.mst)
    assert theirs.number
    assert theirs.number not in trader.get(LIST).content.decode()
    assert trader.get(reverse("clearance:declaration_detail", args=[theirs.pk])).status_code == 404


def test_the_list_costs_the_same_queries_for_3_or_30_declarations(
    rates: None,
    trader: Client,
    declarant: User,
    hoanglong: Enterprise,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for _ in range(3):
        registered(declarant, hoanglong.mst)
    # 8: with the notifications bell's unread count and the outage banner's lookup (held per
    # process for 10 s; a test's first page reads it).
    with django_assert_max_num_queries(8) as few:
        assert trader.get(LIST).status_code == 200
    for _ in range(27):
        registered(declarant, hoanglong.mst)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = trader.get(LIST)
    assert page.context["page"].paginator.count == 30
    assert len(page.context["page"].object_list) == 25


def test_a_broker_picks_the_principal_and_the_choice_is_remembered(
    rates: None, broker: User, hoanglong: Enterprise, declarant: User
) -> None:
    client = login(Client(), broker)
    resp = client.post(reverse("clearance:acting_for"), {"enterprise": hoanglong.pk})
    assert resp.status_code == 302
    page = client.get(LIST)
    assert page.context["principal"] == hoanglong
    form = client.get(NEW)
    assert form.context["form"].header["enterprise_mst"].value() == hoanglong.mst


def test_officers_get_the_search_of_their_offices_declarations_not_a_traders_list(
    officer: User,
) -> None:
    resp = login(Client(), officer).get(LIST)
    assert resp.status_code == 200
    assert "clearance/declaration_search.html" in [t.name for t in resp.templates]
    assert login(Client(), officer).get(NEW).status_code == 403


def test_anonymous_users_are_sent_to_log_in() -> None:
    resp = Client().get(LIST)
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


# --- The form -------------------------------------------------------------------------------


def test_continue_saves_a_draft_and_shows_check_your_answers(
    rates: None, trader: Client, hoanglong: Enterprise
) -> None:
    resp = trader.post(NEW, form_data(hoanglong.mst))
    draft = Declaration.objects.get()
    assert draft.status == "draft"
    assert resp.status_code == 302
    assert resp["Location"] == reverse("clearance:declaration_review", args=[draft.pk])
    review = trader.get(resp["Location"])
    assert "clearance/declaration_review.html" in [t.name for t in review.templates]
    # 10,000 kg × USD 0.80 at 25,000 VND: customs value 200,000,000; import duty 30% =
    # 50,000,000; VAT 5% of 250,000,000 = 12,500,000; total 62,500,000.
    assert review.context["preview"]["duties"].total_vnd == 62_500_000
    assert "62.500.000" in review.content.decode()  # Vietnamese, the default, groups with dots
    english = Client(headers={"Accept-Language": "en"})
    assert isinstance(review.wsgi_request.user, User)
    english.force_login(review.wsgi_request.user)
    assert "62,500,000" in english.get(resp["Location"]).content.decode()


def test_a_wrong_mst_is_shown_next_to_its_field_and_nothing_is_saved(
    rates: None, trader: Client, hoanglong: Enterprise
) -> None:
    resp = trader.post(NEW, form_data("0100109105"))
    assert resp.status_code == 422
    assert Declaration.objects.count() == 0
    html = resp.content.decode()
    # The error summary links to the field, the message stands next to it, tied to the input
    # for screen readers.
    assert 'href="#id_enterprise_mst"' in html
    assert 'id="id_enterprise_mst-error"' in html
    assert re.search(r'aria-describedby="[^"]*id_enterprise_mst-error', html)
    assert re.search(r'name="enterprise_mst"[^>]*aria-invalid="true"', html) or re.search(
        r'aria-invalid="true"[^>]*name="enterprise_mst"', html
    )


@pytest.mark.parametrize("action", ["continue", "save"])
def test_an_unknown_hs_code_is_shown_next_to_the_line_field(
    rates: None, trader: Client, hoanglong: Enterprise, action: str
) -> None:
    resp = trader.post(NEW, form_data(hoanglong.mst, hs_code=["99999999"], action=action))
    html = resp.content.decode()
    if action == "save":
        # A draft keeps what the trader typed: the tariff is checked on the way to registering.
        assert Declaration.objects.count() == 1
        return
    assert Declaration.objects.count() == 0
    assert 'href="#line-0-hs_code"' in html
    assert 'id="line-0-hs_code-error"' in html
    assert 'aria-describedby="line-0-hs_code-error"' in html
    assert "99999999" in html


def test_a_second_line_problem_lands_on_the_second_line(
    rates: None, trader: Client, hoanglong: Enterprise
) -> None:
    data = form_data(
        hoanglong.mst,
        hs_code=["08109092", "08109092"],
        description=["Thanh long", "Thanh long"],
        origin=["CN", "QQ"],
        quantity=["10000", "1"],
        unit=["KGM", "KGM"],
        unit_price=["0.8", "1"],
        preference=["", ""],
        co_number=["", ""],
        co_date=["", ""],
        invoice_value="8001",
    )
    html = trader.post(NEW, data).content.decode()
    assert 'id="line-1-origin-error"' in html and 'id="line-0-origin-error"' not in html
    assert Declaration.objects.count() == 0


def test_unreadable_numbers_are_reported_without_calling_the_service(
    rates: None, trader: Client, hoanglong: Enterprise
) -> None:
    html = trader.post(NEW, form_data(hoanglong.mst, quantity=["ten"])).content.decode()
    assert 'id="line-0-quantity-error"' in html
    assert Declaration.objects.count() == 0


def test_declaring_for_an_enterprise_that_is_not_yours_is_an_error_on_the_mst(
    rates: None, trader: Client, other_enterprise: Enterprise
) -> None:
    html = trader.post(NEW, form_data(other_enterprise.mst)).content.decode()
    assert 'id="id_enterprise_mst-error"' in html
    assert Declaration.objects.count() == 0


def test_save_as_draft_goes_to_the_draft_page(
    rates: None, trader: Client, hoanglong: Enterprise
) -> None:
    resp = trader.post(NEW, form_data(hoanglong.mst, action="save"))
    draft = Declaration.objects.get()
    assert resp["Location"] == reverse("clearance:declaration_detail", args=[draft.pk])


def test_without_javascript_lines_are_added_copied_and_removed_by_posting(
    rates: None, trader: Client, hoanglong: Enterprise
) -> None:
    added = trader.post(NEW, form_data(hoanglong.mst, action="add-line"))
    assert added.status_code == 200  # nothing was refused: the form with one more line
    assert len(added.context["form"].lines) == 2
    copied = trader.post(NEW, form_data(hoanglong.mst, action="copy-line-0"))
    lines = copied.context["form"].lines
    assert [ln["hs_code"].value() for ln in lines] == ["08109092", "08109092"]
    two = form_data(hoanglong.mst, hs_code=["08109092", "09011130"], action="remove-line-0")
    two.update(
        description=["a", "b"],
        origin=["CN", "BR"],
        quantity=["1", "2"],
        unit=["KGM", "KGM"],
        unit_price=["1", "1"],
        preference=["", ""],
        co_number=["", ""],
        co_date=["", ""],
    )
    removed = trader.post(NEW, two)
    assert [ln["hs_code"].value() for ln in removed.context["form"].lines] == ["09011130"]
    assert Declaration.objects.count() == 0


def test_register_from_check_your_answers(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    draft = services.declaration_draft_save(actor=declarant, data=declaration_input(hoanglong.mst))
    resp = trader.post(reverse("clearance:declaration_review", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "awaiting_payment"
    assert draft.number is not None and len(draft.number) == 12
    assert resp["Location"] == reverse("clearance:declaration_detail", args=[draft.pk])


def test_problems_found_at_registration_are_listed_on_check_your_answers(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    draft = services.declaration_draft_save(actor=declarant, data=declaration_input(hoanglong.mst))
    # The tariff no longer has the line's code when the declarant registers.
    DeclarationLine.objects.filter(declaration=draft).update(hs_code="99999999")
    url = reverse("clearance:declaration_review", args=[draft.pk])
    shown = trader.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    resp = trader.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 422
    html = resp.content.decode()
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    told = re.findall(r"<li>(Line 1, HS code: [^<]+)</li>", summary)
    # the registration's problem on top of the preview's (shown before posting too)
    assert len(told) == 2 and told[0] in shown and summary.count(told[0]) == 2
    draft.refresh_from_db()
    assert draft.status == "draft" and not draft.number


def test_copy_prefills_a_new_form_and_saves_nothing(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    source = registered(declarant, hoanglong.mst, invoice_number="INV-COPY")
    page = trader.get(NEW, {"from": source.pk})
    form = page.context["form"]
    assert form.header["invoice_number"].value() == "INV-COPY"
    assert form.lines[0]["quantity"].value() == "10000"
    assert Declaration.objects.count() == 1


def test_edit_a_draft(rates: None, trader: Client, declarant: User, hoanglong: Enterprise) -> None:
    draft = services.declaration_draft_save(actor=declarant, data=declaration_input(hoanglong.mst))
    url = reverse("clearance:declaration_edit", args=[draft.pk])
    assert trader.get(url).status_code == 200
    resp = trader.post(url, form_data(hoanglong.mst, invoice_number="INV-NEW", action="save"))
    assert resp.status_code == 302
    draft.refresh_from_db()
    assert draft.invoice_number == "INV-NEW" and draft.status == "draft"


def test_amend_needs_a_reason_then_records_a_version(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    d = registered(declarant, hoanglong.mst)
    url = reverse("clearance:declaration_amend", args=[d.pk])
    page = trader.get(url)
    assert page.status_code == 200
    data = form_data(hoanglong.mst, quantity=["12000"], invoice_value="9600", action="amend")
    data["version"] = d.version
    no_reason = trader.post(url, {**data, "reason": ""})
    assert 'id="id_reason-error"' in no_reason.content.decode()
    d.refresh_from_db()
    assert d.versions.count() == 1
    ok = trader.post(url, {**data, "reason": "Số lượng thực tế 12.000 kg"})
    assert ok.status_code == 302
    d.refresh_from_db()
    assert d.versions.count() == 2 and d.lines.get().quantity == Decimal("12000")


def test_amending_with_a_stale_version_is_a_409_with_a_clear_message(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    d = registered(declarant, hoanglong.mst)
    data = form_data(hoanglong.mst, action="amend", reason="Sửa hóa đơn", version=d.version - 1)
    resp = trader.post(reverse("clearance:declaration_amend", args=[d.pk]), data)
    assert resp.status_code == 409
    assert 'data-testid="conflict"' in resp.content.decode()


def test_cancel_with_a_reason(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    d = registered(declarant, hoanglong.mst)
    url = reverse("clearance:declaration_cancel", args=[d.pk])
    missing = trader.post(url, {"reason": "", "version": d.version})
    assert 'id="id_reason-error"' in missing.content.decode()
    resp = trader.post(url, {"reason": "Hàng không về", "version": d.version})
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.status == "cancelled" and d.cancel_reason == "Hàng không về"


# --- htmx parts -----------------------------------------------------------------------------


def test_line_row_gives_an_empty_line_or_a_copy(trader: Client) -> None:
    url = reverse("clearance:line_row")
    empty = trader.get(url).content.decode()
    assert "data-line" in empty and 'name="hs_code"' in empty and "<html" not in empty
    copy = trader.get(url, {"hs_code": "08109092", "quantity": "5"}).content.decode()
    assert 'value="08109092"' in copy and 'value="5"' in copy
    ids = re.findall(r'id="(line-n[0-9a-f]+)"', empty)
    assert ids and ids[0] not in copy  # every inserted line has its own ids


def test_duty_preview_shows_per_line_and_total_duties(
    rates: None, trader: Client, hoanglong: Enterprise
) -> None:
    html = trader.post(reverse("clearance:duty_preview"), form_data(hoanglong.mst)).content.decode()
    assert 'data-testid="duty-preview"' in html
    assert "50.000.000" in html and "12.500.000" in html and "62.500.000" in html


def test_duty_preview_lists_the_problems(
    rates: None, trader: Client, hoanglong: Enterprise
) -> None:
    html = trader.post(
        reverse("clearance:duty_preview"), form_data(hoanglong.mst, hs_code=["99999999"])
    ).content.decode()
    assert 'data-testid="preview-problems"' in html and "99999999" in html


def test_hs_search_by_words_without_accents(trader: Client) -> None:
    html = trader.get(
        reverse("clearance:hs_search"), {"q": "thanh long"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'data-code="08109092"' in html and "<html" not in html
    page = trader.get(reverse("clearance:hs_search"), {"q": "0810"})
    assert page.status_code == 200 and b"<html" in page.content


# --- The declaration page ------------------------------------------------------------------


def test_the_trader_sees_the_lane_but_not_the_reasons(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    from haiquan.risk.services import profile_create

    profile_create(
        code="FRUIT-Y",
        name="Fruit",
        criteria={"hs_prefixes": ["0810"]},
        lane="yellow",
        reason="Kiểm tra giấy phép kiểm dịch",
        actor=analyst,
    )
    d = registered(declarant, hoanglong.mst)
    html = trader.get(reverse("clearance:declaration_detail", args=[d.pk])).content.decode()
    assert 'data-lane="yellow"' in html
    assert "Kiểm tra giấy phép kiểm dịch" not in html and "FRUIT-Y" not in html
    assert 'data-testid="timeline"' in html


def test_the_declaration_page_shows_duties_per_line_and_tax(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    d = registered(
        declarant,
        hoanglong.mst,
        lines=(
            line(),
            line(
                hs_code="09011130",
                origin="BR",
                description="Cà phê",
                quantity=Decimal(100),
                unit_price=Decimal(2),
                value=Decimal(200),
            ),
        ),
    )
    page = trader.get(reverse("clearance:declaration_detail", args=[d.pk]))
    html = page.content.decode()
    assert page.context["actions"].pay and page.context["actions"].amend
    for ln in d.lines.all():
        assert f"{ln.total_vnd:,.0f}".replace(",", ".") in html
    assert f"{d.total_duties_vnd:,.0f}".replace(",", ".") in html


# --- The printed declaration ------------------------------------------------------------------


def test_the_declaration_prints_as_pdf(
    rates: None, trader: Client, declarant: User, hoanglong: Enterprise
) -> None:
    d = registered(declarant, hoanglong.mst)
    resp = trader.get(reverse("clearance:declaration_pdf", args=[d.pk]))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF-")
    assert f"declaration-{d.number}.pdf" in resp["Content-Disposition"]


def test_without_weasyprint_the_pdf_link_answers_503_not_500(
    rates: None,
    trader: Client,
    declarant: User,
    hoanglong: Enterprise,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    d = registered(declarant, hoanglong.mst)
    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    resp = trader.get(reverse("clearance:declaration_pdf", args=[d.pk]))
    assert resp.status_code == 503 and resp["Retry-After"]
    assert "clearance/pdf_unavailable.html" in [t.name for t in resp.templates]


def test_another_enterprises_pdf_is_not_found(
    rates: None, trader: Client, other_declarant: User, other_enterprise: Enterprise
) -> None:
    theirs = registered(other_declarant, other_enterprise.mst)
    assert trader.get(reverse("clearance:declaration_pdf", args=[theirs.pk])).status_code == 404
