"""Every operation of /api/v1/openapi.json, as every role, fuzzed by schemathesis.

The schema is read from the running application (the WSGI app, in process: no server), and
for each (operation, role) hypothesis draws a bounded number of requests with a fixed seed:
valid ones (positive) and ones that break the schema (negative), half of them aimed at the
objects of a small world (real declaration ids, receipt numbers, office codes) so that
answers with bodies are checked too, not only 404s. Every answer must:

- not be a server error (5xx), except 503 with Retry-After when the database is away;
- carry a status code the operation documents, with the documented content type;
- have a body and headers that match the documented schema;
- refuse data that breaks the schema with a 4xx.

Reproduce a failure with the curl command in its message against `haiquan serve`.
`HAIQUAN_FUZZ_EXAMPLES` raises the number of examples per cell for a longer local run.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, get_args

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from haiquan.config.api import api

from .world import ROLES, STATES, World, declaration_payload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]

# About 2,400 requests in all, shared over the (operation, role) cells, at least 3 each: the
# run stays near a minute on 2 cores as routers are added.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


def _operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return [(m.upper(), p) for p, ops in schema["paths"].items() for m in ops]


OPERATIONS = _operations()
EXAMPLES = int(
    os.environ.get("HAIQUAN_FUZZ_EXAMPLES", max(3, 2400 // (len(OPERATIONS) * len(ROLES))))
)


class InProcessWSGI:
    """Django's WSGI handler run the way django's test Client runs it: the test's transaction
    stays open (no connection closing between requests), and an uncaught exception is raised
    in the test with its traceback instead of hiding behind a 500 page."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.exc_info: Any = None

    def _store(self, **kwargs: Any) -> None:
        self.exc_info = sys.exc_info()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        got_request_exception.connect(self._store)
        self.exc_info = None
        try:
            result = self.handler(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                result.close()
        finally:
            got_request_exception.disconnect(self._store)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        if self.exc_info is not None:
            _type, exc, tb = self.exc_info
            raise AssertionError(f"server error: {exc!r}").with_traceback(tb) from exc
        return [body]


@pytest.fixture(scope="module")
def api_schema(world: World) -> Any:
    """The schema as the application serves it at /api/v1/openapi.json."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", InProcessWSGI())


def _known_values(world: World) -> dict[str, dict[str, list[Any]]]:
    """Path parameters of real objects, per operation path, so that answers other than 404
    are drawn too."""
    decl_ids = [p.declarations[s].pk for p in (world.own, world.other) for s in STATES]
    receipts = [p.receipt.number for p in (world.own, world.other) if p.receipt]
    return {
        "declaration_id": {"*": decl_ids},
        "profile_id": {"*": [world.profile.pk]},
        "number": {"*": receipts},
        "code": {
            "/api/v1/tariff/lines/{code}": ["08109092", "8471.30.20"],
            "/api/v1/risk/offices/{code}/setting": ["20BD", "43IH", "20"],
        },
    }


def _known_bodies(world: World, path: str, method: str) -> list[dict[str, Any]]:
    own, other = world.own, world.other
    if (method, path) in (
        ("POST", "/api/v1/declarations"),
        ("POST", "/api/v1/declarations/duty-preview"),
    ):
        return [
            declaration_payload(own.enterprise.mst, own.office_code, "green"),
            declaration_payload(other.enterprise.mst, other.office_code, "yellow"),
        ]
    if (method, path) == ("POST", "/api/v1/payments/orders"):
        return [{"declaration_number": p.declarations["awaiting"].number} for p in (own, other)]
    return []


def _strategy(operation: Any, world: World, path: str, method: str) -> Any:
    """Generated requests, and as many again aimed at the world's objects."""
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    generated = []
    for mode in modes:
        try:
            generated.append(operation.as_strategy(generation_mode=mode))
        except Exception:  # an operation with nothing to negate
            continue
    known = _known_values(world)
    path_names = [p.name for p in operation.path_parameters]
    aimed = []
    if path_names:
        choices = {}
        for name in path_names:
            by_path = known.get(name, {})
            values = by_path.get(path) or by_path.get("*")
            if values:
                choices[name] = st.sampled_from(values)
        if len(choices) == len(path_names):
            aimed.append(
                st.fixed_dictionaries(choices).flatmap(
                    lambda pp: operation.as_strategy(
                        generation_mode=GenerationMode.POSITIVE, path_parameters=pp
                    )
                )
            )
    for body in _known_bodies(world, path, method):
        aimed.append(operation.as_strategy(generation_mode=GenerationMode.POSITIVE, body=body))
    return st.one_of(*generated, *aimed) if aimed else st.one_of(*generated)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_its_schema(api_schema, world, method, path, role):
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=_strategy(operation, world, path, method))
    def fuzz(case: Any) -> None:
        if role == "anonymous":
            case.headers = {
                k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
            }
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    fuzz()


def test_served_schema_lists_every_operation(api_schema):
    """What /api/v1/openapi.json serves is what the router declares (the list fuzzed above)."""
    served = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert served == set(OPERATIONS)


def _nested_models(annotation: Any, found: set[type]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for f in annotation.model_fields.values():
            _nested_models(f.annotation, found)
        return
    for arg in get_args(annotation):
        _nested_models(arg, found)


def test_each_schema_name_means_one_model():
    """Two different schemas with the same class name become one component in the OpenAPI
    document, so one operation is documented with the other's fields (it happened:
    clearance's and risk's `VersionOut`). Identical ones are harmless."""
    found: set[type] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for model in [*op.models, *op.response_models.values()]:
                    _nested_models(model, found)
    by_name: dict[str, dict[str, str]] = {}
    for model in found:
        if model.__module__.startswith("haiquan."):
            shape = json.dumps(model.model_json_schema(), sort_keys=True, default=str)
            by_name.setdefault(model.__name__, {})[shape] = model.__module__
    clashes = {n: sorted(s.values()) for n, s in by_name.items() if len(s) > 1}
    assert clashes == {}, "rename one of each (e.g. MovementReasonIn): " + str(clashes)
