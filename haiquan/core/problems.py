"""Errors users can act on: which field, what is wrong, what would be valid.

Services raise these; the API renders them as application/problem+json (RFC 9457) and the
pages show each problem next to its field. A service never returns half a result: it raises
before anything is written, or inside the transaction so that nothing is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field. `field` is a dotted path such as `lines[2].hs_code`."""

    field: str
    problem: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "problem": str(self.problem), "code": self.code}


@dataclass
class ProblemError(Exception):
    """Base of every error a user is expected to act on."""

    detail: str
    errors: list[FieldProblem] = field(default_factory=list)
    status: int = 400
    code: str = "bad-request"
    title: Any = field(default_factory=lambda: _("The request cannot be processed"))
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [str(self.detail)] + [f"{e.field}: {e.problem}" for e in self.errors]
        return "; ".join(parts)

    def as_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"urn:haiquan:problem:{self.code}",
            "title": str(self.title),
            "status": self.status,
            "detail": str(self.detail),
        }
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        if instance:
            body["instance"] = instance
        return body


class ValidationFailed(ProblemError):
    """The input breaks a rule; nothing was saved."""

    def __init__(self, errors: Iterable[FieldProblem], detail: str | None = None) -> None:
        errs = list(errors)
        super().__init__(
            detail=detail or str(_("The input has %(n)d problem(s).") % {"n": len(errs)}),
            errors=errs,
            status=422,
            code="validation-error",
            title=_("Invalid input"),
        )


def invalid(field_name: str, problem: Any, code: str = "invalid") -> ValidationFailed:
    """Shorthand for a single-field validation error."""
    return ValidationFailed([FieldProblem(field_name, str(problem), code)])


class NotFound(ProblemError):
    def __init__(self, detail: Any) -> None:
        super().__init__(detail=str(detail), status=404, code="not-found", title=_("Not found"))


class Forbidden(ProblemError):
    def __init__(self, detail: Any) -> None:
        super().__init__(detail=str(detail), status=403, code="forbidden", title=_("Not allowed"))


class Conflict(ProblemError):
    """The object changed under the caller (another officer acted first) or its state forbids it."""

    def __init__(self, detail: Any, code: str = "conflict") -> None:
        super().__init__(detail=str(detail), status=409, code=code, title=_("Conflict"))


class Unauthenticated(ProblemError):
    def __init__(self, detail: Any) -> None:
        super().__init__(
            detail=str(detail),
            status=401,
            code="unauthenticated",
            title=_("Authentication required"),
            headers={"WWW-Authenticate": 'Bearer realm="haiquan"'},
        )


class ServiceUnavailable(ProblemError):
    def __init__(self, detail: Any, retry_after: int = 5) -> None:
        super().__init__(
            detail=str(detail),
            status=503,
            code="unavailable",
            title=_("Service temporarily unavailable"),
            headers={"Retry-After": str(retry_after)},
        )
