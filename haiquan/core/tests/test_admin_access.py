"""The admin site, the last pages outside the authorisation matrix: every page of every model
registered there, for every role of the matrix. Administrators (with their second factor) reach
each page; every other role, and anonymous visitors, are sent to log in — the admin has no page
that answers another role with its content."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from haiquan.accounts.tests.helpers import login

from .world import ROLES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]


def admin_pages() -> list[str]:
    """Index, each app's list, and each registered model's list, add, change, history and
    delete pages (the last three on an id that need not exist: the refusal comes first)."""
    urls = [reverse("admin:index")]
    labels = set()
    for model in admin.site._registry:
        meta = model._meta
        labels.add(meta.app_label)
        base = f"admin:{meta.app_label}_{meta.model_name}"
        urls += [reverse(f"{base}_changelist"), reverse(f"{base}_add")]
        for view in ("change", "history", "delete"):
            try:
                urls.append(reverse(f"{base}_{view}", args=["1"]))
            except NoReverseMatch:
                continue
    urls += [reverse("admin:app_list", args=[label]) for label in sorted(labels)]
    return urls


PAGES = admin_pages()


def test_the_pages_walked_cover_every_registered_model():
    assert len(admin.site._registry) > 10
    assert len(PAGES) >= 5 * len(admin.site._registry)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_no_other_role_gets_an_admin_page(world, role, settings):
    user = world.users.get(role)
    client = login(Client(), user) if user is not None else Client()
    # hundreds of anonymous requests from one address: past the per-address limit otherwise
    settings.HAIQUAN = {**settings.HAIQUAN, "PUBLIC_RATE_PER_SECOND": 0}
    for url in PAGES:
        resp = client.get(url)
        assert resp.status_code == 302, (role, url, resp.status_code)
        assert resp["Location"].startswith(reverse("admin:login")), (role, url, resp["Location"])


def test_the_administrator_reaches_every_admin_page(world):
    client = login(Client(), world.users["admin"])
    for url in PAGES:
        resp = client.get(url)
        # 200, or the admin's own answers: 403 where a model may not be added or deleted by
        # hand (the append-only trails), 302 to the list for an id that does not exist
        assert resp.status_code in (200, 302, 403), (url, resp.status_code)
        if resp.status_code == 302:
            assert not resp["Location"].startswith(reverse("admin:login")), url
