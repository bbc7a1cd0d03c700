"""Who may see trader analysis and work post-clearance audits.

Risk analysts and administrators see every enterprise and case; office leaders see what lies
in their offices' scope and plan and close audits there; officers see and work the cases whose
team they are on. Traders see nothing here (what customs suspects stays with customs).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.core.problems import Forbidden

ANALYSIS_ROLES = frozenset({Role.ANALYST, Role.LEADER, Role.ADMIN})
ALL_SEEING_ROLES = frozenset({Role.ANALYST, Role.ADMIN})
# An audit is a decision about a trader: planned by analysts and leaders, never by an
# administrator (who reads everything and decides nothing).
PLANNING_ROLES = frozenset({Role.ANALYST, Role.LEADER})
AUDIT_ROLES = ANALYSIS_ROLES | {Role.OFFICER}


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def sees_everything(user: Any) -> bool:
    return _active(user) and (user.role in ALL_SEEING_ROLES or user.is_superuser)


def can_analyse(user: Any) -> bool:
    """Trader analysis (anomalies, enterprise risk pages) and planning or closing audits."""
    return _active(user) and (user.role in ANALYSIS_ROLES or user.is_superuser)


def can_audit(user: Any) -> bool:
    """Anything under post-clearance audit (officers see only their own cases)."""
    return _active(user) and (user.role in AUDIT_ROLES or user.is_superuser)


def can_plan(user: Any) -> bool:
    """Planning an audit (kế hoạch kiểm tra sau thông quan): analysts and leaders."""
    return _active(user) and user.role in PLANNING_ROLES


def analysis_require(user: Any) -> None:
    if not can_analyse(user):
        raise Forbidden(
            _("Only risk analysts, office leaders and administrators see traders' analysis.")
        )


def audit_require(user: Any) -> None:
    if not can_audit(user):
        raise Forbidden(_("Post-clearance audit is for customs staff only."))


def plan_require(user: Any) -> None:
    if not can_analyse(user):
        raise Forbidden(
            _("Only risk analysts, office leaders and administrators plan and close audits.")
        )


def case_plan_require(user: Any) -> None:
    if not can_plan(user):
        raise Forbidden(_("Only risk analysts and office leaders plan audits."))
