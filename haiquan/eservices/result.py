"""The signed result of a filing: a PDF (weasyprint) carrying the decision, the ruling if one
was issued, and a verification code with its QR code. The PDF is produced once, at its first
download, and kept in private storage with its SHA-256; the public page /eservices/verify/<code>/
shows what customs decided and that hash, so anyone holding the file can check it."""

from __future__ import annotations

import logging

import segno
from django.contrib.staticfiles import finders
from django.core.files.storage import storages
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from haiquan.core.problems import Conflict, ServiceUnavailable

from .models import AdvanceRuling, Filing
from .services import result_store

logger = logging.getLogger(__name__)


def verify_path(filing: Filing) -> str:
    return reverse("eservices:verify_code", args=[filing.result_code])


def _render(filing: Filing, *, base_url: str) -> bytes:
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:
        logger.warning("weasyprint cannot be loaded: results cannot be printed", exc_info=True)
        raise ServiceUnavailable(_("PDF printing is unavailable on this server."), 3600) from exc
    verify_url = base_url.rstrip("/") + verify_path(filing)
    qr = segno.make(verify_url, error="m").svg_data_uri(scale=4, border=2)
    ruling = AdvanceRuling.objects.filter(filing=filing).first()
    html = render_to_string(
        "eservices/result_print.html",
        {"filing": filing, "ruling": ruling, "verify_url": verify_url, "qr": qr},
    )
    css_path = finders.find("haiquan/print.css")
    stylesheets = [CSS(filename=str(css_path))] if css_path else []
    try:
        return bytes(HTML(string=html, base_url=base_url).write_pdf(stylesheets=stylesheets))
    except OSError as exc:
        logger.warning("weasyprint failed to render", exc_info=True)
        raise ServiceUnavailable(_("PDF printing is unavailable on this server."), 3600) from exc


def result_document(*, filing: Filing, base_url: str) -> bytes:
    """The result's PDF: the stored one, or produced now and stored (its hash recorded)."""
    if not filing.is_decided or not filing.result_code:
        raise Conflict(_("There is no decision yet."), "not-decided")
    if not filing.result_file:
        filing = result_store(filing=filing, pdf=_render(filing, base_url=base_url))
    with storages["default"].open(filing.result_file, "rb") as fh:
        return bytes(fh.read())
