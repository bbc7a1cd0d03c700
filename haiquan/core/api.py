"""API plumbing shared by every router: problem+json errors, pagination, path ids.

Who may call (the bearer token and the session) is `haiquan.accounts.apiauth`."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from functools import partial
from typing import Annotated, Any, overload

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Schema
from ninja.conf import settings as ninja_settings
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination

from haiquan.core.problems import ProblemError

PROBLEM_JSON = "application/problem+json"

# A database id in a path: positive and within PostgreSQL's bigint, so that a wild number is a
# 422 naming the parameter, not a database overflow (500). Routes declare the parameter as
# "/{name}" (no Django "int:" converter, which would answer a non-number with the HTML 404).
ObjectId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Pagination(LimitOffsetPagination):
    """ninja's limit/offset pages, with the offset bounded so that a wild one is a 422 rather
    than a database overflow (500). Use `@paginate(Pagination)` on list routes."""

    class Input(Schema):
        limit: int = Field(
            ninja_settings.PAGINATION_PER_PAGE, ge=1, le=ninja_settings.PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=2**53)


class RenderedOnSlice(Sequence[Any]):
    """A list whose items are turned into their output only when the paginator takes its page:
    `len` counts them all, a slice renders just the slice."""

    def __init__(self, items: list[Any], render: Callable[[Any], Any]) -> None:
        self.items = items
        self.render = render

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.render(item) for item in self.items[index]]
        return self.render(self.items[index])


def problem_response(
    api: NinjaAPI,
    request: HttpRequest,
    body: dict[str, Any],
    status: int,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body.setdefault("instance", request.path)
    resp = api.create_response(request, body, status=status)
    resp["Content-Type"] = PROBLEM_JSON
    for k, v in (headers or {}).items():
        resp[k] = v
    return resp


def _loc_to_field(loc: list[Any] | tuple[Any, ...]) -> str:
    """('body', 'payload', 'lines', 0, 'quantity') → 'lines[0].quantity'."""
    parts = list(loc)
    while parts and parts[0] in ("body", "query", "path", "header", "payload", "form", "data"):
        parts.pop(0)
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "body"


def _fields_with_nul(request: HttpRequest) -> list[str]:
    """Where a request carries U+0000: path, query parameters, JSON body fields."""
    found = ["path"] if "\x00" in request.path else []
    found += [k for k, vs in request.GET.lists() if "\x00" in k or any("\x00" in v for v in vs)]

    def walk(value: Any, at: list[Any]) -> None:
        if isinstance(value, str) and "\x00" in value:
            found.append(_loc_to_field(at))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k, at)
                walk(v, [*at, k])
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, [*at, i])

    with contextlib.suppress(ValueError, RecursionError):
        walk(json.loads(request.body), [])
    return found or ["body"]


# pydantic's own messages ("Field required", "Input should be a valid integer") are English
# whatever the caller's language: each kind of error gets words in the catalogues instead, with
# pydantic's context (lengths, bounds, the values allowed) filled in.
PYDANTIC_PROBLEMS: dict[str, Any] = {
    "missing": gettext_lazy("is required"),
    "string_type": gettext_lazy("must be text"),
    "string_too_short": gettext_lazy("must have at least %(min_length)s characters"),
    "string_too_long": gettext_lazy("must have at most %(max_length)s characters"),
    "string_pattern_mismatch": gettext_lazy("is not in the expected form"),
    "int_type": gettext_lazy("must be a whole number"),
    "int_parsing": gettext_lazy("must be a whole number"),
    "int_from_float": gettext_lazy("must be a whole number"),
    "float_type": gettext_lazy("must be a number"),
    "float_parsing": gettext_lazy("must be a number"),
    "decimal_type": gettext_lazy("must be a number"),
    "decimal_parsing": gettext_lazy("must be a number"),
    "finite_number": gettext_lazy("must be a finite number"),
    "decimal_max_digits": gettext_lazy("must have at most %(max_digits)s digits"),
    "decimal_max_places": gettext_lazy("must have at most %(decimal_places)s decimal places"),
    "decimal_whole_digits": gettext_lazy("has too many digits before the decimal point"),
    "bool_type": gettext_lazy("must be true or false"),
    "bool_parsing": gettext_lazy("must be true or false"),
    "greater_than": gettext_lazy("must be greater than %(gt)s"),
    "greater_than_equal": gettext_lazy("must be at least %(ge)s"),
    "less_than": gettext_lazy("must be less than %(lt)s"),
    "less_than_equal": gettext_lazy("must be at most %(le)s"),
    "date_type": gettext_lazy("must be a date (YYYY-MM-DD)"),
    "date_parsing": gettext_lazy("must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": gettext_lazy("must be a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": gettext_lazy("must be a date (YYYY-MM-DD)"),
    "datetime_type": gettext_lazy("must be a date and time (ISO 8601, with its time zone)"),
    "datetime_parsing": gettext_lazy("must be a date and time (ISO 8601, with its time zone)"),
    "datetime_from_date_parsing": gettext_lazy(
        "must be a date and time (ISO 8601, with its time zone)"
    ),
    "timezone_aware": gettext_lazy("must give its time zone"),
    "literal_error": gettext_lazy("must be one of %(expected)s"),
    "enum": gettext_lazy("must be one of %(expected)s"),
    "list_type": gettext_lazy("must be a list"),
    "tuple_type": gettext_lazy("must be a list"),
    "set_type": gettext_lazy("must be a list"),
    "too_short": gettext_lazy("must have at least %(min_length)s items"),
    "too_long": gettext_lazy("must have at most %(max_length)s items"),
    "dict_type": gettext_lazy("must be an object"),
    "model_type": gettext_lazy("must be an object"),
    "model_attributes_type": gettext_lazy("must be an object"),
    "extra_forbidden": gettext_lazy("is not a field of this request"),
    "json_invalid": gettext_lazy("is not valid JSON"),
    "json_type": gettext_lazy("is not valid JSON"),
    "uuid_parsing": gettext_lazy("must be a UUID"),
    "uuid_type": gettext_lazy("must be a UUID"),
    "url_parsing": gettext_lazy("must be a web address"),
    "value_error": None,  # a validator of haiquan's own: its message is already translated
    "assertion_error": None,
}


def pydantic_problem(err: dict[str, Any]) -> str:
    """One pydantic error in the caller's language, with its context (never "Field required")."""
    kind = str(err.get("type", ""))
    template = PYDANTIC_PROBLEMS.get(kind, gettext_lazy("is not valid"))
    if template is None:
        msg = str(err.get("msg", ""))
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix) :]
        return msg or str(_("is not valid"))
    ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    try:
        return str(template) % ctx
    except (KeyError, ValueError, TypeError):
        return str(_("is not valid"))


def install_problem_handlers(api: NinjaAPI) -> None:
    """Every refusal of the API answered as a problem document (application/problem+json)."""
    from haiquan.core.openapi import document_problems

    # The OpenAPI document lists every refusal below (401, 403, 404, 422, 429, 503...).
    document_problems(api)
    api.add_exception_handler(ProblemError, partial(_service_problem, api))
    api.add_exception_handler(NinjaValidationError, partial(_validation_problem, api))
    api.add_exception_handler(AuthenticationError, partial(_auth_problem, api))
    api.add_exception_handler(Http404, partial(_not_found_problem, api))
    api.add_exception_handler(RequestDataTooBig, partial(_too_big_problem, api))
    api.add_exception_handler(DataError, partial(_unstorable_text_problem, api))
    api.add_exception_handler(HttpError, partial(_http_error_problem, api))


def _service_problem(api: NinjaAPI, request: HttpRequest, exc: ProblemError) -> HttpResponse:
    return problem_response(api, request, exc.as_problem(), exc.status, exc.headers)


def _validation_problem(
    api: NinjaAPI, request: HttpRequest, exc: NinjaValidationError
) -> HttpResponse:
    errors = []
    for err in exc.errors:
        msg = pydantic_problem(err)
        errors.append(
            {
                "field": _loc_to_field(err.get("loc", ())),
                "problem": msg,
                "code": str(err.get("type", "invalid")),
            }
        )
    body = {
        "type": "urn:haiquan:problem:validation-error",
        "title": _("Invalid input"),
        "status": 422,
        "detail": _("The input has %(n)d problem(s).") % {"n": len(errors)},
        "errors": errors,
    }
    return problem_response(api, request, body, 422)


def _auth_problem(api: NinjaAPI, request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {
        "type": "urn:haiquan:problem:unauthenticated",
        "title": _("Authentication required"),
        "status": 401,
        "detail": _("Send a valid token as 'Authorization: Bearer <token>', or log in."),
    }
    return problem_response(api, request, body, 401, {"WWW-Authenticate": 'Bearer realm="haiquan"'})


def _not_found_problem(api: NinjaAPI, request: HttpRequest, exc: Http404) -> HttpResponse:
    body = {
        "type": "urn:haiquan:problem:not-found",
        "title": _("Not found"),
        "status": 404,
        "detail": str(exc) or _("No such object."),
    }
    return problem_response(api, request, body, 404)


def _too_big_problem(api: NinjaAPI, request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = {
        "type": "urn:haiquan:problem:too-large",
        "title": _("Request too large"),
        "status": 413,
        "detail": _("The body is larger than the %(n)d bytes accepted.") % {"n": limit},
    }
    return problem_response(api, request, body, 413)


def _unstorable_text_problem(api: NinjaAPI, request: HttpRequest, exc: DataError) -> HttpResponse:
    # PostgreSQL cannot store U+0000 in text; psycopg refuses it before sending. Any other
    # data error is a defect and stays a 500.
    if "NUL (0x00)" not in str(exc):
        raise exc
    body = {
        "type": "urn:haiquan:problem:validation-error",
        "title": _("Invalid input"),
        "status": 422,
        "detail": _("Text cannot contain the NUL character (U+0000)."),
        "errors": [
            {
                "field": name,
                "problem": _("remove the NUL character (U+0000)"),
                "code": "nul-character",
            }
            for name in _fields_with_nul(request)
        ],
    }
    return problem_response(api, request, body, 422)


def _http_error_problem(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    body = {
        "type": "urn:haiquan:problem:http-error",
        "title": str(exc.message),
        "status": exc.status_code,
        "detail": str(exc.message),
    }
    return problem_response(api, request, body, exc.status_code)
