"""A declaration's documents and customs' requests for them, through the services: the request,
the declarant's upload and answer, the officer's acceptance, the time attributed to the trader in
time release; versions kept; wrong type or size refused; the late request escalated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from haiquan.clearance import services
from haiquan.clearance.choices import CheckKind, CheckOutcome, RequestState, Status
from haiquan.clearance.models import Declaration, DeclarationDocument, DocumentRequest
from haiquan.clearance.selectors import declaration_documents, officer_queue
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Enterprise
from haiquan.timerelease.services import consignment_rows

from .conftest import declaration_input, yellow_profile
from .test_services import pay, red_profile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def kinds_of(decl: Declaration) -> list[str]:
    return list(
        Event.objects.filter(declaration_id=decl.pk).order_by("id").values_list("kind", flat=True)
    )


def test_request_upload_answer_accept_then_check_with_the_wait_the_traders(
    yellow: Declaration, declarant: Any, officer: Any
) -> None:
    due = timezone.now() + timedelta(days=2)
    request = services.document_request_make(
        actor=officer,
        declaration=yellow,
        kinds=["invoice", "origin"],
        message="Send the signed invoice and the C/O Form E.",
        due_at=due,
    )
    yellow.refresh_from_db()
    assert yellow.status == Status.AWAITING_DOCUMENTS
    # The check cannot be recorded while the declarant's documents are awaited.
    with pytest.raises(Conflict):
        services.declaration_check_record(
            actor=officer, declaration=yellow, kind=CheckKind.DOCUMENT_CHECK, outcome="match"
        )
    # Only the declarant answers; an answer missing a named document must say why.
    doc = services.declaration_document_upload(
        actor=declarant, declaration=yellow, kind="invoice", file=upload("invoice.pdf", PDF)
    )
    assert doc.request_id == request.pk
    with pytest.raises(Forbidden):
        services.document_request_answer(
            actor=officer, declaration=yellow, request=request, message="x"
        )
    with pytest.raises(ValidationFailed) as refused:
        services.document_request_answer(
            actor=declarant, declaration=yellow, request=request, message=""
        )
    assert refused.value.errors[0].field == "message"
    assert "(C/O)" in refused.value.errors[0].problem  # the document missing, named
    services.document_request_answer(
        actor=declarant,
        declaration=yellow,
        request=request,
        message="The C/O is issued tomorrow; the invoice is attached.",
    )
    yellow.refresh_from_db()
    assert yellow.status == Status.DOCUMENT_CHECK
    # The officer accepts before recording the check.
    with pytest.raises(Conflict):
        services.declaration_check_record(
            actor=officer, declaration=yellow, kind=CheckKind.DOCUMENT_CHECK, outcome="match"
        )
    services.document_request_accept(actor=officer, declaration=yellow, request=request)
    request.refresh_from_db()
    assert request.state == RequestState.ACCEPTED and request.accepted_by == officer
    services.declaration_check_record(
        actor=officer, declaration=yellow, kind=CheckKind.DOCUMENT_CHECK, outcome=CheckOutcome.MATCH
    )
    yellow.refresh_from_db()
    pay(yellow, declarant)
    yellow.refresh_from_db()
    services.declaration_release(actor=officer, declaration=yellow)
    assert kinds_of(yellow)[3:8] == [
        "declaration.documents_requested",
        "declaration.document_uploaded",
        "declaration.documents_answered",
        "declaration.documents_accepted",
        "declaration.document_check_recorded",
    ]
    # Time release: the wait from the request to the answer is the trader's, in its own step.
    events = {
        e.kind: e
        for e in Event.objects.filter(declaration_id=yellow.pk).exclude(
            kind="declaration.document_uploaded"
        )
    }
    waited = (
        events["declaration.documents_answered"].occurred_at
        - events["declaration.documents_requested"].occurred_at
    ).total_seconds()
    (row,) = consignment_rows([yellow.pk])
    assert row["status"] == "released"
    assert row["step_document_request_s"] == pytest.approx(waited)
    assert waited > 0
    assert row["trader_s"] >= row["step_document_request_s"]
    parts = sum(row[f"{b}_s"] for b in ("customs", "agency", "trader", "movement", "bank"))
    assert parts == pytest.approx(row["total_s"])


def test_a_replaced_document_stays_as_the_earlier_version(
    yellow: Declaration, declarant: Any, officer: Any
) -> None:
    first = services.declaration_document_upload(
        actor=declarant,
        declaration=yellow,
        kind="packing_list",
        file=upload("packing.pdf", PDF),
        reference="PL-7",
    )
    second = services.declaration_document_upload(
        actor=declarant,
        declaration=yellow,
        kind="",
        file=upload("packing-v2.png", PNG),
        replaces=first,
    )
    assert (second.kind, second.version, second.replaces_id) == ("packing_list", 2, first.pk)
    assert second.reference == "PL-7"
    docs = declaration_documents(yellow)
    # `replaced` is annotated onto each document by the selector (not a model field).
    versions = [(d.version, d.replaced) for d in docs]  # type: ignore[attr-defined]
    assert versions == [(1, True), (2, False)]
    assert storages["default"].open(first.storage_name).read() == PDF  # still kept
    # The earlier version cannot be replaced a second time (no fork in the history).
    with pytest.raises(Conflict):
        services.declaration_document_upload(
            actor=declarant,
            declaration=yellow,
            kind="",
            file=upload("x.pdf", PDF),
            replaces=first,
        )


@pytest.mark.parametrize(
    ("kind", "name", "content", "code"),
    [
        ("invoice", "invoice.pdf", EXE, "wrong-type"),  # an executable named .pdf
        ("photo", "photo.jpg", PDF, "wrong-type"),  # a photo must be an image
        ("invoice", "empty.pdf", b"", "empty"),
        ("invoice", "big.pdf", PDF + b"0" * 2048, "too-large"),
        ("nonsense", "a.pdf", PDF, "invalid"),
    ],
)
@override_settings(HAIQUAN={"DOCUMENT_MAX_BYTES": 1024})
def test_wrong_type_or_size_is_refused_naming_the_field_and_nothing_kept(
    yellow: Declaration, declarant: Any, kind: str, name: str, content: bytes, code: str
) -> None:
    before = Event.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.declaration_document_upload(
            actor=declarant, declaration=yellow, kind=kind, file=upload(name, content)
        )
    (problem,) = refused.value.errors
    assert problem.code == code
    assert problem.field == ("kind" if kind == "nonsense" else "file")
    assert not DeclarationDocument.objects.exists()
    assert Event.objects.count() == before


def test_a_path_in_the_file_name_is_dropped(yellow: Declaration, declarant: Any) -> None:
    doc = services.declaration_document_upload(
        actor=declarant,
        declaration=yellow,
        kind="contract",
        file=upload("../../etc/passwd\\..\\contract.pdf", PDF),
    )
    assert doc.original_name == "contract.pdf"
    assert doc.storage_name.startswith("clearance/documents/")
    assert "contract" not in doc.storage_name


def test_only_the_declarant_uploads_and_only_an_officer_of_the_office_requests(
    yellow: Declaration, other_declarant: Any, officer_elsewhere: Any, declarant: Any
) -> None:
    with pytest.raises(Forbidden):
        services.declaration_document_upload(
            actor=other_declarant, declaration=yellow, kind="invoice", file=upload("a.pdf", PDF)
        )
    with pytest.raises(Forbidden):
        services.document_request_make(
            actor=officer_elsewhere,
            declaration=yellow,
            kinds=["invoice"],
            message="x",
            due_at=timezone.now() + timedelta(days=1),
        )
    with pytest.raises(Forbidden):
        services.document_request_make(
            actor=declarant,
            declaration=yellow,
            kinds=["invoice"],
            message="x",
            due_at=timezone.now() + timedelta(days=1),
        )


def test_request_input_problems_named_by_field(yellow: Declaration, officer: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.document_request_make(
            actor=officer,
            declaration=yellow,
            kinds=["invoice", "passport"],
            message=" ",
            due_at=timezone.now() - timedelta(hours=1),
        )
    assert {e.field for e in refused.value.errors} == {"documents[1]", "message", "due_at"}
    yellow.refresh_from_db()
    assert yellow.status == Status.DOCUMENT_CHECK


def test_a_green_declaration_has_no_request(
    rates: Any, declarant: Any, hoanglong: Enterprise, officer: Any
) -> None:
    decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    with pytest.raises(Conflict):
        services.document_request_make(
            actor=officer,
            declaration=decl,
            kinds=["invoice"],
            message="x",
            due_at=timezone.now() + timedelta(days=1),
        )


def test_red_lane_answer_returns_to_the_inspection(
    analyst: Any, rates: Any, declarant: Any, hoanglong: Enterprise, officer: Any
) -> None:
    red_profile(analyst)
    decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    request = services.document_request_make(
        actor=officer,
        declaration=decl,
        kinds=[],
        message="Explain the weight difference on the packing list.",
        due_at=timezone.now() + timedelta(days=1),
    )
    services.document_request_answer(
        actor=declarant, declaration=decl, request=request, message="Pallets were weighed too."
    )
    decl.refresh_from_db()
    assert decl.status == Status.INSPECTION


def test_the_queue_shows_answered_requests_first_and_late_ones_are_escalated_once(
    analyst: Any, rates: Any, declarant: Any, hoanglong: Enterprise, officer: Any
) -> None:
    yellow_profile(analyst)
    plain, waiting, answered = (
        services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        for _ in range(3)
    )
    due = timezone.now() + timedelta(hours=2)
    for decl in (waiting, answered):
        services.document_request_make(
            actor=officer, declaration=decl, kinds=[], message="Explain the price.", due_at=due
        )
    services.document_request_answer(
        actor=declarant,
        declaration=answered,
        request=DocumentRequest.objects.get(declaration=answered),
        message="Seasonal price.",
    )
    assert [d.pk for d in officer_queue(officer)] == [answered.pk, plain.pk, waiting.pk]
    # Not late yet: nothing escalated. Past the deadline: escalated once, for the trader's time.
    assert services.document_requests_escalate() == 0
    later = due + timedelta(minutes=1)
    assert services.document_requests_escalate(now=later) == 1
    assert services.document_requests_escalate(now=later) == 0
    escalation = Event.objects.get(kind="declaration.document_request_escalated")
    assert (escalation.declaration_id, escalation.party) == (waiting.pk, "trader")
    assert [d.pk for d in officer_queue(officer)] == [answered.pk, waiting.pk, plain.pk]
