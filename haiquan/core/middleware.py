"""When the database is down, answer 503 with Retry-After instead of a 500.

Connections are re-opened by Django on the next request (CONN_HEALTH_CHECKS), so service
resumes by itself once the database is back. A transaction that PostgreSQL chose to abort to
resolve a deadlock or a serialisation conflict is answered the same way: everything it did was
rolled back, and the same request (with its Idempotency-Key) can simply be sent again.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg.errors
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 5
RETRY_AFTER_CONFLICT_SECONDS = 1
TRANSIENT_CONFLICTS = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


def _is_connection_failure(exc: BaseException) -> bool:
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        return any(
            s in text
            for s in (
                "connection",
                "server closed",
                "terminating",
                "shutting down",
                "starting up",
                "could not connect",
                "database is locked",
                "recovery",
            )
        )
    return False


def _is_transient_conflict(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, TRANSIENT_CONFLICTS)


def conflict_retry_response() -> HttpResponse:
    body = {
        "type": "urn:haiquan:problem:retry",
        "title": _("Service temporarily unavailable"),
        "status": 503,
        "detail": _(
            "The request met a concurrent change and was undone; nothing was saved. Send it again "
            "(with the same Idempotency-Key)."
        ),
    }
    resp = JsonResponse(body, status=503, content_type="application/problem+json")
    resp["Retry-After"] = str(RETRY_AFTER_CONFLICT_SECONDS)
    return resp


def unavailable_response() -> HttpResponse:
    body = {
        "type": "urn:haiquan:problem:unavailable",
        "title": _("Service temporarily unavailable"),
        "status": 503,
        "detail": _("The database cannot be reached. Retry after a few seconds."),
    }
    resp = JsonResponse(body, status=503, content_type="application/problem+json")
    resp["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return resp


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if _is_transient_conflict(exception):
            return conflict_retry_response()
        if isinstance(exception, DatabaseError) and _is_connection_failure(exception):
            for conn in connections.all(initialized_only=True):
                conn.close_if_unusable_or_obsolete()
            return unavailable_response()
        return None
