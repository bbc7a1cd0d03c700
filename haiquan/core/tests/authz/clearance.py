"""Clearance's newer routes in the authorisation matrix: the officer's decision on a request to
cancel, penalty decisions (API and pages), and `/declarations/` for customs (a search of their
offices' declarations; the row is in the main table).

Only an officer or a leader of the declaration's office decides a request to cancel or records a
penalty (`workflow.require_officer_of`): the declarant and its broker see the declaration but
are refused (403), analysts and administrators read it but do not work it (403), a party that
may not see it gets 404. "own" is a cleared declaration of Hoàng Long at Móng Cái (20BD) whose
declarant asked to cancel it; "other" one of Minh Anh at Sóng Thần (43IH). Each cell makes its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from haiquan.clearance.services import declaration_cancel

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# clearance: an officer's decision on a request to cancel, and penalty decisions
POST     /api/v1/declarations/{declaration_id}/cancellation-decision decl:requested 403/404 403/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/penalties      decl:red          403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
GET      /declarations/{pk}/cancellation/decide/              decl:requested    403/403   403/403 ok/404  ok/404  403/403 403/403 403/403  login
GET      /declarations/{pk}/penalty/                          decl:red          403/403   403/403 ok/404  ok/404  403/403 403/403 403/403  login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ()  # "clearance" is walked by the main table
UNOWNED: frozenset[str] = frozenset()


def build(world: World) -> dict[str, Any]:
    """Nothing in the shared world: the declaration a row needs is made in its cell (inside the
    cell's savepoint), so other tests of the world count the declarations they always did."""
    return {}


def _requested(world: World, scope: str) -> Target:
    """A cleared declaration of the party, paid through the bank, whose declarant asked to
    cancel it: the request waits for an officer's decision."""
    from ..test_authz_matrix import Target
    from ..world import _declaration_in, _pay

    actor = world.users["broker" if scope == "own" else "other_declarant"]
    d = _declaration_in(actor, world.party(scope), "green")
    _pay(world.bank, world.bank_secret, actor, d, 10_000 + d.pk)
    declaration_cancel(actor=actor, declaration=d, reason="Xuất nhầm lô hàng")
    d.refresh_from_db()
    assert d.status == "cleared" and d.cancellation_requests.filter(state="pending").exists()
    return Target(path={"declaration_id": d.pk, "pk": d.pk})


SUBJECTS: dict[str, Callable[[World, str], Target]] = {"decl:requested": _requested}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    ("POST", "/api/v1/declarations/{declaration_id}/cancellation-decision"): lambda w, s: {
        "decision": "approve",
        "reason": "Hàng còn trong khu vực giám sát",
    },
    ("POST", "/api/v1/declarations/{declaration_id}/penalties"): lambda w, s: {
        "number": "125/QĐ-XPHC",
        "amount_vnd": 5000000,
        "legal_basis": "Nghị định 128/2020/NĐ-CP, Điều 9",
        "reason": "Khai sai số lượng",
    },
}
