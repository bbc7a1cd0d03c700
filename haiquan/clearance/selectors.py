"""Reads of declarations, always restricted to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.core.compiled import compiled_raw
from haiquan.core.problems import NotFound
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Office

from .choices import SETTLED_PAYMENT_STATES, CancellationState, RequestState, Status
from .models import (
    CancellationRequest,
    Container,
    Declaration,
    DeclarationDocument,
    DocumentRequest,
)
from .rules import GOODS_OUT_EVENTS, CancellationTerms, cancellation_terms
from .workflow import Action, By, states


def declaration_get_for(
    user: User, *, pk: int | None = None, number: str | None = None
) -> Declaration:
    """One declaration the user may see; 404 (not 403) otherwise, so ids do not leak."""
    qs = Declaration.objects.visible_to(user).select_related(
        "type", "office", "enterprise", "broker", "currency", "partner_country", "created_by"
    )
    filt = Q(pk=pk) if pk is not None else Q(number=number)
    obj = qs.filter(filt).first()
    if obj is None:
        raise NotFound(f"declaration {pk if pk is not None else number} not found")
    return obj


# The queue's order: answers to requests for documents first (the declarant did its part),
# then late requests, then checks not started, then declarations waiting for documents.
QUEUE_ANSWERED, QUEUE_OVERDUE, QUEUE_CHECK, QUEUE_WAITING = range(4)


def officer_queue(user: User) -> QuerySet[Declaration]:
    """Declarations under an officer's check, answered requests for documents first, then
    overdue ones, then the rest oldest registration first (longest waiting), then those waiting
    for the declarant's documents. Each row carries `queue_rank` (the QUEUE_* above)."""
    requests = DocumentRequest.objects.filter(declaration=OuterRef("pk"))
    return (
        Declaration.objects.visible_to(user)
        .filter(
            status__in=sorted(
                {
                    *states(Action.RECORD_CHECK, By.OFFICER),
                    *states(Action.ANSWER_REQUEST, By.TRADER),
                }
            ),
            checks_pending=True,
        )
        .annotate(
            queue_rank=Case(
                When(Exists(requests.filter(state=RequestState.ANSWERED)), then=QUEUE_ANSWERED),
                When(
                    Exists(requests.filter(state=RequestState.OPEN, escalated_at__isnull=False)),
                    then=QUEUE_OVERDUE,
                ),
                When(status=Status.AWAITING_DOCUMENTS, then=QUEUE_WAITING),
                default=Value(QUEUE_CHECK),
                output_field=IntegerField(),
            )
        )
        .select_related("office", "enterprise", "type")
        .order_by("queue_rank", "registered_at", "id")
    )


@dataclass
class OfficeDay:
    """Today's declarations of one office: how many, per lane and per status."""

    office: Office
    total: int = 0
    lanes: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)


def declarations_today_by_office(user: User, *, day: date | None = None) -> list[OfficeDay]:
    """For a leader's overview: the declarations registered today (Vietnam's calendar) that
    the user may see, counted per office, lane and status. Two queries whatever the volume."""
    day = day or timezone.localdate()
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    rows = (
        Declaration.objects.visible_to(user)
        .filter(registered_at__gte=start, registered_at__lt=start + timedelta(days=1))
        .values("office_id", "lane", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_office: dict[int, OfficeDay] = {}
    counts = list(rows)
    offices = Office.objects.in_bulk({r["office_id"] for r in counts})
    for r in counts:
        entry = by_office.setdefault(r["office_id"], OfficeDay(office=offices[r["office_id"]]))
        entry.total += r["n"]
        entry.lanes[r["lane"]] = entry.lanes.get(r["lane"], 0) + r["n"]
        entry.statuses[r["status"]] = entry.statuses.get(r["status"], 0) + r["n"]
    return sorted(by_office.values(), key=lambda o: o.office.path)


# ---------------------------------------------------------------------------------------------
# Officers' search


def search_q(text: str) -> Q:
    """A declaration number (or its start), a container, a bill of lading or an invoice number,
    as written on the documents."""
    text = (text or "").strip()
    if not text:
        return Q()
    compact = text.replace(" ", "").upper()
    return (
        Q(number__startswith=compact)
        | Q(bill_of_lading__istartswith=text)
        | Q(invoice_number__istartswith=text)
        | Q(Exists(Container.objects.filter(declaration=OuterRef("pk"), number=compact)))
    )


# ---------------------------------------------------------------------------------------------
# Duplicates


@dataclass(frozen=True)
class DuplicateMatch:
    """An earlier declaration of the same enterprise and flow that shares the invoice, a
    container or the bill of lading with the one being declared."""

    declaration_id: int
    number: str
    status: str
    registered_at: datetime | None
    same_invoice: bool
    containers: tuple[str, ...]
    same_bill_of_lading: bool

    @property
    def refuses(self) -> bool:
        """The same invoice and container already declared: a second declaration of the same
        goods, which is refused (the first must be amended, or cancelled before declaring again)."""
        return self.same_invoice and bool(self.containers)


_DUPLICATE_FIELDS = ("pk", "number", "status", "registered_at", "invoice_number", "bill_of_lading")


def declaration_duplicates(
    *,
    enterprise_id: int,
    flow: str,
    invoice_number: str,
    bill_of_lading: str,
    containers: tuple[str, ...],
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """The enterprise's registered, not cancelled declarations of this flow with the same invoice
    number or bill of lading, or with one of these containers while their goods are still under
    customs control (a container is reused once released). Two queries at most."""
    invoice = invoice_number.strip()
    bill = bill_of_lading.strip()
    wanted = Q()
    if invoice:
        wanted |= Q(invoice_number__iexact=invoice)
    if bill:
        wanted |= Q(bill_of_lading__iexact=bill)
    if containers:
        wanted |= Q(
            Exists(Container.objects.filter(declaration=OuterRef("pk"), number__in=containers))
        )
    if not wanted:
        return []

    def candidates() -> QuerySet[Declaration]:
        qs = Declaration.objects.filter(wanted, enterprise_id=enterprise_id, flow=flow).exclude(
            status__in=(Status.DRAFT, Status.CANCELLED)
        )
        if exclude_id is not None:
            qs = qs.exclude(pk=exclude_id)
        return qs.order_by("registered_at", "id").only(*_DUPLICATE_FIELDS)[:20]

    # The registration's query, compiled once per process for each shape (haiquan.core.compiled):
    # the values in the order of the filters above.
    params: list[Any] = [*([invoice] if invoice else []), *([bill] if bill else [])]
    params += [1, *containers] if containers else []  # Exists(...) selects the constant 1
    params += [enterprise_id, flow, Status.DRAFT, Status.CANCELLED]
    shape = ("declaration_duplicates", bool(invoice), bool(bill), len(containers))
    if exclude_id is not None:
        params.append(exclude_id)
    found = compiled_raw(Declaration, (*shape, exclude_id is not None), candidates, params)
    if not found:
        return []
    rows = [{f: getattr(d, f) for f in _DUPLICATE_FIELDS} for d in found]
    shared: dict[int, list[str]] = {}
    if containers:
        for declaration_id, number in Container.objects.filter(
            declaration_id__in=[r["pk"] for r in rows], number__in=containers
        ).values_list("declaration_id", "number"):
            shared.setdefault(declaration_id, []).append(number)
    out = []
    for r in rows:
        same_invoice = bool(invoice) and r["invoice_number"].strip().upper() == invoice.upper()
        same_bill = bool(bill) and r["bill_of_lading"].strip().upper() == bill.upper()
        boxes = tuple(sorted(shared.get(r["pk"], ())))
        # A container alone points to a duplicate only while its goods are still in customs' hands.
        if not (same_invoice or same_bill) and r["status"] == Status.RELEASED:
            continue
        out.append(
            DuplicateMatch(
                declaration_id=r["pk"],
                number=r["number"] or "",
                status=r["status"],
                registered_at=r["registered_at"],
                same_invoice=same_invoice,
                containers=boxes,
                same_bill_of_lading=same_bill,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Cancellation and penalties


def cancellation_pending(declaration: Declaration) -> CancellationRequest | None:
    """The declarant's cancellation request waiting for a decision, if any."""
    return (
        CancellationRequest.objects.filter(
            declaration_id=declaration.pk, state=CancellationState.PENDING
        )
        .select_related("requested_by")
        .first()
    )


def goods_out_of_customs_area(declaration: Declaration) -> bool:
    """Whether the declaration's goods have left the customs area: released by an officer, let
    out through a port's or yard's gate, or departed under transit (the events say so)."""
    if declaration.status == Status.RELEASED or declaration.released_at is not None:
        return True
    return Event.objects.filter(declaration_id=declaration.pk, kind__in=GOODS_OUT_EVENTS).exists()


def penalty_unpaid(declaration: Declaration) -> bool:
    """A penalty decision on the declaration whose amount is not yet paid or guaranteed."""
    return declaration.penalties_vnd > 0 and declaration.payment_state not in SETTLED_PAYMENT_STATES


def declaration_cancellation_terms(
    declaration: Declaration, *, pending: CancellationRequest | bool | None = None
) -> CancellationTerms:
    """`rules.cancellation_terms` for this declaration as it stands (pass `pending` when it is
    already known, to save a query)."""
    if pending is None:
        pending = cancellation_pending(declaration)
    goods_out = declaration.status == Status.CLEARED and goods_out_of_customs_area(declaration)
    return cancellation_terms(
        status=declaration.status,
        lane=declaration.lane,
        goods_out=goods_out,
        penalty_unpaid=penalty_unpaid(declaration),
        request_pending=bool(pending),
    )


def declaration_documents(declaration: Declaration) -> list[DeclarationDocument]:
    """Every document of the declaration, each with its earlier versions, by document and
    version (the caller has checked the user may see the declaration)."""
    documents = list(
        DeclarationDocument.objects.filter(declaration=declaration)
        .select_related("uploaded_by")
        .annotate(replaced=Exists(DeclarationDocument.objects.filter(replaces=OuterRef("pk"))))
        .order_by("pk")
    )
    # Each version after the first version of its document (the first of its chain).
    first: dict[int, int] = {}
    for d in documents:  # by pk: an earlier version always comes first
        first[d.pk] = first.get(d.replaces_id, d.pk) if d.replaces_id else d.pk
    return sorted(documents, key=lambda d: (d.kind, first[d.pk], d.version))


def declaration_document_get(
    user: User, *, declaration_pk: int, pk: int
) -> tuple[Declaration, DeclarationDocument]:
    """A document of a declaration the user may see; 404 otherwise (ids do not leak)."""
    declaration = declaration_get_for(user, pk=declaration_pk)
    document = DeclarationDocument.objects.filter(declaration=declaration, pk=pk).first()
    if document is None:
        raise NotFound(f"document {pk} not found")
    return declaration, document


def document_requests(declaration: Declaration) -> list[DocumentRequest]:
    return list(
        DocumentRequest.objects.filter(declaration=declaration)
        .select_related("requested_by", "answered_by", "accepted_by")
        .prefetch_related("documents")
        .order_by("requested_at", "pk")
    )


def document_request_unsettled(declaration: Declaration) -> DocumentRequest | None:
    """The request for documents open or answered and not yet accepted (at most one)."""
    return (
        DocumentRequest.objects.filter(declaration=declaration)
        .exclude(state=RequestState.ACCEPTED)
        .first()
    )


def document_request_get(declaration: Declaration, pk: int) -> DocumentRequest:
    request = DocumentRequest.objects.filter(declaration=declaration, pk=pk).first()
    if request is None:
        raise NotFound(f"request {pk} not found")
    return request
