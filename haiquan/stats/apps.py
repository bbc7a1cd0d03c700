from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "haiquan.stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from haiquan.core.nav import nav_item_register

        from .permissions import may_see_statistics

        nav_item_register(
            "stats:dashboard",
            _("Statistics"),
            visible=may_see_statistics,
            order=60,
            also_current=("stats:target_list", "stats:target_detail"),
        )
