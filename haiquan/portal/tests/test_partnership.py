"""Associations, coordination agreements with their reviews, dialogues with the difficulties
raised followed up to closure and the report per event; news delivered to subscribers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.test import Client, TestCase

from haiquan.accounts.tests.helpers import login
from haiquan.core.problems import Forbidden, ValidationFailed
from haiquan.notifications.delivery import emails_send_due
from haiquan.portal import news, partnership
from haiquan.portal.models import Notification

pytestmark = pytest.mark.django_db


def test_an_association_with_members_and_an_agreement_with_reviews(world: Any) -> None:
    leader = world.users["leader"]
    assoc = partnership.association_save(
        actor=leader,
        code="hh-qn",
        name="Hiệp hội Doanh nghiệp Quảng Ninh",
        member_msts=[world.own.enterprise.mst],
    )
    assert list(assoc.members.all()) == [world.own.enterprise]
    agreement = partnership.agreement_create(
        actor=leader,
        title="Quy chế phối hợp 2026",
        office_code="20",
        signed_on=date(2026, 1, 10),
        commitments=["Đối thoại mỗi quý", " "],
        association_codes=["hh-qn"],
        next_review_on=date(2026, 4, 1),
    )
    assert agreement.commitments == ["Đối thoại mỗi quý"]
    partnership.agreement_review_record(
        actor=leader,
        agreement=agreement,
        reviewed_on=date(2026, 4, 2),
        notes="Đạt",
        next_review_on=date(2026, 7, 1),
    )
    agreement.refresh_from_db()
    assert agreement.next_review_on == date(2026, 7, 1) and agreement.reviews.count() == 1
    with pytest.raises(ValidationFailed) as exc:
        partnership.agreement_create(
            actor=leader, title="", office_code="ZZ", signed_on=date(2026, 1, 1), commitments=[]
        )
    assert {e.field for e in exc.value.errors} == {
        "title",
        "office_code",
        "association_codes",
        "commitments",
    }
    with pytest.raises(Forbidden):
        partnership.association_save(actor=world.users["officer"], code="x", name="x")


def test_a_dialogue_and_its_difficulties_to_closure(world: Any) -> None:
    leader = world.users["leader"]
    dialogue = partnership.dialogue_create(
        actor=leader,
        kind="dialogue",
        title="Đối thoại doanh nghiệp quý I",
        held_on=date(2026, 3, 15),
        office_code="20",
        participants="Cục Hải quan, 40 doanh nghiệp",
        topics="C/O, kiểm tra chuyên ngành",
        issues=[
            partnership.IssueInput("Chậm trả kết quả kiểm tra chuyên ngành", "Công ty A"),
            partnership.IssueInput(""),
        ],
    )
    issue = dialogue.issues.get()
    with pytest.raises(ValidationFailed):  # closing needs the follow-up that settled it
        partnership.dialogue_issue_update(actor=leader, issue=issue, status="closed", follow_up="")
    partnership.dialogue_issue_update(
        actor=leader, issue=issue, status="closed", follow_up="Đã làm việc với Bộ Công Thương"
    )
    report = partnership.dialogue_report(dialogue)
    assert (report.open_count, report.closed_count) == (0, 1)
    page = login(Client(HTTP_ACCEPT_LANGUAGE="en"), leader).get(
        f"/portal/partnership/dialogues/{dialogue.pk}/"
    )
    assert page.status_code == 200 and "Đã làm việc với Bộ Công Thương" in page.content.decode()
    assert login(Client(), world.users["declarant"]).get("/portal/partnership/").status_code == 403


def test_a_refused_follow_up_is_said_next_to_its_field_on_the_report_and_not_saved(
    world: Any,
) -> None:
    leader = world.users["leader"]
    dialogue = partnership.dialogue_create(
        actor=leader,
        kind="dialogue",
        title="Đối thoại doanh nghiệp quý II",
        held_on=date(2026, 6, 15),
        office_code="20",
        participants="Cục Hải quan",
        topics="C/O",
        issues=[partnership.IssueInput("Chậm trả kết quả kiểm tra chuyên ngành")],
    )
    issue = dialogue.issues.get()
    client = login(Client(HTTP_ACCEPT_LANGUAGE="en"), leader)
    url = f"/portal/partnership/issues/{issue.pk}/"
    closed_bare = client.post(url, {f"i{issue.pk}-status": "closed", f"i{issue.pk}-follow_up": ""})
    assert closed_bare.status_code == 422  # closing needs the follow-up that settled it
    html = closed_bare.content.decode()
    assert f'id="id_i{issue.pk}-follow_up-error"' in html and "settled" in html
    unknown = client.post(url, {f"i{issue.pk}-status": "lost"})
    assert unknown.status_code == 422
    assert f'id="id_i{issue.pk}-status-error"' in unknown.content.decode()
    issue.refresh_from_db()
    assert issue.status != "closed" and issue.follow_up == ""
    saved = client.post(
        url, {f"i{issue.pk}-status": "closed", f"i{issue.pk}-follow_up": "Đã làm việc"}
    )
    assert saved.status_code == 302
    issue.refresh_from_db()
    assert issue.status == "closed"


def test_the_dialogue_form_shows_errors_next_to_fields(world: Any) -> None:
    client = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.users["leader"])
    response = client.post(
        "/portal/partnership/dialogues/new/",
        {
            "kind": "dialogue",
            "title": "T",
            "held_on": "2026-03-01",
            "office_code": "ZZ",
            "participants": "a",
            "topics": "b",
        },
    )
    assert response.status_code == 422
    assert 'id="id_office_code-error"' in response.content.decode()


def test_news_reaches_subscribers_in_the_portal_and_by_email(world: Any) -> None:
    declarant = world.users["declarant"]
    declarant.email = "dn@example.vn"
    declarant.save()
    news.subscription_add(user=declarant, hs_chapter="84")
    news.subscription_add(user=world.users["broker"], topic="payment", by_email=False)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        item = news.news_publish(
            actor=world.users["leader"],
            kind="policy",
            title="Thay đổi thuế suất chương 84",
            body="Áp dụng từ 1/1.",
            topics=["tariff"],
            hs_chapters=["84"],
        )
    assert Notification.objects.filter(user=declarant, title=item.title).exists()
    assert not Notification.objects.filter(user=world.users["broker"]).exists()
    emails_send_due()
    assert [m.to for m in mail.outbox] == [["dn@example.vn"]]
    with pytest.raises(ValidationFailed):
        news.news_publish(
            actor=world.users["leader"],
            kind="policy",
            title="x",
            body="y",
            topics=["nope"],
            hs_chapters=["99"],
        )
    with pytest.raises(Forbidden):
        news.news_publish(actor=declarant, kind="news", title="x", body="y", topics=[])
    assert Client().get(f"/portal/news/{item.pk}/").status_code == 200


def test_leaders_record_an_agreement_and_its_review_on_the_pages(world: Any) -> None:
    leader = world.users["leader"]
    partnership.association_save(actor=leader, code="hh-qn", name="Hiệp hội DN Quảng Ninh")
    client = login(Client(HTTP_ACCEPT_LANGUAGE="en"), leader)
    assert client.get("/portal/partnership/agreements/new/").status_code == 200
    bad = client.post(
        "/portal/partnership/agreements/new/",
        {"title": "Q", "office_code": "20", "signed_on": "2026-01-10", "commitments": "x"},
    )
    assert bad.status_code == 422  # no business party
    ok = client.post(
        "/portal/partnership/agreements/new/",
        {
            "title": "Quy chế",
            "office_code": "20",
            "associations": ["hh-qn"],
            "signed_on": "2026-01-10",
            "next_review_on": "2026-04-01",
            "commitments": "Đối thoại mỗi quý\nTrả lời trong 10 ngày",
        },
    )
    assert ok.status_code == 302
    from haiquan.portal.models import Agreement

    agreement = Agreement.objects.get()
    assert agreement.commitments == ["Đối thoại mỗi quý", "Trả lời trong 10 ngày"]
    url = f"/portal/partnership/agreements/{agreement.pk}/review/"
    assert (
        client.post(
            url, {"reviewed_on": "2026-04-02", "notes": "Đạt", "next_review_on": "2026-07-01"}
        ).status_code
        == 302
    )
    agreement.refresh_from_db()
    assert agreement.next_review_on == date(2026, 7, 1)
    assert login(Client(), world.users["officer"]).get(url).status_code == 403
