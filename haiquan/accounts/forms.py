"""Forms of the log-in pages. Labels and messages are translatable; errors are shown next to
the field and in the error summary."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .loginlimits import REFUSED_ATTR


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The user name or password is not right. After several wrong tries the account is "
            "locked for a while."
        ),
        "inactive": _("This account is disabled. Ask your administrator."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("User name")
        self.fields["username"].widget.attrs.update(autocomplete="username", spellcheck="false")
        self.fields["password"].label = _("Password")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    def get_invalid_login_error(self) -> forms.ValidationError:
        refused = getattr(self.request, REFUSED_ATTR, None) if self.request else None
        if refused is None:
            return super().get_invalid_login_error()
        reason, wait = refused
        if reason == "address":
            message = ngettext(
                "Too many wrong log-ins from your network. Try again in %(n)d second.",
                "Too many wrong log-ins from your network. Try again in %(n)d seconds.",
                wait,
            )
        else:
            message = ngettext(
                "Too many wrong passwords for this user name. Try again in %(n)d second.",
                "Too many wrong passwords for this user name. Try again in %(n)d seconds.",
                wait,
            )
        return forms.ValidationError(message % {"n": wait}, code="throttled")


class PasswordChangePageForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")
        # Django's help text is an HTML list; one sentence reads better next to the field.
        self.fields["new_password1"].help_text = _(
            "At least 8 characters, not only digits, not a common password and not like your "
            "user name."
        )


class TokenForm(forms.Form):
    """The 6-digit code an authenticator app shows."""

    token = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("6 digits; a new code appears every 30 seconds."),
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Enter the code your authenticator app shows.")},
    )

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code has digits only."), code="digits")
        return token
