"""The clearance pages' forms: the declaration's (`declaration`) and those of the decisions taken
on it (`decisions`)."""

from .decisions import (
    CancellationDecisionForm,
    CheckResultForm,
    PenaltyForm,
    ReasonForm,
    ReleaseForm,
)
from .declaration import (
    DeclarationForm,
    DeclarationHeaderForm,
    LineForm,
    line_form_for_row,
    new_line_key,
    problem_text,
    single_row,
)
from .documents import AcceptForm, AnswerForm, DocumentRequestForm, DocumentUploadForm
from .paper import PaperForm

__all__ = [
    "AcceptForm",
    "AnswerForm",
    "CancellationDecisionForm",
    "CheckResultForm",
    "DeclarationForm",
    "DeclarationHeaderForm",
    "DocumentRequestForm",
    "DocumentUploadForm",
    "LineForm",
    "PaperForm",
    "PenaltyForm",
    "ReasonForm",
    "ReleaseForm",
    "line_form_for_row",
    "new_line_key",
    "problem_text",
    "single_row",
]
