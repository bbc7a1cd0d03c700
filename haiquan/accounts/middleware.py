"""Customs staff reach no page until they have passed their second factor (TOTP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from .selectors import user_needs_second_factor

V = TypeVar("V", bound=Callable[..., Any])

# The API answers for itself: its session authentication refuses an unverified session.
API_PREFIX = "/api/"


def second_factor_exempt(view: V) -> V:
    """Mark a view reachable before the second factor: log-in, log-out, the TOTP pages, the
    language switch."""
    view.second_factor_exempt = True  # type: ignore[attr-defined]
    return view


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user: Any = request.user
        if not user.is_authenticated or not user_needs_second_factor(user):
            return None
        if user.is_verified() or request.path_info.startswith(API_PREFIX):
            return None
        if getattr(view_func, "second_factor_exempt", False):
            return None
        url = reverse("accounts:second_factor") + "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
