"""Inquiries (vướng mắc): filed by an enterprise or its association, routed, answered within
a time limit, escalated when late, replied to, closed, published to the FAQ anonymised; every
step in the event log; the enterprise told in the portal and by e-mail."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from haiquan.accounts.services import user_create
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.notifications.delivery import emails_send_due
from haiquan.portal import services
from haiquan.portal.choices import Channel, InquiryStatus
from haiquan.portal.models import Association, Faq, Inquiry, Notification
from haiquan.portal.selectors import faq_get
from haiquan.portal.services import InquiryInput

pytestmark = pytest.mark.django_db


def file(world: Any, actor: Any = "declarant", **changes: Any) -> Any:
    data = {
        "enterprise_mst": world.own.enterprise.mst,
        "subject": "Thời hạn tái xuất hàng tạm nhập",
        "body": f"Công ty TNHH Hoàng Long (MST {world.own.enterprise.mst}) hỏi: hàng tạm nhập G12 "
        "phải tái xuất trong bao lâu? Liên hệ ketoan@hoanglong.vn, 0912 345 678.",
        "office_code": "20BD",
        "category": "thu-tuc-hai-quan",
    }
    data.update(changes)
    user = world.users[actor] if isinstance(actor, str) else actor
    return services.inquiry_submit(actor=user, data=InquiryInput(**data))


def kinds(inquiry: Any) -> list[str]:
    return list(
        Event.objects.filter(subject_type="portal.inquiry", subject_id=inquiry.pk)
        .order_by("id")
        .values_list("kind", flat=True)
    )


def test_an_enterprise_files_an_inquiry_with_a_time_limit(world: Any, content: Any) -> None:
    inquiry = file(world)
    assert inquiry.reference.startswith("VM")
    assert inquiry.status == InquiryStatus.OPEN
    assert inquiry.office.code == "20BD"
    assert inquiry.due_at - inquiry.submitted_at == timedelta(days=10)
    assert kinds(inquiry) == ["inquiry.submitted"]


def test_an_inquiry_about_a_declaration_goes_to_its_office(world: Any, content: Any) -> None:
    decl = world.own.declarations["yellow"]
    inquiry = file(world, office_code="", declaration_number=decl.number)
    assert inquiry.declaration_id == decl.pk
    assert inquiry.office_id == decl.office_id


def test_bad_input_names_each_field_and_saves_nothing(world: Any, content: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        file(world, subject=" ", body="", office_code="", category="nope")
    fields = {e.field for e in exc.value.errors}
    assert fields == {"subject", "body", "office_code", "category"}
    assert not Inquiry.objects.visible_to(world.users["declarant"]).exists()


def test_an_enterprise_cannot_file_for_another(world: Any, content: Any) -> None:
    with pytest.raises(Forbidden):
        file(world, enterprise_mst=world.other.enterprise.mst)
    with pytest.raises(Forbidden):  # nor can customs staff file as an enterprise
        file(world, actor="officer")
    with pytest.raises(ValidationFailed) as exc:
        file(world, enterprise_mst="0000000000")
    assert exc.value.errors[0].field == "enterprise_mst"


def test_a_declaration_of_another_enterprise_is_refused(world: Any, content: Any) -> None:
    other = world.other.declarations["yellow"]
    with pytest.raises(ValidationFailed) as exc:
        file(world, declaration_number=other.number)
    assert exc.value.errors[0].field == "declaration_number"


def test_an_association_forwards_a_members_inquiry(world: Any, content: Any) -> None:
    staff = user_create(username="hh.test", password=None, role="declarant")
    assoc = Association.objects.create(code="vcci-qn", name="VCCI Quảng Ninh")
    assoc.members.add(world.own.enterprise)
    assoc.staff.add(staff)
    inquiry = file(world, actor=staff, association_code="vcci-qn")
    assert inquiry.channel == Channel.ASSOCIATION and inquiry.association == assoc
    assert inquiry in Inquiry.objects.visible_to(staff)
    # Not for an enterprise that is not a member.
    with pytest.raises(ValidationFailed):
        file(
            world,
            actor=staff,
            association_code="vcci-qn",
            enterprise_mst=world.other.enterprise.mst,
        )


def test_who_sees_an_inquiry(world: Any, content: Any) -> None:
    inquiry = file(world)
    seen = {name: inquiry in Inquiry.objects.visible_to(u) for name, u in world.users.items()}
    expected = {
        "declarant": True,
        "other_declarant": False,
        "broker": True,  # acts for the enterprise that authorised its firm
        "officer": True,  # of 20BD
        "leader": True,  # of Quảng Ninh (20), above 20BD
        "analyst": True,
        "admin": True,
    }
    assert {k: seen[k] for k in expected} == expected
    # Any other role of the world (an operator, an agency...) sees nothing.
    assert not any(v for k, v in seen.items() if k not in expected)


def test_the_notification_reads_in_the_readers_language_and_the_mail_in_the_recipients(
    world: Any, content: Any, client: Any
) -> None:
    declarant = world.users["declarant"]
    declarant.email, declarant.language = "dn@example.vn", "ja"
    declarant.save()
    inquiry = file(world)
    mail.outbox.clear()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.inquiry_answer(inquiry=inquiry, actor=world.users["officer"], body="Được.")
    (note,) = Notification.objects.filter(user=declarant, url__contains=inquiry.reference)
    with translation.override("ko"):
        assert note.shown_title == f"세관이 {inquiry.reference} 질의에 답변했습니다"
    with translation.override("vi"):
        assert inquiry.reference in note.shown_title and "Hải quan" in note.shown_title
    emails_send_due()  # the notifications worker sends what the transaction left in the outbox
    (sent,) = mail.outbox  # in the language the recipient chose
    assert sent.subject == f"[haiquan] 税関が照会{inquiry.reference}に回答しました"
    client.force_login(declarant)
    page = client.get("/portal/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    with translation.override("zh-hans"):
        assert note.shown_title in page.content.decode()


def test_answer_notifies_the_enterprise_and_it_can_reply(world: Any, content: Any) -> None:
    world.users["declarant"].email = "dn@example.vn"
    world.users["declarant"].save()
    inquiry = file(world)
    mail.outbox.clear()
    with pytest.raises(Forbidden):
        services.inquiry_answer(inquiry=inquiry, actor=world.users["declarant"], body="x")
    with pytest.raises(Forbidden):  # the wrong side may not reply
        services.inquiry_reply(inquiry=inquiry, actor=world.users["other_declarant"], body="x")
    with pytest.raises(ValidationFailed):
        services.inquiry_answer(inquiry=inquiry, actor=world.users["officer"], body=" ")
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.inquiry_answer(
            inquiry=inquiry,
            actor=world.users["officer"],
            body="Trong thời hạn tạm nhập đã đăng ký.",
        )
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED and inquiry.answered_at
    assert Notification.objects.filter(
        user=world.users["declarant"], url__contains=inquiry.reference
    ).exists()
    emails_send_due()
    assert [m.to for m in mail.outbox] == [["dn@example.vn"]]
    services.inquiry_reply(
        inquiry=inquiry, actor=world.users["declarant"], body="Còn gia hạn thì sao?"
    )
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN  # open again, with a new time limit
    assert inquiry.due_at > timezone.now() + timedelta(days=9)
    services.inquiry_answer(
        inquiry=inquiry, actor=world.users["officer"], body="Được gia hạn một lần."
    )
    services.inquiry_close(inquiry=inquiry, actor=world.users["declarant"])
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED
    with pytest.raises(Conflict):
        services.inquiry_reply(inquiry=inquiry, actor=world.users["declarant"], body="Nữa")
    assert kinds(inquiry) == [
        "inquiry.submitted",
        "inquiry.answered",
        "inquiry.replied",
        "inquiry.answered",
        "inquiry.closed",
    ]


def test_an_officer_of_another_office_cannot_answer(world: Any, content: Any) -> None:
    stranger = user_create(
        username="cc.songthan", password=None, role="officer", office_codes=["43IH"]
    )
    inquiry = file(world)
    with pytest.raises(Forbidden):
        services.inquiry_answer(inquiry=inquiry, actor=stranger, body="x")
    assert inquiry not in Inquiry.objects.visible_to(stranger)


def test_routing_classifies_and_assigns_an_expert(world: Any, content: Any) -> None:
    inquiry = file(world, category="")
    routed = services.inquiry_route(
        inquiry=inquiry,
        actor=world.users["leader"],
        assignee=world.users["officer"].username,
        category="thue",
        procedure="Hoàn thuế",
    )
    assert routed.assignee == world.users["officer"]
    assert routed.category is not None
    assert routed.category.slug == "thue" and routed.procedure == "hoan-thue"
    assert Notification.objects.filter(user=world.users["officer"]).exists()
    with pytest.raises(ValidationFailed) as exc:
        services.inquiry_route(
            inquiry=inquiry, actor=world.users["leader"], assignee="nobody", office_code="ZZ"
        )
    assert {e.field for e in exc.value.errors} == {"assignee", "office_code"}


def test_a_late_inquiry_is_escalated_once_by_the_command(world: Any, content: Any) -> None:
    inquiry = file(world)
    on_time = file(world, subject="Còn hạn")
    inquiry.due_at = timezone.now() - timedelta(hours=1)
    inquiry.save(update_fields=["due_at"])
    assert inquiry.is_late and not on_time.is_late
    out = io.StringIO()
    call_command("portal_escalate", stdout=out)
    assert out.getvalue().startswith("1 ")
    inquiry.refresh_from_db()
    on_time.refresh_from_db()
    assert inquiry.escalated_at is not None and inquiry.escalation_level == 1
    assert on_time.escalated_at is None
    # The leader of Quảng Ninh is told.
    assert Notification.objects.filter(
        user=world.users["leader"], title__contains=inquiry.reference
    ).exists()
    # Once per time limit: a second run changes nothing.
    assert services.inquiries_escalate_due() == 0
    assert kinds(inquiry).count("inquiry.escalated") == 1


def test_a_late_inquiry_is_escalated_when_read(world: Any, content: Any) -> None:
    from django.test import Client

    from haiquan.accounts.tests.helpers import login

    inquiry = file(world)
    inquiry.due_at = timezone.now() - timedelta(minutes=5)
    inquiry.save(update_fields=["due_at"])
    response = login(Client(), world.users["declarant"]).get(
        f"/portal/inquiries/{inquiry.reference}/"
    )
    assert response.status_code == 200
    inquiry.refresh_from_db()
    assert inquiry.escalated_at is not None
    assert "escalated" in response.content.decode()


def test_an_answer_is_published_to_the_faq_anonymised(world: Any, content: Any) -> None:
    inquiry = file(world)
    with pytest.raises(Conflict):  # not answered yet
        services.inquiry_publish_to_faq(inquiry=inquiry, actor=world.users["officer"])
    services.inquiry_answer(
        inquiry=inquiry,
        actor=world.users["officer"],
        body="Hàng tạm nhập phải tái xuất trong thời hạn đã đăng ký; Công ty TNHH Hoàng Long liên hệ Chi cục.",
    )
    inquiry.refresh_from_db()
    faq = services.inquiry_publish_to_faq(inquiry=inquiry, actor=world.users["officer"])
    view = faq_get(faq.slug, language="vi")
    text = view.question + " " + view.answer_markdown
    assert "Hoàng Long" not in text
    assert world.own.enterprise.mst not in text
    assert "ketoan@hoanglong.vn" not in text and "0912 345 678" not in text
    assert "[the enterprise]" in text
    assert faq.published and faq.inquiry == inquiry
    assert "inquiry.published_to_faq" in kinds(inquiry)
    with pytest.raises(Conflict):
        services.inquiry_publish_to_faq(inquiry=inquiry, actor=world.users["officer"])
    # Now searchable like any other answer.
    from haiquan.portal.search import faq_search

    assert faq.pk in [h.faq_id for h in faq_search("tai xuat trong bao lau", language="vi")][:3]
    assert Faq.objects.filter(pk=faq.pk).exists()


def test_the_pages_file_answer_reply_route_and_publish(world: Any, content: Any) -> None:
    from django.test import Client

    from haiquan.accounts.tests.helpers import login

    trader = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.users["declarant"])
    assert trader.get("/portal/inquiries/new/").status_code == 200
    bad = trader.post(
        "/portal/inquiries/new/",
        {"enterprise_mst": world.own.enterprise.mst, "subject": "S", "body": "B"},
    )
    assert bad.status_code == 422 and 'id="id_office_code-error"' in bad.content.decode()
    made = trader.post(
        "/portal/inquiries/new/",
        {
            "enterprise_mst": world.own.enterprise.mst,
            "subject": "Tạm nhập",
            "body": "Hỏi về tạm nhập",
            "office_code": "20BD",
        },
    )
    assert made.status_code == 302
    url = made["Location"]
    officer = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.users["officer"])
    page = officer.get(url).content.decode()
    assert "Send the answer" in page and "Classify and route" in page
    empty = officer.post(url + "message/", {"body": ""})
    assert empty.status_code == 422 and 'id="id_body-error"' in empty.content.decode()
    assert officer.post(url + "message/", {"body": "Trả lời tạm nhập"}).status_code == 302
    assert officer.post(url + "route/", {"assignee": "nobody"}).status_code == 422
    shown = trader.get(url).content.decode()
    assert "Trả lời tạm nhập" in shown and "Rate this answer" in shown
    assert trader.post(url + "message/", {"body": "Cảm ơn, còn một câu"}).status_code == 302
    assert officer.post(url + "message/", {"body": "Trả lời thêm"}).status_code == 302
    published = officer.post(
        url + "publish/",
        {"category": "thu-tuc-hai-quan", "question": "Hỏi về tạm nhập", "answer": "Trả lời thêm"},
    )
    assert published.status_code == 302 and published["Location"].startswith("/portal/faq/")
    assert Client().get(published["Location"]).status_code == 200  # public at once
    stranger = login(Client(), world.users["other_declarant"])
    assert stranger.get(url).status_code == 404
    assert login(Client(), world.users["officer"]).get("/portal/inquiries/").status_code == 200


def test_a_refused_subscription_is_said_next_to_its_field_and_nothing_is_saved(world: Any) -> None:
    from django.test import Client

    from haiquan.accounts.tests.helpers import login
    from haiquan.portal.models import Subscription

    user = world.users["declarant"]
    client = login(Client(HTTP_ACCEPT_LANGUAGE="en"), user)
    assert client.get("/portal/subscriptions/").status_code == 200
    neither = client.post("/portal/subscriptions/", {"topic": "", "hs_chapter": ""})
    assert neither.status_code == 422
    assert 'id="id_topic-error"' in neither.content.decode()
    assert not Subscription.objects.filter(user=user).exists()
    assert client.post("/portal/subscriptions/", {"hs_chapter": "84"}).status_code == 302
    again = client.post("/portal/subscriptions/", {"hs_chapter": "84"})
    assert again.status_code == 409  # a refusal (subscribed already), with its own status
    assert "already subscribed" in again.content.decode()
    assert Subscription.objects.filter(user=user).count() == 1
