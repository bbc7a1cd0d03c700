"""Every event kind written anywhere has words in the catalogue (`eventlog/kinds.py`), in every
language, and so has every actor recorded without a user account.

The code is read, not run: each `kind=` given as a literal, each literal of a kind's family
("declaration.", "transit."...), each kind built from a template (`f"eservice.{kind}"`), each
`actor_label=` literal. What the test world actually writes is checked as well, by the page crawl
(`haiquan/core/tests/test_page_words.py`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from haiquan.eventlog.kinds import (
    ACTOR_PREFIXES,
    KINDS,
    SYSTEM_ACTORS,
    actor_display,
    kind_label,
)

ROOT = Path(__file__).resolve().parents[2]
KIND = re.compile(r"[a-z][a-z_]*\.[a-z][a-z_]*")
FAMILIES = {code.split(".")[0] for code in KINDS}
# Literals of a kind's family that are not kinds: an idempotency scope, a logger's name.
NOT_KINDS = {"declaration.create", "transit.simulator"}
LANGUAGES = ("vi", "en", "ja", "zh-hans", "ko")


def _modules() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts and "bench" not in p.parts
    ]


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def kinds_in_code(paths: list[Path]) -> dict[str, set[str]]:
    """Each kind the code writes or names, with the modules that do."""
    found: dict[str, set[str]] = {}

    def add(code: str, where: Path) -> None:
        found.setdefault(code, set()).add(where.name)

    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        templates: list[str] = []
        event_suffixes: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                v = node.value
                if KIND.fullmatch(v) and v.split(".")[0] in FAMILIES and v not in NOT_KINDS:
                    add(v, path)
            elif isinstance(node, ast.Call):
                for kw in node.keywords:
                    if (
                        kw.arg == "kind"
                        and isinstance(kw.value, ast.Constant)
                        and isinstance(kw.value.value, str)
                        and "." in kw.value.value
                    ):
                        add(kw.value.value, path)
                # eservices' `_event(filing, "filing_created", ...)` prefixes the family itself
                if (
                    _call_name(node) == "_event"
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str)
                    and "." not in node.args[1].value
                ):
                    event_suffixes.append(node.args[1].value)
            elif isinstance(node, ast.JoinedStr):
                head = node.values[0] if node.values else None
                family = str(head.value)[:-1] if isinstance(head, ast.Constant) else ""
                if family in FAMILIES and str(head.value).endswith("."):  # type: ignore[union-attr]
                    templates.append(ast.unparse(node))
        for t in templates:
            m = re.fullmatch(r"f['\"]([a-z_]+)\.\{\w+\}['\"]", t)
            if m:  # f"eservice.{kind}": the literals given to the module's `_event`
                for suffix in event_suffixes:
                    add(f"{m[1]}.{suffix}", path)
                continue
            # f"declaration.{kind}_recorded": some catalogued kind must fit it
            pattern = re.sub(r"\\\{[^}]*\\\}", "[a-z_]+", re.escape(t[2:-1]))
            if not any(re.fullmatch(pattern, code) for code in KINDS):
                add(t, path)
    return found


def test_every_kind_the_code_writes_is_in_the_catalogue() -> None:
    found = kinds_in_code(_modules())
    # the scan sees the kinds it must (a scan that found nothing would pass)
    assert {"declaration.cleared", "eservice.fee_paid", "transit.departed"} <= set(found)
    missing = {code: sorted(where) for code, where in found.items() if code not in KINDS}
    assert not missing, f"event kinds without a label in eventlog/kinds.py: {missing}"


def test_the_scan_would_catch_a_kind_without_a_label(tmp_path: Path) -> None:
    module = tmp_path / "services.py"
    module.write_text(
        'event_record(kind="newthing.happened", subject_type="x")\n'
        'KIND = "transit.teleported"\n'
        'event_build(kind=f"declaration.{step}_vanished")\n'
        '_event(filing, "filing_shredded")\n'
        'kind = f"eservice.{kind}"\n'
    )
    found = kinds_in_code([module])
    assert set(found) - set(KINDS) == {
        "newthing.happened",
        "transit.teleported",
        "f'declaration.{step}_vanished'",
        "eservice.filing_shredded",
    }


def actor_labels_in_code() -> set[str]:
    found: set[str] = set()
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for kw in node.keywords:
                if kw.arg != "actor_label":
                    continue
                values = [kw.value]
                if isinstance(kw.value, ast.IfExp):
                    values = [kw.value.body, kw.value.orelse]
                elif isinstance(kw.value, ast.BoolOp):
                    values = list(kw.value.values)
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        if value.value:
                            found.add(value.value)
                    elif isinstance(value, ast.JoinedStr):
                        head = value.values[0] if value.values else None
                        if isinstance(head, ast.Constant):
                            found.add(str(head.value))
    return found


def test_every_actor_the_code_records_has_words() -> None:
    found = actor_labels_in_code()
    assert {"selectivity", "clearance", "bank:"} <= found
    unknown = {
        label
        for label in found
        if label not in SYSTEM_ACTORS and label.rstrip(":") not in ACTOR_PREFIXES
    }
    # "shipped" and a file's name are what the tariff loader records: shown as written
    assert not unknown, f"actors without words in eventlog/kinds.py: {unknown}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_is_translated(language: str) -> None:
    """Each label reads in the language (English msgids: any other language must differ)."""
    with translation.override(language):
        for code in KINDS:
            text = kind_label(code)
            assert text and text != code and "." not in text.split(" ")[0]
            if language != "en":
                with translation.override("en"):
                    english = kind_label(code)
                assert text != english, f"{code} is not translated into {language}: {text}"
        for label in SYSTEM_ACTORS:
            text = actor_display(None, label)
            with translation.override("en"):
                english = actor_display(None, label)
            assert language == "en" or label == "system" or text != english, (label, text)
        assert actor_display(None, "bank:VCB").endswith("VCB")
        assert "W20BD" in actor_display(None, "gate:W20BD:op.cailan")


def test_an_unknown_kind_never_reads_as_its_code() -> None:
    with translation.override("en"):
        assert kind_label("newthing.happened") == "Other event"
        assert kind_label("declaration.cleared") == "Cleared"
