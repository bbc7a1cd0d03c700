"""The demo content on a small generated history: filings in every state, an issued ruling;
the same when made again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.demo.setup import central_team_ensure, staff_users_ensure, trader_users_ensure
from haiquan.demo.tests.conftest import history  # noqa: F401  (fixture)
from haiquan.eservices.choices import FilingStatus
from haiquan.eservices.demo import demo_setup
from haiquan.eservices.models import AdvanceRuling, Filing, Procedure


@pytest.mark.django_db
def test_demo_setup_is_idempotent(history: Any) -> None:  # noqa: F811
    central_team_ensure()
    staff_users_ensure()
    trader_users_ensure()
    said: list[str] = []
    logins = demo_setup(say=said.append)
    assert [login.username for login in logins] == ["cc.tongcuc"]
    assert Procedure.objects.count() >= 6
    states = set(
        Filing.objects.filter(filed_by__username="dn.hoanglong").values_list("status", flat=True)
    )
    assert states == set(FilingStatus.values)
    ruling = AdvanceRuling.objects.get(kind="hs_ruling")
    assert ruling.hs_code == "84713020" and ruling.number in said[-1]
    on_time = set(Filing.objects.exclude(on_time=None).values_list("on_time", flat=True))
    assert on_time == {True, False}
    first = Filing.objects.count()
    demo_setup(say=said.append)
    assert Filing.objects.count() == first

    # Every demo filing's page opens for its enterprise and for the officers who work it.
    trader = login(Client(), User.objects.get(username="dn.hoanglong"))
    assert trader.get(reverse("eservices:home")).status_code == 200
    for filing in Filing.objects.filter(filed_by__username="dn.hoanglong"):
        page = trader.get(reverse("eservices:filing_detail", args=[filing.pk]))
        assert page.status_code == 200, filing.status
    desk = login(Client(), User.objects.get(username="cc.tongcuc"))
    page = desk.get(reverse("eservices:requests"))
    assert page.status_code == 200
    for filing in page.context["rows"]:
        assert desk.get(reverse("eservices:filing_detail", args=[filing.pk])).status_code == 200
    hs = Filing.objects.get(ruling=ruling)
    assert desk.get(reverse("eservices:filing_detail", args=[hs.pk])).status_code == 200
    rates = login(Client(), User.objects.get(username="ld.quangninh")).get(
        reverse("eservices:performance")
    )
    assert {(r.office_code, r.on_time, r.late) for r in rates.context["rows"]} == {
        ("20BD", 1, 0),
        ("20CD", 0, 1),
    }
