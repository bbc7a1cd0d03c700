"""Health checks and metrics (haiquan.ops) in the authorisation matrix.

The health checks answer everyone, logged in or not: load balancers and probes carry no
credentials, and the answers hold nothing but pass/fail per check. `/health/ready` is tried with
every periodic job fresh (its failing answers are haiquan/ops/tests/test_health.py's).

/metrics answers a scraper, not a user: "own" sends the scraper's bearer token (test settings),
"other" a wrong one (401), whoever is logged in; a session gives no access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from haiquan.ops.models import JobState
from haiquan.ops.registry import jobs

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# health checks: everyone (probes carry no credentials); /metrics: the scraper's token only
GET      /health/live                                         page              ok        ok      ok      ok      ok      ok      ok       ok
GET      /health/ready                                        ops:fresh         ok        ok      ok      ok      ok      ok      ok       ok
GET      /metrics                                             ops:scraper       ok/401    ok/401  ok/401  ok/401  ok/401  ok/401  ok/401   ok/401
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ("ops",)
UNOWNED = frozenset({"ops:fresh"})
BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {}


def build(world: World) -> dict[str, Any]:
    return {}


def _target(**kw: Any) -> Target:
    from ..test_authz_matrix import Target

    return Target(**kw)


def _fresh(world: World, scope: str) -> Target:
    now = timezone.now()
    for name in jobs():
        JobState.objects.update_or_create(
            name=name, defaults={"registered_at": now, "last_success_at": now}
        )
    return _target()


def _scraper(world: World, scope: str) -> Target:
    token = "test-metrics-token" if scope == "own" else "not-the-token"
    return _target(headers={"HTTP_AUTHORIZATION": f"Bearer {token}"})


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "ops:fresh": _fresh,
    "ops:scraper": _scraper,
}
