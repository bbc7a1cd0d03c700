"""One view, two answers: the whole page for a browser's navigation, or only the part an htmx
request swaps (NetBox's `utilities/htmx.py` idea). The view's code stays the same for both."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def is_htmx_partial(request: HttpRequest) -> bool:
    """An htmx request that swaps part of the page: not a boosted link, not a history restore
    (which needs the whole page back)."""
    htmx: Any = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any],
    *,
    partial_template: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template_name`, or `partial_template` for an htmx partial request. The answer
    varies on `HX-Request`, so a cache never serves the fragment as the page."""
    name = partial_template if partial_template and is_htmx_partial(request) else template_name
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
