"""Who takes a workflow action (`table.By`): the declarant or its broker, an officer of the
declaration's office. Each check raises `Forbidden` with the words the user reads; the services
call them before acting and `permissions.py` asks them before offering an action."""

from __future__ import annotations

from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import enterprises_user_may_declare_for, offices_in_scope
from haiquan.core.problems import Forbidden
from haiquan.eventlog.choices import Party
from haiquan.refdata.models import Enterprise

from ..models import Declaration
from .table import By

TRADER_ROLES = (Role.DECLARANT, Role.BROKER)
OFFICER_ROLES = (Role.OFFICER, Role.LEADER)


def party_of(user: User | None) -> Party:
    """The party an event of `user`'s is recorded for."""
    if user is None:
        return Party.SYSTEM
    if user.role in TRADER_ROLES:
        return Party.TRADER
    if user.role == Role.BANK:
        return Party.BANK
    if user.role == Role.AGENCY:
        return Party.AGENCY
    if user.role == Role.OPERATOR:
        return Party.MOVEMENT
    return Party.CUSTOMS


def taker_of(user: User) -> By | None:
    """Which column of the table a user's actions on a declaration are read in."""
    if user.role in TRADER_ROLES:
        return By.TRADER
    if user.role in OFFICER_ROLES:
        return By.OFFICER
    return None


def require_may_declare_for(actor: User, enterprise: Enterprise) -> None:
    # Read with the enterprise itself when validation was told who declares (one query less).
    if getattr(enterprise, "may_declare_checked_for", None) == actor.pk:
        allowed = bool(getattr(enterprise, "may_declare", False))
    else:
        allowed = enterprises_user_may_declare_for(actor).filter(pk=enterprise.pk).exists()
    if not allowed:
        raise Forbidden(
            _(
                "You may not declare for enterprise %(mst)s: it is not yours and has not authorised "
                "your firm as its customs broker."
            )
            % {"mst": enterprise.mst}
        )


def require_trader_of(actor: User, declaration: Declaration) -> None:
    if (
        actor.role == Role.DECLARANT
        and actor.enterprises.filter(pk=declaration.enterprise_id).exists()
    ):
        return
    if (
        actor.role == Role.BROKER
        and actor.enterprise_id
        and actor.enterprise_id == declaration.broker_id
    ):
        return
    raise Forbidden(_("Only the declarant of this declaration may do this."))


def require_officer_of(actor: User, declaration: Declaration) -> None:
    if actor.role not in OFFICER_ROLES:
        raise Forbidden(_("Only a customs officer of the declaration's office may do this."))
    path = declaration.office.path
    if not any(path.startswith(o.path) for o in offices_in_scope(actor)):
        raise Forbidden(_("This declaration belongs to an office outside your scope."))


def is_trader_of(actor: User, declaration: Declaration) -> bool:
    try:
        require_trader_of(actor, declaration)
    except Forbidden:
        return False
    return True


def is_officer_of(actor: User, declaration: Declaration) -> bool:
    try:
        require_officer_of(actor, declaration)
    except Forbidden:
        return False
    return True
