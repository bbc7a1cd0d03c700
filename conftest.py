"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, settings

# Speed is measured by the benchmarks, never by the tests: a property test checks what it
# checks however slowly a loaded 2-core machine generates its examples (Hypothesis' default
# deadline and "too slow" health check made two of them fail there, on untouched code).
settings.register_profile("haiquan", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("haiquan")


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    """Rate and log-in limits are counted in the "limits" cache (per process in the tests):
    every test starts with none spent, whatever ran before it on the same worker."""
    from django.core.cache import caches

    from haiquan.accounts.tokencache import tokens_forget_all

    caches["limits"].clear()
    # ...and so are the API tokens a worker holds verified (haiquan.accounts.tokencache).
    tokens_forget_all()


@pytest.fixture(autouse=True)
def _no_outage_cached() -> Iterator[None]:
    """Whether an outage is in force is cached for a few seconds (haiquan.outage.selectors): a
    test's outages are rolled back with it, and so must the cached answer be."""
    from django.core.cache import cache

    from haiquan.outage.selectors import IN_FORCE_CACHE_KEY

    cache.delete(IN_FORCE_CACHE_KEY)
    yield
    cache.delete(IN_FORCE_CACHE_KEY)


@pytest.fixture(autouse=True)
def _installation_language() -> Iterator[None]:
    """Each test starts in the installation's language. A page asked for in another language
    leaves it active in the thread after the answer (Django's LocaleMiddleware activates, it
    never deactivates: each request activates its own), and a service called next would write
    its duty notes in it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _flush_lifts_the_truncate_guards() -> Iterator[None]:
    """Between transactional tests pytest-django empties every table with one TRUNCATE (Django's
    flush). On PostgreSQL the event log and the access trail refuse TRUNCATE (statement
    triggers): the test database's owner lifts them inside the flush's own transaction, as the
    demo's reset does (haiquan.core.appendonly)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    from haiquan.core.appendonly import APPEND_ONLY_TABLES, truncate_guards_lifted

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # type: ignore[no-untyped-def]
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements or not set(APPEND_ONLY_TABLES) & set(tables):
            return statements
        lift, restore = truncate_guards_lifted()
        return [*lift, *statements, *restore]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = original  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference data (countries, currencies, types, offices, tariff) once per test DB."""
    with django_db_blocker.unblock():
        call_command("load_refdata", verbosity=0)


@pytest.fixture
def refdata_reloaded(transactional_db):
    """For transactional tests: the flush after each one removes the reference data."""
    call_command("load_refdata", verbosity=0)


def _flushes(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = set(getattr(item, "fixturenames", ()))
    return bool(
        {"transactional_db", "live_server", "refdata_reloaded"} & names
        or (marker is not None and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test ends by emptying every table; once its fixtures are torn down (the
    flush included), put the reference data back so that the next test on the same worker finds
    it, whatever order xdist runs the files in."""
    yield
    if nextitem is not None and _flushes(item):  # after the last test the database is gone
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            call_command("load_refdata", verbosity=0)
