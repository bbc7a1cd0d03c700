"""Helpers shared by the portal's pages."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest

from haiquan.accounts.models import User
from haiquan.accounts.selectors import enterprises_user_may_declare_for
from haiquan.core.problems import ValidationFailed


def user_of(request: HttpRequest) -> User:
    return cast(User, request.user)


def apply_errors(form: Any, exc: ValidationFailed, aliases: dict[str, str] | None = None) -> None:
    """Each problem next to its field (or at the top when the form has no such field)."""
    for e in exc.errors:
        name = (aliases or {}).get(e.field, e.field)
        form.add_error(name if name in form.fields else None, e.problem)


def enterprise_choices(user: User) -> list[tuple[str, str]]:
    return [(e.mst, f"{e.name} ({e.mst})") for e in enterprises_user_may_declare_for(user)]
