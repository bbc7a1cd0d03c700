"""The tariff's pages, open to everyone: browse by section, chapter and heading, a line with
its parents and rates, the ranked search, the classification assistant and its partial."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor():
    return Client()


def test_sections_chapters_and_headings(visitor):
    html = visitor.get(reverse("tariff:index")).content.decode()
    assert 'data-testid="chapters"' in html and "Động vật sống" in html
    chapter = visitor.get(reverse("tariff:chapter", args=["08"])).content.decode()
    assert reverse("tariff:heading", args=["0810"]) in chapter
    heading = visitor.get(reverse("tariff:heading", args=["0810"])).content.decode()
    assert reverse("tariff:line", args=["08109092"]) in heading and "Quả thanh long" in heading
    assert visitor.get(reverse("tariff:chapter", args=["77"])).status_code == 404
    assert visitor.get(reverse("tariff:heading", args=["9999"])).status_code == 404


def test_a_line_page_shows_its_parents_and_rates_by_agreement(visitor):
    resp = visitor.get(reverse("tariff:line", args=["87032361"]), {"day": "2026-06-01"})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-testid="line-parents"' in html and "Ô tô" in html
    assert 'data-testid="line-preferential"' in html and "CPTPP" in html
    assert "loại trừ (*)" in html or "excluded (*)" in html  # RCEP's Japanese schedule
    assert visitor.get(reverse("tariff:line", args=["84193919"])).status_code == 404


def test_an_ahtn_2017_code_opens_the_line_it_became_saying_so(visitor):
    resp = visitor.get(reverse("tariff:line", args=["84193911"]), follow=True)
    assert resp.redirect_chain == [(reverse("tariff:line", args=["84193930"]), 302)]
    html = resp.content.decode()
    assert "8419.39.11 (AHTN 2017)" in html and "8419.39.30" in html


def test_the_search_page_and_its_partial(visitor):
    page = visitor.get(reverse("tariff:search"), {"q": "o to"}).content.decode()
    assert 'data-testid="tariff-results"' in page and "8703" in page
    partial = visitor.get(reverse("tariff:search"), {"q": "thanh long"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and "0810.90.92" in body


def test_the_assistant_page_and_the_declaration_forms_partial(visitor):
    page = visitor.get(reverse("tariff:assistant"), {"description": "Máy tính xách tay Dell"})
    assert 'data-testid="hs-suggestions"' in page.content.decode()
    partial = visitor.get(
        reverse("tariff:assistant"),
        {"description": "Fresh dragon fruit, white flesh"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<html" not in partial and 'data-code="08109092"' in partial
    assert 'data-action="use-hs-suggestion"' in partial
    empty = visitor.get(reverse("tariff:assistant"), {"description": " "}).content.decode()
    assert "Describe the goods first" in empty or "Hãy mô tả" in empty


def test_the_declaration_forms_lines_offer_the_assistant(db):
    from haiquan.accounts.services import user_create
    from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

    firm = EnterpriseFactory(mst=valid_mst(7), name="Công ty Thử Nghiệm")
    user = user_create(
        username="dn.assist",
        password="pw-assist-2026!",
        role="declarant",
        enterprise_msts=[firm.mst],
    )
    client = Client()
    client.force_login(user)
    html = client.get(reverse("clearance:declaration_create")).content.decode()
    assert "data-hs-assist" in html and reverse("tariff:assistant") in html
    assert 'hx-include="closest [data-line]"' in html and "haiquan/tariff.js" in html
