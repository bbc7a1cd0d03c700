import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "haiquan.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the settings' system checks

        # Python's warnings go through the logs too, in their format (one JSON object a line in
        # production), not as bare lines on stderr.
        logging.captureWarnings(True)
