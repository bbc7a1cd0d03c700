"""Ratings after a cleared declaration or an answered inquiry: one per event, only by the
enterprise served; leaders read them per office and period, and only leaders per officer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token, login
from haiquan.core.problems import Conflict, Forbidden, NotFound, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.portal import services
from haiquan.portal.models import Rating
from haiquan.portal.ratings import RatingInput, rating_report, rating_submit

pytestmark = pytest.mark.django_db


def rate(world: Any, who: str = "declarant", state: str = "cleared", **changes: Any) -> Rating:
    data = {
        "score": 4,
        "reasons": ("fast", "online"),
        "comment": "Nhanh",
        "declaration_id": world.own.declarations[state].pk,
    }
    data.update(changes)
    return rating_submit(actor=world.users[who], data=RatingInput(**data))


def test_the_enterprise_served_rates_a_cleared_declaration(world: Any) -> None:
    rating = rate(world)
    assert rating.score == 4 and rating.office.code == "20BD"
    assert rating.enterprise == world.own.enterprise
    event = Event.objects.get(kind="rating.submitted", subject_id=rating.pk)
    assert event.declaration_id == world.own.declarations["cleared"].pk
    assert event.data["score"] == 4


def test_a_second_rating_of_the_same_event_is_refused(world: Any) -> None:
    rate(world)
    with pytest.raises(Conflict) as exc:
        rate(world, who="broker", score=1)  # the broker acts for the same enterprise
    assert exc.value.code == "already-rated"
    assert Rating.objects.filter(declaration=world.own.declarations["cleared"]).count() == 1


def test_an_enterprise_that_was_not_served_cannot_rate(world: Any) -> None:
    # Another enterprise does not even learn that the declaration exists.
    with pytest.raises(NotFound):
        rate(world, who="other_declarant")
    # The officer of the office sees it, but was not served.
    with pytest.raises(Forbidden):
        rate(world, who="officer")
    assert not Rating.objects.exists()


def test_a_declaration_not_yet_cleared_cannot_be_rated(world: Any) -> None:
    with pytest.raises(Conflict):
        rate(world, state="awaiting")


def test_an_unknown_declaration_is_not_found(world: Any) -> None:
    with pytest.raises(NotFound):
        rate(world, declaration_id=10**12)


@settings(max_examples=30, deadline=None)
@given(
    score=st.integers(min_value=-10, max_value=20),
    reasons=st.lists(st.text(max_size=12), max_size=3),
)
def test_only_scores_1_to_5_and_known_reasons_are_accepted(
    world: Any, score: int, reasons: list[str]
) -> None:
    from django.db import transaction

    from haiquan.portal.choices import RatingReason

    valid = 1 <= score <= 5 and all(r in RatingReason.values for r in reasons)
    with transaction.atomic():
        try:
            rating = rate(world, score=score, reasons=tuple(reasons))
        except ValidationFailed as exc:
            assert not valid
            assert {e.field for e in exc.errors} <= {"score", "reasons"}
        else:
            assert valid and rating.score == score
        transaction.set_rollback(True)


def test_an_answered_inquiry_is_rated_once_by_its_enterprise(world: Any, content: Any) -> None:
    inquiry = services.inquiry_submit(
        actor=world.users["declarant"],
        data=services.InquiryInput(
            enterprise_mst=world.own.enterprise.mst,
            subject="Hỏi",
            body="Câu hỏi",
            office_code="20BD",
        ),
    )
    data = RatingInput(score=5, inquiry_reference=inquiry.reference)
    with pytest.raises(Conflict):  # not answered yet
        rating_submit(actor=world.users["declarant"], data=data)
    services.inquiry_answer(inquiry=inquiry, actor=world.users["officer"], body="Trả lời")
    with pytest.raises(NotFound):
        rating_submit(actor=world.users["other_declarant"], data=data)
    with pytest.raises(Forbidden):
        rating_submit(actor=world.users["officer"], data=data)
    rating = rating_submit(actor=world.users["declarant"], data=data)
    assert rating.officer == world.users["officer"]
    with pytest.raises(Conflict):
        rating_submit(actor=world.users["declarant"], data=data)


def _report(world: Any, who: str) -> Any:
    today = timezone.localdate()
    return rating_report(user=world.users[who], date_from=today - timedelta(days=30), date_to=today)


def test_leaders_see_results_per_office_and_period_and_per_officer(world: Any) -> None:
    rating = rate(world, score=2)
    rating.officer = world.users["officer"]
    rating.save()
    report = _report(world, "leader")
    assert report.overall.count == 1 and report.overall.average == 2
    assert [r.key for r in report.offices] == ["20BD"]
    assert [r.key for r in report.months] == [timezone.localdate().strftime("%Y-%m")]
    assert report.officers is not None and [r.key for r in report.officers] == ["w.officer"]


def test_a_single_officers_results_are_only_for_leaders(world: Any) -> None:
    rate(world)
    analyst = _report(world, "analyst")
    assert analyst.overall.count == 1 and analyst.officers is None
    for who in ("officer", "declarant", "broker"):
        with pytest.raises(Forbidden):
            _report(world, who)


def test_the_report_page_shows_officers_to_a_leader_only(world: Any) -> None:
    rating = rate(world)
    rating.officer = world.users["officer"]
    rating.save()
    leader = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.users["leader"]).get("/portal/ratings/")
    assert leader.status_code == 200
    assert "Per officer" in leader.content.decode() and "w.officer" in leader.content.decode()
    analyst = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.users["analyst"]).get(
        "/portal/ratings/"
    )
    assert analyst.status_code == 200 and "w.officer" not in analyst.content.decode()
    assert login(Client(), world.users["officer"]).get("/portal/ratings/").status_code == 403


def test_the_rating_page_records_a_rating_once(world: Any) -> None:
    decl = world.own.declarations["cleared"]
    client = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.users["declarant"])
    url = f"/portal/ratings/new/?declaration={decl.pk}"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"score": "9"})
    assert bad.status_code == 422 and "field-error" in bad.content.decode()
    assert client.post(url, {"score": "5", "reasons": ["fast"]}).status_code == 302
    again = client.post(url, {"score": "1"})
    assert again.status_code == 409
    other = login(Client(), world.users["other_declarant"]).get(url)
    assert other.status_code == 404


def test_the_portal_front_page_prompts_a_trader_to_rate_cleared_declarations(world: Any) -> None:
    decl = world.own.declarations["cleared"]
    client = login(Client(), world.users["declarant"])
    assert f"/portal/ratings/new/?declaration={decl.pk}" in client.get("/portal/").content.decode()
    rate(world)
    assert f"?declaration={decl.pk}" not in client.get("/portal/").content.decode()


def test_a_cleared_declaration_s_page_offers_its_trader_to_rate_it_once(world: Any) -> None:
    """The link goes from the declaration page (clearance) to the portal's rating form; it is
    the trader's, and gone once rated."""
    cleared = world.own.declarations["cleared"]
    page = f"/declarations/{cleared.pk}/"
    trader = login(Client(), world.users["declarant"])
    html = trader.get(page).content.decode()
    assert f"/portal/ratings/new/?declaration={cleared.pk}" in html
    awaiting = world.own.declarations["awaiting"]
    assert (
        "/portal/ratings/new/" not in trader.get(f"/declarations/{awaiting.pk}/").content.decode()
    )
    officer = login(Client(), world.users["officer"])
    assert "/portal/ratings/new/" not in officer.get(page).content.decode()
    resp = trader.post(
        f"/portal/ratings/new/?declaration={cleared.pk}",
        {"score": "5", "comment": "Nhanh"},
    )
    assert resp.status_code == 302, resp.content[:400]
    assert "/portal/ratings/new/" not in trader.get(page).content.decode()


def test_a_leader_of_another_office_reads_none_of_its_ratings(world: Any) -> None:
    """Ratings are read through their office (`Rating.visibility`): Bình Dương's leader's
    report, through the API, counts none of Móng Cái's."""
    rate(world)
    elsewhere = user_create(
        username="w.rating.leader.bd", password=None, role="leader", office_codes=["43"]
    )
    bearer = f"Bearer {api_token(elsewhere, name='leader 43')}"
    report = Client().get("/api/v1/portal/ratings/report", HTTP_AUTHORIZATION=bearer)
    assert report.status_code == 200, report.content
    assert report.json()["overall"]["count"] == 0 and report.json()["offices"] == []
    own = Client().get("/api/v1/portal/ratings/report", **world.auth("leader")).json()
    assert own["overall"]["count"] == 1
    assert Rating.objects.visible_to(elsewhere).count() == 0
