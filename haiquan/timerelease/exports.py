"""The reports as files: CSV (the breakdown table) and XLSX (summary, steps, breakdown); the
PDF is the printed page (`timerelease/print.html`). Each shows the time inside declared outages
apart from the parties' time, as the pages do."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from .choices import Dimension, Span
from .formatting import format_duration
from .reports import Filters


def file_name(f: Filters, extension: str) -> str:
    office = f.office_path.strip("/").split("/")[-1] if f.office_path else "all"
    span = "-from-arrival" if f.span == Span.ARRIVAL else ""
    return f"time-release-{office}-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}{span}.{extension}"


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 4)


def _pct(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio * 100, 2)


def _span_words(f: Filters) -> str:
    return _("arrival → release") if f.span == Span.ARRIVAL else _("registration → release")


def _breakdown_header(by: str, f: Filters) -> list[str]:
    """The span measured is in the headers of the times: a column read alone says it."""
    span = _span_words(f)
    return [
        str(Dimension(by).label),
        _("Declarations registered"),
        _("Released (measured)"),
        _("Mean %(span)s (hours)") % {"span": span},
        _("Median %(span)s (hours)") % {"span": span},
        _("p90 %(span)s (hours)") % {"span": span},
        _("Customs share (%)"),
        _("Not yet released"),
        _("Released within %(hours)s hours (%%)") % {"hours": f"{f.within_hours:g}"},
        _("Time inside declared outages (hours)"),
        _("Share of the time inside declared outages (%)"),
    ]


def _breakdown_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            r["label"],
            r["registered"],
            r["consignments"],
            _hours(r["mean_s"]),
            _hours(r["median_s"]),
            _hours(r["p90_s"]),
            _pct(r["customs_share"]),
            r["open"],
            _pct(r["within_share"]),
            _hours(r["outage_s"]),
            _pct(r["outage_share"]),
        ]
        for r in rows
    ]


def breakdown_csv(f: Filters, by: str, rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read UTF-8 (Vietnamese names)
    writer = csv.writer(out)
    writer.writerow(_breakdown_header(by, f))
    writer.writerows(_breakdown_rows(rows))
    return out.getvalue()


def _outage_rows(sheet: Any, periods: tuple[dict[str, Any], ...]) -> None:
    """The time inside declared outages, apart from the parties' (as the page shows it): the
    time, its share, how many consignments it touched, and the mean without it."""
    outages = [s["outage"] for s in periods]
    sheet.append(
        [
            _("Time inside declared outages (apart: not a party's time)"),
            *(format_duration(o["seconds"]) for o in outages),
        ]
    )
    sheet.append(
        [_("Time inside declared outages (hours)"), *(_hours(o["seconds"]) for o in outages)]
    )
    sheet.append(
        [_("Share of the time inside declared outages (%)"), *(_pct(o["share"]) for o in outages)]
    )
    sheet.append(
        [
            _("Consignments with time inside declared outages"),
            *(o["consignments"] for o in outages),
        ]
    )
    sheet.append(
        [
            _("Mean time without the outages"),
            *(format_duration(o["mean_without_s"]) for o in outages),
        ]
    )
    sheet.append(
        [
            _("Mean time without the outages (hours)"),
            *(_hours(o["mean_without_s"]) for o in outages),
        ]
    )


def report_xlsx(f: Filters, body: dict[str, Any], by: str, rows: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    bold = Font(bold=True)
    sheet = book.active
    assert sheet is not None
    _summary_sheet(sheet, f, body, bold)
    _steps_sheet(book.create_sheet(_("Steps")[:31]), body["current"], bold)
    _breakdown_sheet(book.create_sheet(_("Breakdown")[:31]), f, by, rows, bold)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary_sheet(sheet: Worksheet, f: Filters, body: dict[str, Any], bold: Font) -> None:
    """The headline measures of the period, the previous one and the same period last year."""
    sheet.title = _("Summary")[:31]
    now, prev, last = body["current"], body["previous"], body["last_year"]
    sheet.append([_("Time release"), f"{f.date_from:%Y-%m-%d} – {f.date_to:%Y-%m-%d}"])
    sheet.append([_("Headline span"), str(Span(f.span).label)])
    sheet.append([_("Measure"), _("This period"), _("Previous period"), _("Same period last year")])
    for label, key in (
        (_("Mean"), "mean_s"),
        (_("Median"), "median_s"),
        (_("p90"), "p90_s"),
        (_("p95"), "p95_s"),
    ):
        sheet.append([label, *(format_duration(s[key]) for s in (now, prev, last))])
    for label, key in ((_("Mean (hours)"), "mean_s"), (_("Median (hours)"), "median_s")):
        sheet.append([label, *(_hours(s[key]) for s in (now, prev, last))])
    sheet.append([_("Released (measured)"), *(s["consignments"] for s in (now, prev, last))])
    sheet.append([_("Declarations registered"), *(s["registered"] for s in (now, prev, last))])
    sheet.append([_("Not yet released"), *(s["unfinished"]["open"] for s in (now, prev, last))])
    sheet.append([_("Cancelled"), *(s["unfinished"]["cancelled"] for s in (now, prev, last))])
    sheet.append([_("Outliers"), *(s["outliers"]["count"] for s in (now, prev, last))])
    sheet.append(
        [
            _("Customs share (%), a ratio of sums"),
            *(_pct(s["customs_share"]) for s in (now, prev, last)),
        ]
    )
    _outage_rows(sheet, (now, prev, last))
    sheet.append([])
    sheet.append(
        [
            _("Change of the mean against the previous period"),
            body["change_previous"]["mean_s"]["text"],
        ]
    )
    sheet.append(
        [_("Change of the mean against last year"), body["change_last_year"]["mean_s"]["text"]]
    )
    if f.span == Span.ARRIVAL:
        sheet.append(
            [
                _("Consignments measured with a reported arrival"),
                *(s["consignments"] for s in (now, prev, last)),
            ]
        )
        sheet.append(
            [
                _("Consignments measured, with or without an arrival"),
                *(s["span"].get("of_measured") for s in (now, prev, last)),
            ]
        )
    for cell in sheet[3]:
        cell.font = bold


def _steps_sheet(steps: Worksheet, now: dict[str, Any], bold: Font) -> None:
    """The period's time per step and per party."""
    steps.append(
        [
            _("Step"),
            _("Share (%)"),
            _("Mean per consignment (hours)"),
            _("Consignments with the step"),
        ]
    )
    for s in now["steps"]:
        steps.append([s["label"], _pct(s["share"]), _hours(s["mean_s"]), s["consignments"]])
    steps.append([])
    steps.append([_("Party"), _("Share (%)"), _("Mean per consignment (hours)")])
    for b in now["buckets"]:
        steps.append([b["label"], _pct(b["share"]), _hours(b["mean_s"])])
    for cell in steps[1]:
        cell.font = bold


def _breakdown_sheet(
    table: Worksheet, f: Filters, by: str, rows: list[dict[str, Any]], bold: Font
) -> None:
    table.append(_breakdown_header(by, f))
    for row in _breakdown_rows(rows):
        table.append(row)
    for cell in table[1]:
        cell.font = bold
