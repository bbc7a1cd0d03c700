from django.db import models
from django.utils.translation import gettext_lazy as _

# The purpose of a payment order whose settler payments itself registers (`duties.py`); the
# purposes of other parts are theirs to name (`hooks.py`).
DUTIES = "duties"


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open, awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class GuaranteeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RELEASED = "released", _("Released")
    CALLED = "called", _("Called (paid by the bank)")
