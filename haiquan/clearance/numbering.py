"""Declaration numbers: 12 digits, unique, gap-free, with a check digit.

Layout: one digit for the flow (1 import, 3 export, as in VNACCS), a 10-digit serial per flow,
and a Luhn check digit over the first 11 digits so a mistyped number is caught at once.

The serial is taken by an UPDATE on a counter row inside the registering transaction: concurrent
registrations queue on that row, and a registration that rolls back gives its serial back, so
the numbers have no gaps and no duplicates. The caller takes the number as late as possible in
its transaction to hold the row lock briefly.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from stdnum import luhn

from .models import NumberSequence

FLOW_PREFIX = {"import": "1", "export": "3"}
SERIAL_DIGITS = 10


def number_format(flow: str, serial: int) -> str:
    if serial < 1 or serial >= 10**SERIAL_DIGITS:
        raise ValueError(f"serial {serial} out of range")
    body = FLOW_PREFIX[flow] + f"{serial:0{SERIAL_DIGITS}d}"
    return body + luhn.calc_check_digit(body)


def number_is_valid(number: str) -> bool:
    return (
        len(number) == 12
        and number.isdigit()
        and number[0] in FLOW_PREFIX.values()
        and luhn.is_valid(number)
    )


def number_next(flow: str) -> str:
    """Take the next number for `flow`. Must run inside the registering transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the registering transaction")
    serial = _increment(flow)
    if serial is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(name=flow, last=0)
        except IntegrityError:
            pass  # created concurrently
        serial = _increment(flow)
    if serial is None:
        raise RuntimeError(f"number sequence {flow} missing")
    return number_format(flow, serial)


def _increment(flow: str) -> int | None:
    """One statement: bump the counter and read it back (PostgreSQL and SQLite >= 3.35)."""
    table = NumberSequence._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET last = last + 1 WHERE name = %s RETURNING last", [flow])  # noqa: S608
        row = cur.fetchone()
    return int(row[0]) if row else None
