"""Loading the tariff. Every loader checks all its input first, writes in one transaction, and
marks the tariff as changed so that each process's snapshot is rebuilt (see `snapshot.py`).

Loaders add and update; they do not delete lines or rates missing from a file (a line leaves
the tariff by getting a `valid_to`). The CSV columns are described in `schedule_csv.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import IO, Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.eventlog.choices import Party
from haiquan.eventlog.services import event_record

from . import schedule_csv
from .models import (
    Agreement,
    AgreementParty,
    HsLine,
    PreferentialRate,
    TariffVersion,
    hs_search_text,
)
from .normalise import hs_parts

DATA = resources.files("haiquan.tariff") / "data"
SHIPPED = {
    "agreements": "agreements.csv",
    "parties": "agreement_parties.csv",
    "lines": "hs_lines.csv",
    "preferential": "preferential_rates.csv",
}
_BATCH = 1000
_LINE_UPDATE_FIELDS = [
    "chapter",
    "heading",
    "subheading",
    "description_vi",
    "description_en",
    "description_ja",
    "description_zh_hans",
    "description_ko",
    "search_text",
    "unit",
    "mfn_rate",
    "general_rate",
    "specific_duty_vnd",
    "export_rate",
    "vat_rate",
    "sct_rate",
    "env_tax_vnd_per_unit",
    "env_tax_unit",
    "valid_from",
    "valid_to",
]

T = TypeVar("T")


def tariff_changed() -> str:
    """Mark the tariff as changed: every process rebuilds its snapshot on its next use.

    Called by the loaders and the admin inside their transaction; call it after changing tariff
    rows (or a country's MFN treatment) by any other means. Returns the new token.
    """
    token = uuid.uuid4().hex
    TariffVersion.objects.update_or_create(
        pk=1, defaults={"token": token, "changed_at": timezone.now()}
    )
    return token


def tariff_load_shipped() -> int:
    """Load the schedule shipped with haiquan (agreements, lines, preferential rates).

    Idempotent: run it again after an upgrade. Returns the number of HS lines in the schedule.
    """
    with transaction.atomic():
        agreements_load(source_label="shipped")
        with _shipped("lines") as lines_fh, _shipped("preferential") as pref_fh:
            return _load_schedule(lines_fh, pref_fh, source="shipped", actor=None)


def tariff_load_csv(
    *, lines_csv: Path, preferential_csv: Path | None = None, actor: Any = None
) -> int:
    """Load an administration's own schedule (lines, and optionally preferential rates).

    Every row is checked first; on any problem `ValidationFailed` lists each bad cell as
    `lines_csv[<row>].<column>` (or `preferential_csv[...]`) and nothing is loaded. Preferential
    rows may name only agreements already in the tariff (the shipped ones are loaded first on
    an empty database) and HS codes in the lines file or already in the tariff. Returns the
    number of lines loaded.
    """
    with transaction.atomic():
        if not Agreement.objects.exists():
            agreements_load(source_label="shipped")
        with lines_csv.open(encoding="utf-8-sig", newline="") as lines_fh:
            if preferential_csv is None:
                return _load_schedule(lines_fh, None, source=lines_csv.name, actor=actor)
            with preferential_csv.open(encoding="utf-8-sig", newline="") as pref_fh:
                return _load_schedule(lines_fh, pref_fh, source=lines_csv.name, actor=actor)


def agreements_load(
    *, agreements_csv: Path | None = None, parties_csv: Path | None = None, source_label: str = ""
) -> int:
    """Load trade agreements and their parties (the shipped files when none are given).

    An agreement's parties become exactly those listed in the parties file for it. Country codes
    are checked against ISO 3166 (pycountry), so reference data need not be loaded first.
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
        by_agreement: dict[str, dict[str, Any]] = {}
        for p in parties:
            by_agreement.setdefault(p.agreement, {})[p.country_code] = p.joined_on
        for code, members in by_agreement.items():
            AgreementParty.objects.filter(agreement_id=code).exclude(
                country_code__in=members
            ).delete()
            AgreementParty.objects.bulk_create(
                [
                    AgreementParty(agreement_id=code, country_code=c, joined_on=d)
                    for c, d in members.items()
                ],
                update_conflicts=True,
                unique_fields=["agreement", "country_code"],
                update_fields=["joined_on"],
            )
        token = tariff_changed()
        event_record(
            kind="tariff.agreements_loaded",
            subject_type="tariff",
            subject_id=1,
            party=Party.SYSTEM,
            actor_label=source_label or (agreements_csv.name if agreements_csv else "shipped"),
            data={"agreements": len(agreements), "parties": len(parties), "token": token},
        )
    return len(agreements)


def _load_schedule(lines_fh: IO[str], pref_fh: IO[str] | None, *, source: str, actor: Any) -> int:
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
                mfn_rate=row.mfn_rate,
                general_rate=row.general_rate,
                specific_duty_vnd=row.specific_duty_vnd,
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
            batch, update_conflicts=True, unique_fields=["code"], update_fields=_LINE_UPDATE_FIELDS
        ),
    )
    rates = [
        PreferentialRate(agreement_id=p.agreement, hs_line_id=p.hs_code, rate=p.rate) for p in prefs
    ]
    _in_batches(
        rates,
        lambda batch: PreferentialRate.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["agreement", "hs_line"],
            update_fields=["rate"],
        ),
    )
    token = tariff_changed()
    event_record(
        kind="tariff.loaded",
        subject_type="tariff",
        subject_id=1,
        party=Party.SYSTEM,
        actor=actor,
        actor_label="" if actor is not None else source,
        data={
            "source": source,
            "lines": len(objs),
            "preferential_rates": len(rates),
            "token": token,
        },
    )
    return len(objs)


def _in_batches(items: list[T], write: Callable[[list[T]], object]) -> None:
    for start in range(0, len(items), _BATCH):
        write(items[start : start + _BATCH])


def _shipped(name: str) -> IO[str]:
    return (DATA / SHIPPED[name]).open("r", encoding="utf-8")


def _open_or_shipped(path: Path | None, name: str) -> IO[str]:
    return path.open(encoding="utf-8-sig", newline="") if path else _shipped(name)
