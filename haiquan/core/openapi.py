"""The problem answers every operation can give, written into the OpenAPI document.

Routers declare their successful answers; the refusals follow from what an operation is, so
they are added here in one place rather than repeated on every route:

| status | when                                                   | operations                     |
|--------|--------------------------------------------------------|--------------------------------|
| 400    | the request cannot be read (body not JSON or UTF-8...) | all                            |
| 401    | no valid token, session or bank signature              | all (each authenticates)       |
| 403    | the caller's role, or the token's scope, does not allow it | token or session operations |
| 404    | the object does not exist or is not the caller's to see | with path parameters or a body |
| 409    | the object's state forbids it, or it changed meanwhile | POST, PUT, PATCH, DELETE       |
| 413    | the body is larger than the installation accepts       | with a request body            |
| 422    | a field breaks a rule (each named in `errors`)         | with parameters or a body      |
| 429    | the token's or the address's request budget is spent (Retry-After) | all            |
| 503    | the database cannot be reached (Retry-After)           | all                            |

Every one is `application/problem+json` (RFC 9457) with the `Problem` schema below. Operations
that take a token also say which scope it needs (haiquan.core.apiscopes), in their description
and as `x-token-scope`.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

PROBLEM_JSON = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error the caller can act on (RFC 9457).",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "urn:haiquan:problem:<code>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path that was asked for."},
        "errors": {
            "type": "array",
            "description": "One entry per field at fault, e.g. `lines[2].hs_code`.",
            "items": {
                "type": "object",
                "required": ["field", "problem", "code"],
                "properties": {
                    "field": {"type": "string"},
                    "problem": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}

_DESCRIPTIONS = {
    400: "The request cannot be read (e.g. the body is not JSON).",
    401: "Not authenticated: no valid token, session or bank signature.",
    403: "Not allowed for the caller's role or scope.",
    404: "No such object, or not the caller's to see.",
    409: "The object's state forbids this, or it changed meanwhile.",
    413: "The body is too large.",
    422: "Invalid input: each field at fault is named in `errors`.",
    429: "Too many requests with this token or from this address: retry after `Retry-After` seconds.",
    503: "The database cannot be reached: retry after `Retry-After` seconds.",
}

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "How to authenticate.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}

UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})


def problem_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The refusals an operation documents, by the rule in the module's table."""
    params = operation.get("parameters", [])
    has_body = "requestBody" in operation
    secured = bool(operation.get("security"))
    statuses = {400, 401, 429, 503}
    if secured:
        statuses.add(403)
    if has_body:
        statuses |= {404, 413, 422}
    if any(p.get("in") == "path" for p in params):
        statuses |= {404, 422}
    if params:
        statuses.add(422)
    if method.lower() in UNSAFE_METHODS:
        statuses.add(409)
    return sorted(statuses)


def add_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Write the Problem schema and each operation's problem answers into `schema`."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    from .apiscopes import scope_needed

    for path, ops in schema.get("paths", {}).items():
        for method, operation in ops.items():
            if operation.get("security"):
                scope = scope_needed(method, path)
                operation["x-token-scope"] = str(scope) if scope else None
                note = f"Token scope: `{scope}`." if scope else "No token may be used."
                operation["description"] = (
                    operation.get("description", "") + "\n\n" + note
                ).strip()
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(method, operation):
                answer: dict[str, Any] = {
                    "description": _DESCRIPTIONS[status],
                    "content": {PROBLEM_JSON: {"schema": ref}},
                }
                if status in _HEADERS:
                    answer["headers"] = _HEADERS[status]
                responses.setdefault(status, answer)
    return schema


def document_problems(api: NinjaAPI) -> None:
    """Make `api`'s OpenAPI document list the problem answers of every operation."""
    produce = api.get_openapi_schema

    def get_openapi_schema(**kwargs: Any) -> Any:
        return add_problem_responses(produce(**kwargs))

    api.get_openapi_schema = get_openapi_schema  # type: ignore[method-assign]
