"""Cargo manifests in the authorisation matrix: `/api/v1/manifests/...` and the pages under
`/manifests/`.

The policy written here: a manifest is its carrier's (or the carrier's agent's) to file, amend
and notify the arrival of; customs read the manifests of voyages arriving at the offices of their
scope (analysts and administrators every one). Traders and operators see none: to anyone who may
not see a voyage it does not exist (404). Customs who see one may still not change what the
carrier reported (403). The carrier role is not a column of the matrix: its own-and-other cells
(its firm's voyage, another carrier's) are `haiquan/manifests/tests/test_api.py`'s.

"own" is a truck's trip arriving at Móng Cái (20BD, the officer's office, in the leader's
department 20); "other" one arriving at Sóng Thần (43IH), outside every scope but the analyst's
and the administrator's. Road trips: the world's declarations travel by road too, and road bills
are never matched against the manifest, so these voyages change nothing for other parts' cells.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.manifests.inputs import CargoReportInput, ConsignmentInput, GoodsItemInput
from haiquan.manifests.models import AbandonedNotice, Hold
from haiquan.manifests.services import voyage_file
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# manifests: carriers file (every role here 403; the carrier's cells are manifests' own tests);
# customs read the voyages arriving in their scope; traders and operators see none (404)
POST     /api/v1/manifests/voyages                            mf:new            403       403     403     403     403     403     403      401
POST     /api/v1/manifests/cuscar                             mf:cuscar         403       403     403     403     403     403     403      401
GET      /api/v1/manifests/voyages                            list:voyages      out/out   out/out in/out  in/out  in/in   in/in   out/out  401
GET      /api/v1/manifests/voyages/{voyage_id}                voyage            404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   404/404  401
GET      /api/v1/manifests/voyages/{voyage_id}/bills          voyage            404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   404/404  401
POST     /api/v1/manifests/voyages/{voyage_id}/amendments     voyage            404/404   404/404 403/404 403/404 403/403 403/403 404/404  401
POST     /api/v1/manifests/voyages/{voyage_id}/arrival        voyage            404/404   404/404 403/404 403/404 403/403 403/403 404/404  401
# holds are the officers' and leaders' of the office of arrival; analysts and admins read only
POST     /api/v1/manifests/voyages/{voyage_id}/bills/{number}/holds         bill       404/404   404/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/manifests/voyages/{voyage_id}/bills/{number}/holds/release bill:held  404/404   404/404 ok/404  ok/404  403/403 403/403 404/404  401
# goods not declared in time: customs' list; the handling is the office's officers' and leaders'
GET      /api/v1/manifests/abandoned                          none              403       403     ok      ok      ok      ok      403      401
POST     /api/v1/manifests/voyages/{voyage_id}/bills/{number}/abandoned     bill:abandoned 404/404 404/404 ok/404 ok/404 403/403 403/403 404/404 401
# pages: customs see the voyages of their scope; filing and the arrival notice are the carrier's
GET      /manifests/                                          page              403       403     ok      ok      ok      ok      403      login
GET      /manifests/new/                                      page              403       403     403     403     403     403     403      login
GET      /manifests/{pk}/                                     voyage            403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   403/403  login
GET      /manifests/{pk}/comparison/                          voyage            403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   403/403  login
GET      /manifests/{pk}/arrival/                             voyage            403/403   403/403 403/403 403/403 403/403 403/403 403/403  login
GET      /manifests/{pk}/bills/{number}/hold/                 bill              403/403   403/403 405/405 405/405 403/403 403/403 403/403  login
GET      /manifests/{pk}/bills/{number}/release/              bill:held         403/403   403/403 405/405 405/405 403/403 403/403 403/403  login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ("manifests",)
UNOWNED = frozenset({"mf:new", "mf:cuscar"})


def _target(**kw: Any) -> Target:
    from ..test_authz_matrix import Target

    return Target(**kw)


def _report(office: str, trip: str) -> CargoReportInput:
    return CargoReportInput(
        transport_mode_code="road",
        transport_means_id="20C-123.45",
        conveyance_reference_number=trip,
        loading_location_id="CNPXG",
        office_of_arrival=office,
        estimated_arrival=timezone.now() + timedelta(hours=6),
        consignments=(
            ConsignmentInput(
                transport_contract_document_id=f"CMR-{trip}",
                consignor_name="Guangxi Pingxiang Trading Co.",
                consignee_name="Công ty TNHH Hoàng Long",
                total_package_quantity=40,
                total_gross_mass_measure=Decimal(500),
                goods_items=(
                    GoodsItemInput(
                        description="Fresh dragon fruit",
                        package_quantity=40,
                        gross_mass_measure=Decimal(500),
                    ),
                ),
            ),
        ),
    )


def build(world: World) -> dict[str, Any]:
    firm = EnterpriseFactory(mst=valid_mst(9131), name="Công ty TNHH Vận tải Hữu Nghị")
    carrier = user_create(
        username="w.carrier", password=None, role="carrier", employer_mst=firm.mst
    )
    return {
        "own": voyage_file(actor=carrier, data=_report(world.own.office_code, "MC-0001")),
        "other": voyage_file(actor=carrier, data=_report(world.other.office_code, "ST-0001")),
    }


def _voyage(world: World, scope: str) -> Target:
    voyage = world.extra["manifests"][scope]
    return _target(path={"voyage_id": voyage.pk, "pk": voyage.pk}, listed=str(voyage.pk))


def _new(world: World, scope: str) -> Target:
    """A valid report (the refusal is for the caller, not for the content)."""
    goods = {
        "description": "Fresh dragon fruit",
        "package_quantity": 40,
        "gross_mass_measure": "500",
    }
    return _target(
        body={
            "transport_mode_code": "road",
            "transport_means_id": "20C-123.45",
            "conveyance_reference_number": "MC-0002",
            "loading_location_id": "CNPXG",
            "office_of_arrival": world.own.office_code,
            "estimated_arrival": (timezone.now() + timedelta(hours=6)).isoformat(),
            "consignments": [
                {
                    "transport_contract_document_id": "CMR-MC-0002",
                    "consignor_name": "Guangxi Pingxiang Trading Co.",
                    "consignee_name": "Công ty TNHH Hoàng Long",
                    "total_package_quantity": 40,
                    "total_gross_mass_measure": "500",
                    "goods_items": [goods],
                }
            ],
        }
    )


def _cuscar(world: World, scope: str) -> Target:
    return _target(raw=b"UNA:+.? 'UNB+UNOC:3+A+B+261207:0930+1'")


def _bill(world: World, scope: str) -> Target:
    voyage = world.extra["manifests"][scope]
    number = voyage.bills.get().number
    return _target(path={"voyage_id": voyage.pk, "pk": voyage.pk, "number": number})


def _held(world: World, scope: str) -> Target:
    """The bill under an open hold (placed in the cell, rolled back with it)."""
    voyage = world.extra["manifests"][scope]
    bill = voyage.bills.get()
    Hold.objects.create(
        bill=bill, kind="inspect_at_arrival", reason="Matrix", placed_by=world.users["admin"]
    )
    return _target(path={"voyage_id": voyage.pk, "pk": voyage.pk, "number": bill.number})


def _abandoned(world: World, scope: str) -> Target:
    """The bill noticed as not declared in time (in the cell, rolled back with it)."""
    voyage = world.extra["manifests"][scope]
    bill = voyage.bills.get()
    AbandonedNotice.objects.create(bill=bill, days_after_arrival=91)
    return _target(path={"voyage_id": voyage.pk, "pk": voyage.pk, "number": bill.number})


SUBJECTS = {
    "bill:abandoned": _abandoned,
    "bill": _bill,
    "bill:held": _held,
    "mf:new": _new,
    "mf:cuscar": _cuscar,
    "list:voyages": _voyage,
    "voyage": _voyage,
}


def _amendment(world: World, scope: str) -> dict[str, Any]:
    return {
        "reason": "Trip delayed at the border",
        "withdrawn": [f"CMR-{'MC' if scope == 'own' else 'ST'}-0001"],
    }


BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/manifests/voyages/{voyage_id}/bills/{number}/abandoned"): lambda w, s: {
        "handling": "sold",
        "note": "Auctioned by the port",
    },
    ("POST", "/api/v1/manifests/voyages/{voyage_id}/bills/{number}/holds"): lambda w, s: {
        "kind": "inspect_at_arrival",
        "reason": "Fresh fruit from a low-compliance consignee",
    },
    ("POST", "/api/v1/manifests/voyages/{voyage_id}/bills/{number}/holds/release"): lambda w, s: {
        "outcome": "nothing_found"
    },
    ("POST", "/api/v1/manifests/voyages/{voyage_id}/amendments"): _amendment,
    ("POST", "/api/v1/manifests/voyages/{voyage_id}/arrival"): lambda w, s: {
        "arrived_at": timezone.now().isoformat()
    },
}
