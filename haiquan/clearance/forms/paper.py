"""What an officer types about a paper declaration taken during a declared outage, besides the
declaration itself: the number it was given on paper, when, and the lane decided then."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from haiquan.risk.choices import Lane

from .declaration import CHOOSE


class PaperForm(forms.Form):
    paper_number = forms.CharField(
        label=gettext_lazy("Paper declaration number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("The number written on the paper declaration at the office."),
    )
    registered_at = forms.DateTimeField(
        label=gettext_lazy("Registered on paper at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Local time, inside the declared outage."),
    )
    lane = forms.ChoiceField(
        label=gettext_lazy("Lane decided on paper"),
        required=False,
        choices=[CHOOSE, *Lane.choices],
    )

    def paper(self) -> dict[str, Any]:
        """The cleaned values as `declaration_back_capture` takes them."""
        at: datetime | None = self.cleaned_data.get("registered_at")
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
        return {
            "paper_number": self.cleaned_data.get("paper_number") or "",
            "registered_at": at,
            "lane": self.cleaned_data.get("lane") or "",
        }
