"""Reads of the portal: the FAQ bank in the reader's language (with the Vietnamese fallback
marked), the handbook, inquiries restricted to the reader's scope, notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import NotFound

from .choices import DEFAULT_CONTENT_LANGUAGE, InquiryStatus
from .i18n import content_language, html_lang
from .models import (
    Category,
    Faq,
    FaqTranslation,
    HandbookChapter,
    HandbookSection,
    HandbookVersion,
    Inquiry,
    Notification,
)
from .search import faq_search
from .text import markdown_html

# ---------------------------------------------------------------------------------------------
# FAQ


@dataclass
class FaqView:
    """A question as one reader sees it: in their language or, where it has none, in
    Vietnamese with `fallback` set so that the page says so."""

    faq: Faq
    question: str
    answer_markdown: str
    language: str
    fallback: bool
    score: float | None = None
    handbook_links: list[dict[str, str]] = field(default_factory=list)

    @property
    def answer_html(self) -> Any:
        return markdown_html(self.answer_markdown)

    @property
    def slug(self) -> str:
        return self.faq.slug

    @property
    def text_lang(self) -> str:
        return html_lang(self.language)


def _view(faq: Faq, language: str, score: float | None = None) -> FaqView:
    by_lang = {t.language: t for t in faq.translations.all()}
    t = by_lang.get(language) or by_lang.get(DEFAULT_CONTENT_LANGUAGE)
    if t is None:  # a question without Vietnamese cannot be saved; be safe anyway
        t = next(iter(by_lang.values()))
    return FaqView(
        faq=faq,
        question=t.question,
        answer_markdown=t.answer,
        language=t.language,
        fallback=t.language != language,
        score=score,
    )


def faqs_published() -> QuerySet[Faq]:
    return Faq.objects.filter(published=True).select_related("category")


def faq_list(
    *, language: str | None = None, category: str = "", procedure: str = "", query: str = ""
) -> list[FaqView]:
    """Published questions for the reader: all of a category/procedure, or those matching
    `query` ranked by relevance."""
    lang = content_language(language)
    qs = faqs_published().prefetch_related("translations")
    if category:
        qs = qs.filter(category__slug=category)
    if procedure:
        qs = qs.filter(procedure=procedure)
    if query.strip():
        hits = faq_search(query, language=lang)
        by_id = {f.pk: f for f in qs.filter(pk__in=[h.faq_id for h in hits])}
        return [_view(by_id[h.faq_id], lang, h.score) for h in hits if h.faq_id in by_id]
    return [_view(f, lang) for f in qs]


def faq_get(slug: str, *, language: str | None = None, user: Any = None) -> FaqView:
    """One question; a draft only for customs staff."""
    lang = content_language(language)
    qs = Faq.objects.select_related("category").prefetch_related("translations")
    if not getattr(user, "is_customs", False):
        qs = qs.filter(published=True)
    faq = qs.filter(slug=slug).first()
    if faq is None:
        raise NotFound(_("No such question."))
    view = _view(faq, lang)
    view.handbook_links = handbook_links(faq.handbook, language=lang)
    return view


def categories_with_counts() -> list[tuple[Category, int]]:
    from django.db.models import Count

    qs = Category.objects.annotate(n=Count("faqs", filter=Q(faqs__published=True))).order_by(
        "order", "slug"
    )
    return [(c, c.n) for c in qs]


def faq_language_coverage() -> dict[str, int]:
    """How many published questions each language has its own text for."""
    from django.db.models import Count

    rows = (
        FaqTranslation.objects.filter(faq__published=True)
        .values("language")
        .annotate(n=Count("id"))
    )
    return {r["language"]: r["n"] for r in rows}


# ---------------------------------------------------------------------------------------------
# Handbook


def handbook_current() -> HandbookVersion | None:
    """The latest published edition."""
    return (
        HandbookVersion.objects.filter(published_on__lte=timezone.localdate())
        .order_by("-published_on", "-version")
        .first()
        or HandbookVersion.objects.order_by("-published_on", "-version").first()
    )


def handbook_version_get(version: str | None = None) -> HandbookVersion:
    found = (
        HandbookVersion.objects.filter(version=version).first() if version else handbook_current()
    )
    if found is None:
        raise NotFound(_("The handbook has not been published yet."))
    return found


def handbook_chapters(version: HandbookVersion) -> QuerySet[HandbookChapter]:
    return version.chapters.prefetch_related("sections").order_by("number")


def handbook_chapter_get(version: HandbookVersion, slug: str) -> HandbookChapter:
    chapter = version.chapters.prefetch_related("sections").filter(slug=slug).first()
    if chapter is None:
        raise NotFound(_("No such chapter."))
    return chapter


def handbook_links(refs: list[str], *, language: str | None = None) -> list[dict[str, str]]:
    """The current edition's sections named "<chapter>/<section>", with their titles and
    URLs, in the order given; references to sections that do not exist are left out."""
    from django.urls import reverse

    version = handbook_current()
    if version is None or not refs:
        return []
    pairs = [r.split("/", 1) for r in refs if "/" in r]
    sections = HandbookSection.objects.filter(
        chapter__version=version, chapter__slug__in=[p[0] for p in pairs]
    ).select_related("chapter")
    found = {(s.chapter.slug, s.slug): s for s in sections}
    out = []
    for chapter_slug, section_slug in pairs:
        s = found.get((chapter_slug, section_slug))
        if s is None:
            continue
        out.append(
            {
                "number": s.number,
                "title": s.title,
                "url": reverse("portal:handbook_chapter", args=[chapter_slug]) + f"#{section_slug}",
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Inquiries


def inquiry_get_for(user: User, reference: str) -> Inquiry:
    """One inquiry the user may see (404 otherwise, so references do not leak)."""
    inquiry = (
        Inquiry.objects.select_related("enterprise", "office", "assignee", "category")
        .visible_to(user)
        .select_related("declaration", "association", "submitted_by")
        .filter(reference=reference)
        .first()
    )
    if inquiry is None:
        raise NotFound(_("No inquiry %(ref)s.") % {"ref": reference})
    return inquiry


def inquiries_for_desk(user: User, *, status: str = "") -> QuerySet[Inquiry]:
    """The list page: open ones first, the most urgent (earliest due) first."""
    qs = Inquiry.objects.select_related("enterprise", "office", "assignee", "category").visible_to(
        user
    )
    if status in InquiryStatus.values:
        qs = qs.filter(status=status)
    from django.db.models import Case, IntegerField, Value, When

    return qs.annotate(
        open_first=Case(
            When(status=InquiryStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", "due_at", "-submitted_at")


# ---------------------------------------------------------------------------------------------
# Notifications


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
