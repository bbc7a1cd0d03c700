"""Who sees which rows: one mechanism for every model whose rows belong to someone.

A model says which of its fields carry whom a row belongs to, in a `visibility = Visibility(...)`
class attribute, and takes its queryset from `VisibleQuerySet`; then
`Declaration.objects.visible_to(user)` is every row the user may see, and a row outside it is
"not found" (404, never 403: ids do not leak).

    class Filing(models.Model):
        visibility = Visibility(offices=("office",), enterprise="enterprise", traders=Reach.FILE_FOR)
        objects = VisibleQuerySet.as_manager()

The rule that reads the declaration is one, the same for every model (`accounts/visibility.py`,
registered here at start-up, since core sits below accounts in the import contract):

- nobody signed in, or an account switched off: nothing;
- the nation-wide roles (analysts, administrators): every row;
- every customs role, where `customs_see_all` says the rows bind every office (advance rulings,
  e-seals);
- officers and leaders (or only the roles `offices_for` names): the rows whose office (any of
  `offices`) is in the subtree of an office they work (their own and their teams');
- operators: the rows whose `operator` enterprise (any of them) is their firm; carriers (and
  their agents) the rows whose `carrier` is their firm;
- traders: the rows of the enterprises `traders` says (`enterprise`; `enterprise_by` where the
  row names its enterprise by a value such as the tax code), those their broker firm filed
  (`broker`, for a broker), and those they filed themselves (`filed_by`);
- anyone: the rows they are named on (`assigned`: an audit team);
- `via`: a row is seen exactly when the row it belongs to is (a payment order and its
  declaration);
- `also`: what anyone outside customs sees besides (association staff: the questions they
  forwarded; an agency: the requests addressed to it).

A model that declares no field at all is for the nation-wide roles alone (the risk models). A
path across a to-many relation (an anomaly's declarations, an audit's team) is read as a
subquery, so a row is never returned twice.

Policies that truly differ are said in the declaration (which enterprises a broker reaches, who
else sees the row), never by a different ladder of roles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.db.models import QuerySet


class Reach(StrEnum):
    """The enterprises a trader's rows are read through (the `enterprise` field)."""

    # A declarant: every enterprise it belongs to. A broker: the rows its firm filed, read through
    # `broker`; without a `broker` field, the principals that authorise its firm today.
    MEMBER = "member"
    # The enterprises the user may declare for today: a declarant's active enterprises, a broker's
    # principals whose authorisation is valid.
    DECLARE_FOR = "declare_for"
    # As DECLARE_FOR, and a broker's own firm (which files for itself: its registration, say).
    FILE_FOR = "file_for"


@dataclass(frozen=True)
class Visibility:
    """Which fields of a model carry whom its rows belong to (field paths, as in a filter)."""

    offices: tuple[str, ...] = ()
    # The customs roles that read rows by their office (an audit case: leaders; its officers
    # see it through its team).
    offices_for: frozenset[str] = frozenset({"officer", "leader"})
    enterprise: str = ""
    # The enterprise's field `enterprise` ends at, where a row names it by value ("mst").
    enterprise_by: str = ""
    broker: str = ""
    operator: tuple[str, ...] = ()
    carrier: str = ""
    filed_by: str = ""
    assigned: str = ""
    traders: Reach = Reach.MEMBER
    customs_see_all: bool = False
    via: str = ""
    also: Callable[[Any], Q] | None = None


# Who a user is, applied to a declaration: a filter, or None for every row (accounts' rule).
VisibilityRule = Callable[[Any, Visibility, type[models.Model]], Q | None]


_rule: VisibilityRule | None = None


def register_rule(rule: VisibilityRule) -> None:
    """Called once by accounts at start-up."""
    global _rule
    _rule = rule


def visibility_of(model: type[models.Model]) -> Visibility:
    visibility = getattr(model, "visibility", None)
    if not isinstance(visibility, Visibility):
        raise TypeError(f"{model.__name__} declares no visibility")
    return visibility


def declared_paths(v: Visibility) -> list[str]:
    paths = (*v.offices, *v.operator, v.carrier, v.enterprise, v.broker, v.filed_by, v.assigned)
    return [p for p in paths if p]


def _crosses_many(model: type[models.Model], path: str) -> bool:
    for name in path.split("__"):
        if name == "pk":
            return False
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        related = field.related_model
        if not isinstance(related, type):
            return False
        model = related
    return False


@cache
def _filters_by_subquery(model: type[models.Model]) -> bool:
    return any(_crosses_many(model, p) for p in declared_paths(visibility_of(model)))


_M = TypeVar("_M", bound=models.Model)


class VisibleQuerySet(models.QuerySet[_M]):
    def visible_to(self, user: Any) -> QuerySet[_M]:
        """The rows `user` may see (the model's `visibility`, read by the one rule)."""
        if _rule is None:
            raise RuntimeError("no visibility rule registered (is accounts installed?)")
        q = _rule(user, visibility_of(self.model), self.model)
        if q is None:
            return self
        if _filters_by_subquery(self.model):
            return self.filter(pk__in=self.model._base_manager.filter(q).values("pk"))
        return self.filter(q)
