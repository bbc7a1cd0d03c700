"""The daily roots leave signed with the administration's Ed25519 key: a partner's copy is
checked against the public key (who published it, unchanged) and against the log (that the
rows still hash to it), and a rewrite behind the application's back is named by day."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from haiquan.eventlog.chain import ACCESS, EVENTS, log_root_close
from haiquan.eventlog.signing import (
    exported_root_check,
    private_key_load,
    public_key_load,
    root_sign,
    root_signature_valid,
)

from .test_chain import behind_the_applications_back, three_events

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[bool, str]:
    out = StringIO()
    try:
        with translation.override("en"):
            call_command("log_roots", *args, stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "root.key", tmp_path / "root.pub"
    ok, out = run("keygen", "--key", str(private), "--public-key", str(public))
    assert ok and "Signing key" in out
    assert private.stat().st_mode & 0o077 == 0  # readable by its owner only
    # Never overwritten: the published public key must keep verifying what it signed.
    assert not run("keygen", "--key", str(private), "--public-key", str(public))[0]
    return private, public


def test_a_signature_covers_every_field_and_only_its_key_verifies_it(keys, tmp_path):
    private, public = keys
    root = {"log": "events", "day": "2026-12-06", "root": "ab" * 32, "rows": 3}
    signed = root_sign(root, private_key_load(private))
    assert root_signature_valid(signed, public_key_load(public))
    assert not root_signature_valid({**signed, "rows": 4}, public_key_load(public))
    run("keygen", "--key", str(tmp_path / "other.key"), "--public-key", str(tmp_path / "o.pub"))
    assert not root_signature_valid(signed, public_key_load(tmp_path / "o.pub"))


def test_exported_signed_roots_verify_until_the_log_is_rewritten(keys, tmp_path):
    private, public = keys
    events = three_events(21)
    for chain in (EVENTS, ACCESS):
        log_root_close(chain, day=date(2026, 12, 6))
    ok, out = run("export", "--key", str(private))
    assert ok
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["log"] for r in lines] == ["access", "events"]
    assert all(r["signature"] and r["key"] for r in lines)
    copy = tmp_path / "ministry.jsonl"
    copy.write_text(out)
    ok, text = run("verify", str(copy), "--public-key", str(public))
    assert ok and text.count("verifies") == 2

    printed = run("print", "--key", str(private))[1]
    assert lines[1]["root"] in printed and lines[1]["signature"] in printed

    # A copy changed on the way (a different root) no longer carries a valid signature.
    forged = dict(lines[1], root="0" * 64)
    assert exported_root_check(forged, public_key_load(public))[0] == "signature"

    # The administrator rewrites an event behind the application's back: named by day.
    with behind_the_applications_back("eventlog_event") as cur:
        cur.execute("DELETE FROM eventlog_event WHERE id = %s", [events[-1].pk])
    ok, text = run("verify", str(copy), "--public-key", str(public))
    assert not ok
    assert "2026-12-06 events: the log's rows no longer hash to it" in text
    assert "2026-12-06 access: verifies" in text
