"""Writes to the tariff: loading schedules (`schedule`), trade remedies (`remedies`) and
tariff-rate quotas (`quotas`)."""

from .schedule import (
    DATA,
    SHIPPED,
    SHIPPED_SOURCE,
    LoadResult,
    agreements_load,
    nomenclature_titles_load,
    shipped_attributes,
    shipped_columns,
    shipped_digest,
    shipped_published,
    tariff_changed,
    tariff_load_csv,
    tariff_load_published,
    tariff_load_shipped,
)

__all__ = [
    "DATA",
    "SHIPPED",
    "SHIPPED_SOURCE",
    "LoadResult",
    "agreements_load",
    "nomenclature_titles_load",
    "shipped_attributes",
    "shipped_columns",
    "shipped_digest",
    "shipped_published",
    "tariff_changed",
    "tariff_load_csv",
    "tariff_load_published",
    "tariff_load_shipped",
]
