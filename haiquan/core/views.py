"""Pages that belong to no single app: the start page that sends each user to their work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Traders start at their declarations, customs staff at the queue, port and warehouse
    operators at their control zones, partner agencies at the single window, carriers at their
    manifests; system accounts (banks) work through the API and are told so."""
    user = request.user
    if getattr(user, "is_trader", False):
        return redirect("clearance:declaration_list")
    if getattr(user, "is_customs", False):
        return redirect("clearance:queue")
    if getattr(user, "role", "") == "operator":
        return redirect("supervision:zone_list")
    if getattr(user, "role", "") == "agency":
        # a partner agency's officials answer requests for permits and results on its pages
        return redirect("singlewindow:home")
    if getattr(user, "role", "") == "carrier":
        # carriers and shipping agents file their cargo manifests
        return redirect("manifests:voyage_list")
    return render(request, "core/no_pages.html", status=403)


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for by themselves (PDFs, the API docs, JSON): the icon
    shipped in the package."""
    return HttpResponsePermanentRedirect(static("haiquan/favicon.ico"))
