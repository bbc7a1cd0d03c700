"""Loading the content files: idempotent, refused as a whole with each problem's place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from haiquan.core.problems import ValidationFailed
from haiquan.portal.content import content_load
from haiquan.portal.models import Faq, FaqTranslation, HandbookSection
from haiquan.portal.text import markdown_html

from .conftest import DATA

pytestmark = pytest.mark.django_db


def test_loading_twice_changes_nothing() -> None:
    first = content_load(directory=DATA)
    counts = (Faq.objects.count(), FaqTranslation.objects.count(), HandbookSection.objects.count())
    second = content_load(directory=DATA)
    assert first == second
    assert counts == (
        Faq.objects.count(),
        FaqTranslation.objects.count(),
        HandbookSection.objects.count(),
    )
    assert counts == (7, 10, 2)


def test_the_command_loads_a_directory(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    with out.open("w") as fh:
        call_command("portal_load_content", "--dir", str(DATA), stdout=fh)
    assert "7 questions" in out.read_text()


def test_a_broken_file_is_refused_whole_naming_the_place(tmp_path: Path) -> None:
    for name in ("categories.json", "handbook.json"):
        (tmp_path / name).write_text((DATA / name).read_text())
    faqs: list[dict[str, Any]] = json.loads((DATA / "faq.json").read_text())
    faqs[1]["category"] = "khong-co"
    del faqs[2]["translations"]["vi"]
    (tmp_path / "faq.json").write_text(json.dumps(faqs))
    with pytest.raises(ValidationFailed) as exc:
        content_load(directory=tmp_path)
    fields = {e.field for e in exc.value.errors}
    assert "faq.json[1].category" in fields
    assert "faq.json[2].translations.vi.question" in fields
    assert not Faq.objects.exists()


def test_markdown_is_sanitised() -> None:
    html = str(
        markdown_html('**ok** <script>alert(1)</script> <a href="javascript:x" onclick="y">l</a>')
    )
    assert "<strong>ok</strong>" in html
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html


def test_the_shipped_content_loads_in_five_languages() -> None:
    from haiquan.portal.content import DEFAULT_DIR

    if not (DEFAULT_DIR / "faq.json").exists():
        pytest.skip("the content files are not written yet")
    report = content_load(directory=DEFAULT_DIR)
    assert report.faqs >= 60 and report.chapters >= 1
    languages = set(FaqTranslation.objects.values_list("language", flat=True))
    assert languages == {"vi", "en", "ja", "zh_Hans", "ko"}
