"""/api/v1/declarations/paper: an officer captures a paper declaration taken at the office
during a declared outage (nhập bổ sung tờ khai giấy), with its paper number, the time it was
registered on paper and the lane decided then. Thin: parse, call the service, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Router, Status

from haiquan.accounts.apiauth import API_AUTH
from haiquan.core.web import user_of

from . import services
from .progress import declaration_progress
from .schemas import DeclarationIn, DeclarationOut, declaration_out

router = Router(tags=["declarations"], auth=API_AUTH)


class PaperDeclarationIn(DeclarationIn):
    paper_number: str = Field(
        ..., max_length=40, description="The number the paper declaration was given at the office"
    )
    registered_at: datetime = Field(
        ..., description="When it was registered on paper: inside an ended outage at the office"
    )
    lane: str = Field(..., max_length=10, description="The lane decided then: green, yellow, red")


class PaperDeclarationOut(DeclarationOut):
    paper_number: str = Field(description="The paper declaration's number, kept")
    back_captured: bool = Field(True, description="Captured from paper after an outage")


@router.post(
    "/paper",
    response={201: PaperDeclarationOut},
    summary="Capture a paper declaration taken during an outage",
)
def paper_capture(request: Any, payload: PaperDeclarationIn) -> Any:
    """Registered at its paper time (that day's exchange rate, its events at that time) with
    the lane decided on paper, keeping its paper number; marked as captured from paper (the
    `declaration.back_captured` event). For officers and leaders of the office only (403); a
    paper number already captured at the office, or a time outside an ended outage there, is
    422 naming the field."""
    user = user_of(request)
    declaration = services.declaration_back_capture(
        actor=user,
        data=payload.to_input(),
        paper_number=payload.paper_number,
        registered_at=payload.registered_at,
        lane=payload.lane,
    )
    out = declaration_out(
        declaration, user, progress=declaration_progress(declaration, pending=None, last_check=None)
    )
    return Status(201, {**out, "paper_number": payload.paper_number.strip(), "back_captured": True})
