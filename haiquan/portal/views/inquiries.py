"""Inquiries (vướng mắc): the list, filing one, the exchange with customs (answer, reply,
route, close, publish to the FAQ), and the user's notifications and subscriptions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haiquan.core.i18n import date_text
from haiquan.core.problems import NotFound, ProblemError
from haiquan.core.web import form_status, problem_page, problems_onto, role_required, user_of

from .. import news, selectors, services
from ..choices import InquiryStatus, Side
from ..forms import InquiryForm, MessageForm, PublishForm, RouteForm, SubscriptionForm
from ..models import Faq, Inquiry, Rating, Subscription
from ..notifications import notification_mark_read
from ..permissions import acts_for_enterprise, files_inquiries, sees_inquiries, works_office
from .common import enterprise_choices

inquiries_required = role_required(sees_inquiries)
filers_required = role_required(files_inquiries)
logged_in = role_required(lambda u: True)


@inquiries_required
def inquiry_list(request: HttpRequest) -> HttpResponse:
    """Traders: their enterprises' inquiries. Customs: their offices', the most urgent first."""
    user = user_of(request)
    status = request.GET.get("status", "")
    page = Paginator(selectors.inquiries_for_desk(user, status=status), 25).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "status": status,
        "statuses": InquiryStatus.choices,
        "may_file": files_inquiries(user),
    }
    return render(request, "portal/inquiry_list.html", context)


@filers_required
def inquiry_create(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    enterprises = enterprise_choices(user)
    associations = list(user.portal_associations.all())
    if associations:
        # Association staff file for their members.
        seen = {mst for mst, _label in enterprises}
        for a in associations:
            for e in a.members.all():
                if e.mst not in seen:
                    enterprises.append((e.mst, f"{e.name} ({e.mst})"))
                    seen.add(e.mst)
    assoc_choices = [(a.code, a.name) for a in associations]
    form = InquiryForm(
        request.POST or None,
        enterprises=enterprises,
        associations=assoc_choices,
        initial={"declaration_number": request.GET.get("declaration", "")[:12]},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with problems_onto(form):
            inquiry = services.inquiry_submit(
                actor=user,
                data=services.InquiryInput(
                    enterprise_mst=d["enterprise_mst"],
                    subject=d["subject"],
                    body=d["body"],
                    channel="association" if d.get("association_code") else "web",
                    procedure=d["procedure"],
                    category=d["category"],
                    declaration_number=d["declaration_number"],
                    office_code=d["office_code"],
                    association_code=d.get("association_code") or "",
                ),
            )
            messages.success(
                request,
                _("Your inquiry %(ref)s has been sent. Customs answers by %(due)s.")
                % {"ref": inquiry.reference, "due": date_text(timezone.localtime(inquiry.due_at))},
            )
            return redirect("portal:inquiry_detail", reference=inquiry.reference)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "portal/inquiry_form.html", {"form": form}, status=status)


def _inquiry(request: HttpRequest, reference: str) -> Inquiry:
    try:
        inquiry = selectors.inquiry_get_for(user_of(request), reference[:20])
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    # The check on read: an inquiry past its time limit is escalated when anyone opens it.
    services.inquiry_escalate_if_late(inquiry=inquiry)
    return inquiry


def _detail_context(request: HttpRequest, inquiry: Inquiry) -> dict[str, Any]:
    user = user_of(request)
    is_customs_side = works_office(user, inquiry.office)
    last_answer = inquiry.messages.filter(side=Side.CUSTOMS).order_by("-created_at").first()
    publish_initial = {
        "question": services.anonymise(inquiry.body, inquiry),
        "answer": services.anonymise(last_answer.body, inquiry) if last_answer else "",
        "category": inquiry.category.slug if inquiry.category else "",
    }
    enterprise_side = acts_for_enterprise(user, inquiry.enterprise)
    return {
        "inquiry": inquiry,
        "thread": inquiry.messages.select_related("author"),
        "customs_side": is_customs_side,
        "enterprise_side": enterprise_side,
        "message_form": MessageForm(),
        "route_form": RouteForm(
            initial={
                "office_code": inquiry.office.code,
                "assignee": inquiry.assignee.get_username() if inquiry.assignee else "",
                "category": inquiry.category.slug if inquiry.category else "",
                "procedure": inquiry.procedure,
            }
        ),
        "publish_form": PublishForm(initial=publish_initial),
        "published_faq": Faq.objects.filter(inquiry=inquiry).first(),
        "may_rate": enterprise_side
        and inquiry.answered_at is not None
        and not Rating.objects.filter(inquiry=inquiry).exists(),
    }


@inquiries_required
def inquiry_detail(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _inquiry(request, reference)
    return render(request, "portal/inquiry_detail.html", _detail_context(request, inquiry))


def _rerender(request: HttpRequest, inquiry: Inquiry, **forms: object) -> HttpResponse:
    context = _detail_context(request, inquiry)
    context.update(forms)
    return render(request, "portal/inquiry_detail.html", context, status=422)


@inquiries_required
@require_POST
def inquiry_message(request: HttpRequest, reference: str) -> HttpResponse:
    """Customs answers; the enterprise replies (the same form, the side decides)."""
    inquiry = _inquiry(request, reference)
    user = user_of(request)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _rerender(request, inquiry, message_form=form)
    with problems_onto(form):
        if works_office(user, inquiry.office):
            services.inquiry_answer(inquiry=inquiry, actor=user, body=form.cleaned_data["body"])
            messages.success(request, _("Your answer has been sent to the enterprise."))
        else:
            services.inquiry_reply(inquiry=inquiry, actor=user, body=form.cleaned_data["body"])
            messages.success(request, _("Your reply has been sent to customs."))
        return redirect("portal:inquiry_detail", reference=inquiry.reference)
    return _rerender(request, inquiry, message_form=form)


@inquiries_required
@require_POST
def inquiry_route(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _inquiry(request, reference)
    form = RouteForm(request.POST)
    if not form.is_valid():
        return _rerender(request, inquiry, route_form=form)
    with problems_onto(form):
        services.inquiry_route(inquiry=inquiry, actor=user_of(request), **form.cleaned_data)
        messages.success(request, _("The inquiry has been routed."))
        return redirect("portal:inquiry_detail", reference=inquiry.reference)
    return _rerender(request, inquiry, route_form=form)


@inquiries_required
@require_POST
def inquiry_publish(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _inquiry(request, reference)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _rerender(request, inquiry, publish_form=form)
    with problems_onto(form):
        faq = services.inquiry_publish_to_faq(
            inquiry=inquiry, actor=user_of(request), **form.cleaned_data
        )
        messages.success(request, _("The answer is now in the FAQ bank."))
        return redirect("portal:faq_detail", slug=faq.slug)
    return _rerender(request, inquiry, publish_form=form)


@inquiries_required
@require_POST
def inquiry_close(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _inquiry(request, reference)
    try:
        services.inquiry_close(inquiry=inquiry, actor=user_of(request))
    except ProblemError as exc:
        return problem_page(request, exc)
    messages.success(request, _("The inquiry is closed."))
    return redirect("portal:inquiry_detail", reference=inquiry.reference)


@logged_in
def notification_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST":
        notification_mark_read(user=user)
        return redirect("portal:notifications")
    page = Paginator(selectors.notifications_of(user), 25).get_page(request.GET.get("page"))
    return render(request, "portal/notifications.html", {"page": page})


@logged_in
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to what it is about, and count it read: the bell is what the
    reader has not yet opened. Another user's notification is not found."""
    user = user_of(request)
    note = selectors.notifications_of(user).filter(pk=pk).first()
    if note is None:
        raise Http404
    notification_mark_read(user=user, notification_id=note.pk)
    # The link is the site's own (a subject's page); anything else goes to the list.
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):
        return redirect(note.url)
    return redirect("portal:notifications")


@logged_in
def subscriptions(request: HttpRequest) -> HttpResponse:
    """Subscribe to news by topic or HS chapter; unsubscribe."""
    user = user_of(request)
    form = SubscriptionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        remove = request.POST.get("remove", "")
        if remove.isdigit():
            news.subscription_remove(user=user, subscription_id=int(remove))
            return redirect("portal:subscriptions")
        if form.is_valid():
            with problems_onto(form, refusals={ProblemError: ""}) as adding:
                news.subscription_add(user=user, **form.cleaned_data)
                messages.success(request, _("Subscribed."))
                return redirect("portal:subscriptions")
            status = adding.status  # a refusal (subscribed already...) with its own status
        else:
            status = form_status(form)
    rows = Subscription.objects.filter(user=user).order_by("topic", "hs_chapter")
    return render(request, "portal/subscriptions.html", {"form": form, "rows": rows}, status=status)
