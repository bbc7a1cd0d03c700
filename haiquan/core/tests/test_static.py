"""Every asset ships inside the package and is served with no internet and no collectstatic."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/static/haiquan/vendor/htmx-2.0.11.min.js",
        "/static/haiquan/haiquan.css",
        "/static/haiquan/vendor/leaflet-1.9.4/leaflet.js",
        "/static/haiquan/favicon.ico",
        # the API docs' Swagger UI, shipped inside django-ninja
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui.css",
    ],
)
def test_shipped_assets_are_served(client, path):
    resp = client.get(path)
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content if resp.streaming else [resp.content])


def test_the_browser_s_own_favicon_request_finds_the_icon(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 301
    icon = client.get(resp["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content if icon.streaming else [icon.content])[:4] == (
        b"\x00\x00\x01\x00"  # an ICO file
    )


@pytest.mark.django_db  # every page asks whether an outage is declared (the banner)
def test_the_api_docs_load_everything_from_the_package(client):
    """Swagger UI from django-ninja's static files, its settings in a JSON block: no CDN, no
    inline script (the CSP allows neither)."""
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html
