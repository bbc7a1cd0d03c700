from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin

from .models import (
    Agreement,
    Association,
    Campaign,
    Category,
    Dialogue,
    DialogueIssue,
    Faq,
    FaqTranslation,
    HandbookVersion,
    Inquiry,
    InquiryMessage,
    NewsItem,
    Rating,
)

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _Stacked = admin.StackedInline[Any, Any]
    _Tabular = admin.TabularInline[Any, Any]
else:  # generic for the type checker only
    _Admin = admin.ModelAdmin
    _Stacked = admin.StackedInline
    _Tabular = admin.TabularInline


class FaqTranslationInline(_Stacked):
    model = FaqTranslation
    extra = 0
    fields = ("language", "question", "answer")


@admin.register(Faq)
class FaqAdmin(_Admin):
    list_display = ("slug", "category", "procedure", "published", "source")
    list_filter = ("published", "source", "category")
    list_editable = ("published",)
    search_fields = ("slug", "translations__question")
    inlines = [FaqTranslationInline]


@admin.register(Category)
class CategoryAdmin(_Admin):
    list_display = ("slug", "order")


@admin.register(HandbookVersion)
class HandbookVersionAdmin(_Admin):
    list_display = ("version", "published_on", "loaded_at")


class InquiryMessageInline(_Tabular):
    model = InquiryMessage
    extra = 0
    readonly_fields = ("side", "author", "body", "created_at")


@admin.register(Inquiry)
class InquiryAdmin(_Admin):
    list_display = ("reference", "enterprise", "office", "status", "due_at", "escalated_at")
    list_filter = ("status", "channel")
    search_fields = ("reference", "subject", "enterprise__mst")
    raw_id_fields = ("enterprise", "submitted_by", "declaration", "assignee")
    inlines = [InquiryMessageInline]


@admin.register(Rating)
class RatingAdmin(_Admin):
    list_display = ("event", "office", "score", "created_at")
    list_filter = ("event", "score")
    raw_id_fields = ("declaration", "inquiry", "enterprise", "officer", "rated_by")


@admin.register(NewsItem)
class NewsItemAdmin(_Admin):
    list_display = ("title", "kind", "published_at")


@admin.register(Association)
class AssociationAdmin(_Admin):
    list_display = ("code", "name")
    filter_horizontal = ("members", "staff")


@admin.register(Agreement)
class AgreementAdmin(_Admin):
    list_display = ("title", "office", "signed_on", "next_review_on", "status")


class DialogueIssueInline(_Tabular):
    model = DialogueIssue
    extra = 0


@admin.register(Dialogue)
class DialogueAdmin(_Admin):
    list_display = ("title", "kind", "held_on", "office")
    inlines = [DialogueIssueInline]


@admin.register(Campaign)
class CampaignAdmin(_Admin):
    list_display = ("code", "title", "status", "opens_on", "closes_on")
