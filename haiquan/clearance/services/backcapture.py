"""Paper declarations taken during a declared outage, captured afterwards (nhập bổ sung tờ khai
giấy sau sự cố).

During an outage the office falls back to manual procedures: the declarant hands in a paper
declaration, it is given a paper number, and the officer decides its lane then. When haiquan is
back, an officer of the office captures it: it is registered with its original time (the
exchange rate of that day, its events at that time), the lane decided on paper, and keeps its
paper number; it gets its system number too, and is marked as captured from paper (the
`declaration.back_captured` event, at the time of capture, by the officer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.selectors import offices_in_scope_subtrees
from haiquan.core.problems import FieldProblem, Forbidden, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event
from haiquan.outage.models import Outage
from haiquan.outage.selectors import outage_during
from haiquan.risk.choices import Lane
from haiquan.risk.engine import LaneResult

from .common import build_event

if TYPE_CHECKING:
    from haiquan.accounts.models import User

    from ..inputs import DeclarationInput
    from ..models import Declaration


@dataclass(frozen=True)
class PaperCapture:
    number: str
    registered_at: datetime
    lane: str
    outage: Outage

    def lane_result(self) -> LaneResult:
        return LaneResult(
            lane=self.lane, reasons=(), random_selected=False, random_draw=Decimal(0), score=None
        )


def paper_events(
    events: list[Event], declaration: Declaration, actor: User, paper: PaperCapture
) -> list[Event]:
    """The registration's events at the paper's time (the lane decided by the officer, on
    paper), then the capture itself, now."""
    for event in events:
        event.occurred_at = paper.registered_at
        if event.kind == kinds.DECLARATION_LANE_DECIDED.code:
            event.actor, event.actor_label = actor, actor.get_username()
            event.data = {**event.data, "on_paper": True}
    captured = build_event(
        declaration,
        kinds.DECLARATION_BACK_CAPTURED,
        actor,
        {
            "paper_number": paper.number,
            "paper_registered_at": paper.registered_at,
            "outage": paper.outage.pk,
        },
        party=Party.CUSTOMS,
    )
    captured.occurred_at = timezone.now()
    return [*events, captured]


def declaration_back_capture(
    *,
    actor: User,
    data: DeclarationInput,
    paper_number: str,
    registered_at: datetime | None,
    lane: str,
) -> Declaration:
    """Capture a paper declaration taken during an ended outage at its office: an officer or
    leader of that office, its paper number, the time it was registered on paper (inside the
    outage) and the lane decided then. Anyone else is refused (403): other roles, and officers
    of other offices."""
    from .registration import declaration_register

    if getattr(actor, "role", None) not in (Role.OFFICER, Role.LEADER):
        raise Forbidden(_("Only an officer of the office captures its paper declarations."))
    # The officer's offices and those under them (a department's leader, its sub-offices).
    if (
        data.office_code
        and not offices_in_scope_subtrees(actor).filter(code=data.office_code).exists()
    ):
        raise Forbidden(_("Only an officer of the office captures its paper declarations."))
    paper_number = paper_number.strip()
    problems = []
    if not data.office_code:
        problems.append(FieldProblem("office_code", _("Choose the office."), "required"))
    if not paper_number:
        problems.append(FieldProblem("paper_number", _("Give the paper declaration's number.")))
    if lane not in Lane.values:
        problems.append(FieldProblem("lane", _("Choose green, yellow or red.")))
    outage = (
        None
        if registered_at is None or not data.office_code
        else outage_during(office_code=data.office_code, at=registered_at)
    )
    if registered_at is None:
        problems.append(
            FieldProblem(
                "registered_at", _("Give the time it was registered on paper."), "required"
            )
        )
    elif outage is None and data.office_code:
        problems.append(
            FieldProblem(
                "registered_at",
                _("No outage was declared at this office at that time."),
                "no-outage",
            )
        )
    elif outage is None:
        pass
    elif outage.ends_at is None:
        problems.append(
            FieldProblem(
                "registered_at",
                _("Paper declarations are captured once the outage has ended."),
                "outage-ongoing",
            )
        )
    elif Event.objects.filter(
        kind=kinds.DECLARATION_BACK_CAPTURED.code,
        office_code=data.office_code,
        data__paper_number=paper_number,
    ).exists():
        problems.append(
            FieldProblem(
                "paper_number",
                _("This paper declaration has already been captured."),
                "duplicate",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    assert outage is not None and registered_at is not None
    paper = PaperCapture(number=paper_number, registered_at=registered_at, lane=lane, outage=outage)
    return declaration_register(actor=actor, data=data, paper=paper)
