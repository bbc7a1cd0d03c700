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
