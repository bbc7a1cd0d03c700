from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PORTAL = "portal", _("In the portal")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    # An e-mail with no way to succeed (the address is refused), or a webhook of a disabled
    # endpoint: kept in the log, sent again only by hand.
    FAILED = "failed", _("Not delivered")


class Audience(models.TextChoices):
    TRADERS = "traders", _("The subject's enterprise: its declarants and its broker")
    OFFICERS = "officers", _("Officers and leaders of the office concerned")
    DIRECT = "direct", _("Named by the part that sends it")
    AGENCIES = "agencies", _("The partner agencies asked about the subject (their systems)")
