"""Who sees statistics and who sets targets. Customs roles only; officers and leaders for the
offices in their scope (and their sub-offices), analysts and administrators for every office.
Targets are set by leaders for offices in their scope, and by administrators."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from haiquan.accounts.choices import CUSTOMS_ROLES, Role
from haiquan.accounts.selectors import offices_in_scope, offices_in_scope_subtrees
from haiquan.core.problems import Forbidden
from haiquan.refdata.models import Office


def may_see_statistics(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "role", None) in CUSTOMS_ROLES
    )


def require_statistics(user: Any) -> None:
    if not may_see_statistics(user):
        raise Forbidden(_("Statistics are for customs staff."))


def office_visible(user: Any, office: Office) -> bool:
    if not may_see_statistics(user):
        return False
    if user.role in (Role.ANALYST, Role.ADMIN):
        return True
    return any(office.path.startswith(o.path) for o in offices_in_scope(user))


def may_set_targets(user: Any) -> bool:
    return may_see_statistics(user) and user.role in (Role.LEADER, Role.ADMIN)


def may_set_target_for(user: Any, office: Office) -> bool:
    if not may_set_targets(user):
        return False
    return user.role == Role.ADMIN or office_visible(user, office)


def require_target_setter(user: Any, office: Office) -> None:
    if not may_set_target_for(user, office):
        raise Forbidden(
            _("Only a leader of office %(office)s or an administrator may set its targets.")
            % {"office": office.code}
        )


def offices_for_reports(user: Any) -> list[Office]:
    """The offices a user may choose in the filter, in tree order."""
    if not may_see_statistics(user):
        return []
    return list(offices_in_scope_subtrees(user).order_by("path"))


def default_office(user: Any) -> Office | None:
    """Where a user's dashboard opens: the top of its scope (the whole tree for analysts and
    administrators)."""
    if not may_see_statistics(user):
        return None
    if user.role in (Role.ANALYST, Role.ADMIN):
        return Office.objects.filter(parent__isnull=True).order_by("path").first()
    own = sorted(offices_in_scope(user), key=lambda o: o.path)
    return own[0] if own else None
