from django.db import models
from django.utils.translation import gettext_lazy as _


class OfficeKind(models.TextChoices):
    GENERAL_DEPARTMENT = "general", _("General Department")
    DEPARTMENT = "department", _("Provincial Department")
    SUB_DEPARTMENT = "sub", _("Sub-department")
    BORDER_GATE = "border_gate", _("Border gate")
    PORT = "port", _("Seaport")
    ICD = "icd", _("Inland clearance depot")
    AIRPORT = "airport", _("Airport")
    INDUSTRIAL_ZONE = "industrial_zone", _("Industrial zone")
    TEAM = "team", _("Team")


class Flow(models.TextChoices):
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")


class DutyTreatment(models.TextChoices):
    """How a declaration type is taxed; the tariff computes duties from it."""

    DUTIABLE = "dutiable", _("Duties and taxes apply")
    EXEMPT = "exempt", _("Exempt from import/export duty; VAT applies")
    NOT_SUBJECT = "not_subject", _("Not subject to duties or VAT")


class ComplianceRank(models.TextChoices):
    """Enterprise compliance levels used by risk management (Circular 81/2019 style)."""

    PRIORITY = "priority", _("Priority enterprise")
    HIGH = "high", _("High compliance")
    MEDIUM = "medium", _("Medium compliance")
    LOW = "low", _("Low compliance")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")
    UNRANKED = "unranked", _("Not yet ranked")
