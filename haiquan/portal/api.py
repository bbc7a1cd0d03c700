"""The customs-business partnership portal API, mounted at /api/v1/portal. The FAQ bank, the
handbook and the news are public (no authentication); inquiries, ratings, subscriptions,
notifications and CDCI responses need a token or a session. Thin: parse, call a service or a
selector, answer."""

from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone, translation
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.accounts.models import User
from haiquan.core.api import ObjectId, Pagination, RenderedOnSlice
from haiquan.core.problems import FieldProblem, Forbidden, NotFound, ValidationFailed
from haiquan.core.web import user_of

from . import news, ratings, selectors, services
from .cdci import campaign_results, cdci_response_submit
from .choices import CONTENT_LANGUAGES
from .i18n import content_language
from .models import Campaign, HandbookVersion, Subscription
from .notifications import notification_mark_read
from .permissions import sees_rating_reports
from .schemas import (
    CategoryOut,
    CdciResponseIn,
    FaqOut,
    HandbookOut,
    HandbookVersionOut,
    InquiryIn,
    InquiryOut,
    MessageIn,
    MessageOut,
    NewsOut,
    NotificationOut,
    PublishIn,
    RatingIn,
    RatingOut,
    RatingReportOut,
    RouteIn,
    SubscriptionIn,
    SubscriptionOut,
    UnitResultOut,
    category_out,
    faq_out,
    handbook_out,
    handbook_version_out,
    inquiry_out,
    message_out,
    news_out,
    notification_out,
    rating_out,
    rating_report_out,
    unit_result_out,
)

router = Router(tags=["Customs-business partnership portal"], auth=API_AUTH)


def _django_language(content: str) -> str:
    """zh_Hans → zh-hans, for translation.override."""
    return content.replace("_", "-").lower()


def _language(language: str) -> str:
    if language and language not in CONTENT_LANGUAGES:
        raise ValidationFailed(
            [FieldProblem("language", "one of " + ", ".join(CONTENT_LANGUAGES), "invalid")]
        )
    return content_language(language.replace("_", "-").lower() if language else None)


# ---------------------------------------------------------------------------------------------
# FAQ bank and handbook (public)


class FaqQuery(Schema):
    q: str = ""
    category: str = ""
    procedure: str = ""
    language: str = ""


@router.get("/categories", response=list[CategoryOut], auth=None, summary="FAQ categories")
def category_list(request: HttpRequest) -> Any:
    return [category_out(c, n) for c, n in selectors.categories_with_counts()]


@router.get(
    "/faq",
    response=list[FaqOut],
    auth=None,
    summary="Published questions; with q, ranked by relevance (diacritics and typos tolerated)",
)
@paginate(Pagination)
def faq_list(request: HttpRequest, filters: Query[FaqQuery]) -> Any:
    lang = _language(filters.language)
    views = selectors.faq_list(
        language=lang,
        category=filters.category,
        procedure=filters.procedure,
        query=filters.q[:200],
    )
    # Answers are rendered (Markdown → sanitised HTML) for the requested page only.
    return RenderedOnSlice(views, faq_out)


def _anyone(request: HttpRequest) -> bool:
    """Public, but a caller who sends a token or a session is known (customs see drafts)."""
    return True


@router.get(
    "/faq/{slug}",
    response=FaqOut,
    auth=[*API_AUTH, _anyone],
    summary="One question and its answer",
)
def faq_detail(request: HttpRequest, slug: str, language: str = "") -> Any:
    caller = getattr(request, "auth", None)  # set by the authenticator that accepted
    reader = caller if isinstance(caller, User) else None
    return faq_out(selectors.faq_get(slug, language=_language(language), user=reader))


@router.get(
    "/handbook",
    response=list[HandbookVersionOut],
    auth=None,
    summary="The handbook's editions, latest first, with what changed",
)
def handbook_versions(request: HttpRequest, language: str = "") -> Any:
    current = selectors.handbook_current()
    with translation.override(_django_language(_language(language))):
        return [
            handbook_version_out(v, current=current is not None and v.pk == current.pk)
            for v in HandbookVersion.objects.all()
        ]


@router.get(
    "/handbook/{version}",
    response=HandbookOut,
    auth=None,
    summary="One edition's chapters and sections ('current' for the edition in force)",
)
def handbook(request: HttpRequest, version: str, language: str = "") -> Any:
    with translation.override(_django_language(_language(language))):
        wanted = None if version == "current" else version[:20]
        return handbook_out(selectors.handbook_version_get(wanted))


@router.get("/news", response=list[NewsOut], auth=None, summary="News and policy notices")
@paginate(Pagination)
def news_list(request: HttpRequest, topic: str = "", hs_chapter: str = "") -> Any:
    return [news_out(n) for n in news.news_for(topic=topic[:20], hs_chapter=hs_chapter[:2])]


# ---------------------------------------------------------------------------------------------
# Inquiries


@router.post("/inquiries", response={201: InquiryOut}, summary="File an inquiry (vướng mắc)")
def inquiry_create(request: HttpRequest, payload: InquiryIn) -> Any:
    inquiry = services.inquiry_submit(
        actor=user_of(request),
        data=services.InquiryInput(channel="api", **payload.dict()),
    )
    return Status(201, inquiry_out(inquiry))


@router.get("/inquiries", response=list[InquiryOut], summary="Inquiries you may see")
@paginate(Pagination)
def inquiry_list(request: HttpRequest, status: str = "") -> Any:
    return [inquiry_out(i) for i in selectors.inquiries_for_desk(user_of(request), status=status)]


def _inquiry(request: HttpRequest, reference: str) -> Any:
    inquiry = selectors.inquiry_get_for(user_of(request), reference[:20])
    services.inquiry_escalate_if_late(inquiry=inquiry)
    return inquiry


@router.get("/inquiries/{reference}", response=InquiryOut, summary="An inquiry and its messages")
def inquiry_detail(request: HttpRequest, reference: str) -> Any:
    return inquiry_out(_inquiry(request, reference), with_messages=True)


@router.post(
    "/inquiries/{reference}/messages",
    response={201: MessageOut},
    summary="Answer (customs) or reply (the enterprise)",
)
def inquiry_message(request: HttpRequest, reference: str, payload: MessageIn) -> Any:
    user = user_of(request)
    inquiry = _inquiry(request, reference)
    if user.is_customs:
        message = services.inquiry_answer(inquiry=inquiry, actor=user, body=payload.body)
    else:
        message = services.inquiry_reply(inquiry=inquiry, actor=user, body=payload.body)
    return Status(201, message_out(message))


@router.post("/inquiries/{reference}/route", response=InquiryOut, summary="Classify and route")
def inquiry_route(request: HttpRequest, reference: str, payload: RouteIn) -> Any:
    inquiry = services.inquiry_route(
        inquiry=_inquiry(request, reference), actor=user_of(request), **payload.dict()
    )
    return inquiry_out(inquiry)


@router.post(
    "/inquiries/{reference}/close", response=InquiryOut, summary="Close an answered inquiry"
)
def inquiry_close(request: HttpRequest, reference: str) -> Any:
    inquiry = services.inquiry_close(inquiry=_inquiry(request, reference), actor=user_of(request))
    return inquiry_out(inquiry)


@router.post(
    "/inquiries/{reference}/publish",
    response={201: FaqOut},
    summary="Publish the answer to the FAQ bank (anonymised)",
)
def inquiry_publish(request: HttpRequest, reference: str, payload: PublishIn) -> Any:
    faq = services.inquiry_publish_to_faq(
        inquiry=_inquiry(request, reference), actor=user_of(request), **payload.dict()
    )
    return Status(
        201,
        faq_out(selectors.faq_get(faq.slug, language=payload.language or "vi", user=request.user)),
    )


# ---------------------------------------------------------------------------------------------
# Ratings


@router.post(
    "/ratings",
    response={201: RatingOut},
    summary="Rate a cleared declaration or an answered inquiry",
)
def rating_create(request: HttpRequest, payload: RatingIn) -> Any:
    rating = ratings.rating_submit(
        actor=user_of(request),
        data=ratings.RatingInput(
            score=payload.score,
            reasons=tuple(payload.reasons),
            comment=payload.comment,
            declaration_id=payload.declaration_id,
            inquiry_reference=payload.inquiry_reference,
        ),
    )
    return Status(201, rating_out(rating))


class RatingReportQuery(Schema):
    date_from: date | None = None
    date_to: date | None = None
    office_code: str = ""


@router.get(
    "/ratings/report", response=RatingReportOut, summary="Results per office and period (leaders)"
)
def rating_report(request: HttpRequest, filters: Query[RatingReportQuery]) -> Any:
    today = timezone.localdate()
    report = ratings.rating_report(
        user=user_of(request),
        date_from=filters.date_from or today - timedelta(days=365),
        date_to=filters.date_to or today,
        office_code=filters.office_code[:16],
    )
    return rating_report_out(report)


# ---------------------------------------------------------------------------------------------
# Subscriptions and notifications


@router.get("/subscriptions", response=list[SubscriptionOut], summary="Your subscriptions")
def subscription_list(request: HttpRequest) -> Any:
    return list(Subscription.objects.filter(user=user_of(request)).order_by("id"))


@router.post(
    "/subscriptions",
    response={201: SubscriptionOut},
    summary="Subscribe to a topic or an HS chapter",
)
def subscription_create(request: HttpRequest, payload: SubscriptionIn) -> Any:
    return Status(201, news.subscription_add(user=user_of(request), **payload.dict()))


@router.delete("/subscriptions/{subscription_id}", response={204: None}, summary="Unsubscribe")
def subscription_delete(request: HttpRequest, subscription_id: ObjectId) -> Any:
    if not Subscription.objects.filter(user=user_of(request), pk=subscription_id).exists():
        raise NotFound("no such subscription")
    news.subscription_remove(user=user_of(request), subscription_id=subscription_id)
    return Status(204, None)


@router.get("/notifications", response=list[NotificationOut], summary="Your notifications")
@paginate(Pagination)
def notification_list(request: HttpRequest) -> Any:
    return [notification_out(n) for n in selectors.notifications_of(user_of(request))]


@router.post(
    "/notifications/read", response={204: None}, summary="Mark all your notifications read"
)
def notification_read_all(request: HttpRequest) -> Any:
    notification_mark_read(user=user_of(request))
    return Status(204, None)


# ---------------------------------------------------------------------------------------------
# CDCI


def _campaign(code: str) -> Campaign:
    campaign = Campaign.objects.filter(code=code[:40]).first()
    if campaign is None:
        raise NotFound("no such campaign")
    return campaign


@router.get(
    "/cdci/{code}/results",
    response=list[UnitResultOut],
    summary="A campaign's results and rankings",
)
def cdci_results(request: HttpRequest, code: str) -> Any:
    if not sees_rating_reports(request.user):
        raise Forbidden("CDCI results are for leaders and analysts.")
    return [unit_result_out(r) for r in campaign_results(_campaign(code))]


@router.post("/cdci/{code}/responses", response={201: None}, summary="Score a customs unit")
def cdci_respond(request: HttpRequest, code: str, payload: CdciResponseIn) -> Any:
    cdci_response_submit(actor=user_of(request), campaign=_campaign(code), **payload.dict())
    return Status(201, None)
