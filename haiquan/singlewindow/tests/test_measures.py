"""The requirements table built from the ministries' inspection lists, what a declaration reads
of it, and the measures page officers use to see what applies to a line and why."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.singlewindow.measures import (
    measures_for_line,
    prefixes_covering,
    requirements_from_measures,
)
from haiquan.singlewindow.models import Agency, Requirement
from haiquan.singlewindow.services import requirements_for_lines
from haiquan.tariff.models import HsLine, MeasureLine

pytestmark = pytest.mark.django_db


def test_prefixes_cover_exactly_the_lines_listed() -> None:
    all_codes = ["08101000", "08102000", "08109010", "08109092", "08109099", "08111000"]
    # every line of 0810 listed: the heading; two of 081090's three: the lines themselves
    assert prefixes_covering(
        ["08101000", "08102000", "08109010", "08109092", "08109099"], all_codes
    ) == ["0810"]
    assert prefixes_covering(["08101000", "08109010", "08109092"], all_codes) == [
        "081010",
        "08109010",
        "08109092",
    ]
    assert prefixes_covering([], all_codes) == []


def test_requirements_follow_the_measures_for_the_agencies_of_this_installation(
    plant_agency: Agency,
) -> None:
    first = requirements_from_measures()
    built = Requirement.objects.filter(measure="plant-quarantine")
    assert first.created == built.count() > 0
    assert {r.agency_id for r in Requirement.objects.exclude(measure="")} == {plant_agency.pk}
    assert "moh-food-safety" in first.without_agency  # no food-safety agency here
    # every listed line is covered by a requirement, and no other line
    listed = set(
        MeasureLine.objects.filter(measure="plant-quarantine").values_list("hs_line", flat=True)
    )
    prefixes = [r.hs_prefix for r in built]
    covered = {
        c for c in HsLine.objects.values_list("code", flat=True) if c.startswith(tuple(prefixes))
    }
    assert covered == {c for c in listed if HsLine.objects.get(code=c).valid_to is None}
    dragon = built.get(hs_prefix__in=["0810", "081090", "08109092"])
    assert (dragon.kind, dragon.flow, dragon.legal_basis) == (
        "inspection",
        "import",
        "01/2024/TT-BNNPTNT M9",
    )
    # again: nothing new; an agency leaves: its rows are retired, never deleted
    again = requirements_from_measures()
    assert (again.created, again.kept, again.retired) == (0, first.created, 0)
    Agency.objects.filter(pk=plant_agency.pk).update(active=False)
    gone = requirements_from_measures()
    assert gone.retired == first.created
    assert not Requirement.objects.filter(measure="plant-quarantine", active=True).exists()


def test_the_requirements_table_is_read_once_per_process_then_only_its_token(
    plant_agency: Agency, trade_agency: Agency, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    from haiquan.core.revisions import revisions_bound
    from haiquan.singlewindow.services.requirements import REVISION_NAME, requirements_token

    requirements_from_measures()
    assert Requirement.objects.count() > 300

    def needs_of(lines: list[tuple[int, str, str]]) -> dict[int, list[Requirement]]:
        return requirements_for_lines(
            flow="import", type_code="A11", lines=lines, on_day=date(2026, 6, 1)
        )

    lines = [(1, "08109092", "TH"), (2, "84713020", "CN")]
    with django_assert_num_queries(2):  # the revision token, then the table (first use)
        needs = needs_of(lines)
    assert {r.measure for r in needs[1]} == {"plant-quarantine"}
    assert 2 not in needs
    with django_assert_num_queries(1):  # the token alone: the process's copy is current
        assert needs_of(lines).keys() == needs.keys()
    # Inside a registration the token comes with the others (haiquan.core.revisions): none.
    token = requirements_token()
    with django_assert_num_queries(0), revisions_bound([REVISION_NAME], [token]):
        assert needs_of(lines).keys() == needs.keys()
    # A change of the table (here an agency leaving) gives a new token: the next use sees it.
    Agency.objects.filter(pk=plant_agency.pk).update(active=False)
    requirements_from_measures()
    assert 1 not in needs_of(lines)


@pytest.fixture
def officer_client(db: None) -> Client:
    user = user_create(
        username="cc.measures", password="pw-measures-2026!", role="officer", office_codes=["20BD"]
    )
    return login(Client(), user)


def test_the_measures_page_says_what_applies_to_a_line_and_why(
    plant_agency: Agency, officer_client: Client
) -> None:
    requirements_from_measures()
    found = measures_for_line(code="0810.90.92")
    keys = {m.measure.key: m for m in found.measures}
    assert (
        keys["plant-quarantine"].requirements
        and keys["plant-quarantine"].measure.effect == "document"
    )
    resp = officer_client.get(reverse("singlewindow:measures"), {"code": "0810.90.92"})
    assert resp.status_code == 302 and resp["Location"].endswith("/measures/08109092/")
    html = officer_client.get(resp["Location"]).content.decode()
    assert 'data-testid="line-measures"' in html
    assert "Kiểm dịch thực vật (01/2024/TT-BNNPTNT M9)" in html and plant_agency.name in html
    assert (
        officer_client.get(reverse("singlewindow:line_measures", args=["99999999"])).status_code
        == 404
    )


def test_traders_do_not_see_the_measures_page(db: None) -> None:
    user = user_create(username="dn.measures", password="pw-dn-2026!", role="declarant")
    client = Client()
    client.force_login(user)
    assert client.get(reverse("singlewindow:line_measures", args=["08109092"])).status_code == 403
