from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "haiquan.risk"
    verbose_name = _("Risk management")

    def ready(self) -> None:
        from haiquan.core.revisions import revision_source_register

        from .selectors import RULESET_REVISION, RULESET_TOKEN_SQL

        # The rule set's token is read with a registration's other tokens (one statement).
        revision_source_register(RULESET_REVISION, f"({RULESET_TOKEN_SQL})")
