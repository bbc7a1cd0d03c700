"""The requirements table from the ministries' inspection lists, and what applies to a line.

The tariff holds the lists by line and a person's reading of each measure (`tariff.measures`):
a measure whose effect is a document (a permit, or a specialised-inspection result) becomes
requirements here — one per HS prefix its lines share (a whole heading when every line of it is
listed, else the subheading, else the line) — addressed to the installation's agency of the kind
the review names (or the agency it names). A measure whose agency the installation does not
have stays on the lines' page as information. Rows written by hand are never touched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import NotFound
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.tariff.models import HsLine, Measure, MeasureLine
from haiquan.tariff.normalise import hs_code_normalise

from .choices import AgencyKind, DocumentKind
from .models import Agency, Requirement


def prefixes_covering(codes: Iterable[str], all_codes: Iterable[str]) -> list[str]:
    """The fewest HS prefixes (heading, subheading or line) naming exactly `codes` among
    `all_codes`: a heading when every line of it is in `codes`, else its subheadings so."""
    wanted = set(codes)
    by_heading: dict[str, list[str]] = defaultdict(list)
    by_sub: dict[str, list[str]] = defaultdict(list)
    for code in all_codes:
        by_heading[code[:4]].append(code)
        by_sub[code[:6]].append(code)
    out: list[str] = []
    for heading in sorted({c[:4] for c in wanted}):
        if all(c in wanted for c in by_heading[heading]):
            out.append(heading)
            continue
        for sub in sorted({c[:6] for c in wanted if c.startswith(heading)}):
            if all(c in wanted for c in by_sub[sub]):
                out.append(sub)
            else:
                out.extend(sorted(c for c in wanted if c.startswith(sub)))
    return out


def _agency_for(measure: Measure, agencies: list[Agency]) -> Agency | None:
    if measure.agency_code:
        return next((a for a in agencies if a.code == measure.agency_code), None)
    if not measure.agency_kind or measure.agency_kind == AgencyKind.OTHER:
        return None  # "other" agencies are too many kinds to guess: the review names one
    return next((a for a in agencies if a.kind == measure.agency_kind), None)


@dataclass
class RequirementsSync:
    created: int = 0
    kept: int = 0
    retired: int = 0
    without_agency: list[str] = field(default_factory=list)


def requirements_from_measures(*, actor: Any = None) -> RequirementsSync:
    """Bring the requirements built from the inspection lists in line with the measures and the
    installation's agencies. Rows no longer wanted are retired (made inactive), never deleted:
    declarations' requests refer to them."""
    out = RequirementsSync()
    agencies = list(Agency.objects.filter(active=True).order_by("code"))
    all_codes = list(HsLine.objects.filter(valid_to__isnull=True).values_list("code", flat=True))
    lines_of: dict[str, list[str]] = defaultdict(list)
    for key, code in MeasureLine.objects.values_list("measure_id", "hs_line_id"):
        lines_of[key].append(code)
    wanted: dict[tuple[str, str, int], dict[str, Any]] = {}
    for measure in Measure.objects.filter(effect="document").order_by("key"):
        agency = _agency_for(measure, agencies)
        if agency is None:
            out.without_agency.append(measure.key)
            continue
        for prefix in prefixes_covering(lines_of.get(measure.key, ()), all_codes):
            wanted[(measure.key, prefix, agency.pk)] = {
                "agency": agency,
                "kind": measure.document or DocumentKind.INSPECTION,
                "title": measure.text_vi[:255],
                "flow": measure.flow,
                "legal_basis": measure.legal_basis[:255],
            }
    with transaction.atomic():
        existing = {
            (r.measure, r.hs_prefix, r.agency_id): r
            for r in Requirement.objects.exclude(measure="").select_for_update()
        }
        for found, r in existing.items():
            if found in wanted:
                fields = wanted.pop(found)
                r.kind, r.title, r.flow = fields["kind"], fields["title"], fields["flow"]
                r.legal_basis, r.active = fields["legal_basis"], True
                r.save(update_fields=["kind", "title", "flow", "legal_basis", "active"])
                out.kept += 1
            elif r.active:
                r.active = False
                r.save(update_fields=["active"])
                out.retired += 1
        Requirement.objects.bulk_create(
            [
                Requirement(measure=key, hs_prefix=prefix, **fields)
                for (key, prefix, _agency), fields in sorted(
                    wanted.items(), key=lambda kv: kv[0][:2]
                )
            ],
            batch_size=1000,
        )
        out.created = len(wanted)
        kinds.SINGLEWINDOW_REQUIREMENTS_BUILT.record(
            subject_type="requirements",
            subject_id=0,
            party=Party.CUSTOMS,
            actor=actor,
            actor_label="" if actor is not None else "inspection lists",
            data={
                "created": out.created,
                "kept": out.kept,
                "retired": out.retired,
                "measures_without_agency": out.without_agency,
            },
        )
    return out


@dataclass
class LineMeasure:
    """A measure on a line and why: the list names the line under it; what the review reads it
    as; which requirement rows it became here."""

    measure: Measure
    partial: bool
    requirements: list[Requirement] = field(default_factory=list)


@dataclass
class LineMeasures:
    line: HsLine
    measures: list[LineMeasure]
    # Requirements written by hand that also match the line (by prefix).
    by_hand: list[Requirement]


def measures_for_line(*, code: str, on_day: date | None = None) -> LineMeasures:
    """Every measure of the inspection lists on a tariff line, with the requirements the single
    window asks of its declarations (from the lists or written by hand)."""
    normalised = hs_code_normalise(code)
    line = HsLine.objects.filter(code=normalised).first()
    if line is None:
        raise NotFound(_("There is no tariff line with HS code '%(code)s'.") % {"code": code})
    on_day = on_day or timezone.localdate()
    prefixes = [normalised[:n] for n in range(1, len(normalised) + 1)]
    requirements = list(
        Requirement.objects.filter(hs_prefix__in=prefixes, active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on_day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_day))
        .select_related("agency")
        .order_by("agency__code", "hs_prefix")
    )
    by_measure: dict[str, list[Requirement]] = defaultdict(list)
    for r in requirements:
        if r.measure:
            by_measure[r.measure].append(r)
    rows = [
        LineMeasure(ml.measure, ml.partial, by_measure.get(ml.measure_id, []))
        for ml in MeasureLine.objects.filter(hs_line=line)
        .select_related("measure")
        .order_by("measure__effect", "measure__key")
    ]
    return LineMeasures(
        line=line, measures=rows, by_hand=[r for r in requirements if not r.measure]
    )
