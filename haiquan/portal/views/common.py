"""Helpers shared by the portal's pages."""

from __future__ import annotations

from haiquan.accounts.models import User
from haiquan.accounts.selectors import enterprises_user_may_declare_for


def enterprise_choices(user: User) -> list[tuple[str, str]]:
    return [(e.mst, f"{e.name} ({e.mst})") for e in enterprises_user_may_declare_for(user)]
