"""The National Single Window (Cơ chế một cửa quốc gia): the requirements table, the permits and
specialised-inspection results (kết quả kiểm tra chuyên ngành) partner agencies send, and the
link between them and the declaration lines that need them.

How a line gets what it needs:
    registration / amendment ─(written observer)→ one `Request` per (line, requirement),
        linked at once to a valid matching document when the holder already has one
    agency message (original / amendment / revocation) → the holder's open declarations are
        linked again, and clearance is retried for those awaiting it
A document matches when it is from the requirement's agency and of its kind, held by the
declaration's enterprise, valid today, not for another declaration, and has a goods item whose
HS code starts the line's HS code, in the line's unit, with enough quantity left (permits are
drawn down across declarations; cancelled declarations give theirs back). A failed inspection
result links too, and blocks clearance with the agency's notes.

Every request and answer is an event with party "agency" (`singlewindow.*`), so time-release
measurement counts the wait as other-agency time.

The writes, by sub-domain (each module says more):
    requirements.py  the requirements table, kept by administrators
    requests.py      a declaration's requests to agencies: clearance's written observer and guard
    documents.py     agencies' permits and inspection results, and the access trail
    document_checks.py  the checks of an agency's message, its envelope and its content
"""

from .documents import (
    MessageAnswer,
    certificate_access_record,
    document_access_record,
    document_message_receive,
)
from .requests import (
    SyncResult,
    declaration_blockers,
    declaration_requests_sync,
    declaration_written,
    goods_remaining,
)
from .requirements import (
    RequirementInput,
    requirement_applies,
    requirement_create,
    requirement_update,
    requirements_for_lines,
)

__all__ = [
    "MessageAnswer",
    "RequirementInput",
    "SyncResult",
    "certificate_access_record",
    "declaration_blockers",
    "declaration_requests_sync",
    "declaration_written",
    "document_access_record",
    "document_message_receive",
    "goods_remaining",
    "requirement_applies",
    "requirement_create",
    "requirement_update",
    "requirements_for_lines",
]
