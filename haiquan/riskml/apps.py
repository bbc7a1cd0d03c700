from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskMlConfig(AppConfig):
    name = "haiquan.riskml"
    verbose_name = _("Learned risk score")

    def ready(self) -> None:
        from haiquan.core.nav import nav_item_register
        from haiquan.risk.scoring import scorer_provider_register

        from .permissions import riskml_can_use
        from .scorer import active_model_scorer

        scorer_provider_register(active_model_scorer)
        nav_item_register(
            "riskml:model_list",
            _("Risk models"),
            visible=riskml_can_use,
            order=62,
            also_current=("riskml:model_detail",),
        )
