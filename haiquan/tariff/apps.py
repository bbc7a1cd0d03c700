from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _anyone(user: object) -> bool:
    return True


class TariffConfig(AppConfig):
    name = "haiquan.tariff"
    verbose_name = _("Tariff")

    def ready(self) -> None:
        from haiquan.core.nav import nav_item_register
        from haiquan.refdata.services import shipped_loader_register

        from .services import tariff_load_shipped

        # `haiquan load-refdata` loads the shipped tariff after the countries.
        shipped_loader_register("tariff_lines", tariff_load_shipped)

        # The tariff is public law: its pages are open to everyone.
        nav_item_register(
            "tariff:index",
            _("Tariff"),
            visible=_anyone,
            order=80,
            also_current=(
                "tariff:search",
                "tariff:assistant",
                "tariff:chapter",
                "tariff:heading",
                "tariff:line",
            ),
        )
