from django.db import models
from django.utils.translation import gettext_lazy as _

# The portal's five languages, as the content files spell them (Django's locale names).
CONTENT_LANGUAGES = ("vi", "en", "ja", "zh_Hans", "ko")
DEFAULT_CONTENT_LANGUAGE = "vi"


class FaqSource(models.TextChoices):
    CONTENT = "content", _("Question bank")
    INQUIRY = "inquiry", _("Published from an inquiry")


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    API = "api", _("API")
    ASSOCIATION = "association", _("Forwarded by a business association")


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


OPEN_INQUIRY_STATUSES = frozenset({InquiryStatus.OPEN})


class Side(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    CUSTOMS = "customs", _("Customs")


class NewsKind(models.TextChoices):
    NEWS = "news", _("News")
    POLICY = "policy", _("Policy notice")


class Topic(models.TextChoices):
    PROCEDURES = "procedures", _("Customs procedures")
    TARIFF = "tariff", _("Tariff and duties")
    PAYMENT = "payment", _("Electronic payment")
    ORIGIN = "origin", _("Rules of origin and FTAs")
    SINGLE_WINDOW = "single_window", _("National Single Window")
    TRANSIT = "transit", _("Transit and e-seals")
    INSPECTION = "inspection", _("Specialised inspection")
    SYSTEM = "system", _("Systems and outages")


class RatedEvent(models.TextChoices):
    DECLARATION_CLEARED = "declaration_cleared", _("Declaration cleared")
    INQUIRY_ANSWERED = "inquiry_answered", _("Inquiry answered")


class RatingReason(models.TextChoices):
    FAST = "fast", _("Fast")
    CLEAR = "clear", _("Clear guidance")
    COURTEOUS = "courteous", _("Courteous staff")
    ONLINE = "online", _("Everything done online")
    SLOW = "slow", _("Slow")
    UNCLEAR = "unclear", _("Unclear or contradictory guidance")
    EXTRA_DOCUMENTS = "extra_documents", _("Documents asked beyond the rules")
    DISCOURTEOUS = "discourteous", _("Discourteous staff")
    SYSTEM_ERRORS = "system_errors", _("System errors")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for responses")
    CLOSED = "closed", _("Closed")


class AgreementStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    ENDED = "ended", _("Ended")


class DialogueKind(models.TextChoices):
    DIALOGUE = "dialogue", _("Dialogue")
    CONSULTATION = "consultation", _("Consultation")


class IssueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("Being followed up")
    CLOSED = "closed", _("Closed")
