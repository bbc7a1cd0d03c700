"""The metric geometry of a movement: its route and corridor, and the places where it may
stop, projected from WGS 84 longitude/latitude to the UTM zone of the route (pyproj), where
shapely measures distances in metres. Built once per movement and route, then cached.

UTM keeps distance errors under 0.1% within its 6° zone; a route crossing into the next zone
is still measured in the zone of its centre, where the error stays small for the few hundred
kilometres a road transit covers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from haiquan.supervision.geometry import geometry_of

from .conf import transit_setting


@lru_cache(maxsize=64)
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    back = Transformer.from_crs(epsg, 4326, always_xy=True)
    return forward, back


def utm_epsg(lon: float, lat: float) -> int:
    zone = math.floor((lon + 180) / 6) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


@dataclass(frozen=True)
class Corridor:
    epsg: int
    line: BaseGeometry  # projected route
    width_m: float
    permitted: BaseGeometry | None  # projected places where stopping is allowed

    def project(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        forward, _back = _transformers(self.epsg)
        xs, ys = forward.transform(lons, lats)
        return np.asarray(xs), np.asarray(ys)

    def distances_m(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Distance of each projected point from the route, in metres."""
        return np.asarray(shapely.distance(self.line, shapely.points(xs, ys)))

    def permitted_at(self, x: float, y: float) -> bool:
        return self.permitted is not None and bool(self.permitted.covers(Point(x, y)))

    def outline(self, tolerance_m: float = 25.0) -> BaseGeometry:
        """The corridor as a WGS 84 polygon (for the map)."""
        _forward, back = _transformers(self.epsg)
        area = self.line.buffer(self.width_m).simplify(tolerance_m)
        return shapely.transform(area, back.transform, interleaved=False)


@lru_cache(maxsize=8192)
def corridor_build(route_wkt: str, width_m: float, places: tuple[str, ...]) -> Corridor:
    """The corridor of a route and its permitted places (WKT, lon/lat). Points among the places
    count with a radius of PERMITTED_STOP_RADIUS_M."""
    route = geometry_of(route_wkt)
    assert route is not None
    c = route.centroid
    epsg = utm_epsg(c.x, c.y)
    forward, _back = _transformers(epsg)
    line = shapely.transform(route, forward.transform, interleaved=False)
    shapely.prepare(line)
    radius = float(transit_setting("PERMITTED_STOP_RADIUS_M"))
    parts = []
    for wkt in places:
        geom = geometry_of(wkt)
        if geom is None:
            continue
        projected = shapely.transform(geom, forward.transform, interleaved=False)
        if projected.geom_type in ("Point", "MultiPoint"):
            projected = projected.buffer(radius)
        parts.append(projected)
    permitted = unary_union(parts) if parts else None
    if permitted is not None:
        shapely.prepare(permitted)
    return Corridor(epsg=epsg, line=line, width_m=float(width_m), permitted=permitted)


def metres_between(lon1: float, lat1: float, lon2: float, lat2: float, epsg: int) -> float:
    forward, _back = _transformers(epsg)
    (x1, x2), (y1, y2) = forward.transform([lon1, lon2], [lat1, lat2])
    return math.hypot(x2 - x1, y2 - y1)
