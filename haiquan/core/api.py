"""API plumbing shared by every router: authentication and problem+json errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from haiquan.core.problems import ProblemError

PROBLEM_JSON = "application/problem+json"


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


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ProblemError)
    def _problem(request: HttpRequest, exc: ProblemError) -> HttpResponse:
        return problem_response(api, request, exc.as_problem(), exc.status, exc.headers)

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = []
        for err in exc.errors:
            msg = str(err.get("msg", "invalid"))
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
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

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = {
            "type": "urn:haiquan:problem:unauthenticated",
            "title": _("Authentication required"),
            "status": 401,
            "detail": _("Send a valid token as 'Authorization: Bearer <token>', or log in."),
        }
        return problem_response(
            api, request, body, 401, {"WWW-Authenticate": 'Bearer realm="haiquan"'}
        )

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        body = {
            "type": "urn:haiquan:problem:not-found",
            "title": _("Not found"),
            "status": 404,
            "detail": str(exc) or _("No such object."),
        }
        return problem_response(api, request, body, 404)

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        body = {
            "type": "urn:haiquan:problem:http-error",
            "title": str(exc.message),
            "status": exc.status_code,
            "detail": str(exc.message),
        }
        return problem_response(api, request, body, exc.status_code)


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for systems (the trader's software, a bank, an agency)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from haiquan.accounts.models import ApiToken, hash_token

        if not token or len(token) > 200:
            return None
        try:
            tok = ApiToken.objects.select_related("user").get(key_hash=hash_token(token))
        except ApiToken.DoesNotExist:
            return None
        if not tok.is_usable() or not tok.user.is_active:
            return None
        now = timezone.now()
        # Record use at most once a minute: a write on every request would cost throughput.
        if tok.last_used_at is None or now - tok.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=tok.pk).update(last_used_at=now)
        request.user = tok.user
        return tok.user


class ActiveSessionAuth(SessionAuth):
    """The page session (with CSRF on unsafe methods), for htmx calls from the web pages."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not getattr(user, "is_active", False):
            return None
        return user


API_AUTH = [BearerTokenAuth(), ActiveSessionAuth()]
