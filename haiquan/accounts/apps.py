from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "haiquan.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # The log-in limits count failures and successes through auth's signals.
        from . import loginlimits  # noqa: F401
