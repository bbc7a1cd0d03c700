"""The page action layer: what every app's pages share.

- `user_of(request)`: the signed-in user, typed (the views' decorators let no one else in).
- `problems_onto(form)`: a service called for a form; its refusal (`ValidationFailed`) is shown
  next to the form's fields and the rest of the block is skipped:

      with problems_onto(form):
          case = services.audit_case_plan(actor=user_of(request), **form.cleaned_data)
          messages.success(request, ...)
          return redirect(...)
      return render(request, "...", {"form": form}, status=422)

- One way to refuse: a service's `Forbidden` (or any other problem a page does not handle:
  `NotFound`, `Conflict`) is not caught by the view; `ProblemPageMiddleware` answers it with
  `problem_page`, the same page with the problem's status everywhere.
- One PDF response: `pdf_page(request, html, filename=..., unavailable=...)` prints a page with
  weasyprint and the print stylesheet, or answers `unavailable()` where weasyprint cannot run.
- `role_required` and its two common cases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import wraps
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.views import redirect_to_login
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from .problems import ProblemError, ValidationFailed

if TYPE_CHECKING:
    from django import forms

    from haiquan.accounts.models import User

logger = logging.getLogger(__name__)


def user_of(request: HttpRequest) -> User:
    """The request's user as haiquan's `User` (the view's decorator let only a signed-in user in)."""
    return cast("User", request.user)


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
    exc: ValidationFailed,
    *,
    aliases: Mapping[str, str] | None = None,
    prefix: str = "",
    root: bool = False,
    formsets: Mapping[str, forms.BaseFormSet[Any]] | None = None,
) -> None:
    """Each problem of a service's refusal next to its field; a problem of a field the form does
    not have (or of none) at the top of the form. `prefix` is dropped from the service's field
    paths (`data.goods_name` → `goods_name`), `root` keeps their first part (`team[1]` → `team`),
    `aliases` renames them; `formsets` take the problems of their rows (`goods[1].quantity`)."""
    for problem in exc.errors:
        if formsets and _onto_row(formsets, problem.field, problem.problem):
            continue
        name = problem.field.removeprefix(prefix) if prefix else problem.field
        if root:
            name = name.split("[", 1)[0].split(".", 1)[0]
        name = (aliases or {}).get(problem.field, name)
        form.add_error(name if name in form.fields else None, problem.problem)


class problems_onto:
    """`with problems_onto(form): ...`: a `ValidationFailed` raised in the block goes onto the
    form (`apply_problems`) and the block is left; `failed` says whether it happened."""

    def __init__(
        self,
        form: forms.BaseForm,
        *,
        aliases: Mapping[str, str] | None = None,
        prefix: str = "",
        root: bool = False,
        formsets: Mapping[str, forms.BaseFormSet[Any]] | None = None,
    ) -> None:
        self.form = form
        self.aliases = aliases
        self.prefix = prefix
        self.root = root
        self.formsets = formsets
        self.failed = False

    def __enter__(self) -> problems_onto:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if isinstance(exc, ValidationFailed):
            apply_problems(
                self.form,
                exc,
                aliases=self.aliases,
                prefix=self.prefix,
                root=self.root,
                formsets=self.formsets,
            )
            self.failed = True
            return True
        return False


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
