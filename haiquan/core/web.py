"""The page action layer: what every app's pages share.

- `user_of(request)`: the signed-in user, typed (the views' decorators let no one else in).
- `problems_onto(form)`: a service called for a form; its refusal (`ValidationFailed`) is shown
  next to the form's fields and the rest of the block is skipped:

      with problems_onto(form):
          case = services.audit_case_plan(actor=user_of(request), **form.cleaned_data)
          messages.success(request, ...)
          return redirect(...)
      return render(request, "...", {"form": form}, status=422)

  Where a service's field paths differ from the form's, the mapping is declared, not written:
  `aliases`, `prefix`, `root`, `formsets` (rows), `beside` (a second form on the page),
  `refusals` (a `Forbidden` shown next to a field), `replacing` (the service's rules alone);
  a form made of several forms, or a list of problems (`ProblemList`), is a `ProblemTarget`.
- One way to refuse: a service's `Forbidden` (or any other problem a page does not handle:
  `NotFound`, `Conflict`) is not caught by the view; `ProblemPageMiddleware` answers it with
  `problem_page`, the same page with the problem's status everywhere.
- `form_status(form, ...)`: 422 for a page that shows a sent form with its problems, 200 for
  a blank one.
- One PDF response: `pdf_page(request, html, filename=..., unavailable=...)` prints a page with
  weasyprint and the print stylesheet, or answers `unavailable()` where weasyprint cannot run.
- `role_required` and its two common cases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import wraps
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, cast

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from .problems import FieldProblem, ProblemError, ValidationFailed

if TYPE_CHECKING:
    from haiquan.accounts.models import User

logger = logging.getLogger(__name__)


def user_of(request: HttpRequest) -> User:
    """The request's user as haiquan's `User` (the view's decorator let only a signed-in user in)."""
    return cast("User", request.user)


class ProblemTarget(Protocol):
    """Where a service's problems go when that is not one Django form: a form made of several
    (the declaration's header and goods lines, which says itself where `lines[2].hs_code` goes),
    or a `ProblemList` shown above the form or as messages."""

    def problems_apply(self, problems: Iterable[FieldProblem]) -> None: ...


class ProblemList(list[FieldProblem]):
    """The problems as they came, for a page that lists them (above the form, as messages)."""

    def problems_apply(self, problems: Iterable[FieldProblem]) -> None:
        self.extend(problems)


def _onto_row(formsets: Mapping[str, forms.BaseFormSet[Any]], path: str, problem: str) -> bool:
    """`goods[2].quantity` onto the quantity of row 2 of the formset `goods`, if it has one."""
    name, bracket, rest = path.partition("[")
    formset = formsets.get(name)
    index, _close, sub = rest.partition("]")
    sub = sub.lstrip(".")
    if formset is None or not bracket or not index.isdigit() or int(index) >= len(formset.forms):
        return False
    row = formset.forms[int(index)]
    if sub not in row.fields:
        return False
    row.add_error(sub, problem)
    return True


def apply_problems(
    form: forms.BaseForm,
    problems: ValidationFailed | Iterable[FieldProblem],
    *,
    aliases: Mapping[str, str] | None = None,
    prefix: str = "",
    root: bool = False,
    formsets: Mapping[str, forms.BaseFormSet[Any]] | None = None,
    replacing: bool = False,
) -> None:
    """Each problem of a service's refusal next to its field; a problem of a field the form does
    not have (or of none) at the top of the form. `prefix` is dropped from the service's field
    paths (`data.goods_name` → `goods_name`), `root` keeps their first part (`team[1]` → `team`),
    `aliases` renames them (a path not named keeps its name: an alias to "" puts it on top);
    `formsets` take the problems of their rows (`goods[1].quantity`). `replacing`: the service's
    rules alone decide (the form only reads the values): the form's own errors are dropped and
    each field shows the service's first problem about it."""
    if isinstance(problems, ValidationFailed):
        problems = problems.errors
    if replacing:
        form.is_valid()
        form.errors.clear()
    shown: set[str | None] = set()
    for problem in problems:
        if formsets and _onto_row(formsets, problem.field, problem.problem):
            continue
        name = problem.field.removeprefix(prefix) if prefix else problem.field
        if root:
            name = name.split("[", 1)[0].split(".", 1)[0]
        name = (aliases or {}).get(problem.field, name)
        field = name if name in form.fields else None
        if replacing and field in shown:
            continue
        shown.add(field)
        form.add_error(field, problem.problem)


class problems_onto:
    """`with problems_onto(form): ...`: a `ValidationFailed` raised in the block goes onto the
    form (`apply_problems`, with its mapping: `aliases`, `prefix`, `root`, `formsets`,
    `replacing`) and the block is left; `failed` says whether it happened, `status` is the
    refusal's (422) for the page shown again.

    `form` may be a `ProblemTarget` instead (the mapping is then its own). `beside`: other forms
    of the same page, each taking the problems of the fields it has (the reason beside the
    declaration). `refusals`: other problems the page shows on the form rather than on the
    problem page — `{Forbidden: "owner"}` puts a refusal's detail next to `owner` ("" on top),
    or its own field problems where they belong; anything else (`Conflict`...) goes up."""

    def __init__(
        self,
        form: forms.BaseForm | ProblemTarget,
        *,
        aliases: Mapping[str, str] | None = None,
        prefix: str = "",
        root: bool = False,
        formsets: Mapping[str, forms.BaseFormSet[Any]] | None = None,
        replacing: bool = False,
        beside: Sequence[forms.BaseForm] = (),
        refusals: Mapping[type[ProblemError], str] | None = None,
    ) -> None:
        self.form = form
        self.aliases = aliases
        self.prefix = prefix
        self.root = root
        self.formsets = formsets
        self.replacing = replacing
        self.beside = beside
        self.refusals = refusals or {}
        self.refused: ProblemError | None = None

    @property
    def failed(self) -> bool:
        return self.refused is not None

    @property
    def status(self) -> int:
        """The refusal's HTTP status (422 for invalid input, 403 for a `Forbidden`...); 200
        while nothing was refused."""
        return self.refused.status if self.refused is not None else 200

    def _problems(self, exc: ProblemError) -> list[FieldProblem] | None:
        """The problems the page shows on the form; None: not the form's."""
        if isinstance(exc, ValidationFailed):
            return list(exc.errors)
        for kind, field in self.refusals.items():
            if isinstance(exc, kind):
                return list(exc.errors) or [FieldProblem(field, str(exc.detail), exc.code)]
        return None

    def __enter__(self) -> problems_onto:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if not isinstance(exc, ProblemError):
            return False
        problems = self._problems(exc)
        if problems is None:
            return False
        self.refused = exc
        for other in self.beside:
            apply_problems(other, [p for p in problems if p.field in other.fields])
            problems = [p for p in problems if p.field not in other.fields]
        if isinstance(self.form, forms.BaseForm):
            apply_problems(
                self.form,
                problems,
                aliases=self.aliases,
                prefix=self.prefix,
                root=self.root,
                formsets=self.formsets,
                replacing=self.replacing,
            )
        else:
            self.form.problems_apply(problems)
        return True


def form_status(*forms_: forms.BaseForm | None) -> int:
    """A page's status for the forms it shows: 422 when one was sent and refused (its problems
    are next to its fields), 200 otherwise (a blank form, or one shown again to confirm)."""
    refused = any(f is not None and f.is_bound and f.errors for f in forms_)
    return 422 if refused else 200


def html_to_pdf(request: HttpRequest, html: str) -> bytes | None:
    """The page printed by weasyprint with haiquan's print stylesheet; None (logged) where
    weasyprint cannot be loaded or cannot render on this server."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError):
        logger.warning("weasyprint cannot be loaded: PDF printing is unavailable", exc_info=True)
        return None
    css_path = finders.find("haiquan/print.css")
    stylesheets = [CSS(filename=str(css_path))] if css_path else []
    try:
        pdf: bytes = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
            stylesheets=stylesheets
        )
    except OSError:
        logger.warning("weasyprint failed to render", exc_info=True)
        return None
    return pdf


def pdf_response(pdf: bytes, filename: str, *, private: bool = False) -> HttpResponse:
    """A PDF shown in the browser (inline) under `filename`; `private`: never cached, never
    sniffed (a signed result of a trader's filing)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename) or ""
    if private:
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_page(
    request: HttpRequest,
    html: str,
    *,
    filename: str,
    unavailable: Callable[[], HttpResponse],
) -> HttpResponse:
    """`html` as a PDF named `filename`, or `unavailable()` (a 503 page in the page's words)
    where weasyprint cannot run."""
    pdf = html_to_pdf(request, html)
    if pdf is None:
        return unavailable()
    return pdf_response(pdf, filename)


def problem_page(request: HttpRequest, exc: ProblemError) -> HttpResponse:
    """A page stating what went wrong and what to do, with the problem's HTTP status."""
    return render(
        request,
        "core/problem.html",
        {"title": exc.title, "detail": exc.detail, "problem": exc},
        status=exc.status,
    )


class ProblemPageMiddleware:
    """One way for pages to refuse: a service's problem that the view did not handle (`Forbidden`
    above all; `NotFound`, `Conflict`) becomes the problem page with its status, on every page.
    The API answers problems itself (problem+json) before they reach here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ProblemError):
            return problem_page(request, exception)
        return None


def role_required(
    test: Callable[[Any], bool],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Log in first; then 403 unless `test(user)` holds (e.g. `lambda u: u.is_trader`)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def is_trader(user: Any) -> bool:
    return bool(getattr(user, "is_trader", False))


def is_customs(user: Any) -> bool:
    return bool(getattr(user, "is_customs", False))


trader_required = role_required(is_trader)
customs_required = role_required(is_customs)
