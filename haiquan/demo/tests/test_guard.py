"""`haiquan demo` touches only a database it made: one with real data makes it refuse, change
nothing and say why (in the user's language, non-zero exit); an empty one becomes a demo
database, marked in the same transaction as the first demo content."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import translation

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.config import cli
from haiquan.demo import setup as demo_setup_module
from haiquan.demo.guard import foreign_data
from haiquan.demo.models import DemoInstallation
from haiquan.demo.reset import NothingToReset, demo_reset
from haiquan.eventlog.models import Event
from haiquan.payments.models import Bank
from haiquan.refdata.services import enterprise_create

pytestmark = pytest.mark.django_db

ARGS = ["--months", "1", "--until", "2023-07-01", "--scale", "0.01"]


def _snapshot() -> dict[str, object]:
    """Every table's row count, and the administrator's password hash."""
    counts: dict[str, object] = {
        m._meta.label: m._default_manager.count() for m in apps.get_models()
    }
    counts["admin password"] = (
        User.objects.filter(username="admin").values_list("password", flat=True).first()
    )
    return counts


def _real_installation() -> None:
    """What a customs installation has from its first day: its administrator (with her own
    password) and an enterprise."""
    user_create(username="admin", password="a-real-secret-of-hers", role="admin")
    enterprise_create(mst="5700100256", name="Công ty CP Cảng Quảng Ninh", province_code="22")


def _cli(monkeypatch, capsys, lang: str, *args: str) -> tuple[int, str, str]:
    """Run `haiquan ARGS` as a user with LANG=lang would; (exit status, stdout, stderr)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)
    # A command run from the command line closes every connection at its end, as a process
    # about to exit may; here the test's transaction must stay open.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    status = 0
    try:
        cli.main(["haiquan", *args])
    except SystemExit as exc:
        status = int(exc.code or 0)
    finally:
        translation.deactivate()
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en_US.UTF-8", "holds data that haiquan demo did not make"),
        ("vi_VN.UTF-8", "haiquan demo"),
    ],
)
def test_a_database_with_real_data_is_refused_and_left_as_it_was(monkeypatch, capsys, lang, words):
    _real_installation()
    before = _snapshot()
    status, out, err = _cli(monkeypatch, capsys, lang, "demo", *ARGS)
    assert status == 1
    assert _snapshot() == before  # no password reset, no bank, no marker, no migration row
    assert not Bank.objects.exists() and not DemoInstallation.objects.exists()
    assert out == ""
    assert err.startswith("haiquan demo: ") and words in err
    if lang.startswith("vi"):
        assert "did not make" not in err and "1 tài khoản" in err  # said in Vietnamese
    else:
        assert "(1 account, 1 enterprise)" in err


def test_each_kind_of_real_data_counts(db):
    assert foreign_data() == []  # migrated, with the reference data: empty for the demo
    user_create(username="someone", password=None, role="analyst")
    with translation.override("en"):
        found = foreign_data()
    assert found == ["1 account"]


def test_the_reset_refuses_a_database_the_demo_did_not_make():
    _real_installation()
    events = Event.objects.count()
    with pytest.raises(NothingToReset):
        demo_reset()
    assert Event.objects.count() == events
    with pytest.raises(CommandError):
        call_command("demo", *ARGS, "--reset", stdout=StringIO())
    assert Event.objects.count() == events and not DemoInstallation.objects.exists()


def test_an_empty_database_becomes_a_demo_database_and_stays_one():
    assert not DemoInstallation.objects.exists()
    with translation.override("en"):
        call_command("demo", *ARGS, stdout=StringIO())
    assert DemoInstallation.objects.get().pk == 1
    assert User.objects.filter(username="admin").exists()
    # Its own data does not stop it: a second run and a reset work on it, and the mark stays.
    with translation.override("en"):
        call_command("demo", *ARGS, "--reset", stdout=StringIO())
    assert DemoInstallation.objects.count() == 1


def test_the_mark_is_written_with_the_first_demo_content(monkeypatch):
    """A failure in the first content undoes the mark too: never a marked database without the
    demo's content, nor demo content without the mark."""

    def broken() -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("haiquan.demo.management.commands.demo.central_team_ensure", broken)
    with pytest.raises(RuntimeError):
        call_command("demo", *ARGS, stdout=StringIO())
    assert not DemoInstallation.objects.exists()
    assert not User.objects.exists() and not Bank.objects.exists()
    assert demo_setup_module.central_team_ensure is not broken
