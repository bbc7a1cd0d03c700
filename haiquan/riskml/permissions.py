"""Who may see and change the learned risk score.

Risk analysts and administrators train, activate and deactivate model versions and set the
offices' target inspection rates; nobody else sees the models (knowing what the model looks at
would let a trader declare around it). Officers see a declaration's score and reasons on the
declaration page, as they see the rules' reasons.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.core.problems import Forbidden

ROLES = frozenset({Role.ANALYST, Role.ADMIN})


def riskml_can_use(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_active", False)
        and getattr(user, "is_authenticated", False)
        and (getattr(user, "role", None) in ROLES or getattr(user, "is_superuser", False))
    )


def riskml_require_read(user: Any) -> None:
    if not riskml_can_use(user):
        raise Forbidden(_("Only risk analysts and administrators see the risk models."))


def riskml_require_write(user: Any) -> None:
    if not riskml_can_use(user):
        raise Forbidden(
            _("Only risk analysts and administrators train, activate and deactivate risk models.")
        )
