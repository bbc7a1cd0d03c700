"""A version trained on a generated history: its evaluation, what activating and deactivating
it does to the lane decision, the offices' targets, the batch interface, the API, the pages,
the commands and the demo hook."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from haiquan.accounts.choices import Role
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.clearance.models import Declaration
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.risk.choices import LANE_SEVERITY, Lane
from haiquan.risk.engine import lane_decide
from haiquan.riskml import selectors, services, training
from haiquan.riskml.choices import ModelStatus
from haiquan.riskml.data import frames_load
from haiquan.riskml.features import Frames, take
from haiquan.riskml.models import RiskModel
from haiquan.riskml.scorer import (
    active_model_scorer,
    declaration_facts,
    facts_frames,
    scorer_cache_clear,
)
from haiquan.riskml.training import threshold_for

pytestmark = pytest.mark.django_db


def _latest(n: int = 150) -> list[Declaration]:
    return list(
        Declaration.objects.select_related("office", "enterprise")
        .filter(registered_at__isnull=False)
        .order_by("-registered_at", "-id")[:n]
    )


def _at(metrics: dict, key: str, rate: float) -> dict:
    return next(r for r in metrics["table"][key] if abs(r["rate"] - rate) < 1e-9)


def _user(role: str, name: str) -> object:
    extra = {"office_codes": ["20BD"]} if role in (Role.OFFICER, Role.LEADER) else {}
    return user_create(username=name, password=None, role=role, **extra)


def test_a_version_is_evaluated_on_a_later_period_against_random_selection_and_the_rules(trained):
    model = trained["model"]
    m = model.metrics
    assert m["truth"] == "synthetic"  # the demo's ground truth, over every test declaration
    assert model.train_from < model.train_until < model.test_until
    assert m["declarations"] > 200 and m["violations"] > 0
    assert [r["rate"] for r in m["table"]["model_probability"]] == [0.01, 0.02, 0.05, 0.10]
    at5 = _at(m, "model_probability", 0.05)
    assert at5["precision"] >= 3 * m["base_rate"]
    assert at5["precision"] > _at(m, "rules", 0.05)["precision"]
    assert _at(m, "random", 0.05)["precision"] == pytest.approx(m["base_rate"])
    assert m["auc"] > 0.75
    assert m["training_rows"] > 100 and m["training_findings"] >= 5
    # several seeds, with their spread; the model chosen on the training period's latest rows
    assert m["seeds"] == [7, 8, 9] and "precision_sd" in at5 and m["auc_sd"] is not None
    assert m["selection"]["rounds"] >= 20
    assert m["ipw"]["used"] and m["ipw"]["max_weight"] >= 1.0
    # the same figures on rows the model could not have memorised
    novel, unseen = m["subsets"]["novel"], m["subsets"]["unseen_party"]
    assert 0 < unseen["declarations"] <= novel["declarations"] < m["declarations"]
    if novel["violations"]:
        assert _at(novel, "model_probability", 0.05)["precision"] > novel["base_rate"]
    assert set(model.thresholds) >= {"*"}
    # what the random selections of the period found: the unbiased estimate of the rate
    assert m["random_selection"]["checked"] > 0
    assert Event.objects.filter(kind="riskml.model_trained", subject_id=model.pk).exists()


@translation.override("en")  # the test reads the English wording
def test_an_activated_model_raises_lanes_and_records_score_and_reasons_until_deactivated(trained):
    model, analyst = trained["model"], trained["analyst"]
    facts = [declaration_facts(d) for d in _latest()]
    rules_alone = [lane_decide(f) for f in facts]
    assert all(r.score is None for r in rules_alone)

    services.model_activate(actor=analyst, model=model)
    scored = [lane_decide(f) for f in facts]
    for before, after in zip(rules_alone, scored, strict=True):
        assert after.score is not None and Decimal(0) <= after.score <= Decimal(1)
        mine = [r for r in after.reasons if r.source == "score"]
        assert len(mine) == 1
        assert mine[0].code in (f"MODEL-{model.version}", f"MODEL-{model.version}-EXPLORE")
        assert "Learned risk score" in str(mine[0].text)
        # the score may raise a lane, never lower one
        assert LANE_SEVERITY[Lane(after.lane)] >= LANE_SEVERITY[Lane(before.lane)]
        # what clearance stores on the declaration
        stored = after.reasons_json()
        assert any(r["source"] == "score" and r["text"] == str(mine[0].text) for r in stored)
    raised = [a for b, a in zip(rules_alone, scored, strict=True) if b.lane != "red" == a.lane]
    assert raised, "the model sent no declaration red"
    assert all(any(r.source == "score" and r.lane == "red" for r in a.reasons) for a in raised)
    words = " ".join(str(r.text) for a in scored for r in a.reasons if r.source == "score")
    assert "earlier checks found violations" in words or "below" in words
    # a part of the red lane explores what the checks know least about, recorded apart
    explored = [r for a in scored for r in a.reasons if r.code == f"MODEL-{model.version}-EXPLORE"]
    assert explored and all(r.lane == "red" for r in explored)
    assert all("Selected to explore" in str(r.text) and "checks" in str(r.text) for r in explored)
    # an office that spends nothing on exploring: no exploration there
    office = facts[0].office_code
    services.inspection_target_set(
        actor=analyst, office_code=office, rate=Decimal("0.05"), exploration=Decimal(0)
    )
    again = [lane_decide(f) for f in facts if f.office_code == office]
    assert all(
        r.code == f"MODEL-{model.version}" for a in again for r in a.reasons if r.source == "score"
    )

    services.model_deactivate(actor=analyst, model=model)
    again = [lane_decide(f) for f in facts]
    assert [r.lane for r in again] == [r.lane for r in rules_alone]
    assert all(r.score is None and all(x.source != "score" for x in r.reasons) for r in again)
    with pytest.raises(Conflict):
        services.model_deactivate(actor=analyst, model=model)


def test_only_one_version_is_active(trained):
    model, analyst = trained["model"], trained["analyst"]
    twin = RiskModel.objects.get(pk=model.pk)
    twin.pk = None
    twin.version = model.version + 1
    twin.status = ModelStatus.TRAINED
    twin.save()
    services.model_activate(actor=analyst, model=model)
    services.model_activate(actor=analyst, model=twin)
    assert list(RiskModel.objects.filter(status=ModelStatus.ACTIVE)) == [twin]
    assert RiskModel.objects.get(pk=model.pk).status == ModelStatus.RETIRED
    assert selectors.model_active() == twin
    # a version trained on an earlier feature set cannot be activated: it could not score
    old = RiskModel.objects.get(pk=model.pk)
    old.pk, old.version, old.status = None, model.version + 2, ModelStatus.TRAINED
    old.spec = {**old.spec, "feature_set": 1}
    old.save()
    with pytest.raises(Conflict):
        services.model_activate(actor=analyst, model=old)
    assert selectors.model_active() == twin


def test_an_office_target_sets_its_threshold_ranking_and_exploration(trained):
    model, analyst = trained["model"], trained["analyst"]
    services.model_activate(actor=analyst, model=model)
    grids = model.metrics["grids"]["probability"]
    office = next((k for k in grids if k != "*"), "20BD")
    services.inspection_target_set(
        actor=analyst, office_code=office, rate=Decimal("0.10"), exploration=Decimal("0.2")
    )
    model.refresh_from_db()
    policy = model.thresholds[office]
    grid = grids.get(office, grids["*"])
    # 80% of the 10% on the model's top ranks, 20% exploring
    assert policy["threshold"] == pytest.approx(threshold_for(grid, 0.08))
    assert policy["rate"] == 0.10 and policy["explore"] == 0.2
    above = sum(1 for v in grid if v >= policy["threshold"]) / len(grid)
    assert above == pytest.approx(0.08, abs=0.02)
    # another office recovers the most revenue: its threshold is on expected recovery (VND)
    services.inspection_target_set(
        actor=analyst, office_code=office, rate=Decimal("0.05"), rank_by="revenue"
    )
    model.refresh_from_db()
    revenue_grid = model.metrics["grids"]["revenue"].get(
        office, model.metrics["grids"]["revenue"]["*"]
    )
    assert model.thresholds[office]["rank_by"] == "revenue"
    assert model.thresholds[office]["threshold"] == pytest.approx(
        threshold_for(revenue_grid, 0.05 * (1 - model.thresholds[office]["explore"]))
    )
    assert model.thresholds[office]["threshold"] > 1000  # VND, not a probability
    with pytest.raises(ValidationFailed) as err:
        services.inspection_target_set(
            actor=analyst, office_code="XXXX", rate=Decimal("0.9"), rank_by="most",
            exploration=Decimal("2"),
        )  # fmt: skip
    assert {p.field for p in err.value.errors} == {"office", "rate", "rank_by", "exploration"}


def test_expected_recovery_comes_from_the_active_model_only(trained):
    model, analyst = trained["model"], trained["analyst"]
    ids = [d.pk for d in _latest(20)]
    assert selectors.expected_recovery(declaration_ids=ids) is None
    services.model_activate(actor=analyst, model=model)
    got = selectors.expected_recovery(declaration_ids=[*ids, 10**9])
    assert got is not None and set(got) == set(ids)
    assert all(0 <= p <= 1 and er >= 0 for p, er in got.values())


def test_the_batch_path_gives_each_declaration_the_score_its_lane_decision_gives(
    trained, monkeypatch
):
    """The vectorised batch (150 declarations at once: the hashed lookups, LightGBM over the
    matrix; a large batch's rows in two halves on two threads) and the lane decision's path
    (one declaration: the single-row lookups, LightGBM's single-row prediction) give the same
    features, probabilities, recoveries and SHAP values."""
    model, analyst = trained["model"], trained["analyst"]
    services.model_activate(actor=analyst, model=model)
    scorer_cache_clear()
    scorer = active_model_scorer(fresh=True)
    assert scorer is not None
    decls = _latest(150)
    frames = frames_load(ids=[d.pk for d in decls], with_outcomes=False)
    assert len(frames.decl["id"]) == 150 > 64  # the many-rows code paths, not the one-row ones
    x, p, er, _raw = scorer.score_frames(frames)
    # the same batch as a large one: each half of the rows on its own thread
    monkeypatch.setattr(training, "PARALLEL_PREDICT_ROWS", 100)
    _xp, pp, erp, _rawp = scorer.score_frames(frames)
    monkeypatch.undo()
    np.testing.assert_array_equal(pp, p)
    np.testing.assert_array_equal(erp, er)
    row_of = {int(i): k for k, i in enumerate(frames.decl["id"].tolist())}
    # LightGBM's single-row path is the one being compared, not the batch one again
    assert scorer.boosters._row("classifier", 0).fast
    got = selectors.expected_recovery(declaration_ids=[d.pk for d in decls])
    assert got is not None
    for d in decls:
        k = row_of[d.pk]
        # the same declaration alone, from the same tables: the same numbers exactly
        one = Frames(
            decl=take(frames.decl, np.array([k])),
            lines=take(frames.lines, frames.lines["decl_id"] == d.pk),
            outcomes=frames.outcomes,
        )
        x1, p1, er1, _raw1 = scorer.score_frames(one)
        np.testing.assert_array_equal(x1[0], x[k])
        assert (p1[0], er1[0]) == (p[k], er[k])
        assert got[d.pk] == (p[k], er[k])
        # the lane decision's own score: its facts' one-row tables through the same path
        facts = declaration_facts(d)
        _x2, p2, _er2, _raw2 = scorer.score_frames(facts_frames(facts))
        assert scorer.score(facts).score == Decimal(f"{p2[0]:.6f}")
        # the reasons: the SHAP values of the one row, as the batch computes them
        np.testing.assert_array_equal(
            scorer.boosters.contributions(x1)[0],
            scorer.boosters.classifier.predict(x[k : k + 1], pred_contrib=True)[0],
        )
    assert len({round(float(v), 6) for v in p}) > 10  # the scores differ: the test can tell


def test_only_analysts_and_administrators_touch_models(trained):
    officer = _user(Role.OFFICER, "cc.thu")
    declarant = _user(Role.DECLARANT, "dn.thu")
    for user in (officer, declarant):
        with pytest.raises(Forbidden):
            services.model_activate(actor=user, model=trained["model"])
        with pytest.raises(Forbidden):
            selectors.model_list(user=user)


def test_api(trained):
    model, analyst = trained["model"], trained["analyst"]
    raw = api_token(analyst, name="tests")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    c = Client()
    listing = c.get("/api/v1/risk-models", **auth)
    assert listing.status_code == 200, listing.content
    assert listing.json()["items"][0]["version"] == model.version
    detail = c.get(f"/api/v1/risk-models/{model.version}", **auth).json()
    assert detail["evaluation"]["table"]["model_probability"][2]["rate"] == 0.05
    assert "grids" not in detail["evaluation"]
    r = c.post(
        f"/api/v1/risk-models/{model.version}/activate",
        "{}",
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200 and r.json()["status"] == "active"
    rec = c.post(
        "/api/v1/risk-models/expected-recovery",
        json.dumps({"declaration_ids": [d.pk for d in _latest(3)]}),
        content_type="application/json",
        **auth,
    )
    assert rec.status_code == 200 and len(rec.json()) == 3
    drift = c.get(f"/api/v1/risk-models/{model.version}/drift?days=90", **auth)
    assert drift.status_code == 200 and drift.json()["days"] == 90
    # nothing scored since the activation a moment ago: no judgement of a shift
    assert drift.json()["enough"] is False and drift.json()["psi"] is None
    assert c.get(f"/api/v1/risk-models/{model.version}/drift?days=0", **auth).status_code == 422
    assert c.post(f"/api/v1/risk-models/{model.version}/deactivate", **auth).status_code == 200
    again = c.post(f"/api/v1/risk-models/{model.version}/deactivate", **auth)
    assert again.status_code == 409
    assert c.get("/api/v1/risk-models/9999", **auth).status_code == 404
    bad = c.put(
        "/api/v1/risk-models/targets/20BD",
        json.dumps({"rate": "0.9"}),
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rate"
    ok = c.put(
        "/api/v1/risk-models/targets/20BD",
        json.dumps({"rate": "0.03"}),
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 200 and Decimal(ok.json()["rate"]) == Decimal("0.03")
    officer = _user(Role.OFFICER, "cc.api")
    raw2 = api_token(officer, name="tests")
    denied = c.get("/api/v1/risk-models", HTTP_AUTHORIZATION=f"Bearer {raw2}")
    assert denied.status_code == 403


def _page_client(user: object) -> Client:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_pages(trained):
    model, analyst = trained["model"], trained["analyst"]
    c = _page_client(analyst)
    page = c.get("/risk-models/")
    assert page.status_code == 200 and b"model-table" in page.content
    detail = c.get(f"/risk-models/{model.version}/")
    assert detail.status_code == 200 and b"evaluation-table" in detail.content
    assert b"<script>" not in detail.content  # CSP: data in json_script, code in riskml.js
    import re

    text = re.sub(r"<[^>]+>", " ", detail.content.decode())
    # features, rule operating points and rankings in words
    for name in ("price_z_min", "importer__rate", "red_or_yellow", "uv_quantity", "__"):
        assert name not in text, name
    assert (
        b'data-testid="novel"' in detail.content and b'data-testid="unseen_party"' in detail.content
    )
    saved = c.post(
        "/risk-models/targets/",
        {"office": "20BD", "percent": "4", "rank_by": "revenue", "explore": "15"},
    )
    assert saved.status_code == 302
    from haiquan.riskml.models import InspectionTarget

    target = InspectionTarget.objects.get(office__code="20BD")
    assert target.rank_by == "revenue" and target.exploration == Decimal("0.15")
    r = c.post(f"/risk-models/{model.version}/activate/", {"rank_by": "revenue"})
    assert r.status_code == 302
    model.refresh_from_db()
    assert model.status == ModelStatus.ACTIVE and model.rank_by == "revenue"
    # Refused values: next to their inputs on the list page, 422, nothing saved.
    for sent, input_id in (
        ({"office": "20BD", "percent": "abc"}, "percent"),
        ({"office": "20BD", "percent": "NaN"}, "percent"),
        ({"office": "20BD", "percent": ""}, "percent"),
        ({"office": "20BD", "percent": "4", "explore": "x"}, "explore"),
        ({"office": "20BD", "percent": "70"}, "percent"),  # the service's range
        ({"office": "ZZZZ", "percent": "4"}, "office"),  # the service: no such office
    ):
        refused = c.post("/risk-models/targets/", sent)
        assert refused.status_code == 422, sent
        html = refused.content.decode()
        assert f'id="{input_id}-error"' in html and 'class="error-summary"' in html, sent
    target.refresh_from_db()
    assert target.rate == Decimal("0.04") and target.exploration == Decimal("0.15")
    assert InspectionTarget.objects.count() == 1
    from haiquan.riskml.models import RiskModel

    versions = RiskModel.objects.count()
    untrained = c.post("/risk-models/train/", {"rank_by": "luck"})
    assert untrained.status_code == 422
    assert 'id="rank_by-error"' in untrained.content.decode()
    assert RiskModel.objects.count() == versions
    assert c.post(f"/risk-models/{model.version}/deactivate/").status_code == 302
    officer = _user(Role.OFFICER, "cc.page")
    assert _page_client(officer).get("/risk-models/").status_code == 403


@translation.override("en")  # the commands speak the language of whoever runs them
def test_commands_export_evaluate_and_train(trained, tmp_path):
    out = StringIO()
    call_command("risk", "export", "--out", str(tmp_path), stdout=out)
    assert "train.csv" in out.getvalue()
    out = StringIO()
    call_command(
        "risk", "evaluate",
        "--train", str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv"),
        "--label", "fraud", "--revenue", "revenue", "--date", "registered_at", "--id", "id",
        "--rules", "rules", "--json", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    kinds = {c["column"]: (c["type"], c["role"]) for c in result["columns"]}
    assert kinds["enterprise"] == ("code", "importer")
    assert kinds["customs_value_vnd"] == ("amount", "value")
    assert kinds["hs"] == ("code", "hs") and kinds["seller"] == ("code", "seller")
    assert result["train_rows"] < result["declarations"] + 10**6  # unchecked ones are history
    assert result["ipw"]["used"]  # the export's unchecked declarations: labels only where checked
    assert {"novel", "unseen_party"} <= set(result["subsets"])
    at5 = _at(result, "model_probability", 0.05)
    assert at5["precision"] > result["base_rate"]
    assert {"rules", "random", "model_revenue"} <= set(result["table"])
    text = StringIO()
    call_command(
        "risk", "evaluate", "--train", str(tmp_path / "train.csv"),
        "--test", str(tmp_path / "test.csv"), "--label", "fraud", stdout=text,
    )  # fmt: skip
    assert "model (probability)" in text.getvalue() and "AUC" in text.getvalue()
    with pytest.raises(CommandError, match="no such column"):
        call_command(
            "risk", "evaluate", "--train", str(tmp_path / "train.csv"),
            "--test", str(tmp_path / "test.csv"), "--label", "nope",
        )  # fmt: skip
    out = StringIO()
    call_command("risk_train", stdout=out)
    assert "Version" in out.getvalue() and RiskModel.objects.count() == 2


@translation.override("en")
def test_demo_setup_trains_once_and_activates(trained):
    from haiquan.riskml.demo import demo_setup

    said: list[str] = []
    demo_setup(say=said.append)
    assert RiskModel.objects.filter(status=ModelStatus.ACTIVE).count() == 1
    count = RiskModel.objects.count()
    demo_setup(say=said.append)
    assert RiskModel.objects.count() == count
    assert any("precision" in line for line in said)
    assert any("novel" in line and "not seen in training" in line for line in said)


def test_too_short_a_history_is_refused_with_its_figures_in_the_readers_language(trained):
    """Two days of history hold too few checked declarations: the refusal names the field and
    the figures, in whatever language it is read in (the demo prints it in the run's)."""
    from datetime import datetime

    from django.utils import translation

    from haiquan.core.problems import ValidationFailed
    from haiquan.demo.timeline import VN_TZ
    from haiquan.riskml.services import model_train

    with pytest.raises(ValidationFailed) as refused:
        model_train(actor=trained["analyst"], until=datetime(2024, 1, 3, tzinfo=VN_TZ))
    (problem,) = refused.value.errors
    assert (problem.field, problem.code) == ("until", "not-enough-history")
    with translation.override("en"):
        english = str(problem.problem)
    with translation.override("vi"):
        vietnamese = str(problem.problem)
    assert english.startswith("not enough checked declarations to learn from (")
    assert "findings before the split" in english
    assert vietnamese.startswith("không đủ tờ khai đã kiểm tra để học (")
    assert "checked" not in vietnamese and "findings" not in vietnamese
