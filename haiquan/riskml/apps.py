from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskMlConfig(AppConfig):
    name = "haiquan.riskml"
    verbose_name = _("Learned risk score")
