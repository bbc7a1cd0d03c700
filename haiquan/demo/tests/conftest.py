"""A small generated history shared by the tests of a module, rolled back at its end so no
other app's tests ever see it."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from haiquan.demo.generator import demo_generate

# Two months around Tết 2024 (10 February), at 4% of the calibrated volume: about 1,200
# declarations from about 190 enterprises, enough for every kind of step to occur.
HISTORY = {"seed": 7, "months": 2, "until": date(2024, 3, 1), "scale": 0.04}


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        report = demo_generate(**HISTORY)
        yield report
        transaction.set_rollback(True)
