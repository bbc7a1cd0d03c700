"""What the clearance views share: who the trader acts for, reading a declaration the user may
see, and the page for a conflict (another user changed the declaration first)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from haiquan.accounts.selectors import enterprises_user_may_declare_for
from haiquan.core.problems import Conflict, NotFound
from haiquan.core.web import user_of
from haiquan.refdata.models import Enterprise

from ..models import Declaration
from ..selectors import declaration_get_for

ACTING_FOR_SESSION_KEY = "haiquan.acting_for"


def principals(request: HttpRequest) -> list[Enterprise]:
    """The enterprises the trader may declare for (a broker's principals)."""
    return list(enterprises_user_may_declare_for(user_of(request)).order_by("name"))


def acting_for(request: HttpRequest, choices: list[Enterprise] | None = None) -> Enterprise | None:
    """The enterprise the trader chose to act for (remembered in the session), if still allowed.
    A declarant with a single enterprise always acts for it."""
    choices = principals(request) if choices is None else choices
    chosen = request.session.get(ACTING_FOR_SESSION_KEY)
    for e in choices:
        if e.pk == chosen:
            return e
    if len(choices) == 1 and user_of(request).role == "declarant":
        return choices[0]
    return None


def declaration_for(request: HttpRequest, pk: int) -> Declaration:
    """The declaration if the user may see it; 404 otherwise (ids do not leak)."""
    try:
        return declaration_get_for(user_of(request), pk=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def conflict_page(request: HttpRequest, declaration: Declaration, exc: Conflict) -> HttpResponse:
    """409: the declaration changed, or its state no longer allows the action."""
    context: dict[str, Any] = {"declaration": declaration, "detail": exc.detail, "problem": exc}
    return render(request, "clearance/conflict.html", context, status=409)
