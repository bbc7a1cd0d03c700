"""Errors users can act on, and the database-down answer."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from haiquan.core.api import _loc_to_field
from haiquan.core.middleware import DatabaseUnavailableMiddleware
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed


def test_validation_failed_renders_every_field():
    exc = ValidationFailed(
        [FieldProblem("lines[0].hs_code", "unknown"), FieldProblem("currency", "bad")]
    )
    body = exc.as_problem("/api/v1/declarations")
    assert body["status"] == 422 and body["type"] == "urn:haiquan:problem:validation-error"
    assert [e["field"] for e in body["errors"]] == ["lines[0].hs_code", "currency"]
    assert body["instance"] == "/api/v1/declarations"


def test_conflict_is_409():
    assert Conflict("changed").as_problem()["status"] == 409


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("body", "payload", "lines", 0, "quantity"), "lines[0].quantity"),
        (("body", "payload", "currency"), "currency"),
        (("query", "status"), "status"),
        ((), "body"),
    ],
)
def test_pydantic_locations_become_field_paths(loc, field):
    assert _loc_to_field(loc) == field


@pytest.mark.django_db  # the middleware closes the open connections it finds
def test_lost_database_answers_503_with_retry_after():
    mw = DatabaseUnavailableMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().get("/api/v1/declarations")
    resp = mw.process_exception(request, OperationalError("connection to server was lost"))
    assert resp is not None and resp.status_code == 503
    assert resp["Retry-After"] == "5" and resp["Content-Type"] == "application/problem+json"
    assert json.loads(resp.content)["status"] == 503


def test_other_database_errors_are_not_hidden():
    mw = DatabaseUnavailableMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().get("/")
    assert mw.process_exception(request, OperationalError("division by zero")) is None


@pytest.mark.parametrize("cause", ["DeadlockDetected", "SerializationFailure"])
def test_a_transaction_aborted_by_a_deadlock_answers_503_retry_soon(cause):
    import psycopg.errors

    mw = DatabaseUnavailableMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().post("/api/v1/declarations/7/document-check")
    exc = OperationalError("deadlock detected")
    exc.__cause__ = getattr(psycopg.errors, cause)("deadlock detected")
    resp = mw.process_exception(request, exc)
    assert resp is not None and resp.status_code == 503
    assert resp["Retry-After"] == "1" and resp["Content-Type"] == "application/problem+json"
    assert json.loads(resp.content)["type"] == "urn:haiquan:problem:retry"


def test_pydantic_s_problems_read_in_the_caller_s_language():
    """An API caller writing in Japanese (or Vietnamese...) gets every problem in that language,
    pydantic's own included ("Field required" is English whatever the caller's language)."""
    from datetime import date as date_type
    from decimal import Decimal
    from typing import Literal

    from django.utils import translation
    from pydantic import BaseModel, Field, ValidationError

    from haiquan.core.api import pydantic_problem

    class Body(BaseModel):
        name: str = Field(max_length=3)
        count: int
        amount: Decimal = Field(decimal_places=2)
        on: date_type
        mode: Literal["sea", "air"]
        lines: list[int] = Field(min_length=1)
        required: str

    try:
        Body.model_validate(
            {"name": "toolong", "count": "x", "amount": "1.234", "on": "7/12", "mode": "rail"}
            | {"lines": []}
        )
    except ValidationError as exc:
        errors = exc.errors()
    kinds = {e["type"] for e in errors}
    assert {"missing", "string_too_long", "int_parsing", "literal_error", "too_short"} <= kinds
    with translation.override("en"):
        english = [pydantic_problem(e) for e in errors]
    assert "is required" in english and "must have at most 3 characters" in english
    for language in ("vi", "ja", "zh-hans", "ko"):
        with translation.override(language):
            words = [pydantic_problem(e) for e in errors]
        for e, text, en in zip(errors, words, english, strict=True):
            assert text != en and "Input should" not in text and "Field required" not in text, (
                language,
                e["type"],
                text,
            )
