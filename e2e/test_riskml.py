"""The Risk models page as an analyst sees it minutes after activating a version (issue 15,
item 12): no alarm from a handful of scored declarations, and every feature, rule operating
point and ranking in words — never a column name such as `importer__rate` or a value such as
`red_or_yellow`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from haiquan.accounts.tests.helpers import totp_code
from haiquan.clearance import services as clearance
from haiquan.riskml import services
from haiquan.riskml.features import Frames
from haiquan.riskml.pipeline import train
from haiquan.riskml.scorer import scorer_cache_clear

from .pages import LoginPage
from .test_flows import dragon_fruit
from .world import PASSWORD, World, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    return world_build()


def _history(n: int = 400) -> Frames:
    """Fruit imports at one office where a low unit price often hides a finding."""
    rng = np.random.default_rng(5)
    start = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    t = np.sort(start + rng.uniform(0, 3e7, n))
    price = rng.lognormal(4, 0.1, n)
    cheat = rng.random(n) < 0.15
    price[cheat] *= 0.4
    ids = np.arange(1, n + 1)
    msts = [f"01000000{i % 20:02d}" for i in range(n)]
    decl = {
        "id": ids, "t": t, "office": ["20BD"] * n, "type_code": ["A11"] * n,
        "flow": ["import"] * n, "mst": msts, "rank": ["medium"] * n, "transport": ["road"] * n,
        "partner": ["CN"] * n, "value": price * 100, "n_lines": [1] * n,
        "hs": ["08109092"] * n, "origin": ["CN"] * n, "preference": [0] * n,
        "seller": ["GUANGXI PINGXIANG TRADING CO."] * n, "main_value": price * 100,
        "quantity": [100.0] * n, "unit": ["KGM"] * n,
    }  # fmt: skip
    lines = {
        "decl_id": ids, "t": t, "line_no": [1] * n, "hs": decl["hs"], "origin": decl["origin"],
        "price": price, "value": price * 100,
    }  # fmt: skip
    idx = np.flatnonzero(rng.random(n) < 0.6)
    outcomes = {
        "decl_id": ids[idx], "t": t[idx] + 3600, "found": cheat[idx].astype(int),
        "revenue": cheat[idx] * 1e7, "mst": np.array(msts)[idx], "hs": ["08109092"] * len(idx),
        "origin": ["CN"] * len(idx), "office": ["20BD"] * len(idx),
        "seller": ["GUANGXI PINGXIANG TRADING CO."] * len(idx),
    }  # fmt: skip
    return Frames.build(decl, lines, outcomes)


def test_a_fresh_version_raises_no_alarm_and_speaks_in_words(
    live_server: Any, page: Any, world: World, artifacts: Any
) -> None:
    frames = _history()
    t = frames.decl["t"]
    first, last = float(t.min()), float(t.max()) + 1
    split = last - (last - first) * 0.2
    trained = train(
        frames,
        split_t=split,
        train_from_t=None,
        duty_rates={},
        truth_loader=lambda ids: None,
        rules_loader=lambda ids: None,
        seeds=(7,),
    )
    spec = trained.spec.as_json()
    spec["mean_log_revenue"] = trained.boosters.mean_log_revenue
    # what the rules alone said in the evaluation period, as the page shows it
    metrics = {
        **trained.metrics,
        "grids": trained.grids,
        "rules_operating_points": [
            {"lanes": "red", "rate": 0.02, "precision": 0.2, "recall": 0.1, "revenue": 0.1},
            {
                "lanes": "red_or_yellow",
                "rate": 0.3,
                "precision": 0.1,
                "recall": 0.8,
                "revenue": 0.8,
            },
        ],
    }
    model = services._model_store(
        actor=world.analyst,
        trained=trained,
        spec=spec,
        metrics=metrics,
        rank_by="probability",
        window=(first, split, last),
        notes="e2e",
    )
    scorer_cache_clear()
    services.model_activate(actor=world.analyst, model=model)
    # Three declarations scored minutes after activation.
    for i in range(3):  # three consignments (the same goods twice would be refused)
        clearance.declaration_register(
            actor=world.declarant,
            data=replace(
                dragon_fruit(world.enterprise.mst),
                invoice_number=f"INV-2026-1{i:02d}",
                containers=(),
            ),
        )
    scorer_cache_clear()

    device = TOTPDevice.objects.create(user=world.analyst, name="phone", confirmed=True)
    login = LoginPage(page, live_server.url, artifacts)
    login.log_in(world.analyst.username, PASSWORD)
    login.second_factor(totp_code(device))
    login.go(f"/risk-models/{model.version}/")
    main = page.locator("main")
    expect(main.locator("h1")).to_be_visible()
    login.shot("riskml-model-detail")
    # No alarm three declarations after activation (nothing on the page in red or orange).
    expect(main.locator(".tag--red, .tag--orange")).to_have_count(0)
    # Features, rule operating points and rankings in words, in the page's language.
    text = main.inner_text()
    identifiers = re.findall(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", text)
    assert not identifiers, f"names people should not see: {sorted(set(identifiers))[:10]}"
    for raw in ("red_or_yellow", "probability", "revenue", "__"):
        assert raw not in text, raw
    assert "đỏ hoặc vàng" in text  # the rules' red-or-yellow operating point, in Vietnamese
    # And the reason there is no judgement yet: too few declarations scored.
    drift = page.locator("[data-testid=drift]")
    expect(drift).to_contain_text("3")
    expect(drift).to_contain_text("200")
    expect(page.locator("[data-testid=importance] li").first).to_be_visible()
