"""Who may do what in the portal. One place for these rules, used by the API and the pages."""

from __future__ import annotations

from typing import Any

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import enterprises_user_may_declare_for, offices_in_scope
from haiquan.refdata.models import Enterprise, Office


def acts_for_enterprise(user: Any, enterprise: Enterprise) -> bool:
    """A declarant of the enterprise, or a broker it authorised: "the party served"."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return enterprises_user_may_declare_for(user).filter(pk=enterprise.pk).exists()


def works_office(user: Any, office: Office) -> bool:
    """An officer or leader whose offices (or central teams' offices) include `office`: who
    answers, routes, closes and publishes the office's inquiries. Analysts and administrators
    read every inquiry (`selectors.inquiries_visible_to`) but do not do the office's work."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role not in (Role.OFFICER, Role.LEADER):
        return False
    return any(office.path.startswith(o.path) for o in offices_in_scope(user))


def is_leader(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.LEADER)


def sees_rating_reports(user: Any) -> bool:
    """Leaders (for their offices), analysts and administrators (all)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role in (Role.LEADER, Role.ANALYST, Role.ADMIN)
    )


def sees_officer_ratings(user: Any) -> bool:
    """A single officer's results are for leaders only."""
    return is_leader(user)


def manages_partnership_of(user: Any, office: Office) -> bool:
    """Administrators any office's partnership; a leader the offices of its department."""
    if not manages_partnership(user):
        return False
    return bool(user.role == Role.ADMIN or works_office(user, office))


def manages_partnership(user: Any) -> bool:
    """Leaders and administrators keep agreements, dialogues, campaigns and news."""
    return bool(getattr(user, "is_authenticated", False) and user.role in (Role.LEADER, Role.ADMIN))


def files_inquiries(user: Any) -> bool:
    """Traders, and the staff of a business association (forwarding members' inquiries)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_trader or user.portal_associations.exists())


def sees_inquiries(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_trader or user.is_customs or user.portal_associations.exists())
    )


def office_leaders(office: Office) -> list[User]:
    """The leaders working `office` (of the office itself or of an office above it)."""
    ancestors = _ancestor_paths(office.path)
    return [
        u
        for u in User.objects.filter(role=Role.LEADER, is_active=True).prefetch_related("offices")
        if any(o.path in ancestors for o in u.offices.all())
    ]


def _ancestor_paths(path: str) -> list[str]:
    """Materialised paths of an office and its ancestors ("/20/20BD/" → "/20/", "/20/20BD/")."""
    parts = [p for p in path.split("/") if p]
    sep = "/"
    out = []
    for i in range(1, len(parts) + 1):
        out.append(sep + sep.join(parts[:i]) + sep)
    return out
