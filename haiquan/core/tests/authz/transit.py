"""Transit's part of the authorisation matrix beyond the rows in the matrix's own table: who
may sign for a seal, issue its key and read where it goes.

An e-seal belongs to a platform (an operator's firm; see world_supervision.py: each party's
firm is the platform of its own seals). "Another operator's seal" is the other firm's: the
world's operator may neither relay its positions (the matrix's `device-batch` row), issue its
key, nor read its track, even on a movement between the operator's own places.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from haiquan.transit import devicekeys

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# a registered seal's message signed with a key that is not its own, and an unknown device's:
# the same refusal (nobody learns which device ids exist)
GET      /api/v1/transit/osmand                               device:forged     401/401   401/401 401/401 401/401 401/401 401/401 401/401  401/401
# a seal's key: customs staff issue any seal's, a platform its own seals' only
POST     /api/v1/transit/eseals/{device_id}/key               seal              404/404   404/404 ok/ok   ok/ok   ok/ok   ok/ok   ok/404   401
# where a seal goes: "own" a movement between the operator's places under its own platform's seal,
# "other" one between the same places under another platform's seal
GET      /api/v1/transit/movements/{reference}/track          seal-track        404/404   404/404 ok/ok   ok/ok   ok/ok   ok/ok   ok/404   401
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ()  # transit's pages are in the matrix's own list
UNOWNED: frozenset[str] = frozenset()


def _target(**kw: Any) -> Target:
    from ..test_authz_matrix import Target

    return Target(**kw)


def _forged(world: World, scope: str) -> Target:
    seal = world.supervision["own"].free_seal
    assert seal is not None
    device = seal.device_id if scope == "own" else "ES-NO-SUCH-SEAL"
    position = {"id": device, "timestamp": "1767225600", "lat": "21.54", "lon": "107.96"}
    return _target(form=devicekeys.signed("cd" * 32, position, 1))


def _seal(world: World, scope: str) -> Target:
    seal = world.supervision[scope].free_seal
    assert seal is not None
    return _target(path={"device_id": seal.device_id})


def _seal_track(world: World, scope: str) -> Target:
    own = world.supervision["own"]
    movement = own.movements["departed"] if scope == "own" else own.foreign_sealed
    assert movement is not None
    return _target(path={"reference": movement.reference})


SUBJECTS = {"device:forged": _forged, "seal": _seal, "seal-track": _seal_track}
BODIES: dict[tuple[str, str], Any] = {}


def build(world: World) -> None:
    """Nothing of its own: the seals and movements are the supervision world's."""
    return None
