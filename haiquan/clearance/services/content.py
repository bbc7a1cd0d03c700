"""Writing a declaration's content — header, lines with their duties, containers — and keeping
its versions (each correction or amendment adds one; every earlier one stays readable)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from haiquan.accounts.models import User
from haiquan.core.models import prefetched_set
from haiquan.tariff.duties import DeclarationDuties

from ..inputs import DeclarationInput, LineInput
from ..models import Container, Declaration, DeclarationLine, DeclarationVersion
from ..validation import ResolvedDeclaration
from .common import payment_state_of


def write_content(declaration: Declaration, resolved: ResolvedDeclaration) -> None:
    d = resolved.data
    declaration.flow = resolved.type.flow
    declaration.type = resolved.type
    declaration.office = resolved.office
    declaration.enterprise = resolved.enterprise
    declaration.transport_mode = d.transport_mode
    declaration.bill_of_lading = d.bill_of_lading.strip()
    declaration.arrival_date = d.arrival_date
    declaration.packages = d.packages
    declaration.invoice_number = d.invoice_number
    declaration.invoice_date = d.invoice_date
    declaration.incoterm = d.incoterm
    declaration.currency = resolved.currency
    declaration.invoice_value = d.invoice_value
    declaration.freight = d.freight
    declaration.insurance = d.insurance
    declaration.partner_name = d.partner_name
    declaration.partner_country = resolved.partner_country


def replace_lines(
    declaration: Declaration,
    data: DeclarationInput,
    duties: DeclarationDuties | None,
    fresh: bool = False,
) -> list[DeclarationLine]:
    if not fresh:
        declaration.lines.all().delete()
    rows = []
    for i, ln in enumerate(data.lines):
        row = DeclarationLine(
            declaration=declaration,
            line_no=i + 1,
            hs_code=ln.hs_code,
            hs_code_as_written=ln.hs_code_as_written,
            description=ln.description.strip(),
            origin_id=ln.origin.upper(),
            quantity=ln.quantity,
            unit=ln.unit,
            unit_price=ln.unit_price,
            value=ln.value,
            preference=ln.preference.upper(),
            co_number=ln.co_number,
            co_date=ln.co_date,
            ruling_number=ln.ruling_number,
        )
        if duties is not None:
            _set_line_duties(row, duties.lines[i])
        rows.append(row)
    written = DeclarationLine.objects.bulk_create(rows)
    # The lines just written, attached as if prefetched: the written observers (single window,
    # e-C/O) and the answer read them without reading them back.
    prefetched_set(declaration, "lines", written)
    return written


def _set_line_duties(row: DeclarationLine, ld: Any) -> None:
    row.customs_value_vnd = ld.customs_value_vnd
    row.import_rate = ld.import_rate
    row.import_rate_kind = ld.import_rate_kind + (f":{ld.agreement}" if ld.agreement else "")
    row.import_duty_vnd = ld.import_duty_vnd
    row.export_rate = ld.export_rate
    row.export_duty_vnd = ld.export_duty_vnd
    row.sct_rate = ld.sct_rate
    row.sct_vnd = ld.sct_vnd
    row.env_tax_vnd = ld.env_tax_vnd
    row.vat_rate = ld.vat_rate
    row.vat_vnd = ld.vat_vnd
    row.total_vnd = ld.total_vnd
    row.duty_notes = [str(n) for n in ld.notes]


def set_totals(declaration: Declaration, duties: DeclarationDuties) -> None:
    declaration.customs_value_vnd = duties.customs_value_vnd
    declaration.import_duty_vnd = duties.import_duty_vnd
    declaration.export_duty_vnd = duties.export_duty_vnd
    declaration.sct_vnd = duties.sct_vnd
    declaration.env_tax_vnd = duties.env_tax_vnd
    declaration.vat_vnd = duties.vat_vnd
    declaration.total_duties_vnd = duties.total_vnd
    declaration.payment_state = payment_state_of(declaration)


def replace_containers(
    declaration: Declaration, containers: tuple[str, ...], fresh: bool = False
) -> list[Container]:
    if not fresh:
        declaration.containers.all().delete()
    return Container.objects.bulk_create(
        [Container(declaration=declaration, number=c) for c in containers]
    )


def snapshot(
    declaration: Declaration, data: DeclarationInput, duties: DeclarationDuties | None
) -> dict[str, Any]:
    content = data.as_json()
    content["containers"] = list(data.containers)
    if duties is not None:
        content["duties"] = {
            "customs_value_vnd": duties.customs_value_vnd,
            "import_duty_vnd": duties.import_duty_vnd,
            "export_duty_vnd": duties.export_duty_vnd,
            "sct_vnd": duties.sct_vnd,
            "env_tax_vnd": duties.env_tax_vnd,
            "vat_vnd": duties.vat_vnd,
            "total_vnd": duties.total_vnd,
        }
        content["exchange_rate"] = declaration.exchange_rate
    return content


def new_version(
    declaration: Declaration,
    data: DeclarationInput,
    duties: DeclarationDuties,
    actor: User,
    reason: str,
) -> DeclarationVersion:
    last = declaration.versions.order_by("-number").first()
    previous_total = last.total_duties_vnd if last else Decimal(0)
    return DeclarationVersion.objects.create(
        declaration=declaration,
        number=(last.number + 1) if last else 1,
        reason=reason,
        created_by=actor,
        content=snapshot(declaration, data, duties),
        total_duties_vnd=duties.total_vnd,
        difference_vnd=duties.total_vnd - previous_total,
    )


def declaration_input_from(declaration: Declaration) -> DeclarationInput:
    """The content of a stored declaration as input (to register a draft, or to copy it)."""
    return DeclarationInput(
        type_code=declaration.type_id,
        office_code=declaration.office.code,
        enterprise_mst=declaration.enterprise.mst,
        transport_mode=declaration.transport_mode,
        incoterm=declaration.incoterm,
        currency=declaration.currency_id,
        invoice_value=declaration.invoice_value,
        freight=declaration.freight,
        insurance=declaration.insurance,
        bill_of_lading=declaration.bill_of_lading,
        arrival_date=declaration.arrival_date,
        invoice_number=declaration.invoice_number,
        invoice_date=declaration.invoice_date,
        partner_name=declaration.partner_name,
        partner_country=declaration.partner_country_id or "",
        containers=tuple(declaration.containers.values_list("number", flat=True)),
        packages=declaration.packages,
        lines=tuple(
            LineInput(
                hs_code=ln.hs_code,
                hs_code_as_written=ln.hs_code_as_written,
                description=ln.description,
                origin=ln.origin_id,
                quantity=ln.quantity,
                unit=ln.unit,
                unit_price=ln.unit_price,
                value=ln.value,
                preference=ln.preference,
                co_number=ln.co_number,
                co_date=ln.co_date,
                ruling_number=ln.ruling_number,
            )
            for ln in declaration.lines.order_by("line_no")
        ),
    )
