"""A small generated history with a model version trained on it, shared by the tests of a
module and rolled back at its end."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import transaction

from haiquan.accounts.choices import Role

# Three months at 5% of the calibrated volume: about 2,300 declarations, 800 of them checked.
HISTORY = {"seed": 11, "months": 3, "until": date(2024, 4, 1), "scale": 0.05}


@pytest.fixture(scope="module")
def trained(django_db_setup, django_db_blocker) -> Any:
    from haiquan.accounts.services import user_create
    from haiquan.demo.generator import demo_generate
    from haiquan.riskml.scorer import scorer_cache_clear
    from haiquan.riskml.services import model_train

    with django_db_blocker.unblock(), transaction.atomic():
        report = demo_generate(**HISTORY)
        analyst = user_create(username="rr.kiemdinh", password=None, role=Role.ANALYST)
        model = model_train(actor=analyst)
        scorer_cache_clear()
        yield {"report": report, "analyst": analyst, "model": model}
        transaction.set_rollback(True)
    scorer_cache_clear()
