from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostAuditConfig(AppConfig):
    name = "haiquan.postaudit"
    verbose_name = _("Trader analysis and post-clearance audit")

    def ready(self) -> None:
        from haiquan.core.nav import nav_item_register

        from .permissions import can_analyse, can_audit

        nav_item_register(
            "postaudit:trader_list",
            _("Trader analysis"),
            visible=can_analyse,
            order=60,
            also_current=("postaudit:enterprise_detail",),
        )
        nav_item_register(
            "postaudit:case_list",
            _("Post-clearance audit"),
            visible=can_audit,
            order=61,
            also_current=("postaudit:candidates", "postaudit:case_detail", "postaudit:case_plan"),
        )
