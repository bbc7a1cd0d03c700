from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManifestsConfig(AppConfig):
    name = "haiquan.manifests"
    verbose_name = _("Cargo manifests")

    def ready(self) -> None:
        from haiquan.clearance import hooks

        from .matching import bills_drawn_down, bills_validate

        # A declaration naming a manifested bill is checked against it (known bill, consignee,
        # containers) and draws down its packages, inside registration's transaction.
        hooks.declaration_validator_register(bills_validate)
        hooks.declaration_written_observer_register(bills_drawn_down)
