"""CDCI-style campaigns (Chỉ số năng lực cạnh tranh cấp Sở, ngành, địa phương — the customs
units' version): enterprises score the units they deal with on a set of criteria (1-10); each
unit's result is the weighted mean of its criteria means, ranked, with the change from the
previous campaign."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ValidationFailed
from haiquan.refdata.models import Enterprise, Office

from .choices import CampaignStatus
from .models import Campaign, CampaignResponse, Criterion
from .permissions import acts_for_enterprise, manages_partnership

MIN_SCORE, MAX_SCORE = 1, 10


@dataclass(frozen=True)
class CriterionInput:
    code: str
    name_vi: str
    name_en: str = ""
    weight: Decimal = Decimal(1)


def campaign_create(
    *,
    actor: User,
    code: str,
    title: str,
    opens_on: date,
    closes_on: date,
    office_codes: list[str],
    criteria: list[CriterionInput],
    previous_code: str = "",
) -> Campaign:
    """A new campaign with the units to score and the criteria (a draft until opened)."""
    if not manages_partnership(actor):
        raise Forbidden(_("Campaigns are run by leaders."))
    errors: list[FieldProblem] = []
    if Campaign.objects.filter(code=code).exists():
        errors.append(FieldProblem("code", _("a campaign with this code exists"), "duplicate"))
    if closes_on < opens_on:
        errors.append(FieldProblem("closes_on", _("must not be before the opening date")))
    offices = list(Office.objects.filter(code__in=office_codes))
    missing = sorted(set(office_codes) - {o.code for o in offices})
    if missing or not offices:
        errors.append(
            FieldProblem(
                "office_codes", _("unknown or no offices: %(c)s") % {"c": ", ".join(missing)}
            )
        )
    codes = [c.code for c in criteria]
    if not criteria or len(set(codes)) != len(codes):
        errors.append(FieldProblem("criteria", _("at least one criterion, each code once")))
    if any(c.weight <= 0 for c in criteria):
        errors.append(FieldProblem("criteria", _("weights must be positive")))
    previous = None
    if previous_code:
        previous = Campaign.objects.filter(code=previous_code).first()
        if previous is None:
            errors.append(FieldProblem("previous_code", _("no campaign with this code")))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            code=code, title=title, opens_on=opens_on, closes_on=closes_on, previous=previous
        )
        campaign.offices.set(offices)
        Criterion.objects.bulk_create(
            [
                Criterion(
                    campaign=campaign,
                    code=c.code,
                    name_vi=c.name_vi,
                    name_en=c.name_en,
                    weight=c.weight,
                    order=i,
                )
                for i, c in enumerate(criteria)
            ]
        )
    return campaign


def campaign_set_status(*, actor: User, campaign: Campaign, status: str) -> Campaign:
    if not manages_partnership(actor):
        raise Forbidden(_("Campaigns are run by leaders."))
    if status not in CampaignStatus.values:
        raise ValidationFailed([FieldProblem("status", _("unknown status"))])
    campaign.status = status
    campaign.save(update_fields=["status"])
    return campaign


def cdci_response_submit(
    *,
    actor: User,
    campaign: Campaign,
    enterprise_mst: str,
    office_code: str,
    scores: dict[str, int],
    comment: str = "",
) -> CampaignResponse:
    """An enterprise scores one unit on every criterion of an open campaign, once."""
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict(_("This campaign is not open for responses."), code="campaign-closed")
    errors: list[FieldProblem] = []
    enterprise = Enterprise.objects.filter(mst=enterprise_mst).first()
    if enterprise is None:
        errors.append(FieldProblem("enterprise_mst", _("no enterprise with this tax code")))
    elif not acts_for_enterprise(actor, enterprise):
        raise Forbidden(_("You do not act for this enterprise."))
    office = campaign.offices.filter(code=office_code).first()
    if office is None:
        errors.append(FieldProblem("office_code", _("this unit is not scored in this campaign")))
    for criterion in campaign.criteria.all():
        value = scores.get(criterion.code)
        if not isinstance(value, int) or not MIN_SCORE <= value <= MAX_SCORE:
            errors.append(
                FieldProblem(
                    f"scores.{criterion.code}",
                    _("a whole number from %(a)d to %(b)d") % {"a": MIN_SCORE, "b": MAX_SCORE},
                )
            )
    known = set(campaign.criteria.values_list("code", flat=True))
    for extra in sorted(set(scores) - known):
        errors.append(FieldProblem(f"scores.{extra}", _("not a criterion of this campaign")))
    if errors:
        raise ValidationFailed(errors)
    assert enterprise is not None and office is not None
    try:
        with transaction.atomic():
            return CampaignResponse.objects.create(
                campaign=campaign,
                enterprise=enterprise,
                office=office,
                submitted_by=actor,
                scores={k: int(v) for k, v in scores.items()},
                comment=comment.strip(),
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This enterprise has already scored this unit in this campaign."), code="duplicate"
        ) from exc


@dataclass
class UnitResult:
    office: Office
    responses: int
    score: float | None
    criteria: dict[str, float] = field(default_factory=dict)
    rank: int | None = None
    previous_score: float | None = None
    previous_rank: int | None = None

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return round(self.score - self.previous_score, 2)

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) since the previous campaign."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def campaign_results(campaign: Campaign) -> list[UnitResult]:
    """Every unit of the campaign, best first; units nobody scored come last, unranked."""
    criteria = list(campaign.criteria.all())
    sums: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[int, int] = defaultdict(int)
    for resp in campaign.responses.all():
        counts[resp.office_id] += 1
        for c in criteria:
            if c.code in resp.scores:
                sums[resp.office_id][c.code].append(int(resp.scores[c.code]))
    results = []
    total_weight = float(sum(c.weight for c in criteria)) or 1.0
    for office in campaign.offices.all().order_by("code"):
        means = {c.code: sum(v) / len(v) for c in criteria if (v := sums[office.pk].get(c.code))}
        score = None
        if means and len(means) == len(criteria):
            score = round(sum(float(c.weight) * means[c.code] for c in criteria) / total_weight, 2)
        results.append(
            UnitResult(
                office=office,
                responses=counts[office.pk],
                score=score,
                criteria={k: round(v, 2) for k, v in means.items()},
            )
        )
    ranked = sorted([r for r in results if r.score is not None], key=lambda r: -(r.score or 0))
    for i, r in enumerate(ranked):
        # Equal scores share a rank.
        r.rank = ranked[i - 1].rank if i and ranked[i - 1].score == r.score else i + 1
    if campaign.previous is not None:
        before = {r.office.pk: r for r in campaign_results(campaign.previous)}
        for r in results:
            prev = before.get(r.office.pk)
            if prev is not None:
                r.previous_score, r.previous_rank = prev.score, prev.rank
    return ranked + [r for r in results if r.score is None]
