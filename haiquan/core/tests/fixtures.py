"""Fixtures for the cross-cutting API tests, shared by the apps that use the test world
(import them into a conftest: `from haiquan.core.tests.fixtures import fresh_limits, world`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.db import transaction

from .world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """Built once per module inside a transaction that is rolled back at the end; each test
    runs in a savepoint inside it (the `db` fixture), so what one test changes the next
    does not see. Building it per test would cost ~1 s each across hundreds of cells."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def fresh_limits() -> Iterator[None]:
    """Token buckets live in the "limits" cache: start every test with full ones."""
    caches["limits"].clear()
    yield
    caches["limits"].clear()
