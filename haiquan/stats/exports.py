"""The report as tables: one list of tables feeds the CSV, the XLSX workbook and the PDF."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from .selectors import Change, Report


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]


def _pct(c: Change) -> Decimal | str:
    return c.pct if c.pct is not None else ""


def report_tables(r: Report) -> list[Table]:
    return [
        _summary_table(r),
        _enterprises_table(r),
        _targets_table(r),
        _months_table(r),
        *_breakdown_tables(r),
        _offices_table(r),
    ]


def _summary_table(r: Report) -> Table:
    return Table(
        _("Summary"),
        [
            _("Figure"),
            _("This period"),
            _("Period before"),
            _("Change"),
            _("Change (%)"),
            _("Year before"),
            _("Change"),
            _("Change (%)"),
        ],
        [
            [
                m.label,
                m.value,
                m.mom.before,
                m.mom.delta,
                _pct(m.mom),
                m.yoy.before,
                m.yoy.delta,
                _pct(m.yoy),
            ]
            for m in r.metrics
        ],
    )


def _enterprises_table(r: Report) -> Table:
    return Table(
        _("Enterprises active"),
        [_("Period"), _("Active"), _("In-province"), _("From other provinces"), _("New")],
        [
            [label, e.active, e.in_province, e.out_of_province, e.new]
            for label, e in (
                (_("This period"), r.enterprises),
                (_("Period before"), r.enterprises_previous),
                (_("Year before"), r.enterprises_year_ago),
            )
        ],
    )


def _targets_table(r: Report) -> Table:
    return Table(
        _("Revenue targets %(year)s") % {"year": r.period.last.year},
        [_("Set by"), _("Target (VND)"), _("Collected (VND)"), _("Reached (%)")],
        [
            [str(t.target.get_authority_display()), t.target.amount_vnd, t.collected_vnd, t.pct]
            for t in r.targets
        ],
    )


def _months_table(r: Report) -> Table:
    return Table(
        _("Month by month"),
        [
            _("Month"),
            _("Declarations"),
            _("Trade value (USD)"),
            _("Revenue collected (VND)"),
            _("Declarations, year before"),
            _("Trade value, year before (USD)"),
            _("Revenue, year before (VND)"),
        ],
        [
            [
                f"{m['month']:02d}/{r.period.last.year}",
                m["declarations"],
                m["value_usd"],
                m["revenue_vnd"],
                m["last_year_declarations"],
                m["last_year_value_usd"],
                m["last_year_revenue_vnd"],
            ]
            for m in r.months
        ],
    )


def _breakdown_tables(r: Report) -> list[Table]:
    titles = {
        "lane": _("By lane"),
        "chapter": _("By HS chapter"),
        "country": _("By partner country"),
        "type": _("By declaration type"),
        "transport": _("By transport mode"),
    }
    return [
        Table(
            title,
            [_("Code"), _("Name"), _("Declarations"), _("Share (%)"), _("Trade value (USD)")],
            [
                [
                    s.key,
                    s.label,
                    s.declarations,
                    s.share if s.share is not None else "",
                    s.value_usd,
                ]
                for s in r.breakdowns.get(dim, [])
            ],
        )
        for dim, title in titles.items()
    ]


def _offices_table(r: Report) -> Table:
    return Table(
        _("Offices"),
        [
            _("Office"),
            _("Name"),
            _("Declarations"),
            _("Trade value (USD)"),
            _("Revenue collected (VND)"),
            _("Enterprises active"),
            _("Declarations, change on a year (%)"),
        ],
        [
            [
                row.office.code,
                row.office.name,
                row.totals.declarations,
                row.totals.value_usd,
                row.totals.revenue_vnd,
                row.enterprises,
                _pct(row.yoy_declarations),
            ]
            for row in r.children
        ],
    )


def report_heading(r: Report) -> list[str]:
    flow = {"import": _("imports"), "export": _("exports")}.get(
        r.flow or "", _("imports and exports")
    )
    return [
        _("Statistics of %(office)s") % {"office": f"{r.office.code} {r.office.name}"},
        _("Period: %(period)s, %(flow)s") % {"period": r.period.label(), "flow": flow},
    ]


def report_csv(r: Report) -> bytes:
    """UTF-8 with a byte-order mark (so that spreadsheet programs read the Vietnamese right);
    each table under its title, separated by an empty line."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in report_heading(r):
        writer.writerow([line])
    for table in report_tables(r):
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.headers)
        writer.writerows([[_cell(v) for v in row] for row in table.rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def report_xlsx(r: Report) -> bytes:
    """A workbook with one sheet per table, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    first = True
    for table in report_tables(r):
        ws = wb.active if first else wb.create_sheet()
        first = False
        assert ws is not None
        ws.title = _sheet_title(table.title, [n for n in wb.sheetnames if n != ws.title])
        for line in report_heading(r):
            ws.append([line])
        ws.append([])
        ws.append(table.headers)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for column, width in zip("ABCDEFGH", (28, 18, 18, 18, 14, 18, 18, 14), strict=False):
            ws.column_dimensions[column].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str, taken: list[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    clean = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
    name, n = clean, 2
    while name in taken:
        name = f"{clean[:28]} {n}"
        n += 1
    return name
