"""The notification pages: how you hear of each kind (your subscriptions), and your systems'
webhook endpoints (add, disable and enable, a new secret shown once) with their delivery logs
in words. Thin: read through the selectors, write through the services."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haiquan.accounts.choices import Role
from haiquan.core.problems import Forbidden
from haiquan.core.web import form_status, problems_onto, role_required, user_of

from . import selectors, services
from .catalogue import AGENCY_WEBHOOK_KINDS, CATALOGUE, WEBHOOK_KINDS, NotificationKind
from .choices import Audience, DeliveryState
from .forms import EndpointForm
from .models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from .subjects import agencies_of_user

logged_in = role_required(lambda u: True)
# Who may have systems: the traders (for their enterprises) and partner agencies.
system_owners = role_required(lambda u: u.role in (Role.DECLARANT, Role.BROKER, Role.AGENCY))
SECRET_KEY = "notifications_secret_once"


# --- subscriptions ------------------------------------------------------------------------------


def kinds_heard_by(user: Any) -> list[NotificationKind]:
    """The kinds of the catalogue this user can be told of in the portal or by e-mail."""
    audiences = {Audience.DIRECT}
    if user.is_trader:
        audiences.add(Audience.TRADERS)
    if user.is_customs:
        audiences.add(Audience.OFFICERS)
    return [k for k in CATALOGUE.values() if k.audience in audiences]


@logged_in
def subscription_settings(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    kinds = kinds_heard_by(user)
    if request.method == "POST":
        for kind in kinds:
            services.subscription_set(
                user=user,
                kind=kind.code,
                portal=f"portal:{kind.code}" in request.POST,
                email=f"email:{kind.code}" in request.POST,
            )
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:settings")
    chosen = selectors.subscriptions_of(user)
    rows = [
        {
            "code": k.code,
            "label": k.label,
            "portal": chosen.get(k.code, (k.portal, k.email))[0],
            "email": chosen.get(k.code, (k.portal, k.email))[1],
        }
        for k in kinds
    ]
    return render(request, "notifications/settings.html", {"rows": rows})


# --- webhook endpoints --------------------------------------------------------------------------


def _owners(user: Any) -> list[tuple[str, str]]:
    return [
        *(
            (f"enterprise:{e.mst}", f"{e.name} ({e.mst})")
            for e in services.enterprises_managed_by(user)
        ),
        *((f"agency:{code}", f"{name} ({code})") for code, name in agencies_of_user(user)),
    ]


def _kind_choices(user: Any) -> list[tuple[str, str]]:
    codes = AGENCY_WEBHOOK_KINDS if agencies_of_user(user) else WEBHOOK_KINDS
    return [(c, str(CATALOGUE[c].label)) for c in codes]


@system_owners
def endpoint_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = EndpointForm(request.POST or None, owners=_owners(user), kinds=_kind_choices(user))
    status = form_status(form)  # a refused value: 422
    if request.method == "POST" and form.is_valid():
        kind_of_owner, _sep, key = form.cleaned_data["owner"].partition(":")
        with problems_onto(form, refusals={Forbidden: "owner"}) as registering:
            endpoint, secret = services.endpoint_register(
                actor=user,
                enterprise_mst=key if kind_of_owner == "enterprise" else "",
                agency_code=key if kind_of_owner == "agency" else "",
                url=form.cleaned_data["url"],
                kinds=form.cleaned_data["kinds"],
                description=form.cleaned_data["description"],
            )
            request.session[SECRET_KEY] = {"id": endpoint.pk, "secret": secret}
            return redirect("notifications:endpoint", pk=endpoint.pk)
        status = registering.status  # a refused owner (Forbidden): 403, said next to it
    endpoints = [
        {"endpoint": e, "owner": _owner_text(e), "state": _endpoint_state(e)}
        for e in services.endpoints_of(user)
    ]
    return render(
        request,
        "notifications/endpoints.html",
        {"form": form, "endpoints": endpoints},
        status=status,
    )


def _owner_text(e: WebhookEndpoint) -> str:
    if e.enterprise is not None:
        return f"{e.enterprise.name} ({e.enterprise.mst})"
    return e.agency_code


def _endpoint_state(e: WebhookEndpoint) -> dict[str, str]:
    if e.disabled_at is not None:
        reason = gettext(e.disabled_reason) if e.disabled_reason else ""
        return {
            "tag": "pink",
            "text": _("Disabled"),
            "why": reason or _("Disabled after failing for days"),
        }
    if e.failing_since is not None:
        return {"tag": "orange", "text": _("Failing"), "why": ""}
    return {"tag": "turquoise", "text": _("Active"), "why": ""}


def attempt_words(attempt: DeliveryAttempt | None) -> str:
    """What happened at an attempt, in the reader's language."""
    if attempt is None:
        return ""
    if attempt.ok:
        return _("Accepted (answer %(code)s)") % {"code": attempt.status_code}
    if attempt.ok is None:
        return _("Interrupted: it is sent again")
    if attempt.status_code:
        return _("Refused by the system (answer %(code)s)") % {"code": attempt.status_code}
    error = attempt.error.lower()
    if "timed out" in error or "timeout" in error:
        return _("No answer in time")
    if "refused" in error:
        return _("The connection was refused")
    if "url" in error or "host" in error or "address" in error:
        return _("The address may not be called")
    return _("The system could not be reached")


def _delivery_row(d: WebhookDelivery) -> dict[str, Any]:
    log = list(d.log.all())
    last = log[-1] if log else None
    spec = CATALOGUE.get(d.kind)
    return {
        "delivery": d,
        "kind": spec.label if spec else _("A kind no longer sent"),
        "state": DeliveryState(d.state).label,
        "state_tag": {"delivered": "turquoise", "failed": "pink"}.get(d.state, "blue"),
        "last": attempt_words(last),
        "last_error": bool(last and not last.ok),
    }


@system_owners
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    endpoint = services.endpoint_get_for(user, pk)
    shown = request.session.pop(SECRET_KEY, None)
    secret = shown["secret"] if shown and shown.get("id") == endpoint.pk else ""
    page = Paginator(selectors.deliveries_of(endpoint), 25).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "owner": _owner_text(endpoint),
        "state": _endpoint_state(endpoint),
        "kinds": [CATALOGUE[k].label for k in endpoint.kinds if k in CATALOGUE],
        "secret": secret,
        "page": page,
        "rows": [_delivery_row(d) for d in page.object_list],
    }
    return render(request, "notifications/endpoint.html", context)


@system_owners
@require_POST
def endpoint_disable(request: HttpRequest, pk: int) -> HttpResponse:
    services.endpoint_disable(actor=user_of(request), endpoint_id=pk)
    messages.success(request, _("The endpoint is disabled: nothing is sent to it until enabled."))
    return redirect("notifications:endpoint", pk=pk)


@system_owners
@require_POST
def endpoint_enable(request: HttpRequest, pk: int) -> HttpResponse:
    services.endpoint_enable(actor=user_of(request), endpoint_id=pk)
    messages.success(request, _("The endpoint is enabled: what waited is sent now."))
    return redirect("notifications:endpoint", pk=pk)


@system_owners
@require_POST
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint, secret = services.endpoint_rotate_secret(actor=user_of(request), endpoint_id=pk)
    request.session[SECRET_KEY] = {"id": endpoint.pk, "secret": secret}
    return redirect("notifications:endpoint", pk=pk)


@system_owners
@require_POST
def delivery_redeliver(request: HttpRequest, pk: int, delivery: UUID) -> HttpResponse:
    user = user_of(request)
    endpoint = services.endpoint_get_for(user, pk)
    if not endpoint.deliveries.filter(pk=delivery).exists():
        services.endpoint_get_for(user, -1)  # not found, as any id not the user's
    services.delivery_redeliver(actor=user, delivery_id=str(delivery))
    messages.success(request, _("The delivery will be sent again, with the same id."))
    return redirect("notifications:endpoint", pk=pk)
