"""Loading the tariff. Every loader checks all its input first, writes in one transaction, and
marks the tariff as changed so that each process's snapshot is rebuilt (see `snapshot.py`).

Two formats:

* the tariff as Vietnam publishes it (`published.py`): every row of the nomenclature with the
  MFN, ordinary and agreement rates. haiquan ships the current one (`data/vn_tariff.csv.gz`,
  loaded by `load-refdata`); an administration loads a new year's schedule with
  `load-tariff --published FILE --valid-from 2027-01-01`. Rates are dated: the new schedule's
  rates start on that day, the old ones end the day before and stay for declarations
  registered earlier. Lines the new schedule no longer has end the day before too.
* a plain list of lines and preferential rates (`schedule_csv.py`), to add or correct lines.

Neither deletes what declarations may refer to: a line leaves the tariff by getting a `valid_to`.
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import IO, Any, TypeVar

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.bulkwrite import IdAllocator, Table, write_rows
from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party

from .. import published as published_format
from .. import schedule_csv
from ..attributes import AttributeRules, read_rules
from ..models import (
    OPEN_START,
    Agreement,
    AgreementParty,
    Chapter,
    HsLine,
    LineRate,
    Section,
    TariffNode,
    TariffVersion,
    hs_search_text,
    preferential_entry,
    preferential_key,
)
from ..normalise import hs_parts

DATA = resources.files("haiquan.tariff") / "data"
SHIPPED = {
    "agreements": "agreements.csv",
    "parties": "agreement_parties.csv",
    "columns": "published_columns.csv",
    "sections": "sections.csv",
    "chapters": "chapters.csv",
    "attributes": "line_attributes.csv",
    "tariff": "vn_tariff.csv.gz",
    "quotas": "tariff_quotas.csv",
    "measures": "measures.csv",
    "inspection_lists": "vn_specialised_procedures.csv.gz",
    "correlation": "ahtn2017_ahtn2022.csv",
}
SHIPPED_SOURCE = "vn-tariff (Decree 26/2023/ND-CP and the FTA decrees)"
_BATCH = 1000
_IN_CHUNK = 5000

T = TypeVar("T")


def tariff_changed(*, digest: str | None = None, keep_digest: bool = False) -> str:
    """Mark the tariff as changed: every process rebuilds its snapshot on its next use.

    Called by the loaders and the admin inside their transaction; call it after changing tariff
    rows (or a country's MFN treatment) by any other means. Returns the new token. `digest`:
    the shipped files just loaded whole (any other change forgets the digest, unless
    `keep_digest`: what changed is not the tariff's rows)."""
    token = uuid.uuid4().hex
    defaults: dict[str, object] = {"token": token, "changed_at": timezone.now()}
    if not keep_digest:
        defaults["source_digest"] = digest or ""
    TariffVersion.objects.update_or_create(pk=1, defaults=defaults)
    return token


@functools.cache
def shipped_digest() -> str:
    """A digest of every shipped tariff file: loading them again unchanged is skipped."""
    h = hashlib.sha256()
    for name in sorted(SHIPPED.values()):
        h.update(name.encode())
        h.update((DATA / name).read_bytes())
    return h.hexdigest()


@dataclass
class LoadResult:
    lines: int = 0
    nodes: int = 0
    line_rates: int = 0
    preferential_rates: int = 0
    lines_closed: int = 0
    warnings: list[str] = field(default_factory=list)
    per_chapter: dict[str, int] = field(default_factory=dict)


def tariff_load_shipped(*, force: bool = False) -> int:
    """Load the tariff shipped with haiquan: agreements and their parties, sections and
    chapters, the whole published tariff with its rates (valid from always), the tariff-rate
    quotas, the ministries' inspection lists with their reviewed reading and the correlation of
    AHTN 2017 codes with the lines in force.

    Idempotent and quick when nothing changed (the files' digest is remembered); run it again
    after an upgrade. Returns the number of HS lines in the schedule."""
    digest = shipped_digest()
    with transaction.atomic():
        if (
            not force
            and TariffVersion.objects.filter(pk=1, source_digest=digest).exists()
            and HsLine.objects.exists()
        ):
            return HsLine.objects.filter(node__isnull=False).count()
        agreements_load(source_label="shipped")
        nomenclature_titles_load()
        result = tariff_load_published(
            published=_shipped_published(),
            valid_from=OPEN_START,
            source=SHIPPED_SOURCE,
            actor=None,
        )
        from ..correlation import correlation_load
        from ..measures import measures_load  # (they import this module)
        from ..quotas import tariff_quotas_load

        tariff_quotas_load()
        measures_load()
        correlation_load()
        tariff_changed(digest=digest)
    return result.lines


def nomenclature_titles_load() -> int:
    """The sections and chapters of the Harmonized System with their titles (shipped)."""
    with _shipped("sections") as fh:
        sections = list(csv.DictReader(fh))
    with _shipped("chapters") as fh:
        chapters = list(csv.DictReader(fh))
    for row in sections:
        Section.objects.update_or_create(
            number=int(row["section"]),
            defaults={
                "roman": row["roman"],
                "title_vi": row["title_vi"],
                "title_en": row["title_en"],
            },
        )
    ranges = [(row["chapter_from"], row["chapter_to"], int(row["section"])) for row in sections]
    for row in chapters:
        section = next(s for lo, hi, s in ranges if lo <= row["chapter"] <= hi)
        Chapter.objects.update_or_create(
            code=row["chapter"],
            defaults={
                "section_id": section,
                "title_vi": row["title_vi"],
                "title_en": row["title_en"],
            },
        )
    return len(chapters)


def tariff_load_published(
    *,
    published: published_format.Published | None = None,
    path: Path | None = None,
    valid_from: date = OPEN_START,
    valid_to: date | None = None,
    source: str = "",
    actor: Any = None,
    attributes: AttributeRules | None = None,
    digest: str | None = None,
) -> LoadResult:
    """Load a published tariff (`path`, CSV or CSV.gz, or already read): its nomenclature, its
    lines and their rates from `valid_from` (to `valid_to`, or open-ended).

    On any problem `ValidationFailed` lists each bad cell as `tariff_csv[<row>].<column>` and
    nothing is loaded. Agreement columns must name agreements in the tariff (the shipped
    agreements are loaded first on an empty database)."""
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed(
            [FieldProblem("valid_to", _("must not be before valid_from"), "invalid")]
        )
    with transaction.atomic():
        if not Agreement.objects.exists():
            agreements_load(source_label="shipped")
        if not Chapter.objects.exists():
            nomenclature_titles_load()
        if published is None:
            published = _published_read(path)
        _published_check(published)
        rules = attributes or shipped_attributes()
        result = LoadResult(
            warnings=list(published.warnings),
            per_chapter=dict(sorted(published.lines_per_chapter().items())),
        )
        result.nodes = _write_nodes(published.nodes)
        result.lines, result.lines_closed = _write_lines(published.lines, rules, valid_from)
        result.line_rates, result.preferential_rates = _write_rates(
            published.lines, valid_from, valid_to, source
        )
        token = tariff_changed(digest=digest)
        kinds.TARIFF_LOADED.record(
            subject_type="tariff",
            subject_id=1,
            party=Party.SYSTEM,
            actor=actor,
            actor_label="" if actor is not None else (source or "published"),
            data={
                "source": source,
                "format": "published",
                "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat() if valid_to else None,
                "lines": result.lines,
                "lines_closed": result.lines_closed,
                "preferential_rates": result.preferential_rates,
                "warnings": len(result.warnings),
                "token": token,
            },
        )
    return result


def _published_read(path: Path | None) -> published_format.Published:
    """The published tariff at `path`; ValidationFailed lists every bad cell."""
    if path is None:
        raise ValueError("tariff_load_published needs a path or a published tariff")
    problems: list[FieldProblem] = []
    with _open_text(path) as fh:
        published = published_format.read_published(fh, problems, columns=shipped_columns())
    if problems:
        raise ValidationFailed(
            problems,
            detail=_("The tariff has %(n)d problem(s); nothing was loaded.") % {"n": len(problems)},
        )
    return published


def _published_check(published: published_format.Published) -> None:
    """Its agreements must be known, and it must have lines."""
    known = set(Agreement.objects.values_list("code", flat=True))
    unknown = sorted({a for ln in published.lines for a, _s in ln.preferential} - known)
    if unknown:
        raise ValidationFailed(
            [
                FieldProblem(
                    "tariff_csv",
                    _("'%(code)s' is not a known agreement: load it first (--agreements)")
                    % {"code": code},
                    "unknown-agreement",
                )
                for code in unknown
            ]
        )
    if not published.lines:
        raise ValidationFailed(
            [FieldProblem("tariff_csv", _("the file has no 8-digit lines"), "required")]
        )


def _write_nodes(nodes: list[published_format.Node]) -> int:
    """The printed structure is the latest schedule's: replaced whole."""
    HsLine.objects.filter(node__isnull=False).update(node=None)
    TariffNode.objects.all()._raw_delete(TariffNode.objects.db)
    table = Table(
        TariffNode,
        (
            "position",
            "level",
            "code",
            "chapter",
            "heading",
            "parent_id",
            "description_vi",
            "description_en",
        ),
    )
    return write_rows(
        table,
        (
            (
                n.position,
                n.level,
                n.code,
                n.chapter,
                n.heading,
                n.parent,
                n.description_vi,
                n.description_en,
            )
            for n in nodes
        ),
    )


_LINE_COLUMNS = (
    "code",
    "chapter",
    "heading",
    "subheading",
    "node_id",
    "description_vi",
    "description_en",
    "description_ja",
    "description_zh_hans",
    "description_ko",
    "context_vi",
    "context_en",
    "search_text",
    "unit",
    "export_rate",
    "vat_rate",
    "sct_rate",
    "env_tax_vnd_per_unit",
    "env_tax_unit",
    "valid_from",
    "valid_to",
)
# What a new schedule changes in a line it already has (its other-language texts and the day it
# joined the tariff stay).
_LINE_UPSERT = tuple(
    c
    for c in _LINE_COLUMNS
    if c not in ("code", "description_ja", "description_zh_hans", "description_ko", "valid_from")
)


def _write_lines(
    lines: list[published_format.Line], rules: AttributeRules, valid_from: date
) -> tuple[int, int]:
    rows = []
    for ln in lines:
        attrs = rules.for_code(ln.code)
        chapter, heading, subheading = hs_parts(ln.code)
        rows.append(
            (
                ln.code,
                chapter,
                heading,
                subheading,
                ln.position,
                ln.description_vi,
                ln.description_en,
                "",
                "",
                "",
                ln.context_vi,
                ln.context_en,
                hs_search_text(ln.description_vi, ln.description_en, ln.context_vi, ln.context_en),
                attrs.unit,
                attrs.export_rate,
                attrs.vat_rate,
                attrs.sct_rate,
                attrs.env_tax_vnd_per_unit,
                attrs.env_tax_unit,
                valid_from,
                None,
            )
        )
    # One multi-row upsert statement per batch: the ORM's bulk_create compiles each value and
    # costs seconds for the 12,000 lines of a whole tariff.
    qn = connection.ops.quote_name
    table = qn(HsLine._meta.db_table)
    cols = ", ".join(qn(c) for c in _LINE_COLUMNS)
    updates = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in _LINE_UPSERT)
    one = "(" + ", ".join(["%s"] * len(_LINE_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * len(batch))} "  # noqa: S608
                f"ON CONFLICT ({qn('code')}) DO UPDATE SET {updates}",
                [value for row in batch for value in row],
            )
    # Lines the schedule no longer has leave the tariff the day before it starts.
    closed = 0
    if valid_from > OPEN_START:
        gone = (
            HsLine.objects.filter(valid_from__lt=valid_from)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
            .filter(node__isnull=True)  # the file's lines were just linked to its rows
        )
        closed = gone.update(valid_to=valid_from - timedelta(days=1))
    return len(rows), closed


def _write_rates(
    lines: list[published_format.Line], valid_from: date, valid_to: date | None, source: str
) -> tuple[int, int]:
    """Each line's rates for the period: what started on or after its first day is replaced,
    what was in force before ends the day before (for every line: those the schedule no longer
    has too)."""
    codes = [ln.code for ln in lines]
    for chunk in _chunks(codes):
        LineRate.objects.filter(hs_line__in=chunk, valid_from__gte=valid_from).delete()
    LineRate.objects.filter(valid_from__lt=valid_from).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    ).update(valid_to=valid_from - timedelta(days=1))

    entries: dict[published_format.Rate, dict[str, object]] = {}

    def entry(cell: published_format.Rate) -> dict[str, object]:
        found = entries.get(cell)
        if found is None:
            found = entries[cell] = preferential_entry(
                cell.rate,
                out_of_quota=cell.out_of_quota,
                excluded_origins=cell.excluded_origins,
                note=cell.note if cell.note not in ("", "*") else "",
            )
        return found

    encoded: dict[tuple, str] = {}  # the same set of cells is written for many lines
    rows = []
    n_prefs = 0
    ids = IdAllocator(LineRate, block=len(lines) + 1)
    ids._reserve(len(lines))  # before the COPY starts: no query may run during it
    for ln in lines:
        key = tuple(sorted(ln.preferential.items()))
        text = encoded.get(key)
        if text is None:
            text = encoded[key] = json.dumps(
                {preferential_key(a, sch): entry(cell) for (a, sch), cell in key},
                ensure_ascii=False,
            )
        n_prefs += len(key)
        rows.append(
            (
                ids.next(),
                ln.code,
                valid_from,
                valid_to,
                ln.mfn.rate,
                ln.ordinary.rate if ln.ordinary is not None else None,
                None,
                ln.mfn.out_of_quota,
                ln.ordinary.out_of_quota if ln.ordinary is not None else None,
                _rate_note(ln),
                text,
                source[:64],
            )
        )
    table = Table(
        LineRate,
        (
            "id",
            "hs_line_id",
            "valid_from",
            "valid_to",
            "mfn_rate",
            "ordinary_rate",
            "specific_duty_vnd",
            "mfn_out_of_quota_rate",
            "ordinary_out_of_quota_rate",
            "rate_note",
            "preferential",
            "source",
        ),
    )
    return write_rows(table, rows), n_prefs


def _rate_note(line: published_format.Line) -> str:
    if line.mfn.rate is None:
        return line.mfn.note[:255]
    return ""


def tariff_load_csv(
    *, lines_csv: Path, preferential_csv: Path | None = None, actor: Any = None
) -> int:
    """Load an administration's own list of lines (and optionally preferential rates).

    Every row is checked first; on any problem `ValidationFailed` lists each bad cell as
    `lines_csv[<row>].<column>` (or `preferential_csv[...]`) and nothing is loaded. Preferential
    rows may name only agreements already in the tariff (the shipped ones are loaded first on
    an empty database) and HS codes in the lines file or already in the tariff. A line's rates
    are written for its validity (from `valid_from`, or always). Returns the number of lines.
    """
    with transaction.atomic():
        if not Agreement.objects.exists():
            agreements_load(source_label="shipped")
        with lines_csv.open(encoding="utf-8-sig", newline="") as lines_fh:
            if preferential_csv is None:
                return _load_list(lines_fh, None, source=lines_csv.name, actor=actor)
            with preferential_csv.open(encoding="utf-8-sig", newline="") as pref_fh:
                return _load_list(lines_fh, pref_fh, source=lines_csv.name, actor=actor)


def agreements_load(
    *, agreements_csv: Path | None = None, parties_csv: Path | None = None, source_label: str = ""
) -> int:
    """Load trade agreements and their parties (the shipped files when none are given).

    An agreement's parties become exactly those listed in the parties file for it, each with
    the schedule of Vietnam's commitments its goods take. Country codes are checked against ISO
    3166 (pycountry), so reference data need not be loaded first.
    """
    problems: list[FieldProblem] = []
    with transaction.atomic():
        with _open_or_shipped(agreements_csv, "agreements") as fh:
            agreements = schedule_csv.read_agreements(fh, problems)
        known = {a.code for a in agreements} | set(Agreement.objects.values_list("code", flat=True))
        with _open_or_shipped(parties_csv, "parties") as fh:
            parties = schedule_csv.read_parties(fh, problems, agreements=known)
        if problems:
            raise ValidationFailed(problems)
        for a in agreements:
            Agreement.objects.update_or_create(
                code=a.code,
                defaults={
                    "name": a.name,
                    "name_vi": a.name_vi,
                    "co_form": a.co_form,
                    "co_validity_days": a.co_validity_days,
                    "in_force_from": a.in_force_from,
                },
            )
        by_agreement: dict[str, dict[str, schedule_csv.PartyRow]] = {}
        for p in parties:
            by_agreement.setdefault(p.agreement, {})[p.country_code] = p
        for code, members in by_agreement.items():
            AgreementParty.objects.filter(agreement_id=code).exclude(
                country_code__in=members
            ).delete()
            AgreementParty.objects.bulk_create(
                [
                    AgreementParty(
                        agreement_id=code,
                        country_code=c,
                        joined_on=p.joined_on,
                        schedule=p.schedule,
                    )
                    for c, p in members.items()
                ],
                update_conflicts=True,
                unique_fields=["agreement", "country_code"],
                update_fields=["joined_on", "schedule"],
            )
        token = tariff_changed()
        kinds.TARIFF_AGREEMENTS_LOADED.record(
            subject_type="tariff",
            subject_id=1,
            party=Party.SYSTEM,
            actor_label=source_label or (agreements_csv.name if agreements_csv else "shipped"),
            data={"agreements": len(agreements), "parties": len(parties), "token": token},
        )
    return len(agreements)


def _load_list(lines_fh: IO[str], pref_fh: IO[str] | None, *, source: str, actor: Any) -> int:
    lines, prefs = _list_read(lines_fh, pref_fh)
    _list_lines_write(lines)
    by_line: dict[str, dict[str, object]] = {}
    for p in prefs:
        by_line.setdefault(p.hs_code, {})[preferential_key(p.agreement, p.schedule)] = (
            preferential_entry(p.rate)
        )
    _list_rates_write(lines, by_line, source)
    # Rates for lines already in the tariff (not in the lines file): their latest period.
    for code, more in by_line.items():
        period = LineRate.objects.filter(hs_line_id=code).order_by("-valid_from").first()
        if period is None:
            period = LineRate(hs_line_id=code, mfn_rate=None, source=source[:64])
        period.preferential = {**period.preferential, **more}
        period.save()
    n_prefs = len(prefs)
    token = tariff_changed()
    kinds.TARIFF_LOADED.record(
        subject_type="tariff",
        subject_id=1,
        party=Party.SYSTEM,
        actor=actor,
        actor_label="" if actor is not None else source,
        data={
            "source": source,
            "format": "lines",
            "lines": len(lines),
            "preferential_rates": n_prefs,
            "token": token,
        },
    )
    return len(lines)


def _list_read(
    lines_fh: IO[str], pref_fh: IO[str] | None
) -> tuple[list[schedule_csv.LineRow], list[schedule_csv.PreferentialRow]]:
    """The lines file and the preferential rates file, read; ValidationFailed lists every
    problem of both."""
    problems: list[FieldProblem] = []
    lines = schedule_csv.read_lines(lines_fh, problems)
    prefs: list[schedule_csv.PreferentialRow] = []
    if pref_fh is not None:
        file_codes = {line.code for line in lines}
        db_codes = set(HsLine.objects.values_list("code", flat=True))
        prefs = schedule_csv.read_preferential(
            pref_fh,
            problems,
            agreements=set(Agreement.objects.values_list("code", flat=True)),
            hs_codes=file_codes | db_codes,
        )
    if problems:
        raise ValidationFailed(
            problems,
            detail=_("The schedule has %(n)d problem(s); nothing was loaded.")
            % {"n": len(problems)},
        )
    return lines, prefs


def _list_lines_write(lines: list[schedule_csv.LineRow]) -> None:
    """The HS lines, created or updated."""
    objs = []
    for row in lines:
        chapter, heading, subheading = hs_parts(row.code)
        objs.append(
            HsLine(
                code=row.code,
                chapter=chapter,
                heading=heading,
                subheading=subheading,
                description_vi=row.description_vi,
                description_en=row.description_en,
                description_ja=row.description_ja,
                description_zh_hans=row.description_zh_hans,
                description_ko=row.description_ko,
                search_text=hs_search_text(row.description_vi, row.description_en),
                unit=row.unit,
                export_rate=row.export_rate,
                vat_rate=row.vat_rate,
                sct_rate=row.sct_rate,
                env_tax_vnd_per_unit=row.env_tax_vnd_per_unit,
                env_tax_unit=row.env_tax_unit,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
            )
        )
    _in_batches(
        objs,
        lambda batch: HsLine.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=[
                "description_vi",
                "description_en",
                "description_ja",
                "description_zh_hans",
                "description_ko",
                "search_text",
                "unit",
                "export_rate",
                "vat_rate",
                "sct_rate",
                "env_tax_vnd_per_unit",
                "env_tax_unit",
                "valid_from",
                "valid_to",
            ],
        ),
    )


def _list_rates_write(
    lines: list[schedule_csv.LineRow], by_line: dict[str, dict[str, object]], source: str
) -> None:
    """The lines' rate periods, their preferential rates merged into what is stored; the
    preferential rates of the file's lines are taken out of `by_line`."""
    existing = {
        (r.hs_line_id, r.valid_from): r
        for r in LineRate.objects.filter(hs_line__in=[row.code for row in lines])
    }
    rates = []
    for row in lines:
        current = existing.get((row.code, row.valid_from))
        merged = dict(current.preferential) if current is not None else {}
        merged.update(by_line.pop(row.code, {}))
        rates.append(
            LineRate(
                hs_line_id=row.code,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                mfn_rate=row.mfn_rate,
                ordinary_rate=row.general_rate,
                specific_duty_vnd=row.specific_duty_vnd,
                preferential=merged,
                source=source[:64],
            )
        )
    _in_batches(
        rates,
        lambda batch: LineRate.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["hs_line", "valid_from"],
            update_fields=[
                "valid_to",
                "mfn_rate",
                "ordinary_rate",
                "specific_duty_vnd",
                "preferential",
                "source",
            ],
        ),
    )


# --- shipped files ----------------------------------------------------------------------------


@functools.cache
def shipped_columns() -> dict[str, tuple[str, str]]:
    with _shipped("columns") as fh:
        return published_format.read_columns(csv.DictReader(fh))


@functools.cache
def shipped_attributes() -> AttributeRules:
    problems: list[FieldProblem] = []
    with _shipped("attributes") as fh:
        rules = read_rules(fh, problems)
    if problems:  # the shipped file is checked by the tests; this guards a hand edit
        raise ValidationFailed(problems)
    return rules


@functools.cache
def _shipped_published() -> published_format.Published:
    # Read once per process: a test run reloads the reference data after each flush.
    problems: list[FieldProblem] = []
    with gzip.open(DATA / SHIPPED["tariff"], "rt", encoding="utf-8") as fh:  # type: ignore[call-overload]
        out = published_format.read_published(fh, problems, columns=shipped_columns())
    if problems:
        raise ValidationFailed(problems)
    return out


def shipped_published() -> published_format.Published:
    """The shipped published tariff, read (and cached in this process)."""
    return _shipped_published()


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _in_batches(items: list[T], write: Callable[[list[T]], object]) -> None:
    for start in range(0, len(items), _BATCH):
        write(items[start : start + _BATCH])


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _shipped(name: str) -> IO[str]:
    return (DATA / SHIPPED[name]).open("r", encoding="utf-8")


def _open_or_shipped(path: Path | None, name: str) -> IO[str]:
    return path.open(encoding="utf-8-sig", newline="") if path else _shipped(name)
