from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SingleWindowConfig(AppConfig):
    name = "haiquan.singlewindow"
    verbose_name = _("National and ASEAN Single Window")
