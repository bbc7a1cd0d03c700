"""Uploaded documents are stored readable by haiquan's user and group only (0640), and scanned
by ClamAV's daemon when the installation runs one (issue 16)."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from haiquan.accounts.services import user_create
from haiquan.core.problems import ProblemError, ValidationFailed
from haiquan.core.scanning import clamd_scan
from haiquan.eservices import services
from haiquan.eservices.catalogue import catalogue_load
from haiquan.eservices.models import FilingDocument, Procedure
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The EICAR test file (a harmless string every anti-virus reports), with a PDF header in front so
# that the type check lets it through to the scanner.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture
def draft(db: Any) -> Any:
    catalogue_load()
    firm = EnterpriseFactory(mst=valid_mst(611), name="Công ty TNHH Tải Lên")
    user = user_create(
        username="dn.upload", password=None, role="declarant", enterprise_msts=[firm.mst]
    )
    filing = services.filing_create(
        actor=user,
        procedure=Procedure.objects.get(code="hs-ruling"),
        enterprise_mst=firm.mst,
        data={
            "goods_name": "Máy tính xách tay",
            "goods_description": "Máy tính xách tay 14 inch, CPU 8 nhân, RAM 16 GB",
            "proposed_hs_code": "84713020",
            "origin": "CN",
        },
    )
    slot = next(a["name"] for a in filing.procedure.form["attachments"] if a["required"])
    return user, filing, slot


@pytest.fixture
def on_disk(tmp_path: Path) -> Any:
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }
    ):
        yield tmp_path


def test_an_uploaded_document_is_stored_0640(draft, on_disk):
    old = os.umask(0o022)  # a usual umask would leave it world-readable (0644)
    try:
        user, filing, slot = draft
        doc = services.document_upload(
            actor=user, filing=filing, slot=slot, file=SimpleUploadedFile("đơn.pdf", PDF)
        )
    finally:
        os.umask(old)
    path = Path(storages["default"].path(doc.storage_name))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o007 == 0  # its folder: not others'


def test_an_unreachable_scanner_refuses_the_upload_and_keeps_nothing(draft, on_disk):
    user, filing, slot = draft
    missing = on_disk / "no-clamd.sock"
    with (
        override_settings(HAIQUAN={**settings.HAIQUAN, "CLAMD_URL": f"unix://{missing}"}),
        pytest.raises(ProblemError) as refused,
    ):
        services.document_upload(
            actor=user, filing=filing, slot=slot, file=SimpleUploadedFile("a.pdf", PDF)
        )
    assert refused.value.status == 503 and refused.value.code == "scanner-unavailable"
    assert not FilingDocument.objects.filter(filing=filing).exists()
    assert not [p for p in on_disk.rglob("*") if p.is_file()]  # no file left behind


def _running_clamd() -> str | None:
    """clamd's address on this machine, if it runs (HAIQUAN_TEST_CLAMD_URL, or Debian's socket,
    or the usual TCP port)."""
    candidates = [os.environ.get("HAIQUAN_TEST_CLAMD_URL", "")]
    candidates += ["unix:///run/clamav/clamd.ctl", "unix:///var/run/clamav/clamd.ctl"]
    candidates += ["tcp://127.0.0.1:3310"]
    for url in filter(None, candidates):
        try:
            if url.startswith("unix://"):
                with socket.socket(socket.AF_UNIX) as s:
                    s.settimeout(1)
                    s.connect(url.removeprefix("unix://"))
            else:
                host, port = url.removeprefix("tcp://").rsplit(":", 1)
                socket.create_connection((host, int(port)), timeout=1).close()
        except OSError:
            continue
        return url
    return None


CLAMD = _running_clamd()
needs_clamd = pytest.mark.skipif(
    CLAMD is None,
    reason="clamd is not running on this machine (set HAIQUAN_TEST_CLAMD_URL, or start "
    "clamav-daemon with its signatures): the EICAR test needs a real scanner",
)


@needs_clamd
def test_clamd_finds_the_eicar_test_file(draft, on_disk):
    import io

    assert CLAMD is not None
    assert clamd_scan(io.BytesIO(PDF), url=CLAMD).clean
    found = clamd_scan(io.BytesIO(EICAR), url=CLAMD)
    assert not found.clean and "Eicar" in found.signature
    user, filing, slot = draft
    with override_settings(HAIQUAN={**settings.HAIQUAN, "CLAMD_URL": CLAMD}):
        with pytest.raises(ValidationFailed) as refused:
            services.document_upload(
                actor=user,
                filing=filing,
                slot=slot,
                file=SimpleUploadedFile("a.pdf", PDF + b"\n" + EICAR + b"\n"),
            )
        assert refused.value.errors[0].field == "file"
        assert refused.value.errors[0].code == "malware"
        services.document_upload(
            actor=user, filing=filing, slot=slot, file=SimpleUploadedFile("b.pdf", PDF)
        )
    assert FilingDocument.objects.filter(filing=filing).count() == 1
