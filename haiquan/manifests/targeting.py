"""Pre-arrival targeting: which manifested bills customs should look at before the cargo lands
(or, on an export manifest, before it is loaded).

A bill is flagged, with each reason, when:

- a risk profile in force matches what the manifest already says (the analysts' own rules from
  `risk`: HS prefixes, origin = the country of the port of loading, the consignee's tax code or
  compliance rank, the office). Profiles that need what only a declaration says (declaration
  type, values, unit prices, preference claims) cannot match a manifest and are left out;
- the consignee's history is poor: a low or non-compliant rank, or a consignee with no
  registered tax code (goods "to order" nobody here answers for yet);
- the goods description holds a word of the watch list (setting `MANIFEST_WATCH_WORDS`);
- the gross mass is not believable: more per container than a container can carry, or far too
  light or heavy per package;
- the seals are anomalous: a full container with no seal, or one seal number on two containers.

The learned score of `riskml` is trained on declarations' features (values, unit prices, the
declarant's history) that a manifest does not carry: it is not applied here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from haiquan.core.conf import haiquan_setting
from haiquan.refdata.choices import ComplianceRank, Flow
from haiquan.risk.selectors import ruleset_current

from .models import Bill, Voyage

MAX_KG_PER_CONTAINER = Decimal("32500")  # the heaviest 40' container's maximum gross mass
KG_PER_PACKAGE = (Decimal("0.05"), Decimal("30000"))
POOR_RANKS = {ComplianceRank.LOW, ComplianceRank.NON_COMPLIANT}
DEFAULT_WATCH_WORDS = (
    "ivory",
    "ngà voi",
    "pangolin",
    "tê tê",
    "rhino",
    "sừng tê",
    "scrap",
    "phế liệu",
    "waste",
    "used tyres",
    "ammunition",
    "explosive",
)


@dataclass(frozen=True)
class Flag:
    code: str
    params: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def flag_text(flag: dict[str, Any]) -> str:
    """A stored flag in the reader's language."""
    p = flag.get("params") or {}
    code = flag.get("code")
    if code == "profile":
        return _("Risk profile %(code)s: %(reason)s") % p
    if code == "consignee-rank":
        return _("The consignee's compliance is poor (%(rank)s).") % {
            "rank": ComplianceRank(p["rank"]).label
        }
    if code == "consignee-unknown":
        return _("The consignee has no tax code registered here.")
    if code == "watch-word":
        return _("The goods description holds the watched word “%(word)s”.") % p
    if code == "mass-per-container":
        return _("%(kg)s kg in %(n)s container(s): more than containers carry.") % p
    if code == "mass-per-package":
        return _("%(kg)s kg per package is not believable.") % p
    if code == "no-seal":
        return _("Container %(container)s has no seal.") % p
    if code == "seal-twice":
        return _("Seal %(seal)s is on two containers.") % p
    return _("Other reason")


def _watch_words() -> tuple[str, ...]:
    try:
        words = haiquan_setting("MANIFEST_WATCH_WORDS")
    except KeyError:
        words = DEFAULT_WATCH_WORDS
    return tuple(w.lower() for w in words)


def bill_targets(
    bill: Bill, voyage: Voyage, *, on_day: date, seals_seen: Counter[str]
) -> list[Flag]:
    flags: list[Flag] = []
    goods = list(bill.goods.all())
    containers = list(bill.containers.all())
    origin = voyage.loading_location[:2]
    rank = bill.consignee.compliance_rank if bill.consignee else ""
    export = voyage.is_departure
    flow = Flow.EXPORT if export else Flow.IMPORT
    for profile in ruleset_current().profiles:
        c = profile.criteria
        if not profile.is_valid_on(on_day) or profile.lane not in ("yellow", "red"):
            continue
        if (
            c.type_codes
            or c.min_value_vnd is not None
            or c.max_unit_price_vnd is not None
            or c.min_unit_price_vnd is not None
            or c.preference_claimed is not None
            or (c.flow and c.flow != flow)
        ):
            continue
        # An export manifest names a foreign consignee and no exporter's tax code, and its
        # goods' origin is not its port of loading: profiles on those cannot match it.
        if export and (c.enterprise_msts or c.compliance_ranks or c.origins):
            continue
        if c.enterprise_msts and bill.consignee_mst not in c.enterprise_msts:
            continue
        if c.compliance_ranks and rank not in c.compliance_ranks:
            continue
        if c.office_codes and not any(f"/{code}/" in voyage.office.path for code in c.office_codes):
            continue
        if c.origins and origin not in c.origins:
            continue
        if c.hs_prefixes and not any(g.hs_code.startswith(c.hs_prefixes) for g in goods):
            continue
        flags.append(Flag("profile", {"code": profile.code, "reason": profile.reason}))
    if export:
        pass  # the consignee abroad is no one's history here
    elif not bill.consignee_mst or bill.consignee is None:
        flags.append(Flag("consignee-unknown", {}))
    elif rank in POOR_RANKS:
        flags.append(Flag("consignee-rank", {"rank": rank}))
    words = _watch_words()
    for g in goods:
        text = g.description.lower()
        hit = next((w for w in words if w in text), None)
        if hit:
            flags.append(Flag("watch-word", {"word": hit}))
            break
    too_heavy = bill.gross_mass_kg > MAX_KG_PER_CONTAINER * len(containers)
    if containers and bill.kind != "house" and too_heavy:
        flags.append(
            Flag("mass-per-container", {"kg": str(bill.gross_mass_kg), "n": len(containers)})
        )
    if bill.packages:
        per = (bill.gross_mass_kg / bill.packages).quantize(Decimal("0.001"))
        if not KG_PER_PACKAGE[0] <= per <= KG_PER_PACKAGE[1]:
            flags.append(Flag("mass-per-package", {"kg": str(per)}))
    for box in containers:
        if not box.seals:
            flags.append(Flag("no-seal", {"container": box.number}))
        for seal in box.seals:
            if seals_seen[seal] > 1:
                flags.append(Flag("seal-twice", {"seal": seal}))
    return flags


def voyage_target(voyage: Voyage, *, on_day: date) -> int:
    """Flag the voyage's bills (stored on each); returns how many are flagged."""
    bills = list(
        Bill.objects.filter(voyage=voyage)
        .select_related("consignee")
        .prefetch_related("goods", "containers")
    )
    seals: Counter[str] = Counter()
    numbers_seen: set[str] = set()
    for b in bills:
        for c in b.containers.all():
            if c.number in numbers_seen:
                continue  # LCL: one container on several bills counts its seals once
            numbers_seen.add(c.number)
            seals.update(set(c.seals))
    changed = []
    flagged = 0
    for b in bills:
        flags = [f.as_dict() for f in bill_targets(b, voyage, on_day=on_day, seals_seen=seals)]
        flagged += bool(flags)
        if flags != b.risk_flags:
            b.risk_flags = flags
            changed.append(b)
    Bill.objects.bulk_update(changed, ["risk_flags"], batch_size=1000)
    return flagged
