"""The clearance services (VNACCS): the writes of the declaration workflow, one sub-domain a
module. Every change is one transaction that also writes its event; which state allows which
action, by whom, and what it writes is the workflow table's (`clearance/workflow/table.py`).

- `registration`: drafts, registration (number, duties, lane) — `duties`, `content` and
  `duplicates` are what it is made of;
- `checks`: document checks, inspections, escalation, release;
- `payment`: payments and guarantees applied, and the clearance they bring;
- `amendment`, `cancellation`, `penalties`;
- `documents`: the declaration's documents, customs' requests for more and their answers.

Callers import the public names from here (`from haiquan.clearance import services`).
"""

from .amendment import declaration_amend
from .backcapture import declaration_back_capture
from .cancellation import declaration_cancel, declaration_cancellation_decide
from .checks import (
    declaration_check_preview,
    declaration_check_record,
    declaration_escalate,
    declaration_release,
)
from .common import declaration_locked
from .content import declaration_input_from
from .documents import (
    declaration_document_upload,
    document_request_accept,
    document_request_answer,
    document_request_make,
    document_requests_escalate,
)
from .duplicates import DuplicateDeclaration, duplicate_text
from .duties import declaration_duty_preview
from .payment import declaration_clearance_retry, declaration_payment_apply
from .penalties import declaration_penalty_record, penalty_problems
from .registration import declaration_draft_save, declaration_register

__all__ = [
    "DuplicateDeclaration",
    "declaration_amend",
    "declaration_back_capture",
    "declaration_cancel",
    "declaration_cancellation_decide",
    "declaration_check_preview",
    "declaration_check_record",
    "declaration_clearance_retry",
    "declaration_document_upload",
    "declaration_draft_save",
    "declaration_duty_preview",
    "declaration_escalate",
    "declaration_input_from",
    "declaration_locked",
    "declaration_payment_apply",
    "declaration_penalty_record",
    "declaration_register",
    "declaration_release",
    "document_request_accept",
    "document_request_answer",
    "document_request_make",
    "document_requests_escalate",
    "duplicate_text",
    "penalty_problems",
]
