"""Filing while an outage is declared: traders' software keeps sending declarations to
`POST /api/v1/declarations` as usual; while an outage is declared for the declaration's office
(or nationally) they are queued as received (answer 202 with a ticket) and registered, in the
order received, when the outage ends — each through the same idempotent registration as a live
filing, so a retry with the same Idempotency-Key afterwards gets the registered declaration
back, and the numbers follow the order the filings arrived in, as if nothing had stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.idempotency import request_fingerprint, run_idempotent
from haiquan.core.problems import ProblemError, invalid
from haiquan.outage.models import Outage, QueuedFiling

from .progress import declaration_progress
from .schemas import DeclarationCreateIn, DeclarationOut, declaration_out
from .services import declaration_register

if TYPE_CHECKING:
    from haiquan.accounts.models import User

SCOPE = "declaration.create"  # the live filing's idempotency scope (clearance.api)


def filing_queue(
    *, sender: User, key: str | None, outage: Outage, body: dict[str, Any]
) -> QueuedFiling:
    """Keep a declaration sent during an outage, once per (sender, key)."""
    if not key:
        raise invalid(
            "Idempotency-Key",
            _("A declaration sent while an outage is declared needs an Idempotency-Key."),
            "required",
        )
    with transaction.atomic():
        queued, _created = QueuedFiling.objects.get_or_create(
            sender=sender, idempotency_key=key, defaults={"outage": outage, "body": body}
        )
    return queued


def queued_position(queued: QueuedFiling) -> int:
    return QueuedFiling.objects.filter(
        status=QueuedFiling.Status.WAITING, id__lte=queued.pk
    ).count()


def _register(queued: QueuedFiling) -> None:
    payload = DeclarationCreateIn.model_validate(queued.body)
    sender = queued.sender

    def work() -> tuple[int, dict[str, Any]]:
        decl = declaration_register(actor=sender, data=payload.to_input())
        out = declaration_out(
            decl, sender, progress=declaration_progress(decl, pending=None, last_check=None)
        )
        return 201, DeclarationOut.model_validate(out).model_dump(mode="json")

    _status, body, _replayed = run_idempotent(
        user=sender,
        key=queued.idempotency_key,
        scope=SCOPE,
        fingerprint=request_fingerprint(payload.model_dump(mode="json")),
        work=work,
    )
    queued.declaration_id = body.get("id")
    queued.declaration_number = body.get("number") or ""
    queued.status = QueuedFiling.Status.REGISTERED


def queued_filings_process(*, limit: int | None = None) -> list[QueuedFiling]:
    """Register the filings queued during outages that have ended, in the order received,
    each in its own transaction; one refused (invalid, a duplicate...) is marked with its
    problem and the rest go on. Each is processed once: its row is locked and its state checked
    first, and its registration is idempotent by the sender's key."""
    done: list[QueuedFiling] = []
    pending = QueuedFiling.objects.filter(
        status=QueuedFiling.Status.WAITING, outage__ends_at__isnull=False
    ).order_by("id")
    for pk in list(
        pending.values_list("id", flat=True)[:limit]
        if limit
        else pending.values_list("id", flat=True)
    ):
        with transaction.atomic():
            queued = (
                QueuedFiling.objects.select_for_update()
                .select_related("sender")
                .filter(pk=pk, status=QueuedFiling.Status.WAITING)
                .first()
            )
            if queued is None:
                continue  # another processor did it
            try:
                with transaction.atomic():
                    _register(queued)
            except ProblemError as exc:
                queued.status = QueuedFiling.Status.REFUSED
                queued.problem = exc.as_problem()
            queued.processed_at = timezone.now()
            queued.save(
                update_fields=[
                    "status",
                    "declaration_id",
                    "declaration_number",
                    "problem",
                    "processed_at",
                ]
            )
            done.append(queued)
    return done
