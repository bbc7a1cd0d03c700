"""Rating the service (the enterprise served, once per event) and the leaders' report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.clearance.models import Declaration
from haiquan.core.web import problems_onto, role_required, trader_required, user_of

from .. import ratings
from ..forms import RatingForm, ReportForm
from ..models import Inquiry
from ..permissions import acts_for_enterprise, sees_rating_reports


@trader_required
def rating_create(request: HttpRequest) -> HttpResponse:
    """Rate a cleared declaration (?declaration=<id>) or an answered inquiry (?inquiry=<ref>)."""
    user = user_of(request)
    raw_decl = request.GET.get("declaration", "")
    reference = request.GET.get("inquiry", "")[:20]
    subject: object
    if raw_decl.isdigit() and len(raw_decl) < 19:
        declaration = (
            Declaration.objects.filter(pk=int(raw_decl))
            .select_related("enterprise", "office")
            .first()
        )
        if declaration is None or not acts_for_enterprise(user, declaration.enterprise):
            raise Http404("no such declaration")
        subject = declaration
        data_key: dict[str, Any] = {"declaration_id": declaration.pk}
    elif reference:
        inquiry = (
            Inquiry.objects.filter(reference=reference)
            .select_related("enterprise", "office")
            .first()
        )
        if inquiry is None or not acts_for_enterprise(user, inquiry.enterprise):
            raise Http404("no such inquiry")
        subject = inquiry
        data_key = {"inquiry_reference": inquiry.reference}
    else:
        raise Http404("nothing to rate")
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with problems_onto(form):
            ratings.rating_submit(
                actor=user,
                data=ratings.RatingInput(
                    score=d["score"],
                    reasons=tuple(d["reasons"]),
                    comment=d["comment"],
                    **data_key,
                ),
            )
            messages.success(request, _("Thank you: your rating has been recorded."))
            if isinstance(subject, Inquiry):
                return redirect("portal:inquiry_detail", reference=subject.reference)
            return redirect("portal:home")
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request, "portal/rating_form.html", {"form": form, "subject": subject}, status=status
    )


@role_required(sees_rating_reports)
def rating_report(request: HttpRequest) -> HttpResponse:
    """Results per office and month; per officer for leaders only."""
    today = timezone.localdate()
    form = ReportForm(
        request.GET or None,
        initial={"date_from": today - timedelta(days=365), "date_to": today},
    )
    date_from, date_to, office = today - timedelta(days=365), today, ""
    if form.is_bound and form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        office = form.cleaned_data["office_code"]
    report = None
    with problems_onto(form):
        report = ratings.rating_report(
            user=user_of(request), date_from=date_from, date_to=date_to, office_code=office
        )
    if form.is_bound and not form.is_valid():
        form.full_clean()
    from ..choices import RatingReason

    return render(
        request,
        "portal/rating_report.html",
        {"form": form, "report": report, "reason_labels": dict(RatingReason.choices)},
    )
