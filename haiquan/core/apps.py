from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "haiquan.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from haiquan.core.nav import nav_item_register

        # The pages of clearance, supervision and transit, which register no entries of their own.
        def trader(u: object) -> bool:
            return bool(getattr(u, "is_trader", False))

        def customs(u: object) -> bool:
            return bool(getattr(u, "is_customs", False))

        def leads(u: object) -> bool:
            return customs(u) and getattr(u, "role", "") != "officer"

        def operator(u: object) -> bool:
            return getattr(u, "role", "") == "operator"

        nav_item_register(
            "clearance:declaration_list",
            _("Declarations"),
            trader,
            order=10,
            also_current=("clearance:declaration_detail",),
        )
        nav_item_register("clearance:declaration_create", _("New declaration"), trader, order=11)
        nav_item_register("clearance:queue", _("Queue"), customs, order=10)
        nav_item_register("clearance:overview", _("Today"), leads, order=12)
        nav_item_register(
            "supervision:alert_list",
            _("Alerts"),
            customs,
            order=20,
            also_current=("supervision:alert_detail",),
        )
        nav_item_register(
            "transit:monitor",
            _("Transit monitoring"),
            customs,
            order=21,
            also_current=("transit:movement_detail",),
        )
        nav_item_register(
            "supervision:zone_list",
            _("Control zones"),
            operator,
            order=20,
            also_current=("supervision:zone_detail",),
        )
