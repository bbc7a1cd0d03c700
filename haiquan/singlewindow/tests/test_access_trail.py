"""Customs users opening an enterprise's licence, inspection result or certificate of origin
leave a row in the access trail (audit); the issuing agency and the enterprise do not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.audit.choices import Part, Via
from haiquan.audit.models import AccessRecord
from haiquan.audit.selectors import access_records
from haiquan.refdata.models import Enterprise
from haiquan.singlewindow.models import PartnerEndpoint

from .conftest import result_message
from .test_api import URL, post
from .test_api import TestCertificatesApi as _Certificates  # its message body (not collected again)

pytestmark = pytest.mark.django_db


def test_a_document_read_by_customs_is_recorded_and_by_its_agency_or_holder_not(
    hoanglong: Enterprise,
    declarant: User,
    analyst: User,
    quarantine_officer: User,
    as_system: Callable[[User], Client],
    api: Callable[[User], Client],
) -> None:
    sent = post(as_system(quarantine_officer), "/documents", result_message(hoanglong.mst))
    assert sent.status_code == 201, sent.content
    doc_id = sent.json()["document"]["id"]
    for user in (quarantine_officer, declarant):
        assert api(user).get(f"{URL}/documents/{doc_id}").status_code == 200
    assert not AccessRecord.objects.exists()

    assert api(analyst).get(f"{URL}/documents/{doc_id}").status_code == 200
    (rec,) = access_records(part=Part.SW_DOCUMENT, subject_id=doc_id)
    assert (rec.user, rec.via, rec.enterprise) == (analyst, Via.API, hoanglong)
    assert rec.subject_reference == "KDTV-2026-000123"

    assert login(Client(), analyst).get(f"/single-window/documents/{doc_id}/").status_code == 200
    assert [r.via for r in access_records(user_id=analyst.pk)] == [Via.PAGE, Via.API]


def test_a_certificate_read_by_customs_is_recorded_against_the_importer(
    hoanglong: Enterprise,
    declarant: User,
    analyst: User,
    thai_endpoint: PartnerEndpoint,
    as_system: Callable[[User], Client],
    api: Callable[[User], Client],
) -> None:
    sent = post(as_system(thai_endpoint.user), "/certificates", _Certificates().body(hoanglong.mst))
    assert sent.status_code == 201, sent.content
    cert_id = sent.json()["id"]
    assert api(declarant).get(f"{URL}/certificates/{cert_id}").status_code == 200
    assert not AccessRecord.objects.exists()
    assert api(analyst).get(f"{URL}/certificates/{cert_id}").status_code == 200
    rec = AccessRecord.objects.get()
    assert (rec.part, rec.subject_id, rec.enterprise) == (Part.CERTIFICATE, cert_id, hoanglong)
    assert rec.subject_reference == "TH2026-D-000999"
