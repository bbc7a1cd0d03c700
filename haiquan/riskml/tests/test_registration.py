"""Through clearance's own registration: an active model's score and reasons are recorded on
the declaration and may raise its lane; once deactivated, registrations carry no score."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import translation

from haiquan.clearance.models import Declaration
from haiquan.clearance.services import declaration_register
from haiquan.core.tests.fixtures import world  # noqa: F401
from haiquan.core.tests.world import declaration_input
from haiquan.riskml import services
from haiquan.riskml.features import FEATURES, Frames
from haiquan.riskml.models import RiskModel
from haiquan.riskml.pipeline import train

pytestmark = pytest.mark.django_db


def _synthetic_history(n: int = 400) -> Frames:
    """Declarations where a low unit price often means a finding: enough to fit a model."""
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 3e7, n))
    price = rng.lognormal(4, 0.1, n)
    cheat = rng.random(n) < 0.15
    price[cheat] *= 0.4
    decl = {
        "id": np.arange(1, n + 1), "t": t, "office": ["20BD"] * n, "type_code": ["A11"] * n,
        "flow": ["import"] * n, "mst": [f"01000000{i % 20:02d}" for i in range(n)],
        "rank": ["medium"] * n, "transport": ["sea"] * n, "partner": ["CN"] * n,
        "value": price * 100, "n_lines": [1] * n, "hs": ["87032390"] * n, "origin": ["CN"] * n,
        "preference": [0] * n,
    }  # fmt: skip
    lines = {
        "decl_id": decl["id"], "t": t, "line_no": [1] * n, "hs": decl["hs"],
        "origin": decl["origin"], "price": price, "value": price * 100,
    }  # fmt: skip
    checked = rng.random(n) < 0.6
    idx = np.flatnonzero(checked)
    outcomes = {
        "decl_id": decl["id"][idx], "t": t[idx] + 3600, "mst": np.array(decl["mst"])[idx],
        "hs6": ["870323"] * len(idx), "origin": ["CN"] * len(idx),
        "found": cheat[idx].astype(int), "revenue": cheat[idx] * 1e7,
    }  # fmt: skip
    return Frames.build(decl, lines, outcomes)


@pytest.fixture
def red_for_everyone(world):  # noqa: F811
    """A version whose threshold sends every declaration red (target: all of them)."""
    trained = train(
        _synthetic_history(),
        split_t=2.4e7,
        train_from_t=None,
        duty_rates={},
        truth_loader=lambda ids: None,
        rules_loader=lambda ids: None,
    )
    spec = trained.spec.as_json()
    spec["mean_log_revenue"] = trained.boosters.mean_log_revenue
    from datetime import UTC, datetime

    moment = datetime(2024, 1, 1, tzinfo=UTC)
    return RiskModel.objects.create(
        version=1,
        classifier=trained.boosters.classifier.model_to_string(),
        regressor="",
        spec=spec,
        metrics={**trained.metrics, "grids": {"probability": {"*": [0.0, 0.0]}}},
        train_from=moment,
        train_until=moment,
        test_until=moment,
    )


@translation.override("en")  # the test reads the English wording
def test_registration_records_the_score_and_its_reasons_and_stops_after_deactivation(
    world,  # noqa: F811
    red_for_everyone,
):
    analyst, declarant = world.users["analyst"], world.users["declarant"]
    party = world.own
    assert len(red_for_everyone.spec["features"]) == len(FEATURES)
    services.model_activate(actor=analyst, model=red_for_everyone)
    d = declaration_register(
        actor=declarant, data=declaration_input(party.enterprise.mst, party.office_code, "green")
    )
    d = Declaration.objects.get(pk=d.pk)
    assert d.risk_score is not None
    score_reasons = [r for r in d.lane_reasons if r["source"] == "score"]
    assert len(score_reasons) == 1 and score_reasons[0]["code"] == "MODEL-1"
    assert score_reasons[0]["lane"] == "red" and d.lane == "red"
    assert "Learned risk score" in score_reasons[0]["text"]

    services.model_deactivate(actor=analyst, model=red_for_everyone)
    later = declaration_register(
        actor=declarant, data=declaration_input(party.enterprise.mst, party.office_code, "green")
    )
    later = Declaration.objects.get(pk=later.pk)
    assert later.risk_score is None
    assert all(r["source"] != "score" for r in later.lane_reasons)
    assert later.lane == "green"
