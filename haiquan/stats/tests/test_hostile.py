"""Whatever a client sends, the statistics API answers 2xx, 403 or 422 — never a 500, never a
half-saved target."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.stats.models import Target, TargetChange

pytestmark = pytest.mark.django_db

text = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["2026-10", "2026-1", "2026-00", "1999-12", "2101-01", "20", "43IH", "import"]),
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(office=text, month_from=text, month_to=text, flow=text)
def test_any_summary_query_is_answered(history, office, month_from, month_to, flow):
    query = {
        k: v
        for k, v in {"office": office, "from": month_from, "to": month_to, "flow": flow}.items()
        if v is not None
    }
    resp = Client().get("/api/v1/statistics/summary", query, **history.auth("leader"))
    assert resp.status_code in (200, 403, 422), (query, resp.content[:300])
    if resp.status_code == 422:
        assert resp.json()["errors"]


number = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=10),
    st.none(),
)


@FUZZ
@given(
    office_code=st.one_of(st.sampled_from(["20", "20BD", "43IH", "00"]), st.text(max_size=20)),
    year=st.one_of(st.integers(min_value=-5, max_value=10**6), st.text(max_size=6), st.none()),
    authority=st.one_of(st.sampled_from(["mof", "gdvc", "province"]), st.text(max_size=12)),
    amount=number,
)
def test_any_target_body_is_answered_and_nothing_half_saved(
    history, office_code, year, authority, amount
):
    body = {"office_code": office_code, "year": year, "authority": authority, "amount_vnd": amount}
    before = (Target.objects.count(), TargetChange.objects.count())
    resp = Client().post(
        "/api/v1/statistics/targets",
        body,
        content_type="application/json",
        **history.auth("leader"),
    )
    assert resp.status_code in (200, 201, 403, 422), (body, resp.content[:300])
    after = (Target.objects.count(), TargetChange.objects.count())
    if resp.status_code >= 400:
        assert after == before
    else:
        assert after[1] >= before[1]
