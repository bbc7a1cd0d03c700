"""The import/export tariff (biểu thuế xuất nhập khẩu): the nomenclature with its national
lines, dated import duty rates, the free-trade agreements and their special preferential rates,
trade remedies, tariff-rate quotas, and the classification assistant's trained versions.

Rates are percentages (70 means 70%). Amounts per unit are VND. The rows are loaded by the
services; the duty computation reads them through an in-memory snapshot (`snapshot.py`).
"""

from .assistant import ClassifierVersion
from .correlation import CodeCorrelation
from .fields import AMOUNT, QUANTITY, RATE, VAT_RATES, validate_vat_rate
from .measures import Measure, MeasureLine
from .nomenclature import Chapter, HsLine, Section, TariffNode, hs_search_text
from .quotas import QuotaAllocation, QuotaDraw, TariffQuota
from .rates import (
    OPEN_START,
    Agreement,
    AgreementParty,
    LineRate,
    TariffVersion,
    preferential_entry,
    preferential_key,
)
from .remedies import TradeRemedy, TradeRemedyRate, producer_key

__all__ = [
    "AMOUNT",
    "OPEN_START",
    "QUANTITY",
    "RATE",
    "VAT_RATES",
    "Agreement",
    "AgreementParty",
    "Chapter",
    "ClassifierVersion",
    "CodeCorrelation",
    "HsLine",
    "LineRate",
    "Measure",
    "MeasureLine",
    "QuotaAllocation",
    "QuotaDraw",
    "Section",
    "TariffNode",
    "TariffQuota",
    "TariffVersion",
    "TradeRemedy",
    "TradeRemedyRate",
    "hs_search_text",
    "preferential_entry",
    "preferential_key",
    "producer_key",
    "validate_vat_rate",
]
