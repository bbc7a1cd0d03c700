from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EServicesConfig(AppConfig):
    name = "haiquan.eservices"
    verbose_name = _("Online public services")
