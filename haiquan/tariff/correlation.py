"""The correlation of the earlier nomenclature (AHTN 2017) with the tariff in force (AHTN 2022):
loading the reviewed table shipped in `data/ahtn2017_ahtn2022.csv` (its source and what it
covers are in `data/README.md`), and reading which lines an earlier code became.

The file has one row per pair: `ahtn2017`, `ahtn2022`, `basis` (why, in a reviewer's words). A
code with one row became exactly that line and is converted where traders write it; a code with
several rows was split, and the goods decide: it is refused, naming the lines.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed

from .models import CodeCorrelation, HsLine
from .normalise import hs_code_is_valid, hs_code_normalise

EDITION = "AHTN 2017"
DATA = resources.files("haiquan.tariff") / "data"
CORRELATION_FILE = "ahtn2017_ahtn2022.csv"
COLUMNS = ("ahtn2017", "ahtn2022", "basis")


def dotted(code: str) -> str:
    """'84193919' → '8419.39.19', as the tariff prints a line."""
    return f"{code[:4]}.{code[4:6]}.{code[6:]}" if len(code) == 8 else code


@dataclass(frozen=True)
class CodeResolution:
    """A code as the trader wrote it and the line of the tariff in force it stands for.
    `edition` is set when the code was one of an earlier nomenclature, converted."""

    code: str
    written: str
    edition: str = ""

    @property
    def converted(self) -> bool:
        return bool(self.edition)

    @property
    def note(self) -> str:
        """What the trader is told of a conversion (empty when there was none)."""
        if not self.converted:
            return ""
        return _(
            "%(old)s (%(edition)s) is now %(new)s in the tariff in force (AHTN 2022): the code "
            "was converted. Check that the line describes the goods."
        ) % {"old": dotted(self.written), "edition": self.edition, "new": dotted(self.code)}


def split_text(code: str, targets: list[str] | tuple[str, ...]) -> str:
    """Why an AHTN 2017 code divided between several lines cannot be taken as it is."""
    return _(
        "%(code)s is a line of the %(edition)s nomenclature. The tariff in force (AHTN 2022) "
        "divided it between %(lines)s: give the line that describes the goods."
    ) % {
        "code": dotted(code),
        "edition": EDITION,
        "lines": ", ".join(dotted(c) for c in targets),
    }


def correlation_targets(code: str) -> list[str]:
    """The lines of the tariff in force an AHTN 2017 code became, in code order (none when the
    table does not have it)."""
    normalised = hs_code_normalise(code)
    if not hs_code_is_valid(normalised):
        return []
    return list(
        CodeCorrelation.objects.filter(edition=EDITION, old_code=normalised)
        .order_by("new_code")
        .values_list("new_code", flat=True)
    )


def correlation_map() -> dict[str, tuple[str, ...]]:
    """Every AHTN 2017 code with the lines it became, for the tariff's in-memory snapshot."""
    out: dict[str, list[str]] = {}
    for old, new in (
        CodeCorrelation.objects.filter(edition=EDITION)
        .order_by("old_code", "new_code")
        .values_list("old_code", "new_code")
    ):
        out.setdefault(old, []).append(new)
    return {old: tuple(news) for old, news in out.items()}


def correlation_load(*, path: Path | None = None) -> int:
    """Replace the AHTN 2017 → AHTN 2022 correlation with the file's rows (the shipped one by
    default); returns the number of pairs.

    Each row is checked before anything is written: both codes of eight digits, the earlier
    code not a line of the tariff in force (a code that still is a line means what the tariff in
    force says), the new one a line of it, no pair twice. `ValidationFailed` names each problem
    by row and column. The tariff is marked changed (`tariff_changed`)."""
    with _open(path) as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationFailed(
                [FieldProblem("header", _("Missing columns: %(c)s.") % {"c": ", ".join(missing)})]
            )
        rows = [(n, r) for n, r in enumerate(reader, start=2)]
    lines = set(HsLine.objects.values_list("code", flat=True))
    problems: list[FieldProblem] = []
    pairs: dict[tuple[str, str], str] = {}
    for n, row in rows:
        old = hs_code_normalise(row.get("ahtn2017") or "")
        new = hs_code_normalise(row.get("ahtn2022") or "")
        if not hs_code_is_valid(old):
            problems.append(FieldProblem(f"row {n}.ahtn2017", _("Not an 8-digit code.")))
        elif old in lines:
            problems.append(
                FieldProblem(
                    f"row {n}.ahtn2017",
                    _("%(code)s is a line of the tariff in force; it cannot be converted.")
                    % {"code": dotted(old)},
                )
            )
        if new not in lines:
            problems.append(
                FieldProblem(
                    f"row {n}.ahtn2022",
                    _("%(code)s is not a line of the tariff in force.") % {"code": new},
                )
            )
        if (old, new) in pairs:
            problems.append(FieldProblem(f"row {n}", _("The pair is listed twice."), "duplicate"))
        pairs[(old, new)] = (row.get("basis") or "").strip()
    if problems:
        raise ValidationFailed(problems)
    from .services.schedule import tariff_changed  # (it loads this table with the tariff)

    with transaction.atomic():
        CodeCorrelation.objects.filter(edition=EDITION).delete()
        CodeCorrelation.objects.bulk_create(
            CodeCorrelation(edition=EDITION, old_code=old, new_code=new, basis=basis)
            for (old, new), basis in pairs.items()
        )
        # Every process's snapshot reads the new table; the shipped files' digest is kept, so
        # `load-refdata` does not put the shipped table back over an administration's own.
        tariff_changed(keep_digest=True)
    return len(pairs)


def _open(path: Path | None) -> IO[str]:
    if path is not None:
        return path.open(encoding="utf-8-sig", newline="")
    return (DATA / CORRELATION_FILE).open("r", encoding="utf-8")
