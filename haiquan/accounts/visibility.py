"""The one rule that reads every model's `Visibility` (`core/visibility.py`): who a user is — a
role, the offices it works, its enterprises, its firm — applied to the fields a model declares."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from haiquan.core.visibility import Reach, Visibility, visibility_of
from haiquan.refdata.models import Enterprise

from .choices import CUSTOMS_ROLES, NATIONWIDE_ROLES, TRADER_ROLES, Role
from .selectors import (
    enterprises_user_may_declare_for,
    enterprises_user_may_file_for,
    office_scope_q,
)

NOTHING = Q(pk__in=[])


def nationwide(user: Any) -> bool:
    """Who reads every office's rows: the nation-wide roles, and a superuser (who reads every
    row in the administration anyway)."""
    return user.role in NATIONWIDE_ROLES or bool(user.is_superuser)


def _any(qs: list[Q]) -> Q:
    out = NOTHING
    for q in qs:
        out |= q
    return out


def _enterprises_q(v: Visibility, enterprises: QuerySet[Enterprise]) -> Q:
    values = enterprises.values(v.enterprise_by) if v.enterprise_by else enterprises
    return Q(**{f"{v.enterprise}__in": values})


def _trader_q(user: Any, v: Visibility) -> Q:
    parts: list[Q] = []
    if v.enterprise:
        if v.traders == Reach.MEMBER and user.role == Role.DECLARANT:
            parts.append(_enterprises_q(v, user.enterprises.all()))
        elif v.traders == Reach.MEMBER and v.broker:
            pass  # a broker reads through its firm (below)
        elif v.traders == Reach.FILE_FOR:
            parts.append(_enterprises_q(v, enterprises_user_may_file_for(user)))
        else:
            parts.append(_enterprises_q(v, enterprises_user_may_declare_for(user)))
    if v.broker and user.role == Role.BROKER and user.enterprise_id:
        parts.append(Q(**{f"{v.broker}_id": user.enterprise_id}))
    if v.filed_by:
        parts.append(Q(**{v.filed_by: user}))
    return _any(parts)


def visibility_q(user: Any, v: Visibility, model: type[models.Model]) -> Q | None:
    """The rows of `model` the user may see, as a filter; None: every row."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if v.via:
        related = model._meta.get_field(v.via).related_model
        assert isinstance(related, type) and issubclass(related, models.Model)
        visibility_of(related)  # the row it belongs to must declare its own
        seen = related._default_manager.visible_to(user)  # type: ignore[attr-defined]
        q = Q(**{f"{v.via}__in": seen})
    elif nationwide(user) or (v.customs_see_all and user.role in CUSTOMS_ROLES):
        return None
    elif user.role in (Role.OFFICER, Role.LEADER):
        offices = v.offices if user.role in v.offices_for else ()
        q = _any([office_scope_q(user, field) for field in offices])
    elif user.role == Role.OPERATOR:
        firm = user.enterprise_id
        q = _any([Q(**{f"{f}_id": firm}) for f in v.operator]) if firm else NOTHING
    elif user.role == Role.CARRIER:
        firm = user.enterprise_id
        q = Q(**{f"{v.carrier}_id": firm}) if firm and v.carrier else NOTHING
    elif user.role in TRADER_ROLES:
        q = _trader_q(user, v)
    else:
        q = NOTHING
    if v.assigned:
        q |= Q(**{v.assigned: user})
    if v.also is not None and user.role not in CUSTOMS_ROLES:
        q |= v.also(user)
    return q
