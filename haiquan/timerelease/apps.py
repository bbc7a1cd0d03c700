from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimeReleaseConfig(AppConfig):
    name = "haiquan.timerelease"
    verbose_name = _("Time-release measurement")

    def ready(self) -> None:
        from haiquan.core.nav import nav_item_register

        from .permissions import may_read_time_release

        nav_item_register(
            "timerelease:dashboard",
            _("Time release"),
            visible=may_read_time_release,
            order=60,
            also_current=("timerelease:borders", "timerelease:sample"),
        )
