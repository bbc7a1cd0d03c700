"""The public pages: the FAQ bank and its search, one question with the Vietnamese fallback
said on the page, the handbook and its PDF, news. No log-in anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def get(path: str, language: str = "vi", **extra: Any) -> Any:
    return Client(HTTP_ACCEPT_LANGUAGE=language).get(path, **extra)


def test_the_faq_is_public_and_lists_published_questions(content: Any) -> None:
    response = get("/portal/faq/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thủ tục tạm nhập tái xuất hàng hóa được thực hiện như thế nào?" in html
    assert "Bản nháp" not in html  # a draft is not shown


def test_the_portal_front_page_and_nav_entry_are_public(content: Any) -> None:
    response = get("/portal/")
    assert response.status_code == 200
    assert 'href="/portal/faq/"' in response.content.decode()


def test_a_search_without_diacritics_shows_the_right_answer_first(content: Any) -> None:
    html = get("/portal/faq/", data={"q": "thu tuc tam nhap"}).content.decode()
    first = html.index('class="faq-question"')
    assert "tam-nhap-tai-xuat-thu-tuc" in html[first : first + 300]


def test_the_search_answers_htmx_with_only_the_results(content: Any) -> None:
    response = get("/portal/faq/", data={"q": "kho ngoai quan"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "kho-ngoai-quan-thoi-han" in html


def test_a_japanese_page_shows_japanese_where_it_exists(content: Any) -> None:
    html = get("/portal/faq/tam-nhap-tai-xuat-thu-tuc/", "ja").content.decode()
    assert "再輸出のための一時輸入の手続きはどのように行いますか" in html
    assert 'lang="ja"' in html
    assert "notice--warning" not in html


def test_a_japanese_page_falls_back_to_vietnamese_and_says_so(content: Any) -> None:
    response = get("/portal/faq/kho-ngoai-quan-thoi-han/", "ja")
    html = response.content.decode()
    assert "Hàng gửi kho ngoại quan được lưu giữ trong bao lâu?" in html
    assert '<article lang="vi">' in html
    assert 'class="notice notice--warning" role="note"' in html


def test_the_list_marks_each_fallback_in_japanese(content: Any) -> None:
    html = get("/portal/faq/", "ja").content.decode()
    # Two questions have Japanese text? Only one: the other five published are marked.
    assert html.count('class="faq-item" lang="vi"') == 5
    assert html.count('class="faq-item" lang="ja"') == 1


def test_a_draft_question_is_not_public(content: Any) -> None:
    assert get("/portal/faq/khai-bo-sung-nhap/").status_code == 404


def test_an_answer_links_to_its_handbook_section(content: Any) -> None:
    html = get("/portal/faq/tam-nhap-tai-xuat-thu-tuc/").content.decode()
    assert 'href="/portal/handbook/thu-tuc/#tam-nhap"' in html


def test_the_handbook_shows_its_edition_and_what_changed(content: Any) -> None:
    html = get("/portal/handbook/", "en").content.decode()
    assert "2026.1" in html
    assert "Added the temporary import chapter." in html
    assert "Temporary import for re-export" in html


def test_a_handbook_chapter_marks_sections_without_a_translation(content: Any) -> None:
    html = get("/portal/handbook/thu-tuc/", "en").content.decode()
    assert "Goods imported temporarily must be re-exported in time." in html
    assert '<h2 lang="vi">1.2 Phân luồng</h2>' in html


def test_the_handbook_prints_as_pdf(content: Any) -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        pytest.skip("weasyprint cannot load its system libraries here")
    response = get("/portal/handbook/pdf/", "en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_an_unknown_chapter_is_a_404(content: Any) -> None:
    assert get("/portal/handbook/nope/").status_code == 404


def test_news_pages_are_public(content: Any) -> None:
    assert get("/portal/news/").status_code == 200
    assert get("/portal/news/999999/").status_code == 404


def test_other_pages_link_to_a_handbook_section_with_a_tag(content: Any) -> None:
    from django.template import Context, Template

    page = Template(
        '{% load portal %}{% handbook_link "thu-tuc/tam-nhap" %}|{% handbook_link "x/y" %}'
    )
    html = page.render(Context({}))
    assert html.startswith(
        '<a class="handbook-link" href="/portal/handbook/thu-tuc/#tam-nhap">1.1 '
    )
    assert html.endswith("|")


def test_the_faq_lists_one_procedure(content: Any) -> None:
    html = get("/portal/faq/", data={"procedure": "hoan-thue"}).content.decode()
    assert "hoan-thue-nhap-khau" in html
    assert "tam-nhap-tai-xuat-thu-tuc" not in html


def test_news_read_in_another_language_says_it_is_in_vietnamese(db: Any) -> None:
    """A notice is written once, in Vietnamese: a Japanese reader is told so (and its text is
    marked lang="vi"); a Vietnamese reader sees no such badge."""
    from django.test import Client

    from haiquan.portal.models import NewsItem

    item = NewsItem.objects.create(kind="news", title="Thông báo lịch nghỉ Tết", body="Nội dung")
    for path in ("/portal/news/", f"/portal/news/{item.pk}/", "/portal/"):
        ja = Client()
        ja.cookies["django_language"] = "ja"
        html = ja.get(path).content.decode()
        assert 'data-testid="not-translated"' in html, path
        assert 'lang="vi">Thông báo lịch nghỉ Tết' in html, path
        vi = Client()
        vi.cookies["django_language"] = "vi"
        assert 'data-testid="not-translated"' not in vi.get(path).content.decode(), path
