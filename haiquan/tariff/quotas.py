"""Tariff-rate quotas (hạn ngạch thuế quan): what is left of an importer's allocation when a
declaration is assessed, drawing it down when the declaration is registered (or its lines
replaced by an amendment or an officer's correction) and giving it back when it is cancelled.

Registration is the hot path: `quota_balances` answers without a query when no line of the
declaration is under a quota (the tariff snapshot knows which lines are), and otherwise reads
(and, inside the registration's transaction, locks) only the allocations of the quotas those
lines fall under, so concurrent registrations of one importer draw one after the other.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.refdata.models import Enterprise

from .choices import UnitCode
from .models import HsLine, LineRate, QuotaAllocation, QuotaDraw, TariffQuota
from .normalise import hs_code_normalise, unit_normalise
from .services import tariff_changed
from .snapshot import Tariff

DATA = resources.files("haiquan.tariff") / "data"
QUOTA_COLUMNS = ("code", "name_vi", "unit", "hs_prefixes", "valid_from", "valid_to")


def quota_codes_for(codes: Iterable[str], on_day: date, tariff: Tariff) -> set[str]:
    """The quotas (open on `on_day`) the lines with these codes fall under; no query."""
    found = set()
    for code in codes:
        quota = tariff.quota_on(hs_code_normalise(code), on_day)
        if quota is not None:
            found.add(quota.code)
    return found


def quota_balances(
    *,
    enterprise_id: int,
    codes: Iterable[str],
    on_day: date,
    tariff: Tariff,
    declaration_id: int | None = None,
    lock: bool = False,
) -> dict[str, Decimal] | None:
    """What is left of the importer's allocations under the quotas these lines fall under,
    quota code → quantity in the quota's unit; None (and no query) when none does.

    `declaration_id`: a declaration being amended or corrected gets back what it drew itself.
    `lock`: inside a transaction, the allocations stay locked until it ends (registration)."""
    quotas = quota_codes_for(codes, on_day, tariff)
    if not quotas:
        return None
    qs = QuotaAllocation.objects.filter(enterprise_id=enterprise_id, quota__code__in=quotas)
    if lock:
        qs = qs.select_for_update(of=("self",))
    out: dict[str, Decimal] = {}
    ids: dict[int, str] = {}
    for pk, code, quantity, drawn in qs.order_by("pk").values_list(
        "pk", "quota__code", "quantity", "drawn"
    ):
        out[code] = quantity - drawn
        ids[pk] = code
    if declaration_id is not None and ids:
        for allocation_id, quantity in QuotaDraw.objects.filter(
            declaration_id=declaration_id, released_at__isnull=True, allocation_id__in=ids
        ).values_list("allocation_id", "quantity"):
            out[ids[allocation_id]] += quantity
    return out


def quota_draws_replace(
    *,
    declaration_id: int,
    enterprise_id: int,
    lines: Sequence[tuple[int, str, str, Decimal]],
) -> int:
    """Record what the declaration's lines draw (line number, HS code, quota code, quantity in
    the quota's unit, from the duties just computed), giving back what it drew before. Call
    inside the transaction that wrote the lines, after `quota_balances(lock=True)`."""
    quota_draws_release(declaration_id=declaration_id)
    wanted = [ln for ln in lines if ln[2] and ln[3] > 0]
    if not wanted:
        return 0
    allocations = {
        code: pk
        for pk, code in QuotaAllocation.objects.filter(
            enterprise_id=enterprise_id, quota__code__in={ln[2] for ln in wanted}
        ).values_list("pk", "quota__code")
    }
    draws = []
    totals: dict[int, Decimal] = {}
    now = timezone.now()
    for line_no, hs_code, quota_code, quantity in wanted:
        allocation_id = allocations.get(quota_code)
        if allocation_id is None:  # nothing was in quota without an allocation
            continue
        draws.append(
            QuotaDraw(
                allocation_id=allocation_id,
                declaration_id=declaration_id,
                line_no=line_no,
                hs_code=hs_code,
                quantity=quantity,
                drawn_at=now,
            )
        )
        totals[allocation_id] = totals.get(allocation_id, Decimal(0)) + quantity
    QuotaDraw.objects.bulk_create(draws)
    for allocation_id, quantity in totals.items():
        QuotaAllocation.objects.filter(pk=allocation_id).update(drawn=F("drawn") + quantity)
    return len(draws)


def quota_draws_release(*, declaration_id: int) -> int:
    """Give back what a declaration drew (cancelled, or its lines about to be replaced)."""
    active = list(
        QuotaDraw.objects.filter(declaration_id=declaration_id, released_at__isnull=True)
        .select_for_update()
        .values_list("pk", "allocation_id", "quantity")
    )
    if not active:
        return 0
    totals: dict[int, Decimal] = {}
    for _pk, allocation_id, quantity in active:
        totals[allocation_id] = totals.get(allocation_id, Decimal(0)) + quantity
    for allocation_id, quantity in sorted(totals.items()):
        QuotaAllocation.objects.filter(pk=allocation_id).update(drawn=F("drawn") - quantity)
    QuotaDraw.objects.filter(pk__in=[a[0] for a in active]).update(released_at=timezone.now())
    return len(active)


def quota_allocation_set(
    *,
    quota: TariffQuota,
    enterprise: Enterprise,
    quantity: Decimal,
    licence: str = "",
    actor: Any = None,
) -> QuotaAllocation:
    """Give an enterprise its allocation under a quota (the Ministry of Industry and Trade's
    licence), or change it; it cannot go below what the enterprise has drawn already."""
    if quantity < 0:
        raise ValidationFailed([FieldProblem("quantity", _("must not be negative"))])
    with transaction.atomic():
        allocation = (
            QuotaAllocation.objects.select_for_update()
            .filter(quota=quota, enterprise=enterprise)
            .first()
        )
        if allocation is None:
            allocation = QuotaAllocation(quota=quota, enterprise=enterprise)
        if quantity < allocation.drawn:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "quantity",
                        _("%(drawn)s %(unit)s are drawn already; the allocation cannot be less")
                        % {"drawn": allocation.drawn, "unit": quota.unit},
                    )
                ]
            )
        allocation.quantity = quantity
        allocation.licence = licence
        allocation.save()
        kinds.TARIFF_QUOTA_ALLOCATED.record(
            subject_type="quota_allocation",
            subject_id=allocation.pk,
            party=Party.CUSTOMS,
            actor=actor,
            data={
                "quota": quota.code,
                "enterprise": enterprise.mst,
                "quantity": quantity,
                "licence": licence,
            },
        )
    return allocation


def tariff_quotas_load(*, path: Path | None = None) -> int:
    """Load quotas (the shipped ones by default): code, names, legal basis, unit, the HS
    prefixes they cover (only lines with out-of-quota rates join) and the period."""
    problems: list[FieldProblem] = []
    with _open(path) as fh:
        rows = _read_quotas(fh, problems)
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        with_quota = set(
            LineRate.objects.filter(mfn_out_of_quota_rate__isnull=False).values_list(
                "hs_line_id", flat=True
            )
        )
        for row in rows:
            quota, _created = TariffQuota.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name_vi": row["name_vi"],
                    "name_en": row["name_en"],
                    "legal_basis": row["legal_basis"],
                    "unit": row["unit"],
                    "valid_from": row["valid_from"],
                    "valid_to": row["valid_to"],
                },
            )
            codes = [
                c
                for c in HsLine.objects.filter(code__regex=row["regex"]).values_list(
                    "code", flat=True
                )
                if c in with_quota
            ]
            quota.lines.set(HsLine.objects.filter(code__in=codes))
        tariff_changed(keep_digest=True)
    return len(rows)


def _open(path: Path | None) -> IO[str]:
    if path is not None:
        return path.open(encoding="utf-8-sig", newline="")
    return (DATA / "tariff_quotas.csv").open("r", encoding="utf-8")


def _read_quotas(fh: IO[str], problems: list[FieldProblem]) -> list[dict[str, Any]]:
    reader = csv.DictReader(fh)
    missing = [c for c in QUOTA_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(
            FieldProblem(
                "quotas_csv",
                _("the column '%(col)s' is missing from the header row") % {"col": missing[0]},
                "missing-column",
            )
        )
        return []
    out = []
    for rowno, row in enumerate(reader, start=2):
        at = f"quotas_csv[{rowno}]"
        unit = unit_normalise(row.get("unit", ""))
        prefixes = [p for p in (row.get("hs_prefixes") or "").replace(";", " ").split() if p]
        try:
            valid_from = date.fromisoformat(row["valid_from"])
            valid_to = date.fromisoformat(row["valid_to"])
        except ValueError:
            problems.append(FieldProblem(f"{at}.valid_from", _("write the dates as YYYY-MM-DD")))
            continue
        if unit not in UnitCode.values:
            problems.append(FieldProblem(f"{at}.unit", _("not a known unit code")))
            continue
        if not prefixes or not all(p.isdigit() for p in prefixes):
            problems.append(FieldProblem(f"{at}.hs_prefixes", _("list HS code prefixes")))
            continue
        out.append(
            {
                "code": row["code"].strip(),
                "name_vi": row["name_vi"].strip(),
                "name_en": (row.get("name_en") or "").strip(),
                "legal_basis": (row.get("legal_basis") or "").strip(),
                "unit": unit,
                "regex": "^(" + "|".join(prefixes) + ")",
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
        )
    return out
