"""Fixtures of the portal's tests: the small content files under tests/data loaded once per
module, and the shared test world (two enterprises with declarations in every state, every role
with a token: see haiquan/core/tests/world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from haiquan.portal.content import content_load

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Iterator[None]:
    """Messages read by the tests are the English ones."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def content(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The test content loaded once for the module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        content_load(directory=DATA)
        yield
        transaction.set_rollback(True)


# The shared test world (two enterprises, declarations in every state, every role with a token).
from haiquan.core.tests.fixtures import fresh_limits, world  # noqa: E402,F401
