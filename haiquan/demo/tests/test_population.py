"""The traders at full scale: Quảng Ninh's 833 enterprises (304 of the province), Bình Dương's
~1,100 with over 300 Korean-invested, brokers and their principals."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from haiquan.accounts.models import User
from haiquan.demo.catalogue import Catalogue
from haiquan.demo.models import DemoDataset
from haiquan.demo.population import SYNTHETIC_EMAIL_DOMAIN, population_build
from haiquan.refdata.models import BrokerAuthorisation, Enterprise
from haiquan.tariff.snapshot import Tariff

pytestmark = pytest.mark.django_db


def test_the_full_population_matches_the_sources():
    dataset = DemoDataset.objects.create(
        mode="demo",
        seed=1,
        period_start="2024-01-01T00:00+07:00",
        period_end="2024-03-01T00:00+07:00",
    )
    population = population_build(
        rng=random.Random(1),
        catalogue=Catalogue(Tariff.load(None)),
        dataset=dataset,
        departments=["20", "43"],
        factor=1.0,
        history_start=date(2024, 1, 1),
    )
    qn = [f for f in population.firms if f.department == "20"]
    bd = [f for f in population.firms if f.department == "43"]
    assert len(qn) == 833
    assert sum(f.province == "22" for f in qn) == 304
    assert 1_050 <= len(bd) <= 1_150
    investors = Counter(f.investor for f in bd if f.is_fdi)
    assert (
        investors["KR"] >= 300
        and investors["JP"] > 50
        and investors["TW"] > 50
        and investors["CN"] > 50
    )
    ranks = Counter(f.rank for f in population.firms)
    assert ranks["high"] + ranks["medium"] > 0.7 * len(population.firms)
    assert 0 < ranks["priority"] < ranks["low"] and 0 < ranks["non_compliant"] < ranks["low"]
    # About 485 of Quảng Ninh's firms file in a month (July 2020).
    assert 430 <= sum(f.p_active for f in qn) <= 540
    stored = Enterprise.objects.filter(synthetic__dataset=dataset)
    assert stored.count() == len(population.firms) + len(population.brokers)
    korean = sum(f.investor == "KR" for f in population.firms)  # Quảng Ninh has a few too
    assert stored.filter(is_fdi=True, investor_country="KR").count() == korean
    assert stored.filter(is_broker=True).count() == len(population.brokers) == 8
    principals = BrokerAuthorisation.objects.filter(broker__in=stored.filter(is_broker=True))
    assert principals.count() == sum(f.broker_index is not None for f in population.firms) > 100
    assert User.objects.filter(
        email__endswith=SYNTHETIC_EMAIL_DOMAIN, role="declarant"
    ).count() == len(population.firms)
    assert all(population.officers[code] for code in ("20BD", "20CD", "43IH"))
    assert len({f.name for f in population.firms}) > 0.97 * len(population.firms)
