"""The printed statistics report keeps every table inside the page, in every language."""

from __future__ import annotations

from typing import Any

import pytest

from .test_views import OCT, as_

pytestmark = pytest.mark.django_db


def _overflow(document: Any) -> float:
    """How far (CSS px) the widest box reaches past the right edge of its page's content."""
    worst = 0.0
    for page in document.pages:
        box = page._page_box
        right = box.content_box_x() + box.width

        def walk(b: Any, right: float) -> None:
            nonlocal worst
            if hasattr(b, "margin_width"):
                worst = max(worst, b.position_x + b.margin_width() - right)
            for child in getattr(b, "children", None) or []:
                walk(child, right)

        for child in box.children:
            walk(child, right)
    return worst


@pytest.mark.parametrize("language", ["vi", "en", "ja", "zh-hans", "ko"])
def test_the_printed_report_stays_inside_the_page(history, monkeypatch, language):
    weasyprint = pytest.importorskip("weasyprint")
    documents = []

    def render_and_keep(self: Any, *args: Any, **kwargs: Any) -> bytes:
        document = self.render(stylesheets=kwargs.get("stylesheets"))
        documents.append(document)
        return document.write_pdf()

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", render_and_keep)
    client = as_(history, "leader")
    client.cookies["django_language"] = language
    resp = client.get(f"/statistics/report.pdf?{OCT}")  # Quảng Ninh: its offices as rows
    assert resp.status_code == 200 and documents
    assert _overflow(documents[-1]) <= 0.5
