"""Helpers of the pages: the page for a service's problem, and checks of the user's role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .problems import ProblemError


def problem_page(request: HttpRequest, exc: ProblemError) -> HttpResponse:
    """A page stating what went wrong and what to do, with the problem's HTTP status."""
    return render(
        request,
        "core/problem.html",
        {"title": exc.title, "detail": exc.detail, "problem": exc},
        status=exc.status,
    )


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
