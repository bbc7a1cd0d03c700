"""The goods lines of declarations as finally classified: clearance's source of examples for the
tariff's classification assistant (`tariff.assistant.sources`, registered in `apps.py`).

A line carries the code it ended under, after officers' corrections (a check that corrected the
code made a new version; the first version keeps what was declared). Cancelled declarations are
left out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from haiquan.tariff.assistant.sources import Case

from .choices import Status
from .models import CheckResult, DeclarationLine, DeclarationVersion


def classified_line_cases(
    since: datetime | None, until: datetime | None, batch: int
) -> Iterator[Case]:
    """Every registered, not cancelled declaration's goods lines in [since, until), oldest
    first, with the code first declared where an officer corrected it."""
    lines = DeclarationLine.objects.filter(declaration__registered_at__isnull=False).exclude(
        declaration__status=Status.CANCELLED
    )
    checks = CheckResult.objects.all()
    if since is not None:
        lines = lines.filter(declaration__registered_at__gte=since)
        checks = checks.filter(declaration__registered_at__gte=since)
    if until is not None:
        lines = lines.filter(declaration__registered_at__lt=until)
        checks = checks.filter(declaration__registered_at__lt=until)
    checked: set[int] = set()
    corrected: dict[int, set[int]] = {}
    for declaration_id, corrections in checks.values_list("declaration_id", "corrections"):
        checked.add(declaration_id)
        for c in corrections or ():
            if c.get("hs_code"):
                corrected.setdefault(declaration_id, set()).add(int(c["line_no"]))
    declared = _declared_codes(corrected)
    rows = lines.order_by("declaration__registered_at", "declaration_id", "line_no").values_list(
        "declaration_id", "line_no", "description", "hs_code", "declaration__registered_at"
    )
    for declaration_id, line_no, description, code, registered_at in rows.iterator(
        chunk_size=batch
    ):
        was = declared.get((declaration_id, line_no), "")
        yield Case(
            description=description,
            code=code,
            declared_code=was if was and was != code else "",
            registered_at=registered_at,
            checked=declaration_id in checked,
            corrected=line_no in corrected.get(declaration_id, ()),
        )


def _declared_codes(corrected: dict[int, set[int]]) -> dict[tuple[int, int], str]:
    """The code first declared on each (declaration, line) an officer's check corrected."""
    declared: dict[tuple[int, int], str] = {}
    if not corrected:
        return declared
    versions = DeclarationVersion.objects.filter(
        declaration_id__in=list(corrected), number=1
    ).values_list("declaration_id", "content")
    for declaration_id, content in versions.iterator(chunk_size=1000):
        for i, ln in enumerate((content or {}).get("lines", ()), start=1):
            if i in corrected[declaration_id]:
                declared[(declaration_id, i)] = str(ln.get("hs_code", ""))
    return declared
