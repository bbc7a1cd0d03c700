"""The clearance pages: the enterprise's declarations and form, the declaration page, the
officers' queue and actions. Each view parses, calls one service or selector, and renders."""

from .declaration_form import (
    declaration_amend,
    declaration_create,
    declaration_edit,
    declaration_review,
    duty_preview,
    hs_search,
    line_row,
)
from .declaration_page import (
    cancellation_decide,
    declaration_cancel,
    declaration_detail,
    declaration_pdf,
    penalty_record,
)
from .documents import (
    document_download,
    document_request,
    document_upload,
    request_accept,
    request_answer,
)
from .enterprise import acting_for_set, declaration_list
from .officer import (
    check_preview,
    check_record,
    declaration_escalate,
    declaration_release,
    overview,
    queue,
)
from .paper import paper_capture

__all__ = [
    "acting_for_set",
    "cancellation_decide",
    "check_preview",
    "check_record",
    "declaration_amend",
    "declaration_cancel",
    "declaration_create",
    "declaration_detail",
    "declaration_edit",
    "declaration_escalate",
    "declaration_list",
    "declaration_pdf",
    "declaration_release",
    "declaration_review",
    "document_download",
    "document_request",
    "document_upload",
    "duty_preview",
    "hs_search",
    "line_row",
    "overview",
    "paper_capture",
    "penalty_record",
    "queue",
    "request_accept",
    "request_answer",
]
