"""The clearance pages' forms: the declaration's (`declaration`) and those of the decisions taken
on it (`decisions`)."""

from .decisions import (
    CancellationDecisionForm,
    CheckResultForm,
    PenaltyForm,
    ProblemsForm,
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

__all__ = [
    "CancellationDecisionForm",
    "CheckResultForm",
    "DeclarationForm",
    "DeclarationHeaderForm",
    "LineForm",
    "PenaltyForm",
    "ProblemsForm",
    "ReasonForm",
    "ReleaseForm",
    "line_form_for_row",
    "new_line_key",
    "problem_text",
    "single_row",
]
