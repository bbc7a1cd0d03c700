"""The carrier's pages: file a CUSCAR file (accepted, or refused with its problems by segment),
see the voyage's bills and their status, notify the arrival."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.manifests.models import Voyage

from .cuscar_sample import cuscar_text, sample_bills

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_carrier_files_a_cuscar_file_and_sees_its_bills(
    carrier: User, hoanglong: Any, declare: Any
) -> None:
    client = _client(carrier)
    text = cuscar_text(sample_bills(6, [(hoanglong.mst, hoanglong.name)]))
    bad = SimpleUploadedFile("v.edi", text.replace("EQD+CN+", "EQD+CN+X", 1).encode())
    resp = client.post("/manifests/new/", {"file": bad})
    assert resp.status_code == 422
    assert "is not a valid ISO 6346 container number" in resp.content.decode()
    assert "(EQD+02:1)" in resp.content.decode()
    resp = client.post("/manifests/new/", {"file": SimpleUploadedFile("v.edi", text.encode())})
    voyage = Voyage.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/manifests/{voyage.pk}/"
    page = client.get(resp["Location"]).content.decode()
    assert "Not declared" in page and voyage.bills.first().number in page  # type: ignore[union-attr]


def test_the_arrival_is_notified_from_the_page(carrier: User, manifest: Voyage) -> None:
    client = _client(carrier)
    resp = client.post(f"/manifests/{manifest.pk}/arrival/", {"arrived_at": "2099-01-01T08:00"})
    assert resp.status_code == 422 and "is in the future" in resp.content.decode()
    now = timezone.localtime()
    resp = client.post(
        f"/manifests/{manifest.pk}/arrival/", {"arrived_at": now.strftime("%Y-%m-%dT%H:%M")}
    )
    assert resp.status_code == 302
    manifest.refresh_from_db()
    assert manifest.actual_arrival is not None


def test_another_carrier_does_not_see_the_voyage(other_carrier: User, manifest: Voyage) -> None:
    assert _client(other_carrier).get(f"/manifests/{manifest.pk}/").status_code == 404


def test_a_refusal_that_is_not_about_a_field_is_the_problem_page(
    officer: User, carrier: User, manifest: Voyage
) -> None:
    """Only a refusal of the input goes next to the fields; a conflict (a bill held already, an
    arrival notified already) is the problem page with its status, as on every page."""
    bill = manifest.bills.order_by("number").first()
    assert bill is not None
    url = f"/manifests/{manifest.pk}/bills/{bill.number}/hold/"
    hold = {"kind": "inspect_at_arrival", "reason": "Fruit from a new consignee"}
    desk = login(Client(), officer)
    assert desk.post(url, hold).status_code == 302
    again = desk.post(url, hold)
    assert again.status_code == 409 and "is held already" in again.content.decode()
    assert "core/problem.html" in [t.name for t in again.templates]
    arrival = f"/manifests/{manifest.pk}/arrival/"
    now = {"arrived_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    assert _client(carrier).post(arrival, now).status_code == 302
    twice = _client(carrier).post(arrival, now)
    assert twice.status_code == 409 and "notified already" in twice.content.decode()
    elsewhere = desk.post(f"/manifests/{manifest.pk}/bills/NOPE/hold/", hold)
    assert elsewhere.status_code == 404
