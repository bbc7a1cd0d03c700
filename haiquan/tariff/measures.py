"""Loading the ministries' inspection lists by tariff line and the reviewed reading of each
measure (`data/measures.csv`).

The list (`data/vn_specialised_procedures.csv.gz`: `hs_code`, `specialised_procedures_vi`)
gives, per 8-digit line, its measures separated by `;`, each written as the list writes it with
its legal text in the last brackets; a measure marked `*` applies to some goods of the line
only. The review file says, for each measure's exact text: a key, an English title, its effect
(`document`, `prohibited`, `condition`, `trade_remedy`, `quota`, `relief`), the document it
needs (`permit` or `inspection`), the flow, the ministry, the kind of agency that issues the
document (and the agency's code where one is named), who reviewed it and when. A measure the
list has and the review does not is a problem: nothing is loaded until a person has read it.
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from haiquan.core.bulkwrite import IdAllocator, Table, write_rows
from haiquan.core.problems import FieldProblem, ValidationFailed

from .choices import MeasureEffect, MeasureFlow
from .models import HsLine, Measure, MeasureLine

DATA = resources.files("haiquan.tariff") / "data"
LIST_FILE = "vn_specialised_procedures.csv.gz"
REVIEW_FILE = "measures.csv"
REVIEW_COLUMNS = ("key", "measure_vi", "effect", "document", "flow")
DOCUMENTS = ("permit", "inspection")

_SPACES = re.compile(r"\s+")
# Two measures written one after the other without their ";": a closing bracket followed by a
# capital letter.
_GLUED = re.compile(r"(?<=\))\s*\*?(?=[A-ZĐÀ-Ỹ])")
_LEGAL = re.compile(r"\(([^()]*)\)\s*$")


def measure_text(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\xa0", " ")).replace(" )", ")").strip()


def split_cell(cell: str) -> list[tuple[str, bool]]:
    """A cell of the list → [(measure text, partial)], as the list writes each measure."""
    parts: list[str] = []
    pending = ""
    for raw in (cell or "").split(";"):
        for piece in _GLUED.split(raw):
            piece = piece.strip()
            if not piece:
                continue
            if pending:
                piece = f"{pending}, {piece}"
                pending = ""
            if "(" not in piece:  # a measure cut in two by a ";" inside its text
                pending = piece
                continue
            parts.append(piece)
    if pending:
        parts.append(pending)
    out = []
    for piece in parts:
        partial = piece.rstrip().endswith("*")
        out.append((measure_text(piece.rstrip("* ")), partial))
    return out


def legal_basis_of(text: str) -> str:
    m = _LEGAL.search(text)
    return m.group(1).strip() if m else ""


@dataclass(frozen=True)
class Review:
    key: str
    text: str
    title_en: str
    effect: str
    document: str
    flow: str
    ministry: str
    agency_kind: str
    agency_code: str
    reviewed_by: str
    reviewed_on: date | None


def read_review(fh: IO[str], problems: list[FieldProblem]) -> dict[str, Review]:
    reader = csv.DictReader(fh)
    missing = [c for c in REVIEW_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(
            FieldProblem(
                "measures_csv",
                _("the column '%(col)s' is missing from the header row") % {"col": missing[0]},
                "missing-column",
            )
        )
        return {}
    out: dict[str, Review] = {}
    for rowno, row in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        at = f"measures_csv[{rowno}]"
        text = measure_text(cells["measure_vi"])
        if cells["effect"] not in MeasureEffect.values:
            problems.append(FieldProblem(f"{at}.effect", _("not an effect the tariff knows")))
            continue
        if cells["effect"] == MeasureEffect.DOCUMENT and cells["document"] not in DOCUMENTS:
            problems.append(FieldProblem(f"{at}.document", _("say 'permit' or 'inspection'")))
            continue
        if cells["flow"] not in MeasureFlow.values and cells["flow"] != "both":
            problems.append(FieldProblem(f"{at}.flow", _("say 'import', 'export' or 'both'")))
            continue
        reviewed_on = None
        if cells.get("reviewed_on"):
            try:
                reviewed_on = date.fromisoformat(cells["reviewed_on"])
            except ValueError:
                problems.append(FieldProblem(f"{at}.reviewed_on", _("write it as YYYY-MM-DD")))
                continue
        if text in out or any(r.key == cells["key"] for r in out.values()):
            problems.append(FieldProblem(f"{at}.key", _("this measure is reviewed twice")))
            continue
        out[text] = Review(
            key=cells["key"],
            text=text,
            title_en=cells.get("title_en", ""),
            effect=cells["effect"],
            document=cells["document"] if cells["effect"] == MeasureEffect.DOCUMENT else "",
            flow="" if cells["flow"] == "both" else cells["flow"],
            ministry=cells.get("ministry", ""),
            agency_kind=cells.get("agency_kind", ""),
            agency_code=cells.get("agency_code", ""),
            reviewed_by=cells.get("reviewed_by", ""),
            reviewed_on=reviewed_on,
        )
    return out


def measures_load(*, list_path: Path | None = None, review_path: Path | None = None) -> int:
    """Load the inspection lists and their review (the shipped files by default): the measures
    are replaced whole. Returns the number of (measure, line) pairs."""
    problems: list[FieldProblem] = []
    with _open(review_path, REVIEW_FILE) as fh:
        reviews = read_review(fh, problems)
    lines = set(HsLine.objects.values_list("code", flat=True))
    pairs: dict[tuple[str, str], bool] = {}
    unreviewed: dict[str, int] = {}
    with _open(list_path, LIST_FILE) as fh:
        for rowno, row in enumerate(csv.DictReader(fh), start=2):
            code = (row.get("hs_code") or "").strip()
            if code not in lines:
                problems.append(
                    FieldProblem(
                        f"list_csv[{rowno}].hs_code",
                        _("'%(code)s' is not a line of the tariff") % {"code": code},
                        "unknown-hs-code",
                    )
                )
                continue
            for text, partial in split_cell(row.get("specialised_procedures_vi", "")):
                review = reviews.get(text)
                if review is None:
                    unreviewed.setdefault(text, rowno)
                    continue
                key = (review.key, code)
                pairs[key] = pairs.get(key, True) and partial
    for text, rowno in sorted(unreviewed.items(), key=lambda kv: kv[1]):
        problems.append(
            FieldProblem(
                f"list_csv[{rowno}].specialised_procedures_vi",
                _("the measure '%(text)s' is not in the reviewed mapping; review it first")
                % {"text": text},
                "unreviewed-measure",
            )
        )
    if problems:
        raise ValidationFailed(problems[:100])
    with transaction.atomic():
        MeasureLine.objects.all().delete()
        Measure.objects.all().delete()
        Measure.objects.bulk_create(
            [
                Measure(
                    key=r.key,
                    text_vi=r.text,
                    title_en=r.title_en,
                    legal_basis=legal_basis_of(r.text),
                    effect=r.effect,
                    document=r.document,
                    flow=r.flow,
                    ministry=r.ministry,
                    agency_kind=r.agency_kind,
                    agency_code=r.agency_code,
                    reviewed_by=r.reviewed_by,
                    reviewed_on=r.reviewed_on,
                )
                for r in reviews.values()
            ]
        )
        ids = IdAllocator(MeasureLine, block=len(pairs) + 1)
        ids._reserve(len(pairs))  # before the COPY: no query may run during it
        rows = [(ids.next(), key, code, partial) for (key, code), partial in sorted(pairs.items())]
        write_rows(Table(MeasureLine, ("id", "measure_id", "hs_line_id", "partial")), rows)
    return len(pairs)


def _open(path: Path | None, name: str) -> IO[str]:
    if path is not None:
        if path.suffix == ".gz":
            return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
        return path.open(encoding="utf-8-sig", newline="")
    if name.endswith(".gz"):
        return gzip.open(DATA / name, "rt", encoding="utf-8")  # type: ignore[call-overload]
    return (DATA / name).open("r", encoding="utf-8")
