"""What a user may do with a declaration now, to show only the actions that will work.

The rules themselves are the workflow's (`workflow/table.py`: which state allows which action, by
whom; `workflow/actors.py`: who is the declarant, who is an officer of the office) and
`rules.py`'s (the conditions of cancelling); this module asks them, so a button is never shown
for an action the service would refuse. (Officers are not offered to cancel a trader's draft.)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from haiquan.accounts.models import User

from .choices import RequestState
from .models import CancellationRequest, Declaration, DocumentRequest
from .rules import CancelRoute
from .selectors import (
    cancellation_pending,
    declaration_cancellation_terms,
    document_request_unsettled,
)
from .workflow import Action, By, allows, is_officer_of, is_trader_of, taker_of

# The order actions are offered in: what comes next first; cancelling always last.
ACTION_ORDER = (
    "register",
    "edit",
    "decide_cancellation",
    "answer_request",
    "accept_answer",
    "record_check",
    "request_documents",
    "release",
    "pay",
    "record_penalty",
    "escalate",
    "amend",
    "copy",
    "cancel",
)


@dataclass(frozen=True)
class DeclarationActions:
    edit: bool = False
    register: bool = False
    amend: bool = False
    cancel: bool = False
    copy: bool = False
    pay: bool = False
    record_check: bool = False
    escalate: bool = False
    release: bool = False
    decide_cancellation: bool = False
    record_penalty: bool = False
    upload_document: bool = False
    request_documents: bool = False
    answer_request: bool = False
    accept_answer: bool = False
    # What the trader's cancellation does (rules.CancelRoute), or "customs" for an officer's.
    cancel_route: str = ""

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) is True for f in fields(self))

    @property
    def ordered(self) -> list[str]:
        """The actions open, the next step first."""
        return [name for name in ACTION_ORDER if getattr(self, name)]


def declaration_actions(
    *,
    user: User,
    declaration: Declaration,
    pending: CancellationRequest | bool | None = None,
    document_request: DocumentRequest | bool | None = None,
) -> DeclarationActions:
    """The workflow actions open to `user` on `declaration` in its current state (`pending`: its
    open cancellation request, `document_request` its request for documents not yet accepted
    (False: none), when already read)."""
    status = declaration.status
    by = taker_of(user)
    if by not in (By.TRADER, By.OFFICER):
        return DeclarationActions()
    if document_request is None:
        document_request = document_request_unsettled(declaration)
    asked = document_request if isinstance(document_request, DocumentRequest) else None
    if by == By.TRADER:
        if not is_trader_of(user, declaration):
            return DeclarationActions(copy=True)
        terms = declaration_cancellation_terms(declaration, pending=pending)
        return DeclarationActions(
            edit=allows(status, Action.SAVE_DRAFT, by),
            register=allows(status, Action.REGISTER, by),
            amend=allows(status, Action.AMEND, by),
            cancel=terms.trader != CancelRoute.NONE,
            copy=True,
            pay=allows(status, Action.PAY, by) and declaration.amount_due_vnd > 0,
            upload_document=allows(status, Action.UPLOAD_DOCUMENT, by),
            answer_request=allows(status, Action.ANSWER_REQUEST, by, declaration.lane or None)
            and asked is not None
            and asked.state == RequestState.OPEN,
            cancel_route=str(terms.trader),
        )
    if by == By.OFFICER:
        if not is_officer_of(user, declaration):
            return DeclarationActions()
        if pending is None:
            pending = cancellation_pending(declaration)
        terms = declaration_cancellation_terms(declaration, pending=pending or False)
        return DeclarationActions(
            cancel=terms.officer,
            record_check=allows(status, Action.RECORD_CHECK, by)
            and declaration.checks_pending
            and asked is None,
            request_documents=allows(status, Action.REQUEST_DOCUMENTS, by)
            and declaration.checks_pending
            and asked is None,
            accept_answer=allows(status, Action.ACCEPT_ANSWER, by)
            and asked is not None
            and asked.state == RequestState.ANSWERED,
            escalate=allows(status, Action.ESCALATE, by),
            release=allows(status, Action.RELEASE, by) and not pending,
            decide_cancellation=bool(pending),
            record_penalty=allows(status, Action.RECORD_PENALTY, by),
            cancel_route="customs",
        )
    return DeclarationActions()
