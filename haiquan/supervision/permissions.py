"""Who may act on a control zone: its operator's staff report gate events and run the bonded
warehouse; officers of the supervising office (and its parents) see, act and answer alerts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import offices_in_scope
from haiquan.core.problems import Forbidden
from haiquan.refdata.models import Office

from .models import ControlZone


def is_operator_of(user: User, zone: ControlZone) -> bool:
    return bool(
        user.is_active
        and user.role == Role.OPERATOR
        and user.enterprise_id
        and user.enterprise_id == zone.operator_id
    )


def is_officer_of_office(user: User, office: Office) -> bool:
    """An officer or leader whose offices (or central teams' offices) include `office`."""
    if not user.is_active or user.role not in (Role.OFFICER, Role.LEADER):
        return False
    return any(office.path.startswith(o.path) for o in offices_in_scope(user))


def require_operator_or_officer(user: User, zone: ControlZone) -> None:
    if is_operator_of(user, zone) or is_officer_of_office(user, zone.office):
        return
    raise Forbidden(
        _("Only the operator of %(zone)s or an officer of its customs office may do this.")
        % {"zone": zone.code}
    )


def require_officer_of(user: User, office: Office) -> None:
    if not is_officer_of_office(user, office):
        raise Forbidden(
            _("Only a customs officer of office %(office)s may do this.") % {"office": office.code}
        )
