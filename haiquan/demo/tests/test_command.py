"""`haiquan demo`: a ready installation, safe to run twice, and a documented reset."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from haiquan.accounts.models import ApiToken, User, hash_token
from haiquan.clearance.models import Declaration, NumberSequence
from haiquan.demo.models import DemoDataset, SyntheticEnterprise
from haiquan.demo.reset import NothingToReset, demo_reset
from haiquan.demo.setup import DEMO_PASSWORD, demo_bank_secret
from haiquan.eventlog.models import AppendOnlyError, Event
from haiquan.payments.models import Bank
from haiquan.refdata.models import CentralTeam
from haiquan.risk.models import RiskProfile

pytestmark = pytest.mark.django_db

ARGS = ["--months", "1", "--until", "2023-07-01", "--scale", "0.01"]


def _run(*extra: str) -> str:
    out = StringIO()
    with translation.override("en"):  # the messages asserted below, whatever the catalogues hold
        call_command("demo", *ARGS, *extra, stdout=out)
    return out.getvalue()


def test_demo_sets_up_log_ins_banks_team_and_history_and_prints_them():
    out = _run()
    assert "http://127.0.0.1:8000/" in out and "/api/v1/docs" in out
    for username in (
        "dn.hoanglong",
        "broker.tanphat",
        "cc.mongcai",
        "cc.cailan",
        "cc.trungtam",
        "ld.quangninh",
        "ld.binhduong",
        "rr.phantich",
        "admin",
    ):
        assert username in out
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    assert f"VCB    {demo_bank_secret('VCB')}" in out
    assert Bank.objects.get(code="VCB").secret == demo_bank_secret("VCB")
    token = out.split("(shown once): ")[1].split()[0]
    stored = ApiToken.objects.get(key_hash=hash_token(token))
    declarant = User.objects.get(username="dn.hoanglong")
    assert stored.user == declarant
    # dn.hoanglong declares for Hoàng Long (Quảng Ninh) and a Korean-invested firm in Bình Dương.
    assert {e.province_code for e in declarant.enterprises.all()} == {"22", "79"}
    assert declarant.enterprises.filter(is_fdi=True, investor_country="KR").exists()
    broker = User.objects.get(username="broker.tanphat")
    assert broker.enterprise.is_broker and broker.enterprise.principals.exists()
    team = CentralTeam.objects.get(code="QN-TT")
    assert set(team.offices.values_list("code", flat=True)) >= {"20BD", "20CD", "20CE"}
    assert User.objects.get(username="cc.trungtam").teams.filter(code="QN-TT").exists()
    assert RiskProfile.objects.filter(created_by__username="rr.phantich").exists()
    assert Declaration.objects.filter(
        enterprise__mst__in=declarant.enterprises.values("mst")
    ).exists()


def test_running_it_twice_does_not_duplicate_anything():
    _run()
    history = Event.objects.filter(declaration_id__isnull=False)

    def counts() -> tuple[int, ...]:
        return (
            Declaration.objects.count(),
            history.count(),
            SyntheticEnterprise.objects.count(),
            User.objects.count(),
            Bank.objects.count(),
            RiskProfile.objects.count(),
        )

    before = counts()
    out = _run()
    assert "exists already" in out
    # (Reloading the reference data logs its own events; the history is not touched.)
    assert counts() == before
    # Only a fresh API token: the old one is revoked, its raw value having been shown once.
    assert (
        ApiToken.objects.filter(user__username="dn.hoanglong", revoked_at__isnull=True).count() == 1
    )


def test_reset_wipes_the_generated_data_through_the_documented_path():
    _run()
    assert Declaration.objects.exists()
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()  # the event log refuses deletes...
    removed = demo_reset()  # ...except through the reset (TRUNCATE / raw DELETE)
    assert removed["declarations"] > 0 and removed["events"] > 0
    assert not Declaration.objects.exists() and not Event.objects.exists()
    assert not SyntheticEnterprise.objects.exists() and not DemoDataset.objects.exists()
    assert not NumberSequence.objects.exists()
    assert not User.objects.filter(username="dn.hoanglong").exists()
    assert User.objects.filter(username="cc.mongcai").exists()  # staff log-ins stay
    with pytest.raises(NothingToReset):
        demo_reset()
    out = _run("--reset")
    assert Declaration.objects.exists() and "exists already" not in out
    assert connection.vendor in ("sqlite", "postgresql")


def _pid_saying(monkeypatch, app: str) -> None:
    """Have `app`'s demo content say which process built it."""
    import importlib
    import os

    module = importlib.import_module(f"haiquan.{app}.demo")
    real = module.demo_setup

    def spy(*, say):
        say(f"{app} built by process {os.getpid()}")
        return real(say=say)

    monkeypatch.setattr(module, "demo_setup", spy)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_learned_score_and_post_audit_are_built_in_a_second_process(monkeypatch):
    """Mostly Python, they are built in a forked process while the other parts are built here;
    what they say is shown with the rest, and what they make is in the database."""
    import os

    from haiquan.postaudit.models import ScanRun

    if connection.vendor != "postgresql":
        pytest.skip("a forked process shares the data of a database server, not of :memory:")
    _pid_saying(monkeypatch, "postaudit")
    _pid_saying(monkeypatch, "transit")
    out = _run()
    here = f"transit built by process {os.getpid()}"
    assert here in out
    other = [line for line in out.splitlines() if "postaudit built by process" in line]
    assert other and str(os.getpid()) not in other[0]
    assert "Demo content: Trader analysis and post-clearance audit…" in out
    assert "Demo content: Learned risk score…" in out
    assert ScanRun.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_failure_in_the_second_process_fails_the_demo(monkeypatch):
    import haiquan.riskml.demo as riskml_demo

    if connection.vendor != "postgresql":
        pytest.skip("a forked process shares the data of a database server, not of :memory:")

    def broken(*, say):
        raise RuntimeError("the model store is unreachable")

    monkeypatch.setattr(riskml_demo, "demo_setup", broken)
    with pytest.raises(CommandError, match="the model store is unreachable"):
        _run()
