import pytest

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.clearance.tests.conftest import (  # noqa: F401 - fixtures
    analyst,
    api,
    declarant,
    hoanglong,
    officer,
    officer_elsewhere,
    rates,
    yellow,
)
from haiquan.eservices.tests.conftest import catalogue, ready_filing  # noqa: F401 - fixtures
from haiquan.transit.tests.conftest import (  # noqa: F401 - fixtures
    leader,
    on_the_way,
    places,
    seal_keys,
)


@pytest.fixture
def admin(db: None) -> User:
    return user_create(username="t.admin", password=None, role="admin")


@pytest.fixture
def leader_mc(db: None) -> User:
    """The leader of Móng Cái (20BD)."""
    return user_create(username="t.ld.mongcai", password=None, role="leader", office_codes=["20BD"])


@pytest.fixture
def leader_hq(db: None) -> User:
    """A leader of the General Department (00), which handles rulings."""
    return user_create(username="t.ld.tongcuc", password=None, role="leader", office_codes=["00"])
