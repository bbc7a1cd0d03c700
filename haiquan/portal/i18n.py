"""Content in five languages: which language a page asks for, and the text in it or, where none
was written, in Vietnamese — saying so, so that the page can tell the reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language, to_locale

from .choices import CONTENT_LANGUAGES, DEFAULT_CONTENT_LANGUAGE


def content_language(language: str | None = None) -> str:
    """The content language for a Django language code ("zh-hans" → "zh_Hans"); Vietnamese
    for anything the portal has no content language for."""
    if language in CONTENT_LANGUAGES:
        return language
    code = to_locale(language or get_language() or DEFAULT_CONTENT_LANGUAGE)
    if code in CONTENT_LANGUAGES:
        return code
    base = code.split("_")[0]
    return base if base in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE


@dataclass(frozen=True)
class Translated:
    text: str
    language: str  # the language the text is in
    fallback: bool  # True when the text is Vietnamese because the asked language has none


def translated(translations: dict[str, Any], key: str, language: str | None = None) -> Translated:
    """`translations[lang][key]` in the page's language, else in Vietnamese (fallback)."""
    lang = content_language(language)
    text = str((translations.get(lang) or {}).get(key) or "").strip()
    if text:
        return Translated(text, lang, False)
    text = str((translations.get(DEFAULT_CONTENT_LANGUAGE) or {}).get(key) or "").strip()
    return Translated(text, DEFAULT_CONTENT_LANGUAGE, lang != DEFAULT_CONTENT_LANGUAGE)


def html_lang(language: str) -> str:
    """A content language as a BCP 47 tag for `lang=` attributes: zh_Hans → zh-Hans."""
    return language.replace("_", "-")
