"""Who may read and change risk profiles and office risk settings.

Risk analysts and administrators write them; office leaders may read them (they set the
office's policy with the analysts). Traders never see them: knowing the rules would let a
trader declare around them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.core.problems import Forbidden

WRITE_ROLES = frozenset({Role.ANALYST, Role.ADMIN})
READ_ROLES = WRITE_ROLES | {Role.LEADER}


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_active", False))


def risk_can_read(user: Any) -> bool:
    return _active(user) and (user.role in READ_ROLES or user.is_superuser)


def risk_can_write(user: Any) -> bool:
    return _active(user) and (user.role in WRITE_ROLES or user.is_superuser)


def risk_require_read(user: Any) -> None:
    if not risk_can_read(user):
        raise Forbidden(
            _("Only risk analysts, office leaders and administrators see risk profiles.")
        )


def risk_require_write(user: Any) -> None:
    if not risk_can_write(user):
        raise Forbidden(
            _(
                "Only risk analysts and administrators change risk profiles and "
                "office risk settings."
            )
        )
