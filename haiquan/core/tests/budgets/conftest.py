"""The fixtures of the apps whose hot operations the budgets measure."""

from haiquan.clearance.tests.conftest import (  # noqa: F401 - fixtures
    api,
    declarant,
    hoanglong,
    officer,
    rates,
)
from haiquan.transit.tests.conftest import (  # noqa: F401 - fixtures
    leader,
    on_the_way,
    places,
    seal_keys,
)
from haiquan.transit.tests.conftest import sign as seal_sign  # noqa: F401 - fixture
