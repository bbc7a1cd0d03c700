"""A hot path's query compiled once per process (haiquan.core.compiled): the same rows as the
ORM for new values, and a query whose values are listed wrongly never cached."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from haiquan.core import compiled
from haiquan.core.compiled import compiled_raw

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def forgotten():
    compiled.compiled_forget()
    yield
    compiled.compiled_forget()


def of_app(label: str) -> QuerySet[ContentType]:
    return ContentType.objects.filter(app_label=label).order_by("model")


def models_of(rows: list[ContentType]) -> list[str]:
    return [ct.model for ct in rows]


def test_the_sql_is_compiled_once_and_run_again_with_new_values(django_assert_num_queries):
    first = compiled_raw(ContentType, "of_app", lambda: of_app("clearance"), ["clearance"])
    assert models_of(first) == models_of(list(of_app("clearance")))
    assert isinstance(
        compiled._compiled[("default", compiled_vendor(), "contenttypes.ContentType", "of_app")],
        str,
    )
    for label in ("accounts", "eventlog", "nothing-here"):
        with django_assert_num_queries(1):
            rows = compiled_raw(ContentType, "of_app", lambda label=label: _refused(), [label])
        assert models_of(rows) == models_of(list(of_app(label)))
        assert all(isinstance(ct, ContentType) for ct in rows)


def _refused() -> QuerySet[ContentType]:
    raise AssertionError("a compiled query is not built again")


def test_values_listed_in_the_wrong_order_are_never_cached():
    def build() -> QuerySet[ContentType]:
        return ContentType.objects.filter(app_label="clearance", model="declaration")

    wrong = ["declaration", "clearance"]
    for _ in range(3):
        rows = compiled_raw(ContentType, "two", build, wrong)
        assert [(ct.app_label, ct.model) for ct in rows] == [("clearance", "declaration")]
    slot = ("default", compiled_vendor(), "contenttypes.ContentType", "two")
    assert compiled._compiled[slot] is None


def test_the_cached_statement_is_the_querysets_own():
    compiled_raw(ContentType, "of_app", lambda: of_app("clearance"), ["clearance"])
    from django.db import connection

    with CaptureQueriesContext(connection) as ctx:
        compiled_raw(ContentType, "of_app", _refused, ["accounts"])
    with CaptureQueriesContext(connection) as orm:
        list(of_app("accounts"))
    assert [q["sql"] for q in ctx.captured_queries] == [q["sql"] for q in orm.captured_queries]


def compiled_vendor() -> str:
    from django.db import connection

    return connection.vendor
