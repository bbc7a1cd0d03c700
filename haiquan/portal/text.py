"""Markdown to safe HTML, Markdown to plain text, and the folding that lets "thu tuc tam nhap"
find "thủ tục tạm nhập"."""

from __future__ import annotations

import functools
import re
import unicodedata

import markdown  # type: ignore[import-untyped]
import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from unidecode import unidecode

ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "h5", "table", "thead", "tbody", "tr", "th", "td", "hr", "abbr", "dl",
    "dt", "dd", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def markdown_html(source: str) -> SafeString:
    """Markdown rendered to HTML and cleaned by nh3: whatever the source holds, no script, no
    event handler and no style reaches the page."""
    html = markdown.markdown(source or "", extensions=["extra", "sane_lists"])
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


def markdown_text(source: str) -> str:
    """The words of a Markdown text without its markup (for search and summaries)."""
    return " ".join(strip_tags(markdown_html(source)).split())


@functools.cache
def _fold_table() -> dict[int, str]:
    """Every non-ASCII character below the CJK blocks mapped to its ASCII transliteration."""
    return {i: unidecode(chr(i)).lower() for i in range(0x80, 0x2E80)}


def fold(text: str) -> str:
    """Lower case without diacritics for Latin script (đ → d, ậ → a); Chinese, Japanese and
    Korean characters are kept as they are (transliterating them would lose the match)."""
    return unicodedata.normalize("NFC", text or "").lower().translate(_fold_table())


_WORD = re.compile(r"[0-9a-z]+|[\u2e80-\U0002ffff]+")
_CJK = re.compile(r"[\u2e80-\U0002ffff]")


def tokens(folded: str) -> list[str]:
    """Words of a folded text; a run of CJK characters (no spaces between words) is cut into
    overlapping pairs of characters, the usual way to index those scripts."""
    out: list[str] = []
    for word in _WORD.findall(folded):
        if _CJK.match(word):
            out.extend(
                [word] if len(word) == 1 else [word[i : i + 2] for i in range(len(word) - 1)]
            )
        else:
            out.append(word)
    return out
