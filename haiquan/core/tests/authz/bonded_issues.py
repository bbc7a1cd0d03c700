"""Bonded warehouse issues' part of the authorisation matrix: goods leaving the bonded
warehouse (abroad on a C12, or into the domestic market) and the cancellation of an issue.

Each party's owner has its durians received into its bonded warehouse on a cleared C11
(100 kg): the "own" party's at W20CD (Cái Lân, office 20CD, in the leader's department but not
the officer's office, run by the operator's firm), the "other" party's at W43B (Sóng Thần,
43IH); see world_supervision.py. It declares a C12 for all of them at the warehouse's office,
and 40 kg have left on a first issue; the cells issue the other 60 kg, or cancel the first
issue. Durians, not the dragon fruit the world received: an issue draws on the lots of its
goods, and the world's receipt must stay undrawn for the matrix to cancel it. The same people
may act as on receipts: the operator of the warehouse and the officers of its office.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from haiquan.clearance.choices import Status
from haiquan.clearance.inputs import DeclarationInput
from haiquan.clearance.models import Declaration
from haiquan.clearance.services import declaration_register
from haiquan.supervision.bonded import DocumentLine, bonded_issue_create, bonded_receipt_create
from haiquan.supervision.models import WarehouseIssue

from ..world import declaration_input

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# bonded warehouse issues: as receipts, the warehouse's operator and its office's officers (20CD:
# the leader, not the officer of 20BD); the cancel pages are read by whoever sees the warehouse
POST     /api/v1/supervision/zones/{code}/issues              bonded:issue      404/404   404/404 404/404 ok/404  403/403 403/403 ok/404   401
POST     /api/v1/supervision/zones/{code}/issues/{document_number}/cancel bonded:issue-doc 404/404 404/404 404/404 ok/404 403/403 403/403 ok/404 401
GET      /supervision/zones/{code}/warehouse/{kind}/          bonded:issue      403/403   403/403 405/405 405/405 405/405 405/405 405/405  login
GET      /supervision/zones/{code}/warehouse/{kind}/{pk}/cancel/ bonded:issue-doc 403/403 403/403 404/404 ok/404  ok/ok   ok/ok   ok/404   login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ()  # supervision's pages are in the matrix's own list
UNOWNED: frozenset[str] = frozenset()

ISSUED_FIRST = Decimal("40")  # of the 100 kg received


@dataclass
class BondedIssues:
    c12: Declaration  # cleared, for all the durians held; ISSUED_FIRST of them have left
    issue: WarehouseIssue  # that first issue


def _durians(data: DeclarationInput) -> DeclarationInput:
    """The world's declaration with 100 kg of fresh durians (USD 2.50/kg) instead of its fruit."""
    line = replace(
        data.lines[0],
        hs_code="08106000",
        description="Quả sầu riêng tươi",
        unit_price=Decimal("2.5"),
        value=Decimal("250.00"),
    )
    assert line.quantity == 100 and line.unit == "KGM", line
    return replace(data, lines=(line,), invoice_value=line.value)


def build(world: World) -> dict[str, BondedIssues]:
    traders = {"own": world.users["broker"], "other": world.users["other_declarant"]}
    out = {}
    for scope in ("own", "other"):
        sup = world.supervision[scope]
        warehouse, receipt = sup.destination, sup.receipt
        assert receipt is not None
        # The one who recorded the world's receipt (an officer of the warehouse's office).
        keeper = receipt.recorded_by
        data = _durians(declaration_input(receipt.owner.mst, warehouse.office.code, "green"))
        c11, c12 = (
            declaration_register(actor=traders[scope], data=replace(data, type_code=t))
            for t in ("C11", "C12")
        )
        assert (c11.status, c12.status) == (Status.CLEARED, Status.CLEARED), scope
        bonded_receipt_create(
            actor=keeper,
            zone=warehouse,
            declaration_number=c11.number or "",
            document_number=f"PN-{warehouse.code}-SR1",
        )
        issue = bonded_issue_create(
            actor=keeper,
            zone=warehouse,
            declaration_number=c12.number or "",
            document_number=f"PX-{warehouse.code}-SR1",
            lines=[DocumentLine(line_no=1, quantity=ISSUED_FIRST)],
        )
        out[scope] = BondedIssues(c12=c12, issue=issue)
    return out


def _target(**kw: Any) -> Target:
    # The matrix imports its parts while it loads: take its Target when a cell asks for it.
    from ..test_authz_matrix import Target

    return Target(**kw)


def _issues(world: World, scope: str) -> BondedIssues:
    parts: dict[str, BondedIssues] = world.extra["bonded_issues"]
    return parts[scope]


def _issue_doc(world: World, scope: str) -> Target:
    issue = _issues(world, scope).issue
    return _target(
        path={
            "code": issue.zone.code,
            "document_number": issue.document_number,
            "kind": "issue",
            "pk": issue.pk,
        }
    )


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "bonded:issue": lambda w, s: _target(
        path={"code": w.supervision[s].destination.code, "kind": "issue"}
    ),
    "bonded:issue-doc": _issue_doc,
}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    # the rest of the C12's durians (no lines: what is still due, 60 kg, all still held)
    ("POST", "/api/v1/supervision/zones/{code}/issues"): lambda w, s: {
        "declaration_number": _issues(w, s).c12.number,
        "document_number": f"PX-MATRIX-{s}",
    },
    ("POST", "/api/v1/supervision/zones/{code}/issues/{document_number}/cancel"): lambda w, s: {
        "reason": "Tàu hủy chuyến"
    },
}
