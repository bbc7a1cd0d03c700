from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "haiquan.portal"
    verbose_name = _("Customs-business partnership portal")
