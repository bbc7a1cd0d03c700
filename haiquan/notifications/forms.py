"""The forms of the notification pages: a webhook endpoint to register. What a value may be
is checked by the services (the same rules as the API); the form only carries it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EndpointForm(forms.Form):
    owner = forms.ChoiceField(label=_("Whose system"))
    url = forms.CharField(
        label=_("Address (URL)"),
        max_length=500,
        help_text=_("Where haiquan sends its signed POST requests, beginning with https://"),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    kinds = forms.MultipleChoiceField(
        label=_("What it is told of"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to be told of everything sent to systems."),
    )

    def __init__(
        self,
        *args: object,
        owners: list[tuple[str, str]],
        kinds: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].choices = owners  # type: ignore[attr-defined]
        self.fields["kinds"].choices = kinds  # type: ignore[attr-defined]
