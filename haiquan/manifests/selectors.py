"""Reading manifests, within the caller's scope (`Voyage.visibility`): a carrier its firm's
voyages, customs officers and leaders the voyages arriving at their offices, analysts and
administrators every voyage."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.clearance.choices import Status
from haiquan.core.problems import NotFound

from .models import Bill, BillContainer, BillDrawdown, Hold, Voyage
from .targeting import flag_text


def voyages_seen_by(user: User) -> QuerySet[Voyage]:
    return Voyage.objects.select_related("office", "carrier").visible_to(user)


def voyage_get_for(user: User, voyage_id: int) -> Voyage:
    voyage = voyages_seen_by(user).filter(pk=voyage_id).first()
    if voyage is None:
        raise NotFound(_("No voyage %(id)s among the manifests you may see.") % {"id": voyage_id})
    return voyage


@dataclass(frozen=True)
class BillStatus:
    bill: Bill
    containers: int
    declared_packages: int
    hold: Hold | None = None
    # Holds released, latest first, with what the inspection found.
    released: tuple[Hold, ...] = ()

    @property
    def flags(self) -> list[str]:
        return [flag_text(f) for f in self.bill.risk_flags]

    @property
    def status(self) -> str:
        """Where the bill stands: not declared, partly declared, declared in full."""
        if self.declared_packages <= 0:
            return "undeclared"
        if self.declared_packages < self.bill.packages:
            return "partly_declared"
        return "declared"

    @property
    def status_label(self) -> str:
        return {
            "undeclared": _("Not declared"),
            "partly_declared": _("Partly declared"),
            "declared": _("Declared in full"),
        }[self.status]


def bills_of(voyage: Voyage) -> list[BillStatus]:
    """The voyage's bills with what is declared of them (cancelled declarations give back)."""
    rows = (
        Bill.objects.filter(voyage=voyage)
        .annotate(
            n_containers=Coalesce(
                Subquery(
                    BillContainer.objects.filter(bill=OuterRef("pk"))
                    .values("bill")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                Value(0),
                output_field=IntegerField(),
            ),
            drawn=Coalesce(
                Subquery(
                    BillDrawdown.objects.filter(bill=OuterRef("pk"))
                    .exclude(declaration__status=Status.CANCELLED)
                    .values("bill")
                    .annotate(n=Sum("packages"))
                    .values("n")
                ),
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .prefetch_related(
            Prefetch("holds", queryset=Hold.objects.order_by("-placed_at"), to_attr="all_holds")
        )
        .order_by("number")
    )
    return [
        BillStatus(
            b,
            b.n_containers,
            b.drawn,
            next((h for h in b.all_holds if h.released_at is None), None),
            tuple(h for h in b.all_holds if h.released_at is not None),
        )
        for b in rows
    ]


def bill_get_for(user: User, voyage_id: int, number: str) -> Bill:
    voyage = voyage_get_for(user, voyage_id)
    bill = Bill.objects.filter(voyage=voyage, number=number.strip().upper()).first()
    if bill is None:
        raise NotFound(_("No bill %(v)s on this manifest.") % {"v": number})
    return bill
