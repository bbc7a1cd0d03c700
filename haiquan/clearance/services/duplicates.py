"""The same goods declared twice: a second declaration of the same invoice and container by the
enterprise is refused, naming the first; other likenesses are warnings."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from haiquan.core.problems import Conflict, FieldProblem

from ..choices import Status
from ..models import Declaration
from ..selectors import DuplicateMatch, declaration_duplicates
from ..validation import ResolvedDeclaration


class DuplicateDeclaration(Conflict):
    """The same goods (invoice and container) are already declared by the enterprise on a
    declaration that is not cancelled: a second declaration is refused, naming the first."""

    def __init__(self, detail: str, errors: list[FieldProblem], matches: list[DuplicateMatch]):
        super().__init__(detail, code="duplicate-declaration")
        self.errors = errors
        self.matches = matches

    def as_problem(self, instance: str | None = None) -> dict[str, Any]:
        body = super().as_problem(instance)
        body["duplicates"] = [{"id": m.declaration_id, "number": m.number} for m in self.matches]
        return body


def duplicates_of(declaration: Declaration, resolved: ResolvedDeclaration) -> list[DuplicateMatch]:
    return declaration_duplicates(
        enterprise_id=resolved.enterprise.pk,
        flow=resolved.type.flow,
        invoice_number=resolved.data.invoice_number,
        bill_of_lading=resolved.data.bill_of_lading,
        containers=resolved.containers,
        exclude_id=declaration.pk,
    )


def duplicate_text(match: DuplicateMatch, *, invoice_number: str, bill_of_lading: str) -> str:
    """'Declaration 100… (Cleared) already declares invoice INV-1 and container CSQU…'."""
    what = []
    if match.same_invoice:
        what.append(_("invoice %(v)s") % {"v": invoice_number})
    if match.same_bill_of_lading:
        what.append(_("bill of lading %(v)s") % {"v": bill_of_lading})
    if match.containers:
        what.append(_("container %(v)s") % {"v": ", ".join(match.containers)})
    return _("Declaration %(number)s (%(status)s) already declares %(what)s.") % {
        "number": match.number,
        "status": Status(match.status).label,
        "what": "; ".join(what),
    }


def refuse_duplicates(matches: list[DuplicateMatch], resolved: ResolvedDeclaration) -> None:
    refusing = [m for m in matches if m.refuses]
    if not refusing:
        return
    first = refusing[0]
    data = resolved.data
    errors = [
        FieldProblem(
            "invoice_number",
            _(
                "invoice %(invoice)s is already declared with the same container on declaration "
                "%(number)s, which is not cancelled: amend that declaration, or have it "
                "cancelled before declaring these goods again"
            )
            % {"invoice": data.invoice_number, "number": first.number},
            "duplicate-declaration",
        )
    ]
    for i, c in enumerate(resolved.containers):
        holder = next((m for m in refusing if c in m.containers), None)
        if holder is not None:
            errors.append(
                FieldProblem(
                    f"containers[{i}]",
                    _("container %(c)s is already declared with this invoice on %(number)s")
                    % {"c": c, "number": holder.number},
                    "duplicate-declaration",
                )
            )
    raise DuplicateDeclaration(
        _(
            "These goods are already declared on declaration %(number)s (same invoice and "
            "container); a second declaration of them is refused."
        )
        % {"number": ", ".join(m.number for m in refusing)},
        errors,
        refusing,
    )
