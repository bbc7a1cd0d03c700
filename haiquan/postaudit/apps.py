from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostAuditConfig(AppConfig):
    name = "haiquan.postaudit"
    verbose_name = _("Trader analysis and post-clearance audit")
