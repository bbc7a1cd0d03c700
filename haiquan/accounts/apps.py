from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "haiquan.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # The log-in limits count failures and successes through auth's signals.
        # Who sees which rows of every model that declares it (core/visibility.py).
        from haiquan.core.visibility import register_rule

        from . import loginlimits  # noqa: F401
        from .visibility import visibility_q

        register_rule(visibility_q)
