"""One language per run: `LANG=en_US.UTF-8 haiquan demo` prints only English and
`LANG=vi_VN.UTF-8 haiquan demo` only Vietnamese, every line (steps, the generator's report, each
part's messages, the risk model's evaluation table, the summary and the log-ins).

English: no Vietnamese letter outside the names the database holds (offices, enterprises,
people, banks...). Vietnamese: no line containing an English sentence of the catalogues, and
none of the small English words no Vietnamese sentence has."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

import haiquan
from haiquan.config import cli

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ARGS = ["demo", "--months", "1", "--until", "2023-07-01", "--scale", "0.02"]
LOCALE = Path(haiquan.__file__).resolve().parent / "locale"
# Letters only Vietnamese uses (the base letters with its marks, and đ).
VIETNAMESE = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE
)
ENGLISH_WORDS = re.compile(r"\b(the|and|of|with|from|for|are|is|was|has|have|been|not)\b", re.I)


def _run(monkeypatch, capsys, lang: str) -> list[str]:
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)
    # A command run from the command line closes every connection at its end, as a process
    # about to exit may; here the test's transaction must stay open.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    try:
        cli.main(["haiquan", *ARGS])
    finally:
        translation.deactivate()
    out = capsys.readouterr()
    assert out.err == ""
    lines = out.out.splitlines()
    assert len(lines) > 60 and any("dn.hoanglong" in line for line in lines)
    return lines


def _names() -> str:
    """Every name the database holds: the only Vietnamese an English run may print."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.name in ("name", "first_name", "last_name", "name_vi", "title"):
                found += [str(v) for v in model._default_manager.values_list(field.name, flat=True)]
    return "\n".join(found)


def _vietnamese_outside_names(line: str, names: str) -> list[str]:
    """Runs of capitalised or Vietnamese words (from the first to the last word with a
    Vietnamese letter) that no name holds."""
    wrong = []
    for phrase in re.split(r"[,;:()\[\]…—·/\d%]+", line):
        run: list[str] = []
        for word in [*phrase.split(), ""]:
            if word and (word[0].isupper() or VIETNAMESE.search(word)):
                run.append(word)
                continue
            while run and not VIETNAMESE.search(run[-1]):  # "Quảng Ninh Customs" → "Quảng"
                run.pop()
            while run and not VIETNAMESE.search(run[0]):
                run.pop(0)
            text = " ".join(run)
            if run and text not in names:
                wrong.append(text)
            run = []
    return wrong


def _english_sentences() -> list[re.Pattern[str]]:
    """The catalogue's English sentences of three words or more, placeholders as wildcards."""
    out = []
    for entry in polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po")):
        words = re.sub(r"%\(\w+\)[sdf]|%\(\w+\)\.\d+f|%%", " ", entry.msgid).split()
        if len([w for w in words if w.isalpha()]) < 3:
            continue
        parts = re.split(r"%\(\w+\)(?:\.\d+)?[sdf]", entry.msgid.replace("%%", "%"))
        out.append(re.compile(r".+?".join(re.escape(p) for p in parts)))
    return out


def test_an_english_locale_prints_only_english(monkeypatch, capsys):
    lines = _run(monkeypatch, capsys, "en_US.UTF-8")
    names = _names()
    wrong = {line: found for line in lines if (found := _vietnamese_outside_names(line, names))}
    assert not wrong, wrong
    assert any(line.startswith("[") and "min left" in line for line in lines)  # the progress


def test_a_vietnamese_locale_prints_only_vietnamese(monkeypatch, capsys):
    lines = _run(monkeypatch, capsys, "vi_VN.UTF-8")
    sentences = _english_sentences()
    wrong = [
        line
        for line in lines
        if ENGLISH_WORDS.search(line) or any(s.search(line) for s in sentences)
    ]
    assert not wrong, "\n".join(wrong)
    assert any("phút" in line for line in lines)  # the time left, in Vietnamese


def test_a_skipped_declarations_reason_is_in_the_readers_language():
    """The generator skips a declaration the tariff refuses to assess; the report's reason is
    the tariff's own words, in the language of whoever reads the report — not the language the
    history is written in, and without the problem's field path."""
    from datetime import date
    from decimal import Decimal

    from haiquan.demo.compose import _Unassessable
    from haiquan.demo.fraud import Line
    from haiquan.demo.report import Tally
    from haiquan.tariff.duties import DeclarationIn, LineIn, compute_duties

    def assess(lines: list[Line]):
        return compute_duties(
            DeclarationIn(
                flow="import",
                duty_treatment="dutiable",
                incoterm="CIF",
                exchange_rate=Decimal(25_000),
                freight=Decimal(0),
                insurance=Decimal(0),
                on_day=date(2026, 3, 2),
                lines=[
                    LineIn(
                        hs_code=ln.code,
                        origin=ln.origin,
                        quantity=ln.quantity,
                        unit=ln.unit,
                        value=ln.value,
                    )
                    for ln in lines
                ],
            )
        )

    bad = Line("99999999", "?", "CN", Decimal(1), "KGM", Decimal(1), Decimal(1))
    tally = Tally()
    with translation.override("vi"):  # the history's language
        tally.skip(_Unassessable(assess, [bad]))
    with translation.override("en"):
        english = str(tally.first_problem)
    with translation.override("vi"):
        vietnamese = str(tally.first_problem)
    assert english and vietnamese and english != vietnamese
    assert not VIETNAMESE.search(english), english
    assert "lines[" not in english and "lines[" not in vietnamese
