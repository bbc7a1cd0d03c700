"""The translation catalogues of the five languages (haiquan/locale/<lang>/LC_MESSAGES).

`test_catalogue_is_complete` lists, per language, every entry still untranslated or fuzzy. It
is expected to fail until the catalogues are translated (a separate task): the translator
removes the xfail mark once they are complete, and from then on any new string left
untranslated fails the build.

Regenerate the catalogues after changing strings, then compile them:
    cd haiquan && django-admin makemessages -l vi -l en -l ja -l zh_Hans -l ko \\
        --ignore "*/tests/*" --add-location=file && django-admin compilemessages
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

import haiquan

LOCALE_DIR = Path(haiquan.__file__).resolve().parent / "locale"
# English is the language of the source strings: an empty msgstr shows the msgid itself.
SOURCE_LANGUAGE = "en"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]|\{(\w*)\}")


def catalogue(code: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / to_locale(code) / "LC_MESSAGES" / "django.po"))


def incomplete_entries(code: str) -> list[str]:
    """'untranslated: …' and 'fuzzy: …' lines, one per entry that needs a translator."""
    po = catalogue(code)
    lines = [f"fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    if code != SOURCE_LANGUAGE:
        lines += [f"untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    return lines


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_language_has_a_catalogue_with_its_header(code):
    po = catalogue(code)
    assert po.metadata["Language"] == to_locale(code)
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert len(po) > 100


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(code):
    """A .po changed without `compilemessages` would not show on the pages."""
    po = catalogue(code)
    mo = polib.mofile(str(LOCALE_DIR / to_locale(code) / "LC_MESSAGES" / "django.mo"))
    translated = {
        (e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries() if not e.msgid_plural
    }
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo if e.msgid and not e.msgid_plural}
    assert compiled == translated


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_the_placeholders(code):
    """'%(number)s' missing or misspelt in a translation breaks the page at run time."""
    wrong = []
    for e in catalogue(code).translated_entries():
        pairs = (
            [(e.msgid, e.msgstr)]
            if not e.msgid_plural
            else [(e.msgid_plural, s) for s in e.msgstr_plural.values()]
        )
        for source, translated in pairs:
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(translated)):
                wrong.append(f"{source!r} → {translated!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_is_complete(code):
    entries = incomplete_entries(code)
    assert not entries, f"{len(entries)} entries need a translator in {code}:\n" + "\n".join(
        entries
    )
