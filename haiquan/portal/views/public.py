"""Public pages (no log-in): the FAQ bank with its search, one question, the handbook (and
its PDF), news and policy notices."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from haiquan.core.htmx import render_page
from haiquan.core.problems import NotFound
from haiquan.core.web import html_to_pdf, pdf_response

from .. import news, selectors
from ..forms import SearchForm
from ..i18n import content_language, html_lang
from ..models import HandbookChapter, HandbookVersion, NewsItem
from ..ratings import rateable_declarations
from ..text import markdown_html

logger = logging.getLogger(__name__)


@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    """The portal's front page: search box, categories, latest news, the handbook."""
    user: Any = request.user
    to_rate = (
        list(rateable_declarations(user).select_related("office")[:5])
        if getattr(user, "is_trader", False)
        else []
    )
    context = {
        "form": SearchForm(),
        "categories": selectors.categories_with_counts(),
        "news": news.news_for(limit=5),
        "handbook": selectors.handbook_current(),
        "to_rate": to_rate,
    }
    return render(request, "portal/home.html", context)


@require_GET
def faq_index(request: HttpRequest) -> HttpResponse:
    """The FAQ bank: every published question by category, or those matching the search,
    best first. htmx swaps only the results as the reader types."""
    form = SearchForm(request.GET or None)
    query = ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
    category = request.GET.get("category", "")[:100]
    procedure = request.GET.get("procedure", "")[:100]
    lang = content_language()
    views = selectors.faq_list(language=lang, category=category, procedure=procedure, query=query)
    context = {
        "form": form,
        "query": query,
        "category": category,
        "procedure": procedure,
        "results": views,
        "categories": selectors.categories_with_counts(),
        "language": lang,
        "fallbacks": sum(1 for v in views if v.fallback),
    }
    return render_page(
        request,
        "portal/faq_index.html",
        context,
        partial_template="portal/includes/faq_results.html",
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
def faq_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        view = selectors.faq_get(slug, user=request.user)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return render(
        request,
        "portal/faq_detail.html",
        {"item": view, "text_lang": html_lang(view.language)},
    )


def _version(request: HttpRequest) -> HandbookVersion:
    try:
        return selectors.handbook_version_get(request.GET.get("version", "")[:20] or None)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _chapter_view(chapter: HandbookChapter, lang: str) -> dict[str, Any]:
    from ..i18n import translated

    sections = []
    for s in chapter.sections.all():
        title = translated(s.translations, "title", lang)
        body = translated(s.translations, "body", lang)
        sections.append(
            {
                "slug": s.slug,
                "number": s.number,
                "title": title.text,
                "body": markdown_html(body.text),
                "fallback": body.fallback or title.fallback,
                "lang": html_lang(body.language),
            }
        )
    title = translated(chapter.translations, "title", lang)
    return {
        "slug": chapter.slug,
        "number": chapter.number,
        "title": title.text,
        "fallback": title.fallback,
        "lang": html_lang(title.language),
        "sections": sections,
    }


@require_GET
def handbook_index(request: HttpRequest) -> HttpResponse:
    """The handbook's contents in the reader's language, its edition and what changed."""
    version = _version(request)
    lang = content_language()
    chapters = [_chapter_view(c, lang) for c in selectors.handbook_chapters(version)]
    context = {
        "version": version,
        "chapters": chapters,
        "versions": HandbookVersion.objects.all(),
    }
    return render(request, "portal/handbook_index.html", context)


@require_GET
def handbook_chapter(request: HttpRequest, slug: str) -> HttpResponse:
    version = _version(request)
    try:
        chapter = selectors.handbook_chapter_get(version, slug[:100])
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    context = {"version": version, "chapter": _chapter_view(chapter, content_language())}
    return render(request, "portal/handbook_chapter.html", context)


HANDBOOK_PDF_SECONDS = 24 * 3600


@require_GET
def handbook_pdf(request: HttpRequest) -> HttpResponse:
    """The whole handbook in the reader's language as PDF (weasyprint). Rendering takes about
    half a second, so each edition's PDF in each language is kept in the cache (Redis in
    production, shared by every worker), keyed by the printed HTML itself: a change to the
    text or the layout makes a new one. Where weasyprint cannot run, a 503 page says so."""
    version = _version(request)
    lang = content_language()
    chapters = [_chapter_view(c, lang) for c in selectors.handbook_chapters(version)]
    html = render_to_string(
        "portal/handbook_print.html", {"version": version, "chapters": chapters}, request=request
    )
    digest = hashlib.sha256(html.encode()).hexdigest()[:32]
    key = f"portal:handbook-pdf:{version.pk}:{lang}:{digest}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = html_to_pdf(request, html)
        if pdf is None:
            return _pdf_unavailable(request)
        cache.set(key, pdf, timeout=HANDBOOK_PDF_SECONDS)
    return pdf_response(pdf, f"handbook-{version.version}-{lang}.pdf")


def _pdf_unavailable(request: HttpRequest) -> HttpResponse:
    response = render(request, "portal/pdf_unavailable.html", {}, status=503)
    response["Retry-After"] = "3600"
    return response


@require_GET
def news_list(request: HttpRequest) -> HttpResponse:
    topic = request.GET.get("topic", "")[:20]
    items = news.news_for(topic=topic)
    from ..choices import Topic

    return render(
        request, "portal/news_list.html", {"items": items, "topic": topic, "topics": Topic.choices}
    )


@require_GET
def news_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = NewsItem.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("no such notice")
    return render(
        request, "portal/news_detail.html", {"item": item, "body": markdown_html(item.body)}
    )
