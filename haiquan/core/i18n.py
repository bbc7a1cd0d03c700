"""Messages translated when they are shown, not when they are made.

A long job may write its content in one language and tell its progress in another: `haiquan demo`
writes the demo's content in the installation's language (LANGUAGE_CODE) and speaks to whoever runs
it in theirs. A progress message made with `later()` is translated and filled in when the output
turns it into text (`str()`), in the language active there:

    say(later(gettext_noop("Read %(n)s goods lines."), n=len(lines)))

`gettext_noop` marks the message for the catalogues (makemessages knows it). Whole numbers given
for a `%(n)s` are written as the language writes them then (12.345 in Vietnamese, 12,345 in
English; a `%(n)d` takes the number as it is); `number(x, 1)` does the same for a fraction, with
one decimal.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, cast

from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext

_TEXT_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _number(value: float | Decimal, decimals: int | None) -> str:
    # Django's number_format cuts the digits off: round first.
    shown: Any = round(value, decimals) if decimals is not None else value
    return number_format(shown, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _render(template: str, params: dict[str, Any]) -> str:
    text = gettext(template)
    if not params:
        return text
    as_text = set(_TEXT_PLACEHOLDER.findall(text))  # %(n)s: a whole number is written out
    shown = {
        k: _number(v, None)
        if k in as_text and isinstance(v, int) and not isinstance(v, bool)
        else v
        for k, v in params.items()
    }
    return text % shown


_render_lazy = lazy(_render, str)
_number_lazy = lazy(_number, str)


def later(template: str, /, **params: Any) -> str:
    """`gettext(template) % params`, done when the message is shown."""
    return cast(str, _render_lazy(template, params))


def number(value: float | Decimal, decimals: int | None = None) -> str:
    """`value` as the language active when it is shown writes numbers, with `decimals`."""
    return cast(str, _number_lazy(value, decimals))


def _concat(*parts: Any) -> str:
    return "".join(str(p) for p in parts)


_concat_lazy = lazy(_concat, str)


def concat(*parts: Any) -> str:
    """The parts (text, or messages made with `later`) joined, when shown: `concat("  ", line)`."""
    return cast(str, _concat_lazy(*parts))
