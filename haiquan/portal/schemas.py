"""The portal API's request (`...In`) and answer (`...Out`) schemas, and the functions that
build answers from models."""

from datetime import date, datetime

from ninja import Field, Schema

from .cdci import UnitResult
from .choices import Channel, NewsKind
from .models import (
    Category,
    HandbookVersion,
    Inquiry,
    InquiryMessage,
    NewsItem,
    Notification,
    Rating,
)
from .ratings import RatingReport, Row
from .selectors import FaqView

Text = Field(..., min_length=1, max_length=10_000)


class CategoryOut(Schema):
    slug: str
    name: str
    questions: int


def category_out(category: Category, count: int) -> CategoryOut:
    return CategoryOut(slug=category.slug, name=category.name, questions=count)


class HandbookLinkOut(Schema):
    number: str
    title: str
    url: str


class FaqOut(Schema):
    slug: str
    category: str
    procedure: str
    question: str
    answer: str = Field(description="Markdown")
    answer_html: str
    language: str = Field(description="The language the text is in (vi, en, ja, zh_Hans, ko)")
    fallback: bool = Field(description="True: no text in the asked language, Vietnamese shown")
    score: float | None = Field(None, description="Relevance, for a search")
    handbook: list[HandbookLinkOut] = []


def faq_out(view: FaqView) -> FaqOut:
    return FaqOut(
        slug=view.faq.slug,
        category=view.faq.category.slug,
        procedure=view.faq.procedure,
        question=view.question,
        answer=view.answer_markdown,
        answer_html=str(view.answer_html),
        language=view.language,
        fallback=view.fallback,
        score=round(view.score, 4) if view.score is not None else None,
        handbook=[HandbookLinkOut(**link) for link in view.handbook_links],
    )


class SectionOut(Schema):
    slug: str
    number: str
    title: str


class ChapterOut(Schema):
    slug: str
    number: int
    title: str
    sections: list[SectionOut]


class HandbookVersionOut(Schema):
    version: str
    published_on: date
    changes: str
    current: bool


def handbook_version_out(version: HandbookVersion, *, current: bool) -> HandbookVersionOut:
    return HandbookVersionOut(
        version=version.version,
        published_on=version.published_on,
        changes=version.changes_text,
        current=current,
    )


class HandbookOut(Schema):
    version: str
    published_on: date
    changes: str
    chapters: list[ChapterOut]


def handbook_out(version: HandbookVersion) -> HandbookOut:
    return HandbookOut(
        version=version.version,
        published_on=version.published_on,
        changes=version.changes_text,
        chapters=[
            ChapterOut(
                slug=ch.slug,
                number=ch.number,
                title=ch.title,
                sections=[
                    SectionOut(slug=s.slug, number=s.number, title=s.title)
                    for s in ch.sections.all()
                ],
            )
            for ch in version.chapters.prefetch_related("sections").order_by("number")
        ],
    )


class InquiryIn(Schema):
    enterprise_mst: str = Field(..., min_length=1, max_length=14)
    subject: str = Field(..., min_length=1, max_length=255)
    body: str = Text
    procedure: str = Field("", max_length=100)
    category: str = Field("", max_length=100)
    declaration_number: str = Field("", max_length=12)
    office_code: str = Field("", max_length=16)
    association_code: str = Field("", max_length=40, description="When forwarded by an association")


class MessageIn(Schema):
    body: str = Text


class RouteIn(Schema):
    office_code: str = Field("", max_length=16)
    assignee: str = Field("", max_length=150, description="User name of the officer (expert)")
    category: str = Field("", max_length=100)
    procedure: str | None = Field(None, max_length=100)


class PublishIn(Schema):
    question: str = Field("", max_length=10_000)
    answer: str = Field("", max_length=10_000)
    category: str = Field("", max_length=100)
    language: str = Field("vi", max_length=8)


class MessageOut(Schema):
    side: str
    author: str
    body: str
    created_at: datetime


def message_out(m: InquiryMessage) -> MessageOut:
    return MessageOut(
        side=m.side, author=m.author.get_username(), body=m.body, created_at=m.created_at
    )


class InquiryOut(Schema):
    reference: str
    enterprise_mst: str
    channel: Channel
    association: str | None
    subject: str
    body: str
    category: str | None
    procedure: str
    declaration_number: str | None
    office_code: str
    assignee: str | None
    status: str
    submitted_at: datetime
    due_at: datetime
    late: bool
    answered_at: datetime | None
    escalated_at: datetime | None
    closed_at: datetime | None
    messages: list[MessageOut] = []


def inquiry_out(i: Inquiry, *, with_messages: bool = False) -> InquiryOut:
    return InquiryOut(
        reference=i.reference,
        enterprise_mst=i.enterprise.mst,
        channel=Channel(i.channel),
        association=i.association.code if i.association_id and i.association else None,
        subject=i.subject,
        body=i.body,
        category=i.category.slug if i.category_id and i.category else None,
        procedure=i.procedure,
        declaration_number=i.declaration.number if i.declaration_id and i.declaration else None,
        office_code=i.office.code,
        assignee=i.assignee.get_username() if i.assignee_id and i.assignee else None,
        status=i.status,
        submitted_at=i.submitted_at,
        due_at=i.due_at,
        late=i.is_late,
        answered_at=i.answered_at,
        escalated_at=i.escalated_at,
        closed_at=i.closed_at,
        messages=(
            [message_out(m) for m in i.messages.select_related("author")] if with_messages else []
        ),
    )


class RatingIn(Schema):
    score: int = Field(..., description="1 (poor) to 5 (excellent)")
    reasons: list[str] = Field([], max_length=20)
    comment: str = Field("", max_length=2000)
    declaration_id: int | None = Field(None, ge=1, le=2**63 - 1)
    inquiry_reference: str = Field("", max_length=20)


class RatingOut(Schema):
    id: int
    event: str
    declaration_id: int | None
    inquiry_reference: str | None
    office_code: str
    score: int
    reasons: list[str]
    comment: str
    created_at: datetime


def rating_out(r: Rating) -> RatingOut:
    return RatingOut(
        id=r.pk,
        event=r.event,
        declaration_id=r.declaration_id,
        inquiry_reference=r.inquiry.reference if r.inquiry_id and r.inquiry else None,
        office_code=r.office.code,
        score=r.score,
        reasons=list(r.reasons),
        comment=r.comment,
        created_at=r.created_at,
    )


class RowOut(Schema):
    key: str
    label: str
    count: int
    average: float | None
    satisfied_share: float | None
    distribution: dict[str, int]
    reasons: dict[str, int]


def row_out(row: Row) -> RowOut:
    return RowOut(
        key=row.key,
        label=str(row.label),
        count=row.count,
        average=row.average,
        satisfied_share=row.satisfied_share,
        distribution={str(k): v for k, v in row.distribution.items()},
        reasons=dict(row.reasons),
    )


class RatingReportOut(Schema):
    date_from: date
    date_to: date
    overall: RowOut
    offices: list[RowOut]
    months: list[RowOut]
    officers: list[RowOut] | None = Field(None, description="Leaders only")


def rating_report_out(report: RatingReport) -> RatingReportOut:
    return RatingReportOut(
        date_from=report.date_from,
        date_to=report.date_to,
        overall=row_out(report.overall),
        offices=[row_out(r) for r in report.offices],
        months=[row_out(r) for r in report.months],
        officers=[row_out(r) for r in report.officers] if report.officers is not None else None,
    )


class NewsOut(Schema):
    id: int
    kind: NewsKind
    title: str
    body: str
    topics: list[str]
    hs_chapters: list[str]
    published_at: datetime


def news_out(n: NewsItem) -> NewsOut:
    return NewsOut(
        id=n.pk,
        kind=NewsKind(n.kind),
        title=n.title,
        body=n.body,
        topics=list(n.topics),
        hs_chapters=list(n.hs_chapters),
        published_at=n.published_at,
    )


class SubscriptionIn(Schema):
    topic: str = Field("", max_length=20)
    hs_chapter: str = Field("", max_length=2)
    by_email: bool = True


class SubscriptionOut(Schema):
    id: int
    topic: str
    hs_chapter: str
    by_email: bool


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    created_at: datetime
    read: bool


def notification_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.pk,
        title=n.shown_title,
        body=n.shown_body,
        url=n.url,
        created_at=n.created_at,
        read=n.read_at is not None,
    )


class CdciResponseIn(Schema):
    enterprise_mst: str = Field(..., min_length=1, max_length=14)
    office_code: str = Field(..., min_length=1, max_length=16)
    scores: dict[str, int]
    comment: str = Field("", max_length=2000)


class UnitResultOut(Schema):
    office_code: str
    office: str
    responses: int
    score: float | None
    rank: int | None
    criteria: dict[str, float]
    previous_score: float | None
    previous_rank: int | None
    change: float | None


def unit_result_out(r: UnitResult) -> UnitResultOut:
    return UnitResultOut(
        office_code=r.office.code,
        office=r.office.name,
        responses=r.responses,
        score=r.score,
        rank=r.rank,
        criteria=r.criteria,
        previous_score=r.previous_score,
        previous_rank=r.previous_rank,
        change=r.change,
    )
