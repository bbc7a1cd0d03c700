"""Logs: one JSON object a line in production (python-json-logger), every line of a request
carrying that request's id, every line of a periodic job's run the run's id.

The id lives in a context variable set by `RequestMiddleware` (taken from `X-Request-ID` when
it looks like an id, generated otherwise, and returned in the response) or by the scheduler;
`RequestIdFilter` copies it onto every record, whichever logger wrote it.

This module is imported while logging is configured, before Django's apps are loaded: it must
not import models.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

request_id_var: ContextVar[str] = ContextVar("haiquan_request_id", default="")

# What a proxy or a client may hand us as a request id: a UUID, a hex digest, nginx's
# $request_id, a trace id... Anything else (too long, spaces, quotes, control characters) is
# replaced rather than written into the logs.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The caller's id if it is sane, else a new one."""
    if header and _SANE_ID.fullmatch(header):
        return header
    return request_id_new()


@contextmanager
def request_id_bound(value: str) -> Iterator[str]:
    token = request_id_var.set(value)
    try:
        yield value
    finally:
        request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request's (or job run's) id on every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(_JsonFormatter):
    """{"time": ISO 8601 in UTC, "level", "logger", "message", "request_id", extras...}."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        # Django passes the request object along with its own records: its repr adds nothing
        # the request id and the message do not say, and it may carry a query string.
        log_data.pop("request", None)
        if log_data.get("request_id") == "-":
            log_data.pop("request_id")
        # The time first, as people read a log.
        rest = [(k, v) for k, v in log_data.items() if k != "time"]
        moment = log_data.get("time")
        log_data.clear()
        log_data["time"] = moment
        log_data.update(rest)


def logging_config(*, fmt: str, level: str, access_log: bool) -> dict[str, Any]:
    """settings.LOGGING: `fmt` "json" (production) or "text" (a workstation, the demo)."""
    if fmt not in ("json", "text"):
        raise ValueError(f"HAIQUAN_LOG_FORMAT must be 'json' or 'text', not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "haiquan.ops.logs.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "haiquan.ops.logs.JsonFormatter"},
            "text": {
                "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # One line per request (method, route, status, duration, id) when asked for.
            "haiquan.request": {"level": "INFO" if access_log else "WARNING"},
            # The scheduler says what it runs and how each run ended.
            "haiquan.ops": {"level": "INFO"},
        },
    }
