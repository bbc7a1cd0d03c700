"""E-mails against a real SMTP server started by the test (aiosmtpd): each in its recipient's
language; a server down for a while delays them and loses none."""

from __future__ import annotations

import time
from typing import Any

import pytest

from haiquan.accounts.services import user_create
from haiquan.eventlog import kinds
from haiquan.notifications.choices import DeliveryState
from haiquan.notifications.delivery import emails_send_due
from haiquan.notifications.models import EmailDelivery

from .conftest import drain, happen, register
from .servers import MailServer, subject_of, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings: Any) -> Any:
    server = MailServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 2
    yield server
    server.stop()


def test_each_recipient_reads_the_mail_in_their_language(
    rates, started, declarant, hoanglong, smtp, settings
):
    settings.HAIQUAN_NOTIFICATIONS = {
        **settings.HAIQUAN_NOTIFICATIONS,
        "SITE_URL": "https://haiquan.example.gov.vn",
    }
    declarant.email, declarant.language = "dn@hoanglong.vn", "ja"
    declarant.save()
    colleague = user_create(
        username="dn.hoanglong.ko",
        password="pw-ko-2026!",
        role="declarant",
        enterprise_msts=[hoanglong.mst],
    )
    colleague.email, colleague.language = "ko@hoanglong.vn", "ko"
    colleague.save()
    declaration = register(declarant, hoanglong.mst)
    happen(declaration, kinds.DECLARATION_CLEARED)
    drain()
    assert emails_send_due() == 4
    by_address: dict[str, list[Any]] = {}
    for m in smtp.messages:
        by_address.setdefault(m["To"], []).append(m)
    assert sorted(by_address) == ["dn@hoanglong.vn", "ko@hoanglong.vn"]
    ja = {subject_of(m) for m in by_address["dn@hoanglong.vn"]}
    ko = {subject_of(m) for m in by_address["ko@hoanglong.vn"]}
    assert f"[haiquan] 申告{declaration.number}は通関されました" in ja
    assert f"[haiquan] 신고서 {declaration.number} 통관 완료" in ko
    body = text_of(by_address["dn@hoanglong.vn"][0])
    assert f"https://haiquan.example.gov.vn/declarations/{declaration.pk}/" in body
    assert "dn.hoanglong" in body
    for m in smtp.messages:
        assert m["Content-Language"] in {"ja", "ko"}
        assert m["Message-ID"].strip("<>").split("@")[0] in {
            str(pk) for pk in EmailDelivery.objects.values_list("pk", flat=True)
        }


def test_a_mail_server_down_for_a_while_loses_nothing(rates, started, declarant, hoanglong, smtp):
    declarant.email = "dn@hoanglong.vn"
    declarant.save()
    smtp.stop()
    register(declarant, hoanglong.mst)
    drain()
    assert emails_send_due() == 0
    row = EmailDelivery.objects.get()
    assert row.state == DeliveryState.PENDING and row.attempts == 1 and row.last_error
    assert [a.ok for a in row.log.all()] == [False]
    smtp.start()
    deadline = time.monotonic() + 5
    while EmailDelivery.objects.get().state != DeliveryState.DELIVERED:
        assert time.monotonic() < deadline
        emails_send_due()
        time.sleep(0.05)
    (message,) = smtp.messages
    assert message["Message-ID"] == f"<{row.pk}@haiquan>"
    assert [a.ok for a in EmailDelivery.objects.get().log.all()][-1] is True
