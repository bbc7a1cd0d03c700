"""Writes of the FAQ bank and of inquiries (vướng mắc). Each is one transaction that also
appends its event to the event log (inquiry lifecycle: submitted, routed, answered, replied,
escalated, closed, published to the FAQ)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from unidecode import unidecode

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind
from haiquan.refdata.models import Enterprise, Office

from .choices import CONTENT_LANGUAGES, Channel, FaqSource, InquiryStatus, Side
from .conf import portal_setting
from .models import Association, Category, Faq, FaqTranslation, Inquiry, InquiryMessage
from .notifications import Text, notify
from .permissions import acts_for_enterprise, office_leaders, works_office
from .text import fold, markdown_text

SUBJECT_MAX = 255
BODY_MAX = 10_000

# ---------------------------------------------------------------------------------------------
# FAQ bank


@dataclass(frozen=True)
class FaqText:
    question: str
    answer: str


def _translation_fields(text: FaqText) -> dict[str, str]:
    answer_text = markdown_text(text.answer)
    return {
        "question": text.question.strip(),
        "answer": text.answer.strip(),
        "answer_text": answer_text,
        "search_text": fold(text.question + " " + answer_text),
    }


def faq_save(
    *,
    slug: str,
    category: Category,
    translations: dict[str, FaqText],
    procedure: str = "",
    published: bool = True,
    handbook: list[str] | None = None,
    source: str = FaqSource.CONTENT,
    inquiry: Inquiry | None = None,
    replace_translations: bool = True,
) -> Faq:
    """Create or update a question by its slug with its texts. Vietnamese is required: it is
    what every other language falls back to."""
    errors = []
    vi = translations.get("vi")
    if vi is None or not vi.question.strip() or not vi.answer.strip():
        errors.append(
            FieldProblem("translations.vi", _("the Vietnamese question and answer are required"))
        )
    for lang in translations:
        if lang not in CONTENT_LANGUAGES:
            errors.append(
                FieldProblem(
                    f"translations.{lang}",
                    _("unknown language; use one of %(langs)s")
                    % {"langs": ", ".join(CONTENT_LANGUAGES)},
                )
            )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        faq, _created = Faq.objects.update_or_create(
            slug=slug,
            defaults={
                "category": category,
                "procedure": procedure,
                "published": published,
                "handbook": list(handbook or []),
                "source": source,
                "inquiry": inquiry,
            },
        )
        for lang, text in translations.items():
            if not text.question.strip() or not text.answer.strip():
                continue
            FaqTranslation.objects.update_or_create(
                faq=faq, language=lang, defaults=_translation_fields(text)
            )
        if replace_translations:
            faq.translations.exclude(language__in=list(translations)).delete()
    return faq


def faq_set_published(*, faq: Faq, published: bool, actor: User) -> Faq:
    """Publish a draft question or take one back to draft."""
    if not actor.is_customs:
        raise Forbidden(_("Only customs staff publish questions."))
    with transaction.atomic():
        faq.published = published
        faq.save(update_fields=["published", "updated_at"])
    return faq


# ---------------------------------------------------------------------------------------------
# Inquiries


def _answer_days() -> int:
    return int(portal_setting("PORTAL_INQUIRY_ANSWER_DAYS"))


def _inquiry_event(
    inquiry: Inquiry,
    kind: EventKind,
    actor: User | None,
    party: Party,
    data: dict[str, Any] | None = None,
) -> None:
    kind.record(
        subject_type="portal.inquiry",
        subject_id=inquiry.pk,
        party=party,
        actor=actor,
        actor_label="" if actor is not None else "system",
        declaration_id=inquiry.declaration_id,
        office_code=inquiry.office.code,
        data={"reference": inquiry.reference, **(data or {})},
    )


def _enterprise_users(inquiry: Inquiry) -> list[User]:
    """Who hears about an inquiry on the enterprise's side: its declarants and whoever filed it."""
    users = list(
        User.objects.filter(
            role=Role.DECLARANT, enterprises=inquiry.enterprise, is_active=True
        ).distinct()
    )
    users.append(inquiry.submitted_by)
    return users


def _inquiry_url(inquiry: Inquiry) -> str:
    return reverse("portal:inquiry_detail", args=[inquiry.reference])


def _text(value: str, field: str, maximum: int, errors: list[FieldProblem]) -> str:
    value = (value or "").strip()
    if not value:
        errors.append(FieldProblem(field, _("this field is required"), "required"))
    elif len(value) > maximum:
        errors.append(
            FieldProblem(field, _("at most %(n)d characters") % {"n": maximum}, "too-long")
        )
    return value


@dataclass(frozen=True)
class InquiryInput:
    enterprise_mst: str
    subject: str
    body: str
    channel: str = Channel.WEB
    procedure: str = ""
    category: str = ""
    declaration_number: str = ""
    office_code: str = ""
    association_code: str = ""


def inquiry_submit(*, actor: User, data: InquiryInput, now: datetime | None = None) -> Inquiry:
    """An enterprise files an inquiry about a procedure or a declaration (itself, through its
    software, or through its business association). It goes to the declaration's office, or to
    the office the enterprise names, with a time limit to answer."""
    now = now or timezone.now()
    errors: list[FieldProblem] = []
    subject = _text(data.subject, "subject", SUBJECT_MAX, errors)
    body = _text(data.body, "body", BODY_MAX, errors)
    if data.channel not in Channel.values:
        errors.append(FieldProblem("channel", _("unknown channel")))
    enterprise = Enterprise.objects.filter(mst=(data.enterprise_mst or "").strip()).first()
    if enterprise is None:
        errors.append(
            FieldProblem("enterprise_mst", _("no enterprise with this tax code"), "unknown")
        )
    association = _inquiry_association(actor, data, enterprise, errors)
    category = _inquiry_category(data.category, errors)
    number = (data.declaration_number or "").strip()
    declaration = _inquiry_declaration(actor, number, enterprise, association, errors)
    office = _inquiry_office(declaration, data.office_code, number, errors)
    if errors:
        raise ValidationFailed(errors)
    assert enterprise is not None and office is not None
    channel = Channel.ASSOCIATION if association is not None else data.channel
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            # A unique placeholder until the id gives the reference, in the same transaction.
            reference="t" + uuid.uuid4().hex[:19],
            enterprise=enterprise,
            submitted_by=actor,
            channel=channel,
            association=association,
            subject=subject,
            body=body,
            category=category,
            procedure=slugify(data.procedure)[:100],
            declaration=declaration,
            office=office,
            submitted_at=now,
            due_at=now + timedelta(days=_answer_days()),
        )
        inquiry.reference = f"VM{now:%Y}-{inquiry.pk:06d}"
        inquiry.save(update_fields=["reference"])
        _inquiry_event(
            inquiry,
            kinds.INQUIRY_SUBMITTED,
            actor,
            Party.TRADER,
            {"channel": channel, "due_at": inquiry.due_at.isoformat()},
        )
    return inquiry


def _inquiry_association(
    actor: User, data: InquiryInput, enterprise: Enterprise | None, errors: list[FieldProblem]
) -> Association | None:
    """The business association the actor files through, if any, with the enterprise among its
    members; without one, the actor must act for the enterprise (else refused outright)."""
    if data.association_code or data.channel == Channel.ASSOCIATION:
        association = Association.objects.filter(code=data.association_code, staff=actor).first()
        if association is None:
            errors.append(
                FieldProblem(
                    "association_code",
                    _("you do not act for a business association with this code"),
                )
            )
        elif enterprise is not None and not association.members.filter(pk=enterprise.pk).exists():
            errors.append(
                FieldProblem(
                    "enterprise_mst", _("this enterprise is not a member of the association")
                )
            )
        return association
    if enterprise is not None and not acts_for_enterprise(actor, enterprise):
        raise Forbidden(_("You do not act for this enterprise."))
    return None


def _inquiry_category(slug: str, errors: list[FieldProblem]) -> Category | None:
    if not slug:
        return None
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        errors.append(FieldProblem("category", _("unknown category")))
    return category


def _inquiry_declaration(
    actor: User,
    number: str,
    enterprise: Enterprise | None,
    association: Association | None,
    errors: list[FieldProblem],
) -> Declaration | None:
    """The enterprise's declaration the inquiry is about, by its number (None without one)."""
    if not number:
        return None
    candidates: QuerySet[Declaration]
    if association is not None:
        # An association sees no declarations itself: the member's own, by number.
        candidates = Declaration.objects.filter(number=number, enterprise=enterprise)
    else:
        candidates = Declaration.objects.visible_to(actor).filter(number=number)
    declaration = candidates.select_related("office").first()
    if declaration is None or (
        enterprise is not None and declaration.enterprise_id != enterprise.pk
    ):
        errors.append(
            FieldProblem(
                "declaration_number",
                _("no declaration of this enterprise with this number"),
                "unknown",
            )
        )
        return None
    return declaration


def _inquiry_office(
    declaration: Declaration | None, office_code: str, number: str, errors: list[FieldProblem]
) -> Office | None:
    """The office to answer: the declaration's, else the one named (one of them is needed)."""
    if declaration is not None:
        return declaration.office
    if office_code:
        office = Office.objects.filter(code=office_code.strip()).first()
        if office is None:
            errors.append(FieldProblem("office_code", _("no customs office with this code")))
        return office
    if not number:
        errors.append(
            FieldProblem(
                "office_code",
                _("name the customs office to answer, or the declaration it is about"),
                "required",
            )
        )
    return None


def _customs_for(inquiry: Inquiry, actor: User) -> None:
    if not works_office(actor, inquiry.office):
        raise Forbidden(_("This inquiry is answered by an office you do not work."))


def _locked(inquiry: Inquiry) -> Inquiry:
    return (
        Inquiry.objects.select_for_update(of=("self",))
        .select_related("office", "enterprise")
        .get(pk=inquiry.pk)
    )


def inquiry_route(
    *,
    inquiry: Inquiry,
    actor: User,
    office_code: str = "",
    assignee: str = "",
    category: str = "",
    procedure: str | None = None,
) -> Inquiry:
    """Classify an inquiry (category, procedure) and route it to an office or an expert."""
    _customs_for(inquiry, actor)
    errors: list[FieldProblem] = []
    office = inquiry.office
    if office_code:
        found = Office.objects.filter(code=office_code).first()
        if found is None:
            errors.append(FieldProblem("office_code", _("no customs office with this code")))
        else:
            office = found
    expert = None
    if assignee:
        expert = User.objects.filter(
            username=assignee, is_active=True, role__in=[Role.OFFICER, Role.LEADER]
        ).first()
        if expert is None:
            errors.append(FieldProblem("assignee", _("no active officer with this user name")))
        elif not works_office(expert, office):
            errors.append(FieldProblem("assignee", _("this officer does not work the office")))
    cat = None
    if category:
        cat = Category.objects.filter(slug=category).first()
        if cat is None:
            errors.append(FieldProblem("category", _("unknown category")))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _locked(inquiry)
        if locked.status == InquiryStatus.CLOSED:
            raise Conflict(_("This inquiry is closed."))
        locked.office = office
        locked.assignee = expert
        if cat is not None:
            locked.category = cat
        if procedure is not None:
            locked.procedure = slugify(procedure)[:100]
        locked.save(update_fields=["office", "assignee", "category", "procedure"])
        _inquiry_event(
            locked,
            kinds.INQUIRY_ROUTED,
            actor,
            Party.CUSTOMS,
            {"office": office.code, "assignee": expert.username if expert else ""},
        )
        if expert is not None:
            notify(
                kind=kinds.INQUIRY_ROUTED.code,
                users=[expert],
                title=Text(
                    gettext_noop("Inquiry %(ref)s is yours to answer"), {"ref": locked.reference}
                ),
                body=locked.subject,
                url=_inquiry_url(locked),
            )
    return locked


def inquiry_answer(*, inquiry: Inquiry, actor: User, body: str) -> InquiryMessage:
    """Customs answers; the enterprise is told in the portal and by e-mail."""
    _customs_for(inquiry, actor)
    errors: list[FieldProblem] = []
    text = _text(body, "body", BODY_MAX, errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _locked(inquiry)
        if locked.status == InquiryStatus.CLOSED:
            raise Conflict(_("This inquiry is closed."))
        now = timezone.now()
        message = InquiryMessage.objects.create(
            inquiry=locked, side=Side.CUSTOMS, author=actor, body=text, created_at=now
        )
        locked.status = InquiryStatus.ANSWERED
        locked.answered_at = now
        if locked.assignee_id is None:
            locked.assignee = actor
        locked.save(update_fields=["status", "answered_at", "assignee"])
        _inquiry_event(
            locked,
            kinds.INQUIRY_ANSWERED,
            actor,
            Party.CUSTOMS,
            {"late": now > locked.due_at},
        )
        notify(
            kind=kinds.INQUIRY_ANSWERED.code,
            users=_enterprise_users(locked),
            enterprises=[locked.enterprise],
            subject_type="inquiry",
            subject_id=locked.pk,
            reference=locked.reference,
            title=Text(
                gettext_noop("Customs answered your inquiry %(ref)s"), {"ref": locked.reference}
            ),
            body=locked.subject,
            url=_inquiry_url(locked),
        )
    inquiry.refresh_from_db()
    return message


def inquiry_reply(*, inquiry: Inquiry, actor: User, body: str) -> InquiryMessage:
    """The enterprise (or its association) replies: the inquiry is open again with a new time
    limit, and the officer is told."""
    if not _enterprise_side(actor, inquiry):
        raise Forbidden(_("Only the enterprise that filed this inquiry may reply."))
    errors: list[FieldProblem] = []
    text = _text(body, "body", BODY_MAX, errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _locked(inquiry)
        if locked.status == InquiryStatus.CLOSED:
            raise Conflict(_("This inquiry is closed."))
        now = timezone.now()
        message = InquiryMessage.objects.create(
            inquiry=locked, side=Side.ENTERPRISE, author=actor, body=text, created_at=now
        )
        if locked.status == InquiryStatus.ANSWERED:
            locked.status = InquiryStatus.OPEN
            locked.due_at = now + timedelta(days=_answer_days())
            locked.escalated_at = None
            locked.save(update_fields=["status", "due_at", "escalated_at"])
        _inquiry_event(locked, kinds.INQUIRY_REPLIED, actor, Party.TRADER)
        if locked.assignee is not None:
            notify(
                kind=kinds.INQUIRY_REPLIED.code,
                users=[locked.assignee],
                title=Text(
                    gettext_noop("The enterprise replied on inquiry %(ref)s"),
                    {"ref": locked.reference},
                ),
                body=locked.subject,
                url=_inquiry_url(locked),
            )
    inquiry.refresh_from_db()
    return message


def _enterprise_side(user: User, inquiry: Inquiry) -> bool:
    if acts_for_enterprise(user, inquiry.enterprise):
        return True
    return bool(
        inquiry.association_id
        and inquiry.association is not None
        and inquiry.association.staff.filter(pk=user.pk).exists()
    )


def inquiry_close(*, inquiry: Inquiry, actor: User) -> Inquiry:
    """Close an answered inquiry (the enterprise is satisfied, or customs closes it)."""
    if not (_enterprise_side(actor, inquiry) or works_office(actor, inquiry.office)):
        raise Forbidden(_("You may not close this inquiry."))
    with transaction.atomic():
        locked = _locked(inquiry)
        if locked.status != InquiryStatus.ANSWERED:
            raise Conflict(_("Only an answered inquiry can be closed."))
        locked.status = InquiryStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        party = Party.CUSTOMS if actor.is_customs else Party.TRADER
        _inquiry_event(locked, kinds.INQUIRY_CLOSED, actor, party)
    return locked


def inquiry_escalate_if_late(*, inquiry: Inquiry, now: datetime | None = None) -> bool:
    """An inquiry still unanswered past its time limit is escalated once per time limit: the
    leaders of its office and of the offices above are told, and it shows as escalated. Called
    by `haiquan portal_escalate` (cron) and whenever an inquiry is read."""
    now = now or timezone.now()
    if inquiry.status != InquiryStatus.OPEN or inquiry.due_at >= now or inquiry.escalated_at:
        return False
    with transaction.atomic():
        locked = _locked(inquiry)
        if locked.status != InquiryStatus.OPEN or locked.due_at >= now or locked.escalated_at:
            return False
        locked.escalated_at = now
        locked.escalation_level += 1
        locked.save(update_fields=["escalated_at", "escalation_level"])
        _inquiry_event(
            locked,
            kinds.INQUIRY_ESCALATED,
            None,
            Party.SYSTEM,
            {"due_at": locked.due_at.isoformat(), "level": locked.escalation_level},
        )
        recipients = office_leaders(locked.office)
        if locked.assignee is not None:
            recipients.append(locked.assignee)
        notify(
            kind=kinds.INQUIRY_ESCALATED.code,
            users=recipients,
            title=Text(
                gettext_noop("Inquiry %(ref)s is past its time limit"), {"ref": locked.reference}
            ),
            body=locked.subject,
            url=_inquiry_url(locked),
        )
    inquiry.escalated_at = locked.escalated_at
    inquiry.escalation_level = locked.escalation_level
    return True


def inquiries_escalate_due(*, now: datetime | None = None) -> int:
    """Escalate every late inquiry; how many were escalated."""
    now = now or timezone.now()
    count = 0
    late = Inquiry.objects.filter(
        status=InquiryStatus.OPEN, due_at__lt=now, escalated_at__isnull=True
    ).select_related("office")
    for inquiry in late.iterator(chunk_size=200):
        count += inquiry_escalate_if_late(inquiry=inquiry, now=now)
    return count


# --- Publishing an answer to the FAQ bank ----------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)[\d .-]{8,12}\d(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d{10,14}(?:-\d{3})?(?!\d)")


def anonymise(text: str, inquiry: Inquiry) -> str:
    """The text without what identifies the enterprise: its name, tax code, declaration
    numbers, e-mail addresses and phone numbers."""
    out = text or ""
    ent = inquiry.enterprise
    for name in {ent.name, ent.name_en, inquiry.submitted_by.get_full_name()}:
        name = (name or "").strip()
        if len(name) >= 3:
            out = re.sub(re.escape(name), _("[the enterprise]"), out, flags=re.IGNORECASE)
    out = _EMAIL.sub(_("[e-mail]"), out)
    out = _LONG_NUMBER.sub(_("[number]"), out)
    out = _PHONE.sub(_("[phone]"), out)
    return out


def inquiry_publish_to_faq(
    *,
    inquiry: Inquiry,
    actor: User,
    question: str = "",
    answer: str = "",
    category: str = "",
    language: str = "vi",
) -> Faq:
    """Publish a good answer to the FAQ bank in one step, anonymised. The question and answer
    default to the inquiry's question and last answer; whatever is given is anonymised too."""
    _customs_for(inquiry, actor)
    if inquiry.status not in (InquiryStatus.ANSWERED, InquiryStatus.CLOSED):
        raise Conflict(_("Only an answered inquiry can be published."))
    if Faq.objects.filter(inquiry=inquiry).exists():
        raise Conflict(_("This inquiry is already in the FAQ bank."))
    last_answer = inquiry.messages.filter(side=Side.CUSTOMS).order_by("-created_at").first()
    errors: list[FieldProblem] = []
    if language not in CONTENT_LANGUAGES:
        errors.append(FieldProblem("language", _("unknown language")))
    cat = Category.objects.filter(slug=category).first() if category else inquiry.category
    if cat is None:
        errors.append(FieldProblem("category", _("choose the FAQ category"), "required"))
    question_text = anonymise((question or inquiry.body).strip(), inquiry)
    answer_text = anonymise((answer or (last_answer.body if last_answer else "")).strip(), inquiry)
    if not answer_text:
        errors.append(FieldProblem("answer", _("this field is required"), "required"))
    if errors:
        raise ValidationFailed(errors)
    assert cat is not None
    base = slugify(unidecode(question_text))[:80].strip("-") or "hoi-dap"
    with transaction.atomic():
        texts = {language: FaqText(question_text, answer_text)}
        if language != "vi":
            # Vietnamese is the fallback of every language: keep the same text there too.
            texts["vi"] = FaqText(question_text, answer_text)
        faq = faq_save(
            slug=f"{base}-{inquiry.reference.lower()}",
            category=cat,
            translations=texts,
            procedure=inquiry.procedure,
            published=True,
            source=FaqSource.INQUIRY,
            inquiry=inquiry,
        )
        _inquiry_event(
            inquiry, kinds.INQUIRY_PUBLISHED_TO_FAQ, actor, Party.CUSTOMS, {"faq": faq.slug}
        )
    return faq
