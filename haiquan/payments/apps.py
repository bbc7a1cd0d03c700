from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "haiquan.payments"
    verbose_name = _("Duties payment")

    def ready(self) -> None:
        from .duties import DutySettler
        from .hooks import settler_register

        settler_register(DutySettler())

        from haiquan.core.panels import DECLARATION_PAYMENT, object_panel_provider_register

        from .panels import declaration_receipts_panel

        # The declaration page's payment panel lists the receipts issued for it.
        object_panel_provider_register(DECLARATION_PAYMENT, declaration_receipts_panel)
