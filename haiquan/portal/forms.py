"""Page forms of the portal. They only collect input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DialogueKind, IssueStatus, NewsKind, RatingReason, Topic
from .models import Category


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the questions"),
        required=False,
        max_length=200,
        help_text=_("With or without diacritics, e.g. thu tuc tam nhap tai xuat"),
    )


class InquiryForm(forms.Form):
    enterprise_mst = forms.ChoiceField(label=_("Enterprise"))
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Your question or difficulty"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10_000,
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    procedure = forms.CharField(
        label=_("Procedure"),
        required=False,
        max_length=100,
        help_text=_("e.g. temporary import for re-export, duty refund"),
    )
    declaration_number = forms.CharField(
        label=_("Declaration number"),
        required=False,
        max_length=12,
        help_text=_("If the inquiry is about a declaration: it goes to that declaration's office"),
    )
    office_code = forms.CharField(
        label=_("Customs office (code)"),
        required=False,
        max_length=16,
        help_text=_("Otherwise, the office you deal with, e.g. 20BD"),
    )
    association_code = forms.ChoiceField(label=_("Forward as association"), required=False)

    def __init__(
        self,
        *args: Any,
        enterprises: list[tuple[str, str]],
        associations: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise_mst"].choices = enterprises  # type: ignore[attr-defined]
        self.fields["category"].choices = [("", _("— not sure —"))] + [  # type: ignore[attr-defined]
            (c.slug, c.name) for c in Category.objects.all()
        ]
        if associations:
            self.fields["association_code"].choices = [  # type: ignore[attr-defined]
                ("", _("— no, for my enterprise —")),
                *associations,
            ]
        else:
            del self.fields["association_code"]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000
    )


class RouteForm(forms.Form):
    office_code = forms.CharField(label=_("Office (code)"), required=False, max_length=16)
    assignee = forms.CharField(label=_("Expert (user name)"), required=False, max_length=150)
    category = forms.ChoiceField(label=_("Category"), required=False)
    procedure = forms.CharField(label=_("Procedure"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (c.slug, c.name) for c in Category.objects.all()
        ]


class PublishForm(forms.Form):
    question = forms.CharField(
        label=_("Question (anonymised)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    answer = forms.CharField(
        label=_("Answer (anonymised, Markdown)"), widget=forms.Textarea(attrs={"rows": 8})
    )
    category = forms.ChoiceField(label=_("FAQ category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.slug, c.name) for c in Category.objects.all()]  # type: ignore[attr-defined]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        coerce=int,
        choices=[
            (5, _("5 – very satisfied")),
            (4, _("4 – satisfied")),
            (3, _("3 – neither")),
            (2, _("2 – dissatisfied")),
            (1, _("1 – very dissatisfied")),
        ],
        widget=forms.RadioSelect,
    )
    reasons = forms.MultipleChoiceField(
        label=_("Why? (choose any)"),
        required=False,
        choices=RatingReason.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReportForm(forms.Form):
    date_from = forms.DateField(
        label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    office_code = forms.CharField(label=_("Office (code)"), required=False, max_length=16)


class SubscriptionForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    hs_chapter = forms.CharField(
        label=_("HS chapter"), required=False, max_length=2, help_text=_("Two digits, e.g. 84")
    )
    by_email = forms.BooleanField(label=_("Also send me an e-mail"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "—"), *Topic.choices]  # type: ignore[attr-defined]


class NewsForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NewsKind.choices)
    title = forms.CharField(label=_("Title"), max_length=255)
    body = forms.CharField(label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 8}))
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        required=False,
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    hs_chapters = forms.CharField(
        label=_("HS chapters"),
        required=False,
        max_length=200,
        help_text=_("Separated by commas, e.g. 84, 85"),
    )


class CdciForm(forms.Form):
    enterprise_mst = forms.ChoiceField(label=_("Enterprise"))
    office_code = forms.ChoiceField(label=_("Customs unit"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        enterprises: list[tuple[str, str]],
        offices: list[tuple[str, str]],
        criteria: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise_mst"].choices = enterprises  # type: ignore[attr-defined]
        self.fields["office_code"].choices = offices  # type: ignore[attr-defined]
        for code, name in criteria:
            self.fields[f"score_{code}"] = forms.TypedChoiceField(
                label=name, coerce=int, choices=[(i, str(i)) for i in range(1, 11)]
            )


class IssueForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=IssueStatus.choices)
    follow_up = forms.CharField(
        label=_("Follow-up"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DialogueForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DialogueKind.choices)
    title = forms.CharField(label=_("Title"), max_length=255)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    office_code = forms.CharField(label=_("Office (code)"), max_length=16)
    participants = forms.CharField(
        label=_("Participants"), widget=forms.Textarea(attrs={"rows": 3})
    )
    topics = forms.CharField(label=_("Topics"), widget=forms.Textarea(attrs={"rows": 3}))
    issues = forms.CharField(
        label=_("Difficulties raised"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line"),
    )


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    office_code = forms.CharField(label=_("Customs party (office code)"), max_length=16)
    associations = forms.MultipleChoiceField(
        label=_("Business associations"), required=False, widget=forms.CheckboxSelectMultiple
    )
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    next_review_on = forms.DateField(
        label=_("Next review"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    commitments = forms.CharField(
        label=_("Commitments"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import Association

        super().__init__(*args, **kwargs)
        self.fields["associations"].choices = [  # type: ignore[attr-defined]
            (a.code, a.name) for a in Association.objects.all()
        ]


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(
        label=_("Reviewed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 4}))
    next_review_on = forms.DateField(
        label=_("Next review"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
