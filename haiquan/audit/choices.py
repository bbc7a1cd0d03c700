from django.db import models
from django.utils.translation import gettext_lazy as _


class Via(models.TextChoices):
    API = "api", _("API")
    PAGE = "page", _("Web page")
    EXPORT = "export", _("Export or report")


class Part(models.TextChoices):
    """Which part of a declaration was read."""

    DETAIL = "detail", _("Declaration")
    EVENTS = "events", _("Event log")
    VERSIONS = "versions", _("Versions")
    CHECKS = "checks", _("Checks and inspections")
