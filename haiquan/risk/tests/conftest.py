from __future__ import annotations

import pytest

from haiquan.accounts.choices import Role
from haiquan.accounts.tests.factories import UserFactory


@pytest.fixture
def analyst(db):
    return UserFactory(role=Role.ANALYST, username="analyst.hoa")


@pytest.fixture
def leader(db):
    return UserFactory(role=Role.LEADER, username="leader.minh")


@pytest.fixture
def declarant(db):
    return UserFactory(role=Role.DECLARANT, username="declarant.lan")


@pytest.fixture
def make_profile(analyst):
    """Create a profile through the service, with sensible defaults for the outcome."""
    from haiquan.risk.services import profile_create

    def make(code: str, criteria: dict, lane: str = "yellow", **kw):
        kw.setdefault("name", f"Profile {code}")
        kw.setdefault("reason", f"Reason of {code}")
        return profile_create(code=code, criteria=criteria, lane=lane, actor=analyst, **kw)

    return make
