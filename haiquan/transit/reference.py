"""Movement reference numbers, shaped like the EU's MRN (18 characters): year (2), country (2),
office of departure (4), sequence (8), procedure 'T' (transit) and a check character computed
as for ISO 6346 (as the MRN's is), e.g. 26VN20BD00000012T3."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from stdnum import iso6346

from haiquan.refdata.models import Office

from .models import ReferenceSequence

COUNTRY = "VN"


def reference_check_character(body: str) -> str:
    return str(iso6346.calc_check_digit(body))


def reference_is_valid(reference: str) -> bool:
    return (
        len(reference) == 18
        and reference.isalnum()
        and reference[-1] == reference_check_character(reference[:-1])
    )


def reference_next(office: Office) -> str:
    """The next reference for a movement leaving `office`; call inside the declaring
    transaction (the counter row is locked until it commits)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reference_next must run inside the declaring transaction")
    year = timezone.localdate().strftime("%y")
    office_part = office.code.upper()[:4].ljust(4, "X")
    name = f"T{year}{office_part}"
    seq, _created = ReferenceSequence.objects.select_for_update().get_or_create(name=name)
    seq.last += 1
    seq.save(update_fields=["last"])
    body = f"{year}{COUNTRY}{office_part}{seq.last:08d}T"
    return body + reference_check_character(body)
