"""The partnership with the business community: associations and their members, coordination
agreements (parties, commitments, review dates) and dialogues or consultations with the
difficulties raised there followed up to closure, each with its report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import FieldProblem, Forbidden, ValidationFailed
from haiquan.refdata.models import Enterprise, Office

from .choices import DialogueKind, IssueStatus
from .models import Agreement, AgreementReview, Association, Dialogue, DialogueIssue
from .permissions import manages_partnership, manages_partnership_of


def _require_manager(actor: User, office: Office | None = None) -> None:
    """Leaders and administrators; for an office's agreement or dialogue, a leader of it."""
    if not manages_partnership(actor):
        raise Forbidden(_("The partnership is kept by leaders."))
    if office is not None and not manages_partnership_of(actor, office):
        raise Forbidden(_("This office is outside your offices."))


def _office(code: str, errors: list[FieldProblem]) -> Office | None:
    office = Office.objects.filter(code=code).first()
    if office is None:
        errors.append(FieldProblem("office_code", _("no customs office with this code")))
    return office


def _associations(codes: list[str], errors: list[FieldProblem]) -> list[Association]:
    found = list(Association.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {a.code for a in found})
    if missing:
        errors.append(
            FieldProblem("association_codes", _("unknown: %(c)s") % {"c": ", ".join(missing)})
        )
    return found


def association_save(
    *,
    actor: User,
    code: str,
    name: str,
    name_en: str = "",
    member_msts: list[str] | None = None,
    staff_usernames: list[str] | None = None,
    contact_email: str = "",
) -> Association:
    """Create or update an association with its members and the users acting for it."""
    _require_manager(actor)
    errors: list[FieldProblem] = []
    if not code.strip() or not name.strip():
        errors.append(FieldProblem("name", _("code and name are required"), "required"))
    members = list(Enterprise.objects.filter(mst__in=member_msts or []))
    missing = sorted(set(member_msts or []) - {e.mst for e in members})
    if missing:
        errors.append(FieldProblem("member_msts", _("unknown: %(c)s") % {"c": ", ".join(missing)}))
    staff = list(User.objects.filter(username__in=staff_usernames or []))
    if len(staff) != len(set(staff_usernames or [])):
        errors.append(FieldProblem("staff_usernames", _("unknown user name(s)")))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        association, _created = Association.objects.update_or_create(
            code=code.strip(),
            defaults={"name": name.strip(), "name_en": name_en, "contact_email": contact_email},
        )
        if member_msts is not None:
            association.members.set(members)
        if staff_usernames is not None:
            association.staff.set(staff)
    return association


def agreement_create(
    *,
    actor: User,
    title: str,
    office_code: str,
    signed_on: date,
    commitments: list[str],
    association_codes: list[str] | None = None,
    enterprise_msts: list[str] | None = None,
    valid_to: date | None = None,
    next_review_on: date | None = None,
) -> Agreement:
    """A coordination agreement between an office and associations or enterprises."""
    _require_manager(actor)
    errors: list[FieldProblem] = []
    office = _office(office_code, errors)
    if office is not None:
        _require_manager(actor, office)
    associations = _associations(association_codes or [], errors)
    enterprises = list(Enterprise.objects.filter(mst__in=enterprise_msts or []))
    if not title.strip():
        errors.append(FieldProblem("title", _("this field is required"), "required"))
    if not associations and not enterprises:
        errors.append(FieldProblem("association_codes", _("name at least one business party")))
    cleaned = [c.strip() for c in commitments if c.strip()]
    if not cleaned:
        errors.append(FieldProblem("commitments", _("list at least one commitment")))
    if valid_to and valid_to < signed_on:
        errors.append(FieldProblem("valid_to", _("must not be before the signing date")))
    if errors or office is None:
        raise ValidationFailed(errors)
    with transaction.atomic():
        agreement = Agreement.objects.create(
            title=title.strip(),
            office=office,
            signed_on=signed_on,
            valid_to=valid_to,
            commitments=cleaned,
            next_review_on=next_review_on,
        )
        agreement.associations.set(associations)
        agreement.enterprises.set(enterprises)
    return agreement


def agreement_review_record(
    *,
    actor: User,
    agreement: Agreement,
    reviewed_on: date,
    notes: str,
    next_review_on: date | None = None,
) -> AgreementReview:
    """Record a review of the agreement and set the next review date."""
    _require_manager(actor, agreement.office)
    if not notes.strip():
        raise ValidationFailed([FieldProblem("notes", _("this field is required"), "required")])
    if next_review_on and next_review_on <= reviewed_on:
        raise ValidationFailed([FieldProblem("next_review_on", _("must be after the review"))])
    with transaction.atomic():
        review = AgreementReview.objects.create(
            agreement=agreement, reviewed_on=reviewed_on, notes=notes.strip(), reviewed_by=actor
        )
        agreement.next_review_on = next_review_on
        agreement.save(update_fields=["next_review_on"])
    return review


@dataclass(frozen=True)
class IssueInput:
    description: str
    raised_by: str = ""


def dialogue_create(
    *,
    actor: User,
    kind: str,
    title: str,
    held_on: date,
    office_code: str,
    participants: str,
    topics: str,
    issues: list[IssueInput],
    association_codes: list[str] | None = None,
) -> Dialogue:
    """Record a dialogue or consultation and the difficulties raised there."""
    _require_manager(actor)
    errors: list[FieldProblem] = []
    if kind not in DialogueKind.values:
        errors.append(FieldProblem("kind", _("unknown kind")))
    office = _office(office_code, errors)
    if office is not None:
        _require_manager(actor, office)
    associations = _associations(association_codes or [], errors)
    for name, value in (("title", title), ("participants", participants), ("topics", topics)):
        if not value.strip():
            errors.append(FieldProblem(name, _("this field is required"), "required"))
    if errors or office is None:
        raise ValidationFailed(errors)
    with transaction.atomic():
        dialogue = Dialogue.objects.create(
            kind=kind,
            title=title.strip(),
            held_on=held_on,
            office=office,
            participants=participants.strip(),
            topics=topics.strip(),
            created_by=actor,
        )
        dialogue.associations.set(associations)
        DialogueIssue.objects.bulk_create(
            [
                DialogueIssue(
                    dialogue=dialogue, description=i.description.strip(), raised_by=i.raised_by
                )
                for i in issues
                if i.description.strip()
            ]
        )
    return dialogue


def dialogue_issue_update(
    *, actor: User, issue: DialogueIssue, status: str, follow_up: str
) -> DialogueIssue:
    """Follow a difficulty up; closing it needs the follow-up that settled it."""
    _require_manager(actor, issue.dialogue.office)
    errors: list[FieldProblem] = []
    if status not in IssueStatus.values:
        errors.append(FieldProblem("status", _("unknown status")))
    if status == IssueStatus.CLOSED and not (follow_up.strip() or issue.follow_up):
        errors.append(FieldProblem("follow_up", _("say how it was settled before closing it")))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        issue.status = status
        if follow_up.strip():
            issue.follow_up = follow_up.strip()
        issue.closed_at = timezone.now() if status == IssueStatus.CLOSED else None
        issue.save(update_fields=["status", "follow_up", "closed_at"])
    return issue


@dataclass
class DialogueReport:
    dialogue: Dialogue
    issues: list[DialogueIssue]
    open_count: int
    closed_count: int

    @property
    def closed_share(self) -> float | None:
        total = self.open_count + self.closed_count
        return self.closed_count / total if total else None


def dialogue_report(dialogue: Dialogue) -> DialogueReport:
    issues = list(dialogue.issues.all())
    closed = sum(1 for i in issues if i.status == IssueStatus.CLOSED)
    return DialogueReport(dialogue, issues, len(issues) - closed, closed)
