"""The clearance pages link to the handbook sections that explain them (core.help topics)."""

from __future__ import annotations

import pytest
from django.test import Client

from haiquan.accounts.services import user_create
from haiquan.core.help import help_links_for
from haiquan.portal.content import content_load
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

pytestmark = pytest.mark.django_db


def test_the_declaration_form_links_to_its_handbook_section() -> None:
    content_load()  # the shipped FAQ bank and handbook
    mst = valid_mst(9401)
    EnterpriseFactory.create(mst=mst, name="Công ty TNHH Trợ Giúp")
    user = user_create(
        username="help.declarant", password=None, role="declarant", enterprise_msts=[mst]
    )
    client = Client()
    client.force_login(user)
    page = client.get("/declarations/new/").content.decode()
    assert 'href="/portal/handbook/khai-hai-quan-dien-tu/#lap-dang-ky-to-khai"' in page


def test_an_unknown_topic_or_a_missing_handbook_gives_no_link() -> None:
    assert help_links_for("declaration-form") == []  # no handbook loaded in this test
    content_load()
    assert help_links_for("no-such-topic") == []
    [(title, url)] = help_links_for("declaration-amend")
    assert url.endswith("#khai-bo-sung-huy-to-khai") and title.startswith("1.3")
