"""Who may read time-release reports: customs staff only, each over the offices in its scope
(officers and leaders: their offices' subtrees; analysts and administrators: every office)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from haiquan.accounts.choices import CUSTOMS_ROLES, Role
from haiquan.accounts.selectors import offices_in_scope
from haiquan.core.problems import Forbidden


def may_read_time_release(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "role", None) in CUSTOMS_ROLES
    )


def require_reader(user: Any) -> None:
    if not may_read_time_release(user):
        raise Forbidden(_("Time-release reports are for customs staff."))


def scope_paths(user: Any) -> tuple[str, ...] | None:
    """The office subtrees the user may report on; None for every office."""
    if user.role in (Role.ANALYST, Role.ADMIN):
        return None
    return tuple(sorted({o.path for o in offices_in_scope(user)}))
