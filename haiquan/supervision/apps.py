from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "haiquan.supervision"
    verbose_name = _("Supervision of ports, yards and bonded warehouses")

    def ready(self) -> None:
        from haiquan.notifications.subjects import subject_resolver_register

        from .notifying import alert_subjects

        # Officers hear of their offices' alerts (e-seals, gates).
        subject_resolver_register("alert", alert_subjects)
