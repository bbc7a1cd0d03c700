from django.db import models
from django.utils.translation import gettext_lazy as _


class Authority(models.TextChoices):
    """Who set a revenue target (chỉ tiêu thu ngân sách). An office usually has more than one:
    the Ministry's (set in the State budget estimate) and the customs administration's own,
    higher one; a province may add its own."""

    MINISTRY_OF_FINANCE = "mof", _("Ministry of Finance")
    GENERAL_DEPARTMENT = "gdvc", _("General Department of Customs")
    PROVINCE = "province", _("Provincial People's Committee")


class Dimension(models.TextChoices):
    """The breakdowns kept per month, office and flow."""

    LANE = "lane", _("Lane")
    TYPE = "type", _("Declaration type")
    CHAPTER = "chapter", _("HS chapter")
    COUNTRY = "country", _("Partner country")
    TRANSPORT = "transport", _("Transport mode")
