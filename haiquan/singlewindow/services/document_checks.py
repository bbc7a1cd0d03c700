"""The checks of an agency's message (permit or inspection result): its envelope (message id,
reference, function) and its content (kind, result, holder, declaration, validity, goods). Every
problem is gathered with its field and raised at once; nothing is written here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.refdata.models import Enterprise
from haiquan.tariff.normalise import hs_code_normalise, unit_is_known, unit_normalise

from ..choices import DocumentKind, MessageFunction, Result
from ..inputs import DocumentMessage, GoodsInput


@dataclass
class CleanContent:
    kind: str
    holder: Enterprise
    declaration: Declaration | None
    issued_on: date
    valid_from: date
    valid_to: date | None
    result: str
    notes: str
    goods: list[GoodsInput]


def content_clean(msg: DocumentMessage, today: date) -> CleanContent:
    """Check an original or an amendment's content; every problem at once, naming the field."""
    errors: list[FieldProblem] = []
    if msg.kind not in DocumentKind.values:
        errors.append(
            FieldProblem(
                "kind",
                _("must be 'permit' or 'inspection'"),
                "required" if not msg.kind else "invalid",
            )
        )
    if msg.result not in Result.values:
        errors.append(
            FieldProblem(
                "result", _("must be 'pass' or 'fail'"), "required" if not msg.result else "invalid"
            )
        )
    if msg.result == Result.FAIL and not msg.notes.strip():
        errors.append(FieldProblem("notes", _("say why the goods failed"), "required"))
    holder = _holder_checked(msg, errors)
    declaration = _declaration_checked(msg, holder, errors)
    valid_from = _validity_checked(msg, today, errors)
    goods = _goods_checked(msg, errors)
    if errors:
        raise ValidationFailed(errors)
    assert holder is not None and msg.issued_on is not None and valid_from is not None
    return CleanContent(
        kind=msg.kind,
        holder=holder,
        declaration=declaration,
        issued_on=msg.issued_on,
        valid_from=valid_from,
        valid_to=msg.valid_to,
        result=msg.result,
        notes=msg.notes.strip(),
        goods=goods,
    )


def _holder_checked(msg: DocumentMessage, errors: list[FieldProblem]) -> Enterprise | None:
    """The enterprise the document is issued to, by its tax code."""
    mst = msg.holder_mst.strip()
    holder = Enterprise.objects.filter(mst=mst).first() if mst else None
    if not mst:
        errors.append(
            FieldProblem("holder_mst", _("the holder's tax code is required"), "required")
        )
    elif holder is None:
        errors.append(
            FieldProblem(
                "holder_mst",
                _("no enterprise with tax code %(mst)s is known to customs") % {"mst": mst},
                "unknown-enterprise",
            )
        )
    return holder


def _declaration_checked(
    msg: DocumentMessage, holder: Enterprise | None, errors: list[FieldProblem]
) -> Declaration | None:
    """The declaration the document names, if it names one: registered, not cancelled, and
    declared by the holder."""
    number = msg.declaration_number.strip()
    if not number:
        return None
    declaration = (
        Declaration.objects.select_related("enterprise", "office").filter(number=number).first()
    )
    if declaration is None:
        errors.append(
            FieldProblem(
                "declaration_number",
                _("no registered declaration has number %(n)s") % {"n": number},
                "unknown-declaration",
            )
        )
    elif declaration.status == Status.CANCELLED:
        errors.append(
            FieldProblem(
                "declaration_number",
                _("declaration %(n)s is cancelled") % {"n": number},
                "cancelled-declaration",
            )
        )
    elif holder is not None and declaration.enterprise_id != holder.pk:
        errors.append(
            FieldProblem(
                "holder_mst",
                _("declaration %(n)s is declared by tax code %(decl)s, not by the holder %(mst)s")
                % {"n": number, "decl": declaration.enterprise.mst, "mst": msg.holder_mst.strip()},
                "holder-mismatch",
            )
        )
    return declaration


def _validity_checked(msg: DocumentMessage, today: date, errors: list[FieldProblem]) -> date | None:
    """The issue date and the validity; the start of validity (the issue date by default)."""
    if msg.issued_on is None:
        errors.append(FieldProblem("issued_on", _("the issue date is required"), "required"))
    elif msg.issued_on > today:
        errors.append(FieldProblem("issued_on", _("cannot be in the future"), "in-future"))
    valid_from = msg.valid_from or msg.issued_on
    if valid_from is None:
        errors.append(
            FieldProblem("valid_from", _("the start of validity is required"), "required")
        )
    if msg.valid_to is not None and valid_from is not None and msg.valid_to < valid_from:
        errors.append(FieldProblem("valid_to", _("ends before the validity starts")))
    return valid_from


def _goods_checked(msg: DocumentMessage, errors: list[FieldProblem]) -> list[GoodsInput]:
    """The goods covered, their HS codes and units normalised."""
    if not msg.goods:
        errors.append(
            FieldProblem("goods", _("list the goods covered (at least one item)"), "required")
        )
    goods: list[GoodsInput] = []
    for i, g in enumerate(msg.goods):
        at = f"goods[{i}]"
        hs = hs_code_normalise(g.hs_code.strip())
        if not (hs.isascii() and hs.isdigit() and len(hs) in (4, 6, 8)):
            errors.append(
                FieldProblem(f"{at}.hs_code", _("an HS code of 4, 6 or 8 digits, e.g. 08109092"))
            )
        if g.quantity is None or not g.quantity.is_finite() or g.quantity <= 0:
            errors.append(FieldProblem(f"{at}.quantity", _("must be more than zero")))
        elif g.quantity >= Decimal("1e15"):
            errors.append(FieldProblem(f"{at}.quantity", _("is too large")))
        unit = unit_normalise(g.unit)
        if not unit_is_known(unit):
            errors.append(
                FieldProblem(
                    f"{at}.unit",
                    _("'%(u)s' is not a unit code (UN/ECE Rec. 20: KGM, TNE, PCE, LTR...)")
                    % {"u": g.unit},
                    "unknown-unit",
                )
            )
        goods.append(
            GoodsInput(
                hs_code=hs, quantity=g.quantity, unit=unit, description=g.description.strip()
            )
        )
    return goods


def envelope_check(msg: DocumentMessage) -> None:
    errors = []
    if not msg.message_id.strip():
        errors.append(FieldProblem("message_id", _("a message id is required"), "required"))
    elif len(msg.message_id.strip()) > 100:
        errors.append(FieldProblem("message_id", _("at most 100 characters")))
    if not msg.reference.strip():
        errors.append(
            FieldProblem("reference", _("the document's reference is required"), "required")
        )
    elif len(msg.reference.strip()) > 50:
        errors.append(FieldProblem("reference", _("at most 50 characters")))
    if msg.function not in MessageFunction.values:
        errors.append(
            FieldProblem(
                "function", _("must be 'original', 'amendment' or 'revocation'"), "invalid"
            )
        )
    if msg.function == MessageFunction.REVOCATION and not msg.reason.strip():
        errors.append(FieldProblem("reason", _("say why the document is revoked"), "required"))
    if errors:
        raise ValidationFailed(errors)
