"""The forms of a declaration's documents: the declarant's upload (or a new version), the
officer's request for documents, the declarant's answer and the officer's acceptance. They only
read what was typed; the services' `FieldProblem`s are shown next to the fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import DocumentKind


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Document"),
        choices=[("", gettext_lazy("Choose the document")), *DocumentKind.choices],
        required=False,
    )
    reference = forms.CharField(
        label=gettext_lazy("Number or reference (optional)"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("The invoice's or the bill of lading's number, for example."),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        help_text=gettext_lazy(
            "PDF or a photo (JPEG, PNG); XML, Word or Excel for some documents."
        ),
    )
    replaces = forms.TypedChoiceField(
        label=gettext_lazy("A new document, or a new version of one attached"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy("The earlier version stays in the record."),
    )

    def __init__(self, *args: Any, documents: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["replaces"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", _("A new document")),
            *(
                (
                    d.pk,
                    _("New version of: %(document)s, version %(version)d (%(name)s)")
                    % {
                        "document": d.get_kind_display(),
                        "version": d.version,
                        "name": d.original_name,
                    },
                )
                for d in documents
                if not getattr(d, "replaced", False)
            ),
        ]


class DocumentRequestForm(forms.Form):
    documents = forms.MultipleChoiceField(
        label=gettext_lazy("Documents asked for"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None, to ask only for an explanation."),
    )
    message = forms.CharField(
        label=gettext_lazy("What the declarant must send or explain, and why"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("The declarant reads this."),
    )
    due_at = forms.DateTimeField(
        label=gettext_lazy("Answer by"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": gettext_lazy("Give a date and a time.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AnswerForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Your answer"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Attach the documents first. If one cannot be sent, say why here."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AcceptForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
