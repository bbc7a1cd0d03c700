"""HS codes of the earlier nomenclature on a declaration's lines.

Traders still write AHTN 2017 codes (old contracts, their own software). A code that the
correlation maps to exactly one line of the tariff in force is declared as that line, the code as
written kept beside it for the record (`hs_code_as_written`); a code divided between several
lines is refused, naming them. Read from the tariff's in-memory snapshot, so a declaration of
lines in force costs no query here."""

from __future__ import annotations

from dataclasses import replace

from haiquan.core.problems import FieldProblem
from haiquan.tariff.correlation import EDITION, CodeResolution, split_text
from haiquan.tariff.normalise import hs_code_is_valid, hs_code_normalise
from haiquan.tariff.snapshot import Tariff

from .inputs import DeclarationInput


def hs_codes_convert(
    data: DeclarationInput, *, tariff_token: str | None = None
) -> tuple[DeclarationInput, list[FieldProblem]]:
    """The input with its AHTN 2017 codes converted, and the problems of those that cannot be."""
    codes = [hs_code_normalise(ln.hs_code) for ln in data.lines]
    candidates = [c for c in codes if hs_code_is_valid(c)]
    if not candidates:
        return data, []
    tariff = Tariff.load(candidates, token=tariff_token)
    lines = list(data.lines)
    problems: list[FieldProblem] = []
    for i, code in enumerate(codes):
        targets = tariff.correlation.get(code, ()) if tariff.line(code) is None else ()
        if len(targets) == 1:
            lines[i] = replace(lines[i], hs_code=targets[0], hs_code_as_written=code)
        elif targets:
            problems.append(
                FieldProblem(f"lines[{i}].hs_code", split_text(code, targets), "hs-code-divided")
            )
    if lines == list(data.lines):
        return data, problems
    return replace(data, lines=tuple(lines)), problems


def hs_code_note(hs_code: str, as_written: str) -> str:
    """What the declarant is told of a line's converted code (empty when it was not)."""
    if not as_written:
        return ""
    return CodeResolution(code=hs_code, written=as_written, edition=EDITION).note
