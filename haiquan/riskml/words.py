"""What the learned score's features and the rules' operating points mean, in words people
read on the Risk models page (never a column name such as `importer__rate`)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FAMILY_LABELS: dict[str, Promise] = {
    "importer": _("Importer"),
    "declarant": _("Declarant"),
    "seller": _("Seller (consignor)"),
    "broker": _("Customs broker"),
    "hs2": _("HS chapter"),
    "hs4": _("HS heading"),
    "hs6": _("HS subheading"),
    "origin": _("Origin"),
    "office": _("Customs office"),
    "route": _("Route (partner country, transport, office)"),
    "importer_hs6": _("Importer × HS subheading"),
    "hs6_origin": _("HS subheading × origin"),
    "seller_importer": _("Seller × importer"),
}

STAT_TEMPLATES: dict[str, Promise] = {
    "n": _("%(who)s: earlier declarations"),
    "since": _("%(who)s: days since its previous declaration"),
    "insp": _("%(who)s: earlier checks"),
    "rate": _("%(who)s: share of earlier checks that found a violation"),
    "since_found": _("%(who)s: days since a check last found a violation"),
    "rev": _("%(who)s: revenue recovered by earlier checks"),
}

FEATURE_LABELS: dict[str, Promise] = {
    "office": _("Customs office"),
    "type_code": _("Declaration type"),
    "flow": _("Import or export"),
    "transport": _("Transport mode"),
    "partner": _("Partner country"),
    "rank": _("Enterprise compliance rank"),
    "origin": _("Origin of the main goods line"),
    "hs2": _("HS chapter of the main goods line"),
    "hs4": _("HS heading of the main goods line"),
    "hs6": _("HS subheading of the main goods line"),
    "value_log": _("Customs value"),
    "n_lines": _("Number of goods lines"),
    "preference": _("Preferential tariff rate claimed"),
    "duty_rate": _("MFN import duty rate"),
    "price_z_min": _("Lowest unit price of its lines against earlier lines of the same goods"),
    "price_z_main": _("Main line's unit price against earlier lines of the same goods"),
    "price_peers_log": _("Earlier lines of the same goods to compare prices with"),
    "month": _("Month of filing"),
    "weekday": _("Day of the week of filing"),
    "hour": _("Hour of filing"),
    "uv_quantity__z_hs6": _("Value per unit of quantity against the HS subheading's past"),
    "uv_quantity__z_importer_hs6": _(
        "Value per unit of quantity against the importer's past for the same goods"
    ),
    "uv_quantity__peers": _("Earlier declarations of the HS subheading to compare values with"),
    "uv_mass__z_hs6": _("Value per kilogram against the HS subheading's past"),
    "uv_mass__z_importer_hs6": _("Value per kilogram against the importer's past for the goods"),
    "uv_mass__peers": _("Earlier declarations of the HS subheading to compare values per kg with"),
    "repeat__n": _("Earlier identical consignments (same goods, value and quantity)"),
    "repeat__insp": _("Earlier identical consignments that were checked"),
    "repeat__rate": _("Share of checked identical consignments found in violation"),
    "repeat__last": _("What the latest checked identical consignment was found to be"),
}

OPERATING_POINTS: dict[str, Promise] = {
    "red": _("red lane"),
    "red_or_yellow": _("red or yellow lane"),
}

SUBSET_LABELS: dict[str, Promise] = {
    "novel": _("Novel declarations (importer and HS subheading never together in training)"),
    "unseen_party": _("Declarations of importers not seen in training"),
}


def feature_label(name: str) -> str:
    """A feature of the in-product model in words."""
    if name in FEATURE_LABELS:
        return str(FEATURE_LABELS[name])
    family, _sep, stat = name.partition("__")
    if family in FAMILY_LABELS and stat in STAT_TEMPLATES:
        return str(STAT_TEMPLATES[stat]) % {"who": FAMILY_LABELS[family]}
    return name


def operating_point_label(name: str) -> str:
    return str(OPERATING_POINTS.get(name, name))
