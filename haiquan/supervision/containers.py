"""Container numbers (ISO 6346: owner code, category, serial, check digit), checked with
python-stdnum so that a mistyped number is refused with the digit it should end in."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum, ValidationError

from haiquan.core.problems import invalid


def container_number_clean(value: str, *, field: str = "container_number") -> str:
    """'csqu 305438-3' → 'CSQU3054383'; a wrong check digit names the right one."""
    number = re.sub(r"[^0-9A-Za-z]", "", value or "").upper()
    try:
        return str(iso6346.validate(number))
    except InvalidChecksum:
        expected = iso6346.calc_check_digit(number[:10])
        raise invalid(
            field,
            _("%(n)s: the check digit should be %(d)s (ISO 6346)") % {"n": number, "d": expected},
            "check-digit",
        ) from None
    except ValidationError:
        raise invalid(
            field,
            _(
                "%(n)s is not a container number: four letters (owner code and category U, J "
                "or Z), six digits and a check digit, e.g. CSQU3054383"
            )
            % {"n": number or "''"},
        ) from None
