"""The tariff in the authorisation matrix: the classification assistant's API, the tariff's pages
under `/tariff/`, and the single window's measures pages.

The tariff is public law: its pages (sections, chapters, headings, lines, the search and the
classification assistant) are open to everyone, signed in or not. Its API, like the rest of the
API, needs a token or a session; the assistant answers every signed-in user. The measures page
(what the ministries' inspection lists say about a line, and the requirements it became) is for
customs and partner agencies: traders read what their own declarations need on the single
window's declaration page, operators have nothing there. Nothing here belongs to a party.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# the tariff: its API for every signed-in user, its pages for everyone (public law)
GET      /api/v1/tariff/classify                              tf:describe       ok        ok      ok      ok      ok      ok      ok       401
GET      /tariff/                                             page              ok        ok      ok      ok      ok      ok      ok       ok
GET      /tariff/search/                                      tf:describe       ok        ok      ok      ok      ok      ok      ok       ok
GET      /tariff/assistant/                                   tf:describe       ok        ok      ok      ok      ok      ok      ok       ok
GET      /tariff/chapters/{code}/                             tf:chapter        ok        ok      ok      ok      ok      ok      ok       ok
GET      /tariff/headings/{code}/                             tf:heading        ok        ok      ok      ok      ok      ok      ok       ok
GET      /tariff/lines/{code}/                                tf:line           ok        ok      ok      ok      ok      ok      ok       ok
# the measures of the inspection lists on a line: customs (and agencies) only
GET      /single-window/measures/                             page              403       403     ok      ok      ok      ok      403      login
GET      /single-window/measures/{code}/                      tf:line           403       403     ok      ok      ok      ok      403      login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES = ("tariff",)
UNOWNED = frozenset({"tf:describe", "tf:chapter", "tf:heading", "tf:line"})


def build(world: World) -> dict[str, Any]:
    """Nothing to make: the tariff is the reference data every world has."""
    return {}


def _target(**kw: Any) -> Target:
    # The matrix imports its parts while it loads: take its Target when a cell asks for it.
    from ..test_authz_matrix import Target

    return Target(**kw)


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "tf:describe": lambda w, s: _target(
        query={"description": "Thanh long ruột trắng tươi", "q": "thanh long"}
    ),
    "tf:chapter": lambda w, s: _target(path={"code": "08"}),
    "tf:heading": lambda w, s: _target(path={"code": "0810"}),
    "tf:line": lambda w, s: _target(path={"code": "08109092"}),
}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {}
