"""The search over the real FAQ bank shipped with haiquan: every question, typed the way users
type it (no diacritics; a typo in its longest word), finds its own answer first — in
Vietnamese and in each other language's own text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from haiquan.portal.content import DEFAULT_DIR, content_load
from haiquan.portal.models import FaqTranslation
from haiquan.portal.search import faq_search
from haiquan.portal.text import fold

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shipped(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    if not (DEFAULT_DIR / "faq.json").exists():
        pytest.skip("the content files are not written yet")
    with django_db_blocker.unblock(), transaction.atomic():
        content_load(directory=DEFAULT_DIR)
        yield
        transaction.set_rollback(True)


def swap_in_longest_word(text: str) -> str:
    """A typo: the 2nd and 3rd letters of the longest word swapped."""
    words = text.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    if len(w) > 3:
        words[i] = w[0] + w[2] + w[1] + w[3:]
    return " ".join(words)


def misses(language: str, make_query: Any) -> list[tuple[str, list[int]]]:
    rows = FaqTranslation.objects.filter(language=language, faq__published=True)
    out = []
    for faq_id, question in rows.values_list("faq_id", "question"):
        query = make_query(question)
        ids = [h.faq_id for h in faq_search(query, language=language)]
        if not ids or ids[0] != faq_id:
            out.append((query, ids[:3]))
    return out


def test_vietnamese_questions_without_diacritics_find_their_answer_first(shipped: Any) -> None:
    assert misses("vi", fold) == []


def test_vietnamese_questions_with_a_typo_find_their_answer_first(shipped: Any) -> None:
    assert misses("vi", lambda q: swap_in_longest_word(fold(q))) == []


@pytest.mark.parametrize("language", ["en", "ja", "zh_Hans", "ko"])
def test_questions_in_the_other_languages_find_their_answer_first(
    shipped: Any, language: str
) -> None:
    assert misses(language, lambda q: q) == []


def test_the_issues_example(shipped: Any) -> None:
    ids = [h.faq_id for h in faq_search("thu tuc tam nhap", language="vi")]
    first = FaqTranslation.objects.get(faq_id=ids[0], language="vi").question
    assert "tạm nhập" in first.lower()
