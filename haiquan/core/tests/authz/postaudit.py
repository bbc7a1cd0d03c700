"""Trader analysis and post-clearance audit (kiểm tra sau thông quan) in the authorisation
matrix: `/api/v1/post-audit/...` and the pages under `/post-audit/`.

The policy written here: what customs suspects stays with customs, so traders (and operators)
are refused everything (403, before any object is looked up). Trader analysis (anomalies,
traders, an enterprise's risk, audit candidates) is for analysts and administrators over every
enterprise and for leaders over the enterprises that declared in their scope; others'
enterprises are answered 404. An audit case is shown on a need-to-know basis: to its team, to
the leaders whose scope holds its office, and to analysts and administrators (who see every
case); to anyone else it does not exist (404), so an officer of the same office who is not on
the team does not learn that a trader is under audit. Planning an audit and closing it with its
result are a leader's (or, for planning, an analyst's) decision; starting it and recording
findings are its team's and its office's leaders'. Administrators read everything and decide
nothing: like an officer's check or release, an audit's plan, findings (additional duties and
penalties) and result are not theirs. The audit outcomes (the learned model's training data)
are read by analysts and administrators only.

"own" is Hoàng Long (its cleared declaration at Móng Cái, 20BD: the officer's office, in the
leader's department 20); "other" is Minh Anh at Sóng Thần (43IH), outside every scope but the
analyst's and the administrator's. Cases, scans and outcomes are created in the cell that needs
them (inside its savepoint), not in the world: the other apps' tests that share the world
(postaudit's own among them) count cases, candidates and scans and must not find ours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.postaudit.models import AuditCase, ScanRun
from haiquan.postaudit.services import (
    audit_case_close,
    audit_case_plan,
    audit_case_start,
)
from haiquan.postaudit.tests.helpers import scan_store, volume_rise

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# trader analysis and post-clearance audit: customs only (traders and operators 403 before any
# lookup); analysis for analysts, admins and leaders (their scope: others' enterprises 404);
# cases need-to-know: team, leaders of the office's scope, analysts and admins; else 404
GET      /api/v1/post-audit/runs                              list:pa-runs      403       403     403     in      in      in      403      401
GET      /api/v1/post-audit/anomalies                         list:pa-anomalies 403/403   403/403 403/403 in/out  in/in   in/in   403/403  401
GET      /api/v1/post-audit/traders                           pa:scan           403       403     403     ok      ok      ok      403      401
GET      /api/v1/post-audit/enterprises/{mst}                 pa:enterprise     403/403   403/403 403/403 ok/404  ok/ok   ok/ok   403/403  401
POST     /api/v1/post-audit/enterprises/{mst}/rank            pa:enterprise     403/403   403/403 403/403 ok/404  ok/ok   ok/ok   403/403  401
GET      /api/v1/post-audit/candidates                        pa:window         403       403     403     ok      ok      ok      403      401
GET      /api/v1/post-audit/cases                             list:pa-cases     403/403   403/403 in/out  in/out  in/in   in/in   403/403  401
# an officer of the case's office who is not on its team does not see it
GET      /api/v1/post-audit/cases                             list:pa-unassigned 403/403  403/403 out/out in/out  in/in   in/in   403/403  401
# planning outside one's scope is refused like any act on another's object (403)
POST     /api/v1/post-audit/cases                             pa:plan           403/403   403/403 403/403 ok/403  ok/ok   403/403 403/403  401
GET      /api/v1/post-audit/cases/{case_id}                   pa:case:planned   403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   403/403  401
GET      /api/v1/post-audit/cases/{case_id}                   pa:case:unassigned 403/403  403/403 404/404 ok/404  ok/ok   ok/ok   403/403  401
# the audit is the team's work (and its office's leaders'); analysts and admins read it only
POST     /api/v1/post-audit/cases/{case_id}/start             pa:case:planned   403/403   403/403 ok/404  ok/404  403/403 403/403 403/403  401
POST     /api/v1/post-audit/cases/{case_id}/findings          pa:case:in_progress 403/403 403/403 ok/404  ok/404  403/403 403/403 403/403  401
# the result (kết luận) is the leader's: the team officer may not close
POST     /api/v1/post-audit/cases/{case_id}/close             pa:case:in_progress 403/403 403/403 403/404 ok/404  403/403 403/403 403/403  401
GET      /api/v1/post-audit/outcomes                          pa:outcomes       403       403     403     403     ok      ok      403      401
# pages: the same; forms that only take a POST answer 405 to a GET by a role that may open them
GET      /post-audit/                                         page              403       403     ok      ok      ok      ok      403      login
GET      /post-audit/candidates/                              page              403       403     403     ok      ok      ok      403      login
GET      /post-audit/cases/new/                               page              403       403     403     ok      ok      403     403      login
GET      /post-audit/cases/{pk}/                              pa:case:planned   403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   403/403  login
GET      /post-audit/cases/{pk}/                              pa:case:unassigned 403/403  403/403 404/404 ok/404  ok/ok   ok/ok   403/403  login
GET      /post-audit/cases/{pk}/start/                        pa:case:planned   403/403   403/403 405/405 405/405 405/405 405/405 403/403  login
GET      /post-audit/cases/{pk}/findings/                     pa:case:in_progress 403/403 403/403 405/405 405/405 405/405 405/405 403/403  login
GET      /post-audit/cases/{pk}/close/                        pa:case:in_progress 403/403 403/403 405/405 405/405 405/405 405/405 403/403  login
GET      /post-audit/traders/                                 pa:scan           403       403     403     ok      ok      ok      403      login
GET      /post-audit/traders/{mst}/                           pa:enterprise     403/403   403/403 403/403 ok/404  ok/ok   ok/ok   403/403  login
GET      /post-audit/traders/{mst}/rank/                      pa:enterprise     403/403   403/403 403/403 405/405 405/405 405/405 403/403  login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ("postaudit",)
UNOWNED = frozenset({"list:pa-runs", "pa:scan", "pa:window", "pa:outcomes"})

PERIOD_DAYS = 30  # the audited period ends today: the world's declarations are today's


def build(world: World) -> dict[str, Any]:
    """Nothing in the world itself: each cell makes the scan, case or outcome it needs."""
    return {}


def _target(**kw: Any) -> Target:
    # The matrix imports its parts while it loads: take its Target when a cell asks for it.
    from ..test_authz_matrix import Target

    return Target(**kw)


def _period() -> tuple[date, date]:
    today = timezone.localdate()
    return today - timedelta(days=PERIOD_DAYS), today


def _officer(office_code: str, name: str) -> User:
    """An officer of `office_code` (made in the cell: the world has none at 43IH to spare)."""
    user = User.objects.filter(username=name).first()
    return user or user_create(
        username=name, password=None, role="officer", office_codes=[office_code]
    )


def _team(world: World, scope: str) -> User:
    """The audit team: the world's officer for "own" (20BD), an officer of 43IH for "other"."""
    if scope == "own":
        return world.users["officer"]
    return _officer(world.other.office_code, "w.hk.43ih")


def _plan_fields(world: World, scope: str, team: User) -> dict[str, Any]:
    party = world.party(scope)
    start, end = _period()
    today = timezone.localdate()
    return {
        "enterprise_mst": party.enterprise.mst,
        "office_code": party.office_code,
        "plan": "Kiểm tra trị giá khai báo hàng nhập khẩu.",
        "period_from": start,
        "period_to": end,
        "planned_start": today,
        "planned_end": today + timedelta(days=20),
        "team": [team.username],
    }


def _case(
    world: World, scope: str, *, team: User | None = None, state: str = "planned"
) -> AuditCase:
    """A case on the party's cleared declaration, planned by the analyst (who may plan at any
    office); started by its team and closed without violation by the leader, as `state` asks."""
    team = team or _team(world, scope)
    analyst = world.users["analyst"]
    case = audit_case_plan(actor=analyst, **_plan_fields(world, scope, team))
    if state in ("in_progress", "closed"):
        case = audit_case_start(case=case, actor=team)
    if state == "closed":
        case = audit_case_close(
            case=case,
            actor=world.users["leader"],
            result="no_violation",
            conclusion="Không phát hiện vi phạm.",
        )
    return case


def _case_target(state: str) -> Callable[[World, str], Target]:
    def make(world: World, scope: str) -> Target:
        case = _case(world, scope, state=state)
        return _target(path={"case_id": case.pk, "pk": case.pk}, listed=str(case.pk))

    return make


def _unassigned(world: World, scope: str) -> Target:
    """A case worked by another officer of the party's office: for "own", an officer of 20BD
    who is not the world's officer, so the world's officer is on no team of it."""
    office_code = world.party(scope).office_code
    case = _case(world, scope, team=_officer(office_code, f"w.hk2.{office_code.lower()}"))
    return _target(path={"case_id": case.pk, "pk": case.pk}, listed=str(case.pk))


def _scan(world: World, *scopes: str) -> ScanRun:
    """A finished scan with one anomaly on each party's cleared declaration (the detection
    itself is `postaudit.tests`'; the world's few declarations make no anomaly)."""
    return scan_store(
        *(
            volume_rise(w.enterprise, w.declarations["cleared"], 80.0)
            for w in map(world.party, scopes)
        )
    )


def _anomalies(world: World, scope: str) -> Target:
    run = _scan(world, scope)
    anomaly = run.anomalies.get()
    return _target(query={"limit": 500}, listed=str(anomaly.pk))


def _runs(world: World, scope: str) -> Target:
    run = _scan(world, "own", "other")
    return _target(query={"limit": 500}, listed=str(run.pk))


def _plan_body(world: World, scope: str) -> dict[str, Any]:
    fields = _plan_fields(world, scope, _team(world, scope))
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}


def _window(world: World, scope: str) -> Target:
    start, end = _period()
    return _target(query={"period_from": start.isoformat(), "period_to": end.isoformat()})


def _outcomes(world: World, scope: str) -> Target:
    _case(world, "own", state="closed")
    return _target()


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "list:pa-runs": _runs,
    "list:pa-anomalies": _anomalies,
    "pa:scan": _runs,
    "pa:enterprise": lambda w, s: _target(path={"mst": w.party(s).enterprise.mst}),
    "pa:window": _window,
    "list:pa-cases": lambda w, s: _target(
        query={"limit": 500}, listed=_case_target("planned")(w, s).listed
    ),
    "list:pa-unassigned": lambda w, s: _target(
        query={"limit": 500}, listed=_unassigned(w, s).listed
    ),
    "pa:plan": lambda w, s: _target(),  # the body says whose (BODIES)
    "pa:case:planned": _case_target("planned"),
    "pa:case:in_progress": _case_target("in_progress"),
    "pa:case:unassigned": _unassigned,
    "pa:outcomes": _outcomes,
}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    ("POST", "/api/v1/post-audit/cases"): _plan_body,
    ("POST", "/api/v1/post-audit/cases/{case_id}/findings"): lambda w, s: {
        "declaration_id": w.party(s).declarations["cleared"].pk,
        "kind": "undervaluation",
        "description": "Giá thực thanh toán cao hơn giá khai báo.",
        "additional_duty_vnd": "5000000",
        "penalty_vnd": "1000000",
    },
    ("POST", "/api/v1/post-audit/cases/{case_id}/close"): lambda w, s: {
        "result": "no_violation",
        "conclusion": "Không phát hiện vi phạm.",
    },
}
