"""Every asset ships inside the package and is served with no internet and no collectstatic."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/static/haiquan/vendor/htmx-2.0.11.min.js",
        "/static/haiquan/haiquan.css",
        "/static/haiquan/vendor/leaflet-1.9.4/leaflet.js",
    ],
)
def test_shipped_assets_are_served(client, path):
    resp = client.get(path)
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content if resp.streaming else [resp.content])
