"""Geometries of zones, routes and permitted stops: WGS 84 longitude/latitude, stored as WKT,
accepted as WKT or GeoJSON and given back as GeoJSON. Parsed with shapely."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely import wkt as shapely_wkt
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from haiquan.core.problems import invalid

AREA_TYPES = ("Polygon", "MultiPolygon")
LINE_TYPES = ("LineString",)
PLACE_TYPES = ("Polygon", "MultiPolygon", "Point", "MultiPoint")


def geometry_parse(value: Any, *, field: str, types: tuple[str, ...]) -> str:
    """Canonical WKT of a WKT string or a GeoJSON geometry (object or text) of one of `types`;
    "" for nothing. Raises a validation error on `field` naming what is wrong."""
    if value in (None, "", {}):
        return ""
    try:
        if isinstance(value, dict):
            geom = shape(value)
        elif isinstance(value, str) and value.lstrip().startswith("{"):
            geom = shape(json.loads(value))
        elif isinstance(value, str):
            geom = shapely_wkt.loads(value)
        else:
            raise TypeError
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
        raise invalid(
            field, _("not a geometry: give WKT (e.g. LINESTRING (lon lat, ...)) or GeoJSON")
        ) from None
    if geom.geom_type not in types:
        raise invalid(
            field,
            _("a %(got)s was given; expected %(expected)s")
            % {"got": geom.geom_type, "expected": " / ".join(types)},
        )
    if geom.is_empty:
        raise invalid(field, _("the geometry is empty"))
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise invalid(
            field,
            _("coordinates are longitude (−180…180) then latitude (−90…90), in degrees"),
        )
    if geom.geom_type == "LineString" and len(geom.coords) < 2:
        raise invalid(field, _("a route needs at least two points"))
    if not geom.is_valid:
        raise invalid(
            field,
            _("the geometry is not valid: %(why)s") % {"why": shapely.is_valid_reason(geom)},
        )
    return str(geom.wkt)


@lru_cache(maxsize=4096)
def geometry_of(wkt: str) -> BaseGeometry | None:
    """The shapely geometry of stored WKT (cached: zones and routes are read on every message)."""
    if not wkt:
        return None
    geom = shapely_wkt.loads(wkt)
    shapely.prepare(geom)
    return geom


def geojson_of(wkt: str) -> dict[str, Any] | None:
    geom = geometry_of(wkt)
    return dict(mapping(geom)) if geom is not None else None
