"""Demo content for the single window, on top of the generated history: the partner agencies and
their log-ins, a requirements table for the demo's goods, the ASEAN partners' gateways with
e-C/O matching recent ATIGA imports, and the agencies' answers to part of the open requests.
Safe to run again: everything is looked up before it is created."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.services import DEMO_PASSWORD, demo_password_set, user_create
from haiquan.clearance.choices import OPEN_STATUSES
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.core.i18n import later
from haiquan.core.problems import ProblemError
from haiquan.refdata.models import Country

from .asw import certificate_receive
from .choices import AgencyKind, DocumentKind, RequestState
from .inputs import CertificateInput, CertificateItemInput, DocumentMessage, GoodsInput
from .measures import requirements_from_measures
from .models import (
    Agency,
    AgencyMember,
    Certificate,
    CertificateItem,
    CertificateUse,
    Document,
    PartnerEndpoint,
    Request,
)
from .services import declaration_requests_sync, document_message_receive

EMAIL_DOMAIN = "demo.haiquan.invalid"

# code, name, ministry, kind, demo log-in
AGENCIES = (
    (
        "BVTV-KDTV7",
        "Chi cục Kiểm dịch thực vật vùng VII (Cục Bảo vệ thực vật)",
        "Bộ Nông nghiệp và Môi trường",
        AgencyKind.PLANT_QUARANTINE,
        "qa.kiemdich",
    ),
    (
        "TY-KDDV",
        "Cục Thú y – Chi cục Kiểm dịch động vật vùng Quảng Ninh",
        "Bộ Nông nghiệp và Môi trường",
        AgencyKind.ANIMAL_HEALTH,
        "qa.thuy",
    ),
    (
        "ATTP",
        "Cục An toàn thực phẩm",
        "Bộ Y tế",
        AgencyKind.FOOD_SAFETY,
        "qa.attp",
    ),
    (
        "BCT-XNK",
        "Cục Xuất nhập khẩu",
        "Bộ Công Thương",
        AgencyKind.TRADE_LICENSING,
        "qa.congthuong",
    ),
    (
        "TDC-KTCL",
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1",
        "Bộ Khoa học và Công nghệ",
        AgencyKind.QUALITY_INSPECTION,
        "qa.chatluong",
    ),
)


# ASEAN partners' gateways (country, name) sending ATIGA Form D.
ENDPOINTS = (
    ("TH", "Thailand National Single Window"),
    ("MY", "Malaysia National Single Window (MyNSW)"),
    ("ID", "Indonesia National Single Window (INSW)"),
    ("SG", "Singapore TradeNet"),
    ("KH", "Cambodia ASYCUDA / NSW"),
    ("LA", "Lao National Single Window"),
    ("PH", "Philippines NSW"),
    ("MM", "Myanmar National Single Window"),
    ("BN", "Brunei Darussalam National Single Window"),
)


def _user(username: str, role: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        return user_create(
            username=username,
            password=DEMO_PASSWORD,
            check_password=False,  # the demo's shared password, printed and documented
            role=role,
            email=f"{username}@{EMAIL_DOMAIN}",
        )
    demo_password_set(user)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user


@transaction.atomic
def agencies_ensure() -> dict[str, Agency]:
    out = {}
    for code, name, ministry, kind, username in AGENCIES:
        agency, _created = Agency.objects.get_or_create(
            code=code, defaults={"name": name, "ministry": ministry, "kind": kind}
        )
        user = _user(username, Role.AGENCY)
        AgencyMember.objects.update_or_create(user=user, defaults={"agency": agency})
        out[code] = agency
    return out


def requirements_ensure(agencies: dict[str, Agency]) -> int:
    """The requirements table built from the ministries' inspection lists (`measures.py`): the
    measures needing a permit or result from plant and animal quarantine, food safety, trade
    licensing and quality inspection go to the demo's agencies of those kinds."""
    del agencies  # each measure names the kind of agency that issues its document
    return requirements_from_measures().created


@transaction.atomic
def endpoints_ensure() -> dict[str, PartnerEndpoint]:
    out = {}
    for country, name in ENDPOINTS:
        if not Country.objects.filter(code=country).exists():
            continue
        user = _user(f"asw.{country.lower()}", Role.AGENCY)
        endpoint, _created = PartnerEndpoint.objects.get_or_create(
            user=user, defaults={"country_id": country, "name": name, "agreements": ["ATIGA"]}
        )
        out[country] = endpoint
    return out


def certificates_for_recent_imports(
    endpoints: dict[str, PartnerEndpoint], *, limit: int = 60
) -> int:
    """e-C/O matching the most recent ATIGA claims of the history, recorded as received and
    drawn by the lines that claimed them (the history was cleared before this app existed)."""
    lines = (
        DeclarationLine.objects.filter(
            preference="ATIGA",
            declaration__flow="import",
            origin_id__in=list(endpoints),
            co_date__isnull=False,
        )
        .exclude(co_number="")
        .exclude(declaration__status="cancelled")
        # A false origin has no genuine e-C/O behind it: its claim must fail or go to paper.
        .exclude(declaration__synthetic_truth__fraud_kind="false_origin")
        .select_related("declaration__enterprise")
        .order_by("-declaration__registered_at")[:limit]
    )
    made = 0
    for ln in lines:
        if Certificate.objects.filter(
            issuing_country_id=ln.origin_id, reference_number=ln.co_number
        ).exists():
            continue
        if ln.co_date is None:
            continue
        data = CertificateInput(
            reference_number=ln.co_number,
            form="D",
            agreement="ATIGA",
            issuing_country=ln.origin_id,
            issue_date=ln.co_date,
            exporter_name=ln.declaration.partner_name or "Exporter",
            importer_mst=ln.declaration.enterprise.mst,
            importer_name=ln.declaration.enterprise.name,
            items=(
                CertificateItemInput(
                    item_no=1,
                    hs_code=ln.hs_code[:6],
                    description=ln.description[:500],
                    origin_criterion="WO" if ln.hs_code[:2] <= "24" else "RVC40",
                    quantity=ln.quantity,
                    unit=ln.unit,
                    fob_value=ln.value,
                ),
            ),
        )
        try:
            with transaction.atomic():
                cert = certificate_receive(actor=endpoints[ln.origin_id].user, data=data)
                CertificateUse.objects.create(
                    item=CertificateItem.objects.get(certificate=cert),
                    declaration=ln.declaration,
                    line_no=ln.line_no,
                    quantity=ln.quantity,
                )
        except ProblemError:
            continue
        made += 1
    return made


def certificates_for_the_demo_declarant(endpoints: dict[str, PartnerEndpoint]) -> int:
    """Fresh e-C/O for dn.hoanglong's companies to claim ATIGA on (dragon fruit, durian)."""
    user = User.objects.filter(username="dn.hoanglong").first()
    if user is None or "TH" not in endpoints:
        return 0
    made = 0
    issued = timezone.localdate() - timedelta(days=3)
    for i, enterprise in enumerate(user.enterprises.order_by("mst")[:2]):
        ref = f"D{issued:%y}TH{9_000_001 + i:07d}"
        if Certificate.objects.filter(issuing_country_id="TH", reference_number=ref).exists():
            continue
        certificate_receive(
            actor=endpoints["TH"].user,
            data=CertificateInput(
                reference_number=ref,
                form="D",
                agreement="ATIGA",
                issuing_country="TH",
                issue_date=issued,
                exporter_name="Chanthaburi Fruit Export Co., Ltd.",
                importer_mst=enterprise.mst,
                importer_name=enterprise.name,
                items=(
                    CertificateItemInput(
                        item_no=1,
                        hs_code="081090",
                        description="Fresh dragon fruit / Thanh long tươi",
                        origin_criterion="WO",
                        quantity=Decimal("40000"),
                        unit="KGM",
                        fob_value=Decimal("24000"),
                    ),
                    CertificateItemInput(
                        item_no=2,
                        hs_code="081060",
                        description="Fresh durian / Sầu riêng tươi",
                        origin_criterion="WO",
                        quantity=Decimal("20000"),
                        unit="KGM",
                        fob_value=Decimal("50000"),
                    ),
                ),
            ),
        )
        made += 1
    return made


def open_requests_ensure(*, limit: int = 400) -> int:
    """Requests for the open declarations whose goods the table names (most recent first)."""
    made = 0
    decls = (
        Declaration.objects.filter(status__in=OPEN_STATUSES, flow="import")
        .select_related("office")
        .order_by("-registered_at")[:limit]
    )
    for decl in decls:
        with transaction.atomic():
            made += len(declaration_requests_sync(declaration=decl).requested)
    return made


def answers_ensure(agencies: dict[str, Agency]) -> int:
    """The plant quarantine sub-department answers the requests of even-numbered declarations
    (passes, and a fail for every tenth), so that qa.kiemdich has both work done and work to do;
    the same ones again on a second run, which finds them answered."""
    code = "BVTV-KDTV7"
    member = AgencyMember.objects.filter(agency=agencies[code]).select_related("user").first()
    if member is None:
        return 0
    waiting = list(
        Request.objects.filter(agency=agencies[code], state=RequestState.WAITING)
        .select_related("declaration__enterprise")
        .order_by("requested_at", "pk")
    )
    sent = 0
    today = timezone.localdate()
    for req in waiting:
        decl = req.declaration
        if decl.pk % 2:
            continue
        ref = f"KDTV7-{decl.number}-{req.line_no}"
        if Document.objects.filter(agency=agencies[code], reference=ref).exists():
            continue
        fail = decl.pk % 10 == 0
        try:
            document_message_receive(
                actor=member.user,
                message=DocumentMessage(
                    message_id=f"demo-{ref}",
                    reference=ref,
                    kind=DocumentKind.INSPECTION,
                    holder_mst=decl.enterprise.mst,
                    declaration_number=decl.number or "",
                    issued_on=today,
                    valid_from=today,
                    valid_to=today + timedelta(days=30),
                    result="fail" if fail else "pass",
                    notes="Phát hiện sinh vật gây hại thuộc diện kiểm dịch (ruồi đục quả)"
                    if fail
                    else "",
                    goods=(GoodsInput(hs_code=req.hs_code, quantity=req.quantity, unit=req.unit),),
                ),
            )
        except ProblemError:
            continue
        sent += 1
    return sent


def demo_setup(*, say: Callable[[str], None]) -> None:
    """Partner agencies, their users (qa.kiemdich, qa.thuy, qa.attp, qa.congthuong,
    qa.chatluong), the requirements table, ASEAN gateways (asw.th, asw.my...) with e-C/O, and
    the agencies' first answers."""
    agencies = agencies_ensure()
    n_req = requirements_ensure(agencies)
    endpoints = endpoints_ensure()
    n_cert = certificates_for_recent_imports(endpoints)
    n_mine = certificates_for_the_demo_declarant(endpoints)
    n_open = open_requests_ensure()
    n_answers = answers_ensure(agencies)
    say(
        later(
            gettext_noop(
                "Single window: %(a)s agencies, %(r)s new requirements, %(g)s ASW gateways, "
                "%(c)s e-C/O, %(o)s requests for open declarations, %(n)s agency answers."
            ),
            a=len(agencies),
            r=n_req,
            g=len(endpoints),
            c=n_cert + n_mine,
            o=n_open,
            n=n_answers,
        )
    )
