"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference data (countries, currencies, types, offices, tariff) once per test DB."""
    with django_db_blocker.unblock():
        call_command("load_refdata", verbosity=0)


@pytest.fixture
def refdata_reloaded(transactional_db):
    """For transactional tests: the flush after each one removes the reference data."""
    call_command("load_refdata", verbosity=0)


@pytest.fixture(autouse=True)
def _refdata_back_after_flush(request, django_db_blocker):
    """A transactional test ends by emptying every table; put the reference data back so the next
    test on the same worker (xdist runs files in any order) finds it. Autouse fixtures are set up
    first and torn down last, so this runs after the flush."""
    yield
    uses_flush = {"transactional_db", "live_server", "refdata_reloaded"} & set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if uses_flush or (marker is not None and marker.kwargs.get("transaction")):
        with django_db_blocker.unblock():
            call_command("load_refdata", verbosity=0)
