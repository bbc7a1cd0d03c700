"""Reading manifests, within the caller's scope: a carrier its firm's voyages, customs officers
and leaders the voyages arriving at their offices, analysts and administrators every voyage."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import office_scope_q
from haiquan.clearance.choices import Status
from haiquan.core.problems import NotFound

from .models import Bill, BillContainer, BillDrawdown, Voyage


def voyages_visible_to(user: User) -> QuerySet[Voyage]:
    qs = Voyage.objects.select_related("office", "carrier")
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.CARRIER and user.enterprise_id:
        return qs.filter(carrier_id=user.enterprise_id)
    if user.role in (Role.ANALYST, Role.ADMIN):
        return qs
    if user.role in (Role.OFFICER, Role.LEADER):
        return qs.filter(office_scope_q(user, "office"))
    return qs.none()


def voyage_get_for(user: User, voyage_id: int) -> Voyage:
    voyage = voyages_visible_to(user).filter(pk=voyage_id).first()
    if voyage is None:
        raise NotFound(_("No voyage %(id)s among the manifests you may see.") % {"id": voyage_id})
    return voyage


@dataclass(frozen=True)
class BillStatus:
    bill: Bill
    containers: int
    declared_packages: int

    @property
    def status(self) -> str:
        """Where the bill stands: not declared, partly declared, declared in full."""
        if self.declared_packages <= 0:
            return "undeclared"
        if self.declared_packages < self.bill.packages:
            return "partly_declared"
        return "declared"


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
        .order_by("number")
    )
    return [BillStatus(b, b.n_containers, b.drawn) for b in rows]
