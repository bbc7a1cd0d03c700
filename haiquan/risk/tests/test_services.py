"""Creating, changing and deactivating profiles; office settings; what is recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.risk.models import OfficeRiskSetting, RiskProfile, RiskProfileVersion
from haiquan.risk.services import (
    office_setting_set,
    profile_activate,
    profile_create,
    profile_deactivate,
    profile_update,
)

pytestmark = pytest.mark.django_db


def fields_of(exc) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


def create(actor, **kw):
    args = {
        "code": "fruit-cn",
        "name": "Fresh fruit from China below price",
        "criteria": {
            "hs_prefixes": ["0808", "0806"],
            "origins": ["cn"],
            "max_unit_price_vnd": "8000",
        },
        "lane": "yellow",
        "reason": "Check the invoice and the quarantine certificate.",
        "actor": actor,
    }
    args.update(kw)
    return profile_create(**args)


def test_create_stores_the_profile_its_first_version_and_an_event(analyst):
    profile = create(analyst, valid_from=date(2025, 1, 1))
    assert profile.code == "FRUIT-CN" and profile.active and profile.created_by == analyst
    v1 = profile.versions.get()
    assert v1.number == 1
    assert v1.origins == ["CN"]
    assert v1.hs_prefixes == ["0808", "0806"]
    assert v1.max_unit_price_vnd == Decimal("8000")
    assert (v1.lane, v1.valid_from, v1.valid_to) == ("yellow", date(2025, 1, 1), None)
    event = Event.objects.get(kind="risk.profile_created")
    assert (event.subject_type, event.subject_id, event.party) == (
        "risk_profile",
        profile.pk,
        "customs",
    )
    assert event.actor == analyst
    assert event.data["criteria"]["origins"] == ["CN"]
    assert event.data["version"] == 1


def test_valid_from_defaults_to_today_in_vietnam(analyst):
    from django.utils import timezone

    assert create(analyst).versions.get().valid_from == timezone.localdate()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"criteria": {"origins": ["CN", "ZZ"]}}, "origins[1]", "unknown-country"),
        ({"criteria": {"hs_prefixes": ["08.08"]}}, "hs_prefixes[0]", "invalid-hs-prefix"),
        ({"lane": "green"}, "lane", "invalid-lane"),
        ({"lane": "purple"}, "lane", "invalid-lane"),
        ({"criteria": {"office_codes": ["20XX"]}}, "office_codes[0]", "unknown-office"),
        ({"code": "x"}, "code", "invalid-code"),
        ({"code": "HAS SPACE"}, "code", "invalid-code"),
        ({"name": "  "}, "name", "required"),
        ({"reason": ""}, "reason", "required"),
        (
            {"valid_from": date(2025, 3, 1), "valid_to": date(2025, 2, 1)},
            "valid_to",
            "before-start",
        ),
        ({"criteria": {}}, "criteria", "required"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(analyst, changes, field, code):
    with pytest.raises(ValidationFailed) as exc:
        create(analyst, **changes)
    assert fields_of(exc) == {field: code}
    assert not RiskProfile.objects.exists()
    assert not RiskProfileVersion.objects.exists()
    assert not Event.objects.filter(kind__startswith="risk.").exists()


def test_create_reports_all_problems_together(analyst):
    with pytest.raises(ValidationFailed) as exc:
        create(analyst, code="?", lane="green", criteria={"origins": ["XX"]})
    assert set(fields_of(exc)) == {"code", "lane", "origins[0]"}


def test_codes_are_unique(analyst):
    create(analyst)
    with pytest.raises(ValidationFailed) as exc:
        create(analyst, code="Fruit-CN")
    assert fields_of(exc) == {"code": "duplicate"}


def test_only_analysts_and_administrators_write(declarant, leader):
    for user in (declarant, leader):
        with pytest.raises(Forbidden):
            create(user)
    assert not RiskProfile.objects.exists()


def test_update_adds_a_version_and_keeps_the_old_one(analyst):
    profile = create(analyst)
    v2 = profile_update(
        profile=profile,
        criteria={"hs_prefixes": ["08"], "origins": ["CN"], "max_unit_price_vnd": 7000},
        lane="red",
        reason="Repeated undervaluation found: inspect.",
        change_note="Three findings in May; all fresh fruit.",
        name="Fresh fruit from China far below price",
        actor=analyst,
    )
    assert v2.number == 2 and v2.change_note == "Three findings in May; all fresh fruit."
    assert [v.number for v in profile.versions.all()] == [2, 1]
    v1 = profile.versions.get(number=1)
    assert (v1.lane, v1.hs_prefixes, v1.max_unit_price_vnd) == ("yellow", ["0808", "0806"], 8000)
    profile.refresh_from_db()
    assert profile.name == "Fresh fruit from China far below price"
    event = Event.objects.get(kind="risk.profile_updated")
    assert event.data["version"] == 2 and event.data["change_note"].startswith("Three")


def test_update_needs_a_change_note_and_valid_input(analyst):
    profile = create(analyst)
    with pytest.raises(ValidationFailed) as exc:
        profile_update(
            profile=profile,
            criteria={"origins": ["CN", "C1"]},
            lane="yellow",
            reason="r",
            change_note=" ",
            actor=analyst,
        )
    assert fields_of(exc) == {"change_note": "required", "origins[1]": "unknown-country"}
    assert profile.versions.count() == 1
    assert not Event.objects.filter(kind="risk.profile_updated").exists()


def test_deactivate_and_activate(analyst):
    profile = create(analyst)
    profile_deactivate(profile=profile, actor=analyst, reason="Season over.")
    profile.refresh_from_db()
    assert not profile.active and profile.deactivation_reason == "Season over."
    assert profile.deactivated_at is not None
    with pytest.raises(Conflict):
        profile_deactivate(profile=profile, actor=analyst, reason="Again.")
    with pytest.raises(ValidationFailed) as exc:
        profile_activate(profile=profile, actor=analyst, reason="")
    assert fields_of(exc) == {"reason": "required"}
    profile_activate(profile=profile, actor=analyst, reason="New season.")
    profile.refresh_from_db()
    assert profile.active and profile.deactivated_at is None
    kinds = list(Event.objects.filter(subject_type="risk_profile").values_list("kind", flat=True))
    assert kinds == ["risk.profile_created", "risk.profile_deactivated", "risk.profile_activated"]


def test_office_setting_set_and_change(analyst):
    setting = office_setting_set(office="20bd", random_rate="0.02", actor=analyst)
    assert setting.office.code == "20BD" and setting.random_rate == Decimal("0.02")
    assert setting.target_inspection_rate is None
    office_setting_set(
        office=setting.office,
        random_rate=Decimal("0.03"),
        target_inspection_rate="0.15",
        actor=analyst,
    )
    setting = OfficeRiskSetting.objects.get()
    assert (setting.random_rate, setting.target_inspection_rate) == (
        Decimal("0.03"),
        Decimal("0.15"),
    )
    events = Event.objects.filter(kind="risk.office_setting_set").order_by("id")
    assert [e.office_code for e in events] == ["20BD", "20BD"]
    assert events[1].data["previous"] == {"random_rate": "0.0200", "target_inspection_rate": None}


@pytest.mark.parametrize(
    ("kw", "field", "code"),
    [
        ({"random_rate": "1.5"}, "random_rate", "not-a-fraction"),
        ({"random_rate": "-0.01"}, "random_rate", "not-a-fraction"),
        ({"random_rate": "abc"}, "random_rate", "not-a-fraction"),
        ({"random_rate": None}, "random_rate", "required"),
        ({"random_rate": "0.00001"}, "random_rate", "too-precise"),
        ({"target_inspection_rate": "2"}, "target_inspection_rate", "not-a-fraction"),
        ({"office": "NOPE"}, "office", "unknown-office"),
    ],
)
def test_office_setting_refuses_bad_input(analyst, kw, field, code):
    args = {"office": "20BD", "random_rate": "0.02", "actor": analyst, **kw}
    with pytest.raises(ValidationFailed) as exc:
        office_setting_set(**args)
    assert fields_of(exc) == {field: code}
    assert not OfficeRiskSetting.objects.exists()
    assert not Event.objects.filter(kind="risk.office_setting_set").exists()
