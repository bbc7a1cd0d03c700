from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitCode(models.TextChoices):
    """Units of quantity, as UN/ECE Recommendation 20 codes (what VNACCS and WCO data use)."""

    KGM = "KGM", _("kilogram (kg)")
    GRM = "GRM", _("gram (g)")
    TNE = "TNE", _("tonne (tấn)")
    LTR = "LTR", _("litre (lít)")
    MLT = "MLT", _("millilitre (ml)")
    MTR = "MTR", _("metre (m)")
    MTK = "MTK", _("square metre (m²)")
    MTQ = "MTQ", _("cubic metre (m³)")
    PCE = "PCE", _("piece (chiếc, cái)")
    SET = "SET", _("set (bộ)")
    PR = "PR", _("pair (đôi)")
    DZN = "DZN", _("dozen (tá)")
    MIL = "MIL", _("thousand (nghìn)")
    KWH = "KWH", _("kilowatt hour (kWh)")
    BO = "BO", _("bottle (chai)")
    CT = "CT", _("carton (thùng)")
    PK = "PK", _("pack (gói)")
    BG = "BG", _("bag (bao)")
    RO = "RO", _("roll (cuộn)")


class RateKind(models.TextChoices):
    """Which import duty rate was applied to a goods line."""

    MFN = "mfn", _("Preferential (MFN) rate")
    PREFERENTIAL = "preferential", _("Special preferential (FTA) rate")
    GENERAL = "general", _("Ordinary rate")
    EXEMPT = "exempt", _("Exempt")
    NOT_SUBJECT = "not_subject", _("Not subject")


class RemedyKind(models.TextChoices):
    """Trade remedies (phòng vệ thương mại) imposed by the Ministry of Industry and Trade."""

    ANTI_DUMPING = "anti_dumping", _("Anti-dumping duty")
    COUNTERVAILING = "countervailing", _("Countervailing duty")
    SAFEGUARD = "safeguard", _("Safeguard duty")
    ANTI_CIRCUMVENTION = "anti_circumvention", _("Anti-circumvention duty")


class MeasureEffect(models.TextChoices):
    """What a measure of the ministries' inspection lists does to a declaration of the line."""

    DOCUMENT = "document", _("A permit or inspection result is needed before clearance")
    PROHIBITED = "prohibited", _("Prohibited")
    CONDITION = "condition", _("A condition on the trader, the goods or the procedure")
    TRADE_REMEDY = "trade_remedy", _("Trade remedy duty")
    QUOTA = "quota", _("Tariff-rate quota")
    RELIEF = "relief", _("Exempted from specialised inspection")


class MeasureFlow(models.TextChoices):
    BOTH = "", _("Imports and exports")
    IMPORT = "import", _("Imports")
    EXPORT = "export", _("Exports")
