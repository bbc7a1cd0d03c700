from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "haiquan.supervision"
    verbose_name = _("Supervision of ports, yards and bonded warehouses")
