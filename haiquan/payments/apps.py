from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "haiquan.payments"
    verbose_name = _("Duties payment")

    def ready(self) -> None:
        from .duties import DutySettler
        from .hooks import settler_register

        settler_register(DutySettler())
