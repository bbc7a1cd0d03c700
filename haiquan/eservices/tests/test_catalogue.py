"""Forms as data: a definition with a mistake is refused naming it, and what an enterprise
enters is checked field by field against the definition."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from haiquan.core.problems import ValidationFailed
from haiquan.eservices.catalogue import catalogue_load, form_data_clean, form_spec_parse
from haiquan.eservices.models import Holiday, Procedure

SPEC = form_spec_parse(
    {
        "fields": [
            {"name": "title", "type": "text", "required": True},
            {"name": "count", "type": "integer", "required": False},
            {"name": "area", "type": "decimal", "required": False},
            {"name": "on", "type": "date", "required": False},
            {"name": "number", "type": "declaration_number", "required": False},
            {
                "name": "kind",
                "type": "choice",
                "required": False,
                "choices": [["a", "A", "A"], ["b", "B", "B"]],
            },
        ],
        "attachments": [
            {"name": "letter", "required": True, "types": ["application/pdf"], "max_bytes": 1000}
        ],
    }
)


def test_a_wrong_definition_is_refused_naming_the_mistake() -> None:
    with pytest.raises(ValidationFailed) as exc:
        form_spec_parse(
            {
                "fields": [
                    {"name": "x", "type": "colour"},
                    {"name": "x", "type": "choice"},
                ],
                "attachments": [{"name": "y", "types": [], "max_bytes": 10**12}],
            }
        )
    fields = {e.field for e in exc.value.errors}
    assert fields == {
        "form.fields[0].type",
        "form.fields[1].name",
        "form.fields[1].choices",
        "form.attachments[0].types",
        "form.attachments[0].max_bytes",
    }


def test_values_are_cleaned_and_problems_named() -> None:
    cleaned = form_data_clean(
        SPEC,
        {"title": "  Kho  ", "count": "12", "area": "1250.50", "on": "2026-03-02", "kind": "b"},
    )
    assert cleaned == {
        "title": "Kho",
        "count": 12,
        "area": "1250.50",
        "on": "2026-03-02",
        "kind": "b",
    }
    with pytest.raises(ValidationFailed) as exc:
        form_data_clean(
            SPEC,
            {"count": "-1", "area": "NaN", "on": "02/03/2026", "number": "12", "kind": "c"},
        )
    assert {e.field for e in exc.value.errors} == {
        "data.title",
        "data.count",
        "data.area",
        "data.on",
        "data.number",
        "data.kind",
    }


@example(value="a\nb")
@example(value="x\x00")
@given(value=st.one_of(st.text(max_size=300), st.integers(), st.floats(), st.booleans(), st.none()))
def test_any_value_is_either_stored_as_text_or_refused_with_a_named_problem(value: Any) -> None:
    """Including "a\nb" and control characters: a one-line text keeps printables only."""
    try:
        cleaned = form_data_clean(SPEC, {"title": value})
    except ValidationFailed as exc:
        assert {e.field for e in exc.errors} == {"data.title"}
    else:
        assert isinstance(cleaned["title"], str) and 0 < len(cleaned["title"]) <= 255
        assert cleaned["title"].isprintable()


@pytest.mark.django_db
def test_the_catalogue_loads_again_without_duplicates() -> None:
    first = catalogue_load()
    assert first[0] >= 6 and first[1] >= 30
    Procedure.objects.filter(code="tax-refund").update(fee_vnd=5)
    assert catalogue_load() == first
    assert Procedure.objects.count() == first[0] and Holiday.objects.count() == first[1]
    assert Procedure.objects.get(code="tax-refund").fee_vnd == 0
