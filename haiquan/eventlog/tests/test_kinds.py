"""Every event kind written anywhere has words in the catalogue (`eventlog/kinds.py`), in every
language, and so has every actor recorded without a user account.

Kinds are named by the catalogue's constants everywhere else: the code is read, not run, and a kind's
code as a string literal outside `eventlog/kinds.py` (a literal of a kind's family, "declaration.",
"transit."..., a `kind=` literal, a kind built from a template) fails with its file and line. Each
`actor_label=` literal must have words too. What the test world actually writes is checked as well, by the page crawl
(`haiquan/core/tests/test_page_words.py`).
"""

from __future__ import annotations

import ast
import copy
import json
import pickle
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import translation

from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party, Step
from haiquan.eventlog.kinds import (
    ACTOR_PREFIXES,
    KINDS,
    SYSTEM_ACTORS,
    actor_display,
    kind_label,
)
from haiquan.eventlog.models import Event
from haiquan.timerelease.facts import AGENCY_KINDS, STEP_OF_KIND, step_of

ROOT = Path(__file__).resolve().parents[2]
KIND = re.compile(r"[a-z][a-z_]*\.[a-z][a-z_]*")
FAMILIES = {code.split(".")[0] for code in KINDS}
# Literals of a kind's family that are not kinds: an idempotency scope, a logger's name.
NOT_KINDS = {"declaration.create", "transit.simulator"}
LANGUAGES = ("vi", "en", "ja", "zh-hans", "ko")


CATALOGUE = ROOT / "eventlog" / "kinds.py"


def _modules() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if "tests" not in p.parts
        and "migrations" not in p.parts
        and "bench" not in p.parts
        and p != CATALOGUE
    ]


def kind_literals(paths: list[Path]) -> list[str]:
    """Each place a kind is written as a string instead of a catalogue constant, as
    "file:line: literal": a literal equal to a catalogued code, a literal of a kind's shape in one
    of the catalogue's families ("transit.teleported"), a `kind=` literal with a dot, a kind built
    from a template (`f"eservice.{kind}"`)."""
    found: list[str] = []
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        in_template = {
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        where = path.relative_to(ROOT.parent) if path.is_relative_to(ROOT.parent) else path
        for node in ast.walk(tree):
            text = ""
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                v = node.value
                if id(node) in in_template:
                    continue
                if v in KINDS or (
                    KIND.fullmatch(v) and v.split(".")[0] in FAMILIES and v not in NOT_KINDS
                ):
                    text = v
            elif isinstance(node, ast.Call):
                for kw in node.keywords:
                    if (
                        kw.arg == "kind"
                        and isinstance(kw.value, ast.Constant)
                        and isinstance(kw.value.value, str)
                        and KIND.fullmatch(kw.value.value)
                        and kw.value.value.split(".")[0] not in FAMILIES
                    ):
                        text = kw.value.value
            elif isinstance(node, ast.JoinedStr):
                head = node.values[0] if node.values else None
                if (
                    isinstance(head, ast.Constant)
                    and re.fullmatch(r"[a-z_]+\.", str(head.value))
                    and str(head.value)[:-1] in FAMILIES
                ):
                    text = ast.unparse(node)
            if text:
                found.append(f"{where}:{node.lineno}: {text}")
    return sorted(set(found))


def test_no_kind_is_written_outside_the_catalogue() -> None:
    """Writers and readers name kinds by the catalogue's constants (`kinds.DECLARATION_CLEARED`),
    never by their code: a kind renamed or removed then fails at import, not in production."""
    modules = _modules()
    assert len(modules) > 300  # the scan reads the whole source tree
    found = kind_literals(modules)
    assert not found, "event kinds written as strings; use eventlog.kinds' constants:\n" + (
        "\n".join(found)
    )


def test_the_scan_would_catch_a_kind_written_as_a_string(tmp_path: Path) -> None:
    module = tmp_path / "services.py"
    module.write_text(
        'event_record(kind="newthing.happened", subject_type="x")\n'
        'KIND = "transit.teleported"\n'
        'if e.kind == "declaration.cleared":\n'
        "    pass\n"
        'event_build(kind=f"declaration.{step}_vanished")\n'
        'kind = f"eservice.{kind}"\n'
        'scope = "declaration.create"\n'  # an idempotency scope, not a kind
        "ok = kinds.DECLARATION_CLEARED\n"
    )
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in kind_literals([module])] == [
        "1",
        "2",
        "3",
        "5",
        "6",
    ]


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


# ---------------------------------------------------------------------------------------------
# A kind is its code, with its party and step, and writes itself.


def test_a_kind_is_its_code_wherever_a_code_goes() -> None:
    kind = kinds.DECLARATION_CLEARED
    assert kind == "declaration.cleared" and kind.code == "declaration.cleared"
    assert str(kind) == "declaration.cleared" and type(str(kind)) is str
    assert {"declaration.cleared": 1}[kind] == 1 and kind in {"declaration.cleared"}
    assert copy.deepcopy(kind) is kind and pickle.loads(pickle.dumps(kind)) is kind
    assert json.dumps({"kind": kind}) == '{"kind": "declaration.cleared"}'
    assert kinds.kind_of("declaration.cleared") is kind


@pytest.mark.django_db
def test_a_kinds_builder_writes_it_with_its_party() -> None:
    with transaction.atomic():
        event = kinds.ALERT_RAISED.record(subject_type="alert", subject_id=7, data={"n": 1})
        other = kinds.ALERT_RAISED.record(
            subject_type="alert", subject_id=7, party=Party.CUSTOMS, actor_label="monitoring"
        )
    stored = Event.objects.filter(kind=kinds.ALERT_RAISED, subject_id=7).order_by("id")
    assert [(e.kind, e.party, e.data) for e in stored] == [
        ("alert.raised", "system", {"n": 1}),
        ("alert.raised", "customs", {}),
    ]
    assert type(Event.objects.get(pk=event.pk).kind) is str and other.actor_label == "monitoring"
    with transaction.atomic():
        built = kinds.PAYMENT_CONFIRMED.build(subject_type="declaration", subject_id=3)
    assert built.pk is None and (built.kind, built.party) == ("payment.confirmed", "bank")


@pytest.mark.django_db
def test_a_kind_without_a_party_of_its_own_must_be_given_one() -> None:
    assert kinds.DECLARATION_CLEARED.party is None  # who cleared it decides
    with transaction.atomic(), pytest.raises(ValueError, match=r"declaration\.cleared"):
        kinds.DECLARATION_CLEARED.record(subject_type="declaration", subject_id=1)
    assert not Event.objects.filter(kind=kinds.DECLARATION_CLEARED).exists()


def test_time_release_reads_each_kinds_step_from_the_catalogue() -> None:
    assert {k.code: k.step for k in KINDS.values() if k.step is not None} == STEP_OF_KIND
    assert STEP_OF_KIND["declaration.escalated"] == Step.DOCUMENT_CHECK
    assert STEP_OF_KIND["payment.confirmed"] == Step.PAYMENT
    # the partner agencies' events are their step, whoever recorded them
    single_window = {c for c in KINDS if c.startswith("singlewindow.")}
    assert single_window and single_window <= AGENCY_KINDS
    assert step_of("singlewindow.requirement_created", "customs") == Step.AGENCY
    # a kind of the family not (or not yet) catalogued: history imported from another system
    assert kinds.step_of_kind("singlewindow.permit_requested") == Step.AGENCY
    assert step_of("singlewindow.permit_requested", "trader") == Step.AGENCY
    assert kinds.step_of_kind("newthing.happened") is None
    assert step_of("declaration.cleared", "agency") == Step.AGENCY
    assert step_of("declaration.cleared", "system") == Step.CLEARANCE
    assert step_of("cargo.gate_in", "movement") == Step.OTHER
