"""`/declarations/`: for a trader, its declarations by status, searchable, a page at a time; for
customs, the search of the declarations in the user's scope (`officer.declaration_search`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haiquan.core.conf import haiquan_setting
from haiquan.core.htmx import render_page
from haiquan.core.web import is_customs, is_trader, trader_required, user_of

from ..filtersets import TABS, EnterpriseDeclarationFilter
from ..models import Declaration
from .common import ACTING_FOR_SESSION_KEY, acting_for, principals
from .officer import declaration_search


@login_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    """A trader's declarations, or customs' search of the declarations in its scope."""
    if is_trader(request.user):
        return _trader_declarations(request)
    if is_customs(request.user):
        return declaration_search(request)
    raise PermissionDenied


def _trader_declarations(request: HttpRequest) -> HttpResponse:
    """The declarations of the enterprise the trader acts for, by status tab, searched by
    number, container, bill of lading or invoice. A fixed number of queries whatever the volume."""
    choices = principals(request)
    principal = acting_for(request, choices)
    qs = Declaration.objects.visible_to(user_of(request))
    if principal is not None:
        qs = qs.filter(enterprise=principal)
    filterset = EnterpriseDeclarationFilter(request.GET or None, queryset=qs)
    searched = filterset.qs if filterset.is_bound else qs
    counts = dict(searched.values_list("status").annotate(n=Count("id")).order_by())
    tab = request.GET.get("tab", "all")
    if tab not in TABS:
        tab = "all"
    statuses = TABS[tab][1]
    shown = searched.filter(status__in=statuses) if statuses else searched
    shown = shown.select_related("enterprise", "type").order_by(
        F("registered_at").desc(nulls_first=True), "-id"
    )
    page = Paginator(shown, int(haiquan_setting("PAGE_SIZE"))).get_page(request.GET.get("page"))
    tabs = [
        {
            "key": key,
            "label": label,
            "count": sum(counts.get(s, 0) for s in group) if group else sum(counts.values()),
        }
        for key, (label, group) in TABS.items()
    ]
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = query.copy()
    tab_query.pop("tab", None)
    context = {
        "principals": choices,
        "principal": principal,
        "filterset": filterset,
        "tabs": tabs,
        "tab": tab,
        "page": page,
        "query": query.urlencode(),
        "tab_query": tab_query.urlencode(),
    }
    return render_page(
        request,
        "clearance/declaration_list.html",
        context,
        partial_template="clearance/includes/declaration_table.html",
    )


@trader_required
@require_POST
def acting_for_set(request: HttpRequest) -> HttpResponse:
    """Remember which principal a broker (or a declarant of several enterprises) acts for."""
    value = request.POST.get("enterprise", "")
    allowed = {str(e.pk): e for e in principals(request)}
    if value in allowed:
        request.session[ACTING_FOR_SESSION_KEY] = allowed[value].pk
        messages.success(request, _("You now act for %(name)s.") % {"name": allowed[value].name})
    else:
        request.session.pop(ACTING_FOR_SESSION_KEY, None)
    return redirect("clearance:declaration_list")
