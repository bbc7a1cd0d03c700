"""Declared outages (haiquan.outage) in the authorisation matrix.

The status answers everyone, logged in or not (traders' software asks it before filing). An
outage is declared and ended by an administrator (any office, or nationally) or by a leader for
the offices it leads: "own" is Móng Cái (20BD, under the leader's department 20), "other" Sóng
Thần (43IH). A queued filing's ticket is seen by the account that sent it only: "own" is the
declarant's, "other" the other party's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from haiquan.outage.models import Outage, QueuedFiling

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# declared outages: the status for everyone; declaring and ending for administrators and the
# offices' leaders; a queued filing's ticket for its sender only
GET      /api/v1/outages                                      none              ok        ok      ok      ok      ok      ok      ok       ok
POST     /api/v1/outages                                      outage:office     403/403   403/403 403/403 ok/403  403/403 ok/ok   403/403  401
POST     /api/v1/outages/{outage_id}/end                      outage:open       404/404   404/404 404/404 ok/404  404/404 ok/ok   404/404  401
GET      /api/v1/outages/queue/{ticket}                       outage:ticket     ok/404    404/404 404/404 404/404 404/404 404/404 404/404  401
# paper declarations taken during an (ended) outage, captured by the office's officers and
# leaders: "own" at 20BD, "other" at 43IH (its outage ended too)
POST     /api/v1/declarations/paper                           outage:paper      403/403   403/403 ok/403  ok/403  403/403 403/403 403/403  401
GET      /officer/paper/                                      page              403       403     ok      ok      403     403     403      login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ()
UNOWNED: frozenset[str] = frozenset()
OFFICES = {"own": "20BD", "other": "43IH"}


def _target(**kw: Any) -> Target:
    from ..test_authz_matrix import Target

    return Target(**kw)


def build(world: World) -> dict[str, Any]:
    """An outage under way at each office (started an hour ago), declared by the administrator,
    and a filing queued by each party's declarant."""
    admin = world.users["admin"]
    start = timezone.now() - timedelta(hours=1)
    outages = {
        scope: Outage.objects.create(
            office_code=code, starts_at=start, reason="matrix", declared_by=admin
        )
        for scope, code in OFFICES.items()
    }
    # Ended, so that the outages do not queue the other rows' filings.
    Outage.objects.filter(pk__in=[o.pk for o in outages.values()]).update(
        ends_at=timezone.now() - timedelta(minutes=30)
    )
    tickets = {
        "own": QueuedFiling.objects.create(
            outage=outages["own"], sender=world.users["declarant"], idempotency_key="m-own", body={}
        ),
        "other": QueuedFiling.objects.create(
            outage=outages["other"],
            sender=world.users["other_declarant"],
            idempotency_key="m-other",
            body={},
        ),
    }
    return {"outages": outages, "tickets": tickets}


def _office(world: World, scope: str) -> Target:
    return _target()


def _open(world: World, scope: str) -> Target:
    outage = world.extra[__name__.rsplit(".", 1)[1]]["outages"][scope]
    Outage.objects.filter(pk=outage.pk).update(ends_at=None)
    return _target(path={"outage_id": outage.pk})


def _ticket(world: World, scope: str) -> Target:
    ticket = world.extra[__name__.rsplit(".", 1)[1]]["tickets"][scope]
    return _target(path={"ticket": ticket.pk})


def _paper(world: World, scope: str) -> Target:
    return _target()


def _paper_body(world: World, scope: str) -> dict[str, Any]:
    from ..world import declaration_payload

    party = world.own if scope == "own" else world.other
    return {
        **declaration_payload(party.enterprise.mst, OFFICES[scope]),
        "paper_number": f"GIAY-{scope}",
        "registered_at": (timezone.now() - timedelta(minutes=45)).isoformat(),
        "lane": "yellow",
    }


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "outage:office": _office,
    "outage:open": _open,
    "outage:ticket": _ticket,
    "outage:paper": _paper,
}
BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    ("POST", "/api/v1/outages"): lambda w, s: {
        "office_code": OFFICES[s],
        "starts_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "reason": "Mất kết nối",
    },
    ("POST", "/api/v1/outages/{outage_id}/end"): lambda w, s: {},
    ("POST", "/api/v1/declarations/paper"): _paper_body,
}
