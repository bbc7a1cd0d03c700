from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutageConfig(AppConfig):
    name = "haiquan.outage"
    verbose_name = _("Declared outages")
