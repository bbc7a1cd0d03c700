"""CDCI campaigns (results for leaders, the survey form for enterprises) and the partnership
pages: associations, agreements, dialogues and their reports, publishing news."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haiquan.core.problems import ProblemError
from haiquan.core.web import (
    form_status,
    problems_onto,
    role_required,
    trader_required,
    user_of,
)

from .. import cdci, news, partnership
from ..choices import CampaignStatus
from ..forms import AgreementForm, CdciForm, DialogueForm, IssueForm, NewsForm, ReviewForm
from ..models import Agreement, Association, Campaign, Dialogue, DialogueIssue
from ..permissions import manages_partnership, manages_partnership_of, sees_rating_reports
from .common import enterprise_choices

leaders_required = role_required(manages_partnership)
report_readers = role_required(sees_rating_reports)


def _campaign(code: str) -> Campaign:
    campaign = Campaign.objects.filter(code=code[:40]).first()
    if campaign is None:
        raise Http404("no such campaign")
    return campaign


@report_readers
def cdci_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/cdci_list.html", {"campaigns": Campaign.objects.all()})


@report_readers
def cdci_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A campaign's results: each unit's score, rank and change from the previous campaign."""
    campaign = _campaign(code)
    context = {
        "campaign": campaign,
        "criteria": list(campaign.criteria.all()),
        "results": cdci.campaign_results(campaign),
    }
    return render(request, "portal/cdci_detail.html", context)


@trader_required
def cdci_respond(request: HttpRequest, code: str) -> HttpResponse:
    """An enterprise scores a customs unit on every criterion of an open campaign."""
    campaign = _campaign(code)
    if campaign.status != CampaignStatus.OPEN:
        raise Http404("campaign not open")
    user = user_of(request)
    criteria = list(campaign.criteria.all())
    form = CdciForm(
        request.POST or None,
        enterprises=enterprise_choices(user),
        offices=[(o.code, f"{o.code} {o.name}") for o in campaign.offices.all()],
        criteria=[(c.code, c.name) for c in criteria],
    )
    status = form_status(form)  # a refused value: 422
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        scores = {f"scores.{c.code}": f"score_{c.code}" for c in criteria}
        with problems_onto(form, aliases=scores, refusals={ProblemError: ""}) as responding:
            cdci.cdci_response_submit(
                actor=user,
                campaign=campaign,
                enterprise_mst=d["enterprise_mst"],
                office_code=d["office_code"],
                scores={c.code: d[f"score_{c.code}"] for c in criteria},
                comment=d["comment"],
            )
            messages.success(request, _("Thank you: your scores have been recorded."))
            return redirect("portal:home")
        status = responding.status  # a refusal (scored already: Conflict) with its own status
    return render(
        request, "portal/cdci_form.html", {"form": form, "campaign": campaign}, status=status
    )


@leaders_required
def partnership_index(request: HttpRequest) -> HttpResponse:
    context = {
        "associations": Association.objects.prefetch_related("members"),
        "agreements": Agreement.objects.select_related("office").prefetch_related(
            "associations", "reviews"
        ),
        "dialogues": Dialogue.objects.select_related("office").prefetch_related("issues"),
    }
    return render(request, "portal/partnership.html", context)


@leaders_required
def dialogue_create(request: HttpRequest) -> HttpResponse:
    form = DialogueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with problems_onto(form):
            dialogue = partnership.dialogue_create(
                actor=user_of(request),
                kind=d["kind"],
                title=d["title"],
                held_on=d["held_on"],
                office_code=d["office_code"],
                participants=d["participants"],
                topics=d["topics"],
                issues=[
                    partnership.IssueInput(line)
                    for line in d["issues"].splitlines()
                    if line.strip()
                ],
            )
            return redirect("portal:dialogue_report", pk=dialogue.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "portal/dialogue_form.html", {"form": form}, status=status)


@leaders_required
def dialogue_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report of one dialogue: who took part, the topics, each difficulty and its
    follow-up, how many are closed."""
    dialogue = Dialogue.objects.filter(pk=pk).select_related("office").first()
    if dialogue is None:
        raise Http404("no such dialogue")
    if not manages_partnership_of(user_of(request), dialogue.office):
        raise PermissionDenied
    return _report_page(request, dialogue)


def _report_page(
    request: HttpRequest, dialogue: Dialogue, sent: tuple[int, IssueForm] | None = None
) -> HttpResponse:
    """The report, each difficulty with its follow-up form; `sent`: the difficulty whose form
    was refused, shown as sent with its problems next to its fields (422)."""
    report = partnership.dialogue_report(dialogue)
    forms = {
        i.pk: IssueForm(initial={"status": i.status, "follow_up": i.follow_up}, prefix=f"i{i.pk}")
        for i in report.issues
    }
    if sent is not None:
        forms[sent[0]] = sent[1]
    rows = [(i, forms[i.pk]) for i in report.issues]
    context = {"report": report, "rows": rows}
    status = form_status(sent[1]) if sent is not None else 200
    return render(request, "portal/dialogue_report.html", context, status=status)


@leaders_required
@require_POST
def issue_update(request: HttpRequest, pk: int) -> HttpResponse:
    issue = DialogueIssue.objects.filter(pk=pk).select_related("dialogue").first()
    if issue is None:
        raise Http404("no such difficulty")
    form = IssueForm(request.POST, prefix=f"i{issue.pk}")
    if form.is_valid():
        with problems_onto(form):
            partnership.dialogue_issue_update(
                actor=user_of(request), issue=issue, **form.cleaned_data
            )
            messages.success(request, _("The follow-up has been saved."))
            return redirect("portal:dialogue_report", pk=issue.dialogue_id)
    # Refused (by the form or the service): the report again, the problems next to the fields
    return _report_page(request, issue.dialogue, sent=(issue.pk, form))


@leaders_required
def news_create(request: HttpRequest) -> HttpResponse:
    form = NewsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with problems_onto(form):
            item = news.news_publish(
                actor=user_of(request),
                kind=d["kind"],
                title=d["title"],
                body=d["body"],
                topics=list(d["topics"]),
                hs_chapters=[c.strip() for c in d["hs_chapters"].split(",") if c.strip()],
            )
            messages.success(request, _("Published and sent to its subscribers."))
            return redirect("portal:news_detail", pk=item.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "portal/news_form.html", {"form": form}, status=status)


@leaders_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with problems_onto(form, aliases={"association_codes": "associations"}):
            partnership.agreement_create(
                actor=user_of(request),
                title=d["title"],
                office_code=d["office_code"],
                signed_on=d["signed_on"],
                valid_to=d["valid_to"],
                next_review_on=d["next_review_on"],
                commitments=d["commitments"].splitlines(),
                association_codes=list(d["associations"]),
            )
            messages.success(request, _("The agreement has been recorded."))
            return redirect("portal:partnership")
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "portal/agreement_form.html", {"form": form}, status=status)


@leaders_required
def agreement_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a review of an agreement (what was found) and the next review date."""
    agreement = Agreement.objects.filter(pk=pk).select_related("office").first()
    if agreement is None:
        raise Http404("no such agreement")
    if not manages_partnership_of(user_of(request), agreement.office):
        raise PermissionDenied
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with problems_onto(form):
            partnership.agreement_review_record(
                actor=user_of(request), agreement=agreement, **form.cleaned_data
            )
            messages.success(request, _("The review has been recorded."))
            return redirect("portal:partnership")
    status = 422 if form.is_bound and form.errors else 200
    context = {"form": form, "agreement": agreement, "reviews": agreement.reviews.all()}
    return render(request, "portal/agreement_review.html", context, status=status)
