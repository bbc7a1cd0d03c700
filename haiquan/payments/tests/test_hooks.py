"""The registry of settlers: every purpose of a payment order has exactly one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from haiquan.payments.choices import DUTIES
from haiquan.payments.duties import DutySettler
from haiquan.payments.hooks import (
    Settler,
    purpose_label,
    purposes,
    settler_for,
    settler_register,
)


class OtherDuties(Settler[Any]):
    purpose = DUTIES
    label = "?"  # type: ignore[assignment]

    def subject_lock(self, order: Any) -> Any:
        raise AssertionError

    def unpayable_refuse(self, order: Any, subject: Any) -> None:
        raise AssertionError

    def settle(self, **kwargs: Any) -> None:
        raise AssertionError


def test_duties_and_fees_have_their_settlers_once_the_apps_are_ready() -> None:
    assert {"duties", "eservice_fee"} <= set(purposes())
    assert isinstance(settler_for(DUTIES), DutySettler)
    assert type(settler_for("eservice_fee")).__name__ == "FeeSettler"


def test_a_purpose_without_a_settler_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured):
        settler_for("penalty")


def test_a_second_settler_for_a_purpose_is_refused_the_same_one_again_is_harmless() -> None:
    settler_register(DutySettler())
    with pytest.raises(ImproperlyConfigured):
        settler_register(OtherDuties())
    assert isinstance(settler_for(DUTIES), DutySettler)


def test_purposes_are_named_in_the_readers_language() -> None:
    with translation.override("en"):
        assert purpose_label(DUTIES) == "Duties"
        assert purpose_label("eservice_fee") == "Online public service fee"
    assert purpose_label("unknown") == "unknown"
