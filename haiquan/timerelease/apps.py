from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimeReleaseConfig(AppConfig):
    name = "haiquan.timerelease"
    verbose_name = _("Time-release measurement")
