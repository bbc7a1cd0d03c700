"""The customs-business partnership portal: the FAQ bank (Hỏi – Đáp) and the operations
handbook (Sổ tay nghiệp vụ) in five languages, inquiries (vướng mắc), news and subscriptions,
satisfaction ratings, CDCI campaigns, and the partnership with business associations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Reach, Visibility, VisibleQuerySet

# The portal's notifications are the notifications' (one mechanism for every part).
from haiquan.notifications.models import Notification as Notification

from .choices import (
    AgreementStatus,
    CampaignStatus,
    Channel,
    DialogueKind,
    FaqSource,
    InquiryStatus,
    IssueStatus,
    NewsKind,
    RatedEvent,
    Side,
    Topic,
)
from .i18n import translated

# ---------------------------------------------------------------------------------------------
# FAQ bank


class Category(models.Model):
    """A heading of the FAQ bank (e.g. customs procedures, tariff, e-payment)."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # {"vi": {"name": ...}, "en": {...}, ...}; a missing language falls back to Vietnamese.
    translations = models.JSONField(_("translations"), default=dict)

    class Meta:
        verbose_name = _("FAQ category")
        verbose_name_plural = _("FAQ categories")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self.translations, "name").text or self.slug


class Faq(models.Model):
    """One question of the bank with its answer in up to five languages (`FaqTranslation`).
    Only published ones are shown to the public."""

    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="faqs"
    )
    # The procedure the question is about (e.g. "tam-nhap-tai-xuat"); empty for general ones.
    procedure = models.SlugField(_("procedure"), max_length=100, blank=True)
    published = models.BooleanField(_("published"), default=False)
    # Handbook sections the answer refers to, as "<chapter-slug>/<section-slug>".
    handbook = models.JSONField(_("handbook sections"), default=list, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=FaqSource.choices, default=FaqSource.CONTENT
    )
    inquiry = models.OneToOneField(
        "Inquiry",
        verbose_name=_("published from inquiry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="faq",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("question and answer")
        verbose_name_plural = _("questions and answers")
        ordering = ["category__order", "slug"]

    def __str__(self) -> str:
        return self.slug


class FaqTranslation(models.Model):
    """The question and its Markdown answer in one language. `search_text` is the question and
    the answer's plain text folded (lower case, no diacritics) for the search fallback."""

    faq = models.ForeignKey(
        Faq, verbose_name=_("question"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=8)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer (Markdown)"))
    answer_text = models.TextField(_("answer (plain text)"), blank=True, editable=False)
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(fields=["faq", "language"], name="portal_faq_one_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.faq.slug} [{self.language}]"


# ---------------------------------------------------------------------------------------------
# Handbook


class HandbookVersion(models.Model):
    """One edition of the operations handbook: its number, publication date and what changed.
    Earlier editions are kept; the latest published one is what readers see."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    published_on = models.DateField(_("published on"))
    changes = models.JSONField(_("what changed"), default=dict, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("handbook version")
        verbose_name_plural = _("handbook versions")
        ordering = ["-published_on", "-version"]

    def __str__(self) -> str:
        return self.version

    @property
    def changes_text(self) -> str:
        return translated({k: {"text": v} for k, v in self.changes.items()}, "text").text


class HandbookChapter(models.Model):
    version = models.ForeignKey(
        HandbookVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="chapters",
    )
    slug = models.SlugField(_("slug"), max_length=100)
    number = models.PositiveIntegerField(_("number"))
    translations = models.JSONField(_("translations"), default=dict)

    class Meta:
        verbose_name = _("handbook chapter")
        verbose_name_plural = _("handbook chapters")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "slug"], name="portal_chapter_slug")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def title(self) -> str:
        return translated(self.translations, "title").text or self.slug


class HandbookSection(models.Model):
    chapter = models.ForeignKey(
        HandbookChapter,
        verbose_name=_("chapter"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    slug = models.SlugField(_("slug"), max_length=100)
    number = models.CharField(_("number"), max_length=20)
    position = models.PositiveIntegerField(_("position"), default=0)
    translations = models.JSONField(_("translations"), default=dict)

    class Meta:
        verbose_name = _("handbook section")
        verbose_name_plural = _("handbook sections")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "slug"], name="portal_section_slug")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def title(self) -> str:
        return translated(self.translations, "title").text or self.slug


# ---------------------------------------------------------------------------------------------
# Partnership: associations (needed by inquiries forwarded on members' behalf)


class Association(models.Model):
    """A business association (hiệp hội doanh nghiệp): its member enterprises and the users
    who act for it (they may forward members' inquiries)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    members = models.ManyToManyField(
        "refdata.Enterprise", verbose_name=_("members"), blank=True, related_name="associations"
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        blank=True,
        related_name="portal_associations",
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("business association")
        verbose_name_plural = _("business associations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _forwarded_by(user: Any) -> Q:
    """Beside their own enterprises' questions, association staff see those they forwarded."""
    return Q(association__in=Association.objects.filter(staff=user))


# ---------------------------------------------------------------------------------------------
# Inquiries (vướng mắc)


class Inquiry(models.Model):
    """A question or difficulty an enterprise raises (itself, through the API, or forwarded by
    its association), about a procedure or a declaration; routed to an office (and an expert),
    answered before `due_at`, escalated to the parent office when late."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="portal_inquiries",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    association = models.ForeignKey(
        Association,
        verbose_name=_("forwarded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("question"))
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inquiries",
    )
    procedure = models.SlugField(_("procedure"), max_length=100, blank=True)
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="portal_inquiries",
    )
    office = models.ForeignKey(
        "refdata.Office",
        verbose_name=_("office answering"),
        on_delete=models.PROTECT,
        related_name="portal_inquiries",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("expert"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="portal_assigned_inquiries",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    visibility = Visibility(
        offices=("office",),
        enterprise="enterprise",
        traders=Reach.DECLARE_FOR,
        also=_forwarded_by,
    )
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="portal_inquiry_due_idx")]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_late(self) -> bool:
        return self.status == InquiryStatus.OPEN and self.due_at < timezone.now()


class InquiryMessage(models.Model):
    """One message of the exchange: the question's follow-ups, customs' answers, the
    enterprise's replies."""

    inquiry = models.ForeignKey(
        Inquiry, verbose_name=_("inquiry"), on_delete=models.CASCADE, related_name="messages"
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("inquiry message")
        verbose_name_plural = _("inquiry messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.inquiry.reference} {self.side} {self.created_at:%Y-%m-%d}"


# ---------------------------------------------------------------------------------------------
# News and subscriptions


class NewsItem(models.Model):
    """News or a policy notice, tagged by topics and HS chapters for subscribers."""

    kind = models.CharField(_("kind"), max_length=10, choices=NewsKind.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text (Markdown)"))
    topics = models.JSONField(_("topics"), default=list, blank=True)
    hs_chapters = models.JSONField(_("HS chapters"), default=list, blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Subscription(models.Model):
    """A user's subscription to a topic or to an HS chapter (two digits)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_subscriptions",
    )
    topic = models.CharField(_("topic"), max_length=20, blank=True, choices=Topic.choices)
    hs_chapter = models.CharField(_("HS chapter"), max_length=2, blank=True)
    by_email = models.BooleanField(_("also by e-mail"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "topic", "hs_chapter"], name="portal_subscription_once"
            ),
            models.CheckConstraint(
                condition=(Q(topic="") & ~Q(hs_chapter="")) | (~Q(topic="") & Q(hs_chapter="")),
                name="portal_subscription_topic_or_chapter",
            ),
        ]

    def __str__(self) -> str:
        return self.topic or f"HS {self.hs_chapter}"


# ---------------------------------------------------------------------------------------------
# Ratings


class Rating(models.Model):
    """An enterprise's rating (1-5) of the service after a declaration was cleared or an
    inquiry answered. One per event, only by the party served."""

    event = models.CharField(_("rated event"), max_length=24, choices=RatedEvent.choices)
    declaration = models.OneToOneField(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="portal_rating",
    )
    inquiry = models.OneToOneField(
        Inquiry,
        verbose_name=_("inquiry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rating",
    )
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="portal_ratings",
    )
    office = models.ForeignKey(
        "refdata.Office",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="portal_ratings",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_ratings_received",
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.PROTECT,
        related_name="portal_ratings_given",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    # Read as reports, by the office's leaders (the report's permission says who reads them).
    visibility = Visibility(offices=("office",))
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="portal_rating_score_1_5"
            ),
            models.CheckConstraint(
                condition=(Q(declaration__isnull=False) & Q(inquiry__isnull=True))
                | (Q(declaration__isnull=True) & Q(inquiry__isnull=False)),
                name="portal_rating_one_subject",
            ),
        ]
        indexes = [models.Index(fields=["office", "created_at"], name="portal_rating_office_idx")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} {self.score}/5"


# ---------------------------------------------------------------------------------------------
# CDCI: the competitiveness survey of customs units


class Campaign(models.Model):
    """One round of the CDCI survey: enterprises score customs units on criteria."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=255)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(
        _("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_campaigns",
    )
    offices = models.ManyToManyField(
        "refdata.Office", verbose_name=_("units scored"), related_name="cdci_campaigns"
    )

    class Meta:
        verbose_name = _("CDCI campaign")
        verbose_name_plural = _("CDCI campaigns")
        ordering = ["-opens_on"]

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.SlugField(_("code"), max_length=40)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="portal_criterion_code")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "vi").startswith("vi"):
            return self.name_vi
        return self.name_en or self.name_vi


class CampaignResponse(models.Model):
    """One enterprise's scores of one customs unit in one campaign."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="responses"
    )
    enterprise = models.ForeignKey(
        "refdata.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT
    )
    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("unit scored"), on_delete=models.PROTECT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT
    )
    # {"<criterion code>": score 1-10}
    scores = models.JSONField(_("scores"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("CDCI response")
        verbose_name_plural = _("CDCI responses")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "enterprise", "office"], name="portal_cdci_response_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} {self.office_id} {self.enterprise_id}"


# ---------------------------------------------------------------------------------------------
# Partnership: agreements and dialogues


class Agreement(models.Model):
    """A coordination agreement (quy chế phối hợp) between a customs office and business
    associations or enterprises: its commitments and review dates."""

    title = models.CharField(_("title"), max_length=255)
    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("customs party"), on_delete=models.PROTECT
    )
    associations = models.ManyToManyField(
        Association, verbose_name=_("associations"), blank=True, related_name="agreements"
    )
    enterprises = models.ManyToManyField(
        "refdata.Enterprise", verbose_name=_("enterprises"), blank=True, related_name="+"
    )
    signed_on = models.DateField(_("signed on"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    commitments = models.JSONField(_("commitments"), default=list, blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("coordination agreement")
        verbose_name_plural = _("coordination agreements")
        ordering = ["-signed_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def review_overdue(self) -> bool:
        return bool(
            self.status == AgreementStatus.ACTIVE
            and self.next_review_on
            and self.next_review_on < timezone.localdate()
        )


class AgreementReview(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewed_on = models.DateField(_("reviewed on"))
    notes = models.TextField(_("notes"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("agreement review")
        verbose_name_plural = _("agreement reviews")
        ordering = ["-reviewed_on"]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.reviewed_on}"


class Dialogue(models.Model):
    """A dialogue or consultation with the business community (đối thoại, tham vấn)."""

    kind = models.CharField(_("kind"), max_length=12, choices=DialogueKind.choices)
    title = models.CharField(_("title"), max_length=255)
    held_on = models.DateField(_("held on"))
    office = models.ForeignKey("refdata.Office", verbose_name=_("office"), on_delete=models.PROTECT)
    associations = models.ManyToManyField(
        Association, verbose_name=_("associations"), blank=True, related_name="dialogues"
    )
    participants = models.TextField(_("participants"))
    topics = models.TextField(_("topics"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("dialogue")
        verbose_name_plural = _("dialogues")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title


class DialogueIssue(models.Model):
    """A difficulty raised at a dialogue, followed up until closed."""

    dialogue = models.ForeignKey(
        Dialogue, verbose_name=_("dialogue"), on_delete=models.CASCADE, related_name="issues"
    )
    description = models.TextField(_("difficulty raised"))
    raised_by = models.CharField(_("raised by"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=IssueStatus.choices, default=IssueStatus.OPEN
    )
    follow_up = models.TextField(_("follow-up"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("difficulty raised")
        verbose_name_plural = _("difficulties raised")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:60]
