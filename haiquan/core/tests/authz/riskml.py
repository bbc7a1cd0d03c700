"""The learned risk score in the authorisation matrix: `/api/v1/risk-models...` and the pages
under `/risk-models/`.

Risk analysts and administrators only (`riskml/permissions.py`): knowing what the model looks
at would let a trader declare around it, so everyone else, leaders and officers included, is
refused (403) before any version is looked up. Nothing here belongs to a party: model versions,
the offices' target inspection rates and the expected recovery of a list of declarations are
customs-wide, one cell per role.

Model versions are made in the cell that needs them (inside its savepoint), not in the world:
riskml's own tests that share the world number their versions from 1, and an active version
would score every declaration the other parts register. A version is fitted once per process
on a small synthetic history (LightGBM, about 0.1 s) and stored in each cell through the
service's own store, which computes its thresholds and records its event. Training through the
API needs a history of checked declarations in the database: the train row's cells import one
(about 0.15 s a cell).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from django.utils import timezone

from haiquan.clearance.choices import CheckKind, CheckOutcome
from haiquan.clearance.history import history_import
from haiquan.clearance.models import CheckResult, Declaration
from haiquan.riskml import services
from haiquan.riskml.features import Frames
from haiquan.riskml.models import RiskModel
from haiquan.riskml.pipeline import Trained, train
from haiquan.riskml.scorer import scorer_cache_clear

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# learned risk score: analysts and administrators only; nothing belongs to a party
GET      /api/v1/risk-models                                  rm:model          403       403     403     403     ok      ok      403      401
POST     /api/v1/risk-models                                  rm:history        403       403     403     403     ok      ok      403      401
GET      /api/v1/risk-models/targets                          rm:target         403       403     403     403     ok      ok      403      401
PUT      /api/v1/risk-models/targets/{office_code}            rm:office         403       403     403     403     ok      ok      403      401
POST     /api/v1/risk-models/expected-recovery                rm:active         403       403     403     403     ok      ok      403      401
GET      /api/v1/risk-models/{version}                        rm:model          403       403     403     403     ok      ok      403      401
POST     /api/v1/risk-models/{version}/activate               rm:model          403       403     403     403     ok      ok      403      401
POST     /api/v1/risk-models/{version}/deactivate             rm:active         403       403     403     403     ok      ok      403      401
GET      /api/v1/risk-models/{version}/drift                  rm:model          403       403     403     403     ok      ok      403      401
GET      /risk-models/                                        rm:model          403       403     403     403     ok      ok      403      login
GET      /risk-models/train/                                  page              403       403     403     403     405     405     403      login
GET      /risk-models/targets/                                page              403       403     403     403     405     405     403      login
GET      /risk-models/{version}/                              rm:model          403       403     403     403     ok      ok      403      login
GET      /risk-models/{version}/activate/                     rm:model          403       403     403     403     405     405     403      login
GET      /risk-models/{version}/deactivate/                   rm:model          403       403     403     403     405     405     403      login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ("riskml",)
UNOWNED = frozenset({"rm:model", "rm:active", "rm:history", "rm:target", "rm:office"})

SYNTHETIC_SIZE = 300
# The history a training through the API learns from: 80 checked declarations over the last 60
# days, 16 of them found undervalued. The latest fifth of the period is held out, which leaves
# 64 checked (13 found) to learn from: enough (pipeline: 50 and 5), whatever the day it runs.
HISTORY_DECLARATIONS = 80
HISTORY_DAYS = 60
HISTORY_FINDING_EVERY = 5
HISTORY_FAIR_VALUE = Decimal("8000")  # USD, of the honest ones


def build(world: World) -> dict[str, Any]:
    """Nothing in the world itself: each cell stores the version it needs. A new world forgets
    the scorer's history state, which a cell that scored left built from the world before."""
    scorer_cache_clear()
    return {}


def _target(**kw: Any) -> Target:
    # The matrix imports its parts while it loads: take its Target when a cell asks for it.
    from ..test_authz_matrix import Target

    return Target(**kw)


def _synthetic_history(n: int) -> Frames:
    """Two years of one office's car imports where a low unit price often hides a finding."""
    rng = np.random.default_rng(3)
    start = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    t = np.sort(start + rng.uniform(0, 6e7, n))
    price = rng.lognormal(4, 0.1, n)
    cheat = rng.random(n) < 0.15
    price[cheat] *= 0.4
    ids = np.arange(1, n + 1)
    msts = [f"01000000{i % 20:02d}" for i in range(n)]
    decl = {
        "id": ids, "t": t, "office": ["20BD"] * n, "type_code": ["A11"] * n,
        "flow": ["import"] * n, "mst": msts, "rank": ["medium"] * n, "transport": ["sea"] * n,
        "partner": ["CN"] * n, "value": price * 100, "n_lines": [1] * n,
        "hs": ["87032390"] * n, "origin": ["CN"] * n, "preference": [0] * n,
    }  # fmt: skip
    lines = {
        "decl_id": ids, "t": t, "line_no": [1] * n, "hs": decl["hs"], "origin": decl["origin"],
        "price": price, "value": price * 100,
    }  # fmt: skip
    idx = np.flatnonzero(rng.random(n) < 0.6)
    outcomes = {
        "decl_id": ids[idx], "t": t[idx] + 3600, "mst": np.array(msts)[idx],
        "hs6": ["870323"] * len(idx), "origin": ["CN"] * len(idx),
        "found": cheat[idx].astype(int), "revenue": cheat[idx] * 1e7,
    }  # fmt: skip
    return Frames.build(decl, lines, outcomes)


@cache
def _fitted() -> tuple[Trained, float, float, float]:
    """A version fitted on the synthetic history (pure: no database), and its window."""
    frames = _synthetic_history(SYNTHETIC_SIZE)
    t = frames.decl["t"]
    first, last = float(t.min()), float(t.max()) + 1.0
    split = last - (last - first) * services.DEFAULT_TEST_SHARE
    trained = train(
        frames,
        split_t=split,
        train_from_t=None,
        duty_rates={},
        truth_loader=lambda ids: None,
        rules_loader=lambda ids: None,
    )
    return trained, first, split, last


def _version(world: World) -> RiskModel:
    """A trained version (not active), stored as `services.model_train` stores one."""
    trained, first, split, last = _fitted()
    spec = trained.spec.as_json()
    spec["mean_log_revenue"] = trained.boosters.mean_log_revenue
    spec["rounds"] = trained.rounds
    return services._model_store(
        actor=world.users["analyst"],
        trained=trained,
        spec=spec,
        metrics={**trained.metrics, "grids": trained.grids},
        rank_by="probability",
        window=(first, split, last),
        notes="matrix",
    )


def _model(world: World, scope: str) -> Target:
    model = _version(world)
    return _target(path={"version": model.version})


def _active(world: World, scope: str) -> Target:
    """A version the lane decision uses, and the world's cleared declarations to score."""
    model = _version(world)
    scorer_cache_clear()  # the scorer reads this cell's history, not a previous cell's
    services.model_activate(actor=world.users["analyst"], model=model)
    ids = [world.party(s).declarations["cleared"].pk for s in ("own", "other")]
    return _target(path={"version": model.version}, body={"declaration_ids": ids})


def _history_record(world: World, i: int, at: datetime) -> dict[str, Any]:
    """One released declaration of dragon fruit; every fifth one declared at a low price."""
    price = Decimal("0.5") if i % HISTORY_FINDING_EVERY == 0 else Decimal("0.8")
    value = price * 10000
    customs_value = int(value * 25000)
    vat = customs_value // 20
    return {
        "number": f"9{i:011d}", "type_code": "A11", "office_code": world.own.office_code,
        "enterprise_mst": world.own.enterprise.mst, "status": "released", "lane": "yellow",
        "registered_at": at.isoformat(), "cleared_at": (at + timedelta(hours=3)).isoformat(),
        "released_at": (at + timedelta(hours=4)).isoformat(), "transport_mode": "road",
        "incoterm": "CIF", "currency": "USD", "exchange_rate": "25000",
        "invoice_value": str(value), "freight": "0", "insurance": "0",
        "partner_country": "CN", "partner_name": "Pingxiang Fruit Co.",
        "duties": {
            "import_duty_vnd": 0, "export_duty_vnd": 0, "sct_vnd": 0, "env_tax_vnd": 0,
            "vat_vnd": vat, "paid_vnd": vat,
        },
        "lines": [{
            "hs_code": "08109092", "description": "Quả thanh long tươi", "origin": "CN",
            "quantity": "10000", "unit": "KGM", "unit_price": str(price), "value": str(value),
            "customs_value_vnd": customs_value, "import_rate": "0", "import_rate_kind": "mfn",
            "import_duty_vnd": 0, "vat_rate": "5", "vat_vnd": vat,
        }],
    }  # fmt: skip


def _history(world: World, scope: str) -> Target:
    """Checked declarations to learn from: the own party's last two months, brought in by the
    history import (backdated, as an administration moving to haiquan does), and the document
    check each had two hours after its registration, a fifth of them finding undervaluation.
    The checks are written as rows: no service records a past check (the import carries none,
    and `declaration_check_record` works a declaration waiting for its check now)."""
    now = timezone.now()
    first = now - timedelta(days=HISTORY_DAYS)
    step = timedelta(days=HISTORY_DAYS) / HISTORY_DECLARATIONS
    records = [_history_record(world, i, first + i * step) for i in range(HISTORY_DECLARATIONS)]
    stream = io.StringIO("\n".join(json.dumps(r) for r in records))
    report = history_import(stream=stream, actor=world.users["admin"])
    assert report.ok, report.problems[:3]
    officer = world.users["officer"]
    checks = []
    for d in Declaration.objects.filter(number__startswith="9", enterprise=world.own.enterprise):
        assert d.registered_at is not None
        found = d.invoice_value < HISTORY_FAIR_VALUE
        difference = Decimal(2_000_000) if found else Decimal(0)
        checks.append(
            CheckResult(
                declaration=d,
                kind=CheckKind.DOCUMENT_CHECK,
                outcome=CheckOutcome.DISCREPANCY if found else CheckOutcome.MATCH,
                officer=officer,
                recorded_at=d.registered_at + timedelta(hours=2),
                findings="Giá khai báo thấp hơn giá thực thanh toán." if found else "",
                duties_before_vnd=d.total_duties_vnd,
                duties_after_vnd=d.total_duties_vnd + difference,
                difference_vnd=difference,
            )
        )
    CheckResult.objects.bulk_create(checks)
    return _target(body={"notes": "matrix"})


def _office_target(world: World, scope: str) -> Target:
    services.inspection_target_set(
        actor=world.users["analyst"], office_code=world.own.office_code, rate=Decimal("0.05")
    )
    return _target()


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "rm:model": _model,
    "rm:active": _active,
    "rm:history": _history,
    "rm:target": _office_target,
    "rm:office": lambda w, s: _target(path={"office_code": w.own.office_code}),
}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    ("PUT", "/api/v1/risk-models/targets/{office_code}"): lambda w, s: {"rate": "0.08"},
}
