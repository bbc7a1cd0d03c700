"""Demo content for online public services: the catalogue and public holidays, an officer of
the General Department who decides rulings (cc.tongcuc), and filings of dn.hoanglong in every
state — a draft, one awaiting its fee, one submitted, one in review, one waiting for the
enterprise's answer, an issued HS ruling, a refused origin ruling, and decided local
procedures (one on time, one late) that Quảng Ninh's on-time rates show.

Everything goes through the services, so the event log and the time limits are what they
decided. Running it again adds nothing once dn.hoanglong has filings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy, gettext_noop

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.core.i18n import later
from haiquan.demo.setup import DemoLogin, _ensure_user

from . import services
from .catalogue import catalogue_load
from .models import Filing, Procedure
from .selectors import holidays
from .workdays import working_days_between

logger = logging.getLogger(__name__)

HS_RULING = {
    "goods_name": "Máy tính xách tay 2 trong 1",
    "goods_description": "Máy tính xách tay có màn hình cảm ứng tháo rời dùng như máy tính bảng; "
    "CPU 8 nhân, RAM 16 GB, SSD 512 GB, bàn phím gắn từ tính.",
    "proposed_hs_code": "84713020",
    "origin": "CN",
    "manufacturer": "Shenzhen Lianchuang Electronics Co., Ltd.",
}
ORIGIN_RULING = {
    "goods_name": "Quả sầu riêng tươi",
    "goods_description": "Sầu riêng Monthong nguyên quả, đóng thùng carton 18 kg.",
    "hs_code": "08106000",
    "claimed_origin": "TH",
    "producer": "Chanthaburi Fruit Cooperative",
    "production_process": "Trồng và thu hoạch tại Chanthaburi; đóng gói tại Trat.",
    "agreement": "ATIGA",
}

BROKER_REGISTRATION = {
    "legal_representative": "Trần Văn Long",
    "certified_staff": 2,
    "certificate_numbers": "CC-2019-0412, CC-2021-1187",
}
REFUND = {
    "declaration_number": "100000000017",
    "reason": "re_export",
    "amount_vnd": 18500000,
    "bank_account": "0011004455667 Vietcombank Quảng Ninh",
}
EXTENSION = {
    "warehouse_code": "20CDKNQ01",
    "declaration_number": "100000000025",
    "goods": "Máy tính xách tay, 1.200 chiếc",
    "current_expiry": "2026-12-31",
    "extension_until": "2027-06-30",
    "reason": "Chờ hợp đồng tái xuất sang Lào.",
}
RECOGNITION = {
    "facility_kind": "bonded_warehouse",
    "facility_name": "Kho ngoại quan Hoàng Long",
    "address": "KCN Cái Lân, phường Bãi Cháy, TP Hạ Long, Quảng Ninh",
    "area_m2": "12000",
    "cameras_connected": "no",
}


def _document_pdf(title: str) -> bytes:
    """A small real PDF standing for the documents the enterprise attaches."""
    try:
        from weasyprint import HTML

        html = f"<h1>{title}</h1><p>Công ty TNHH Thương mại Hoàng Long – tài liệu mẫu (demo).</p>"
        return bytes(HTML(string=html).write_pdf())
    except (ImportError, OSError):  # weasyprint without its system libraries
        logger.warning("weasyprint unavailable: demo documents are minimal PDFs")
        return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(
    actor: User,
    procedure: Procedure,
    mst: str,
    data: dict[str, Any],
    pdf: bytes,
    *,
    office_code: str = "",
    submit: bool = True,
) -> Filing:
    filing = services.filing_create(
        actor=actor, procedure=procedure, enterprise_mst=mst, data=data, office_code=office_code
    )
    for att in procedure.form.get("attachments", []):
        if att["required"]:
            upload = ContentFile(pdf, name=f"{att['name']}.pdf")
            services.document_upload(actor=actor, filing=filing, slot=att["name"], file=upload)
    if submit:
        filing = services.filing_submit(actor=actor, filing=filing)
    return filing


def _started_days_ago(filing: Filing, n: int) -> Filing:
    """Move the start of the time limit back `n` working days (the demo's past)."""
    today = services._today()
    hol = holidays()
    day = today
    while working_days_between(day, today, hol) < n:
        day = date.fromordinal(day.toordinal() - 1)
    Filing.objects.filter(pk=filing.pk).update(clock_started_on=day)
    filing.refresh_from_db()
    return filing


def demo_setup(*, say: Callable[[str], None]) -> list[DemoLogin]:
    procedures, days = catalogue_load()
    officer = _ensure_user("cc.tongcuc", Role.OFFICER, office_codes=["00"])
    logins = [
        DemoLogin(
            "cc.tongcuc",
            Role.OFFICER,
            gettext_lazy("officer, General Department (00): advance rulings, broker registrations"),
        )
    ]
    trader = User.objects.filter(username="dn.hoanglong").first()
    if trader is None:
        say(
            later(
                gettext_noop(
                    "Online public services: catalogue loaded; no demo declarant, so no filings."
                )
            )
        )
        return logins
    if Filing.objects.filter(filed_by=trader).exists():
        say(later(gettext_noop("Online public services demo exists already; not created again.")))
        return logins
    enterprise = trader.enterprises.order_by("pk").first()
    if enterprise is None:
        return logins
    mst = enterprise.mst
    mongcai = User.objects.filter(username="cc.mongcai").first() or officer
    cailan = User.objects.filter(username="cc.cailan").first() or officer
    leader = User.objects.filter(username="ld.quangninh").first() or officer
    p = {proc.code: proc for proc in Procedure.objects.all()}
    pdf = _document_pdf("Đơn đề nghị")
    _demo_filings_open(trader, p, mst, pdf)
    _demo_filings_in_review(trader, p, mst, pdf, cailan=cailan, leader=leader)
    hs = _demo_rulings_decided(trader, p, mst, pdf, officer=officer)
    _demo_local_decided(trader, p, mst, pdf, mongcai=mongcai, cailan=cailan)
    say(
        later(
            gettext_noop(
                "Online public services: %(p)d procedures, %(h)d public holidays, %(f)d filings of "
                "dn.hoanglong in every state, advance ruling %(r)s issued."
            ),
            p=procedures,
            h=days,
            f=Filing.objects.filter(filed_by=trader).count(),
            r=hs.ruling.number if hasattr(hs, "ruling") else "",
        )
    )
    return logins


def _demo_filings_open(trader: User, p: dict[str, Procedure], mst: str, pdf: bytes) -> None:
    """A draft, one awaiting its fee, one submitted."""
    _file(
        trader,
        p["hs-ruling"],
        mst,
        {**HS_RULING, "goods_name": "Tai nghe không dây"},
        pdf,
        submit=False,
    )
    _file(trader, p["broker-registration"], mst, BROKER_REGISTRATION, pdf)
    _file(trader, p["tax-refund"], mst, REFUND, pdf, office_code="20BD")


def _demo_filings_in_review(
    trader: User, p: dict[str, Procedure], mst: str, pdf: bytes, *, cailan: User, leader: User
) -> None:
    """In review at Cái Lân; waiting for the enterprise's answer at the Quảng Ninh Department."""
    in_review = _file(trader, p["bonded-extension"], mst, EXTENSION, pdf, office_code="20CD")
    services.filing_receive(actor=cailan, filing=in_review)
    waiting = _file(trader, p["bonded-recognition"], mst, RECOGNITION, pdf, office_code="20")
    services.filing_receive(actor=leader, filing=waiting)
    services.filing_info_request(
        actor=leader,
        filing=waiting,
        text="Đề nghị bổ sung phương án kết nối camera giám sát với cơ quan hải quan.",
    )


def _demo_rulings_decided(
    trader: User, p: dict[str, Procedure], mst: str, pdf: bytes, *, officer: User
) -> Filing:
    """Decided: an issued HS ruling (answered) and a refused origin ruling (General
    Department)."""
    hs = _started_days_ago(_file(trader, p["hs-ruling"], mst, HS_RULING, pdf), 12)
    services.filing_receive(actor=officer, filing=hs)
    services.filing_decide(
        actor=officer,
        filing=hs,
        outcome="approved",
        text="Máy tính xách tay có màn hình tháo rời vẫn là máy xử lý dữ liệu tự động xách tay "
        "(Chú giải 5 Chương 84): phân nhóm 8471.30, mã 8471.30.20.",
        ruling=services.RulingTerms(hs_code="84713020"),
    )
    origin = _started_days_ago(_file(trader, p["origin-ruling"], mst, ORIGIN_RULING, pdf), 15)
    services.filing_receive(actor=officer, filing=origin)
    services.filing_decide(
        actor=officer,
        filing=origin,
        outcome="refused",
        text="Hồ sơ không chứng minh được nơi trồng và thu hoạch; đề nghị nộp lại kèm giấy "
        "chứng nhận vùng trồng.",
    )
    return hs


def _demo_local_decided(
    trader: User, p: dict[str, Procedure], mst: str, pdf: bytes, *, mongcai: User, cailan: User
) -> None:
    """Decided locally: a refund on time at Móng Cái, an extension late at Cái Lân."""
    on_time = _started_days_ago(
        _file(trader, p["tax-refund"], mst, REFUND, pdf, office_code="20BD"), 4
    )
    services.filing_receive(actor=mongcai, filing=on_time)
    services.filing_decide(
        actor=mongcai, filing=on_time, outcome="approved", text="Hoàn 18.500.000 đồng."
    )
    late = _started_days_ago(
        _file(trader, p["bonded-extension"], mst, EXTENSION, pdf, office_code="20CD"), 5
    )
    services.filing_receive(actor=cailan, filing=late)
    services.filing_decide(
        actor=cailan, filing=late, outcome="approved", text="Gia hạn đến 30/06/2027."
    )
