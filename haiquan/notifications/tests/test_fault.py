"""The fault test: a worker process killed (SIGKILL) again and again while it delivers, and the
mail server stopped for a while. In the end every notification has arrived, by webhook and by
e-mail, exactly as the delivery log says: a delivery marked delivered arrived; it arrived at
most as many times as the log shows attempts that succeeded or whose outcome the killed worker
never wrote; the receiver, keeping delivery ids, acted once on each; each ordering key's
deliveries were acted on in order.

It needs a database that a second process can open: PostgreSQL (`DATABASE_URL`), as CI runs."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from haiquan.eventlog import kinds
from haiquan.notifications.choices import DeliveryState
from haiquan.notifications.models import DeliveryAttempt, EmailDelivery, WebhookDelivery
from haiquan.notifications.services import Text, endpoint_register, notification_send

from .servers import MailServer, Receiver

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="a worker process needs a database it can share: run with DATABASE_URL=postgres://",
    ),
]

ROOT = Path(__file__).resolve().parents[3]
N = 40


def _worker(smtp_port: int) -> subprocess.Popen[bytes]:
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.test",
        "HAIQUAN_TEST_SMTP_PORT": str(smtp_port),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "haiquan.config.cli", "notifications-worker", "--idle", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_killed_workers_and_a_stopped_mail_server_lose_nothing_and_say_what_they_did(
    declarant: Any, hoanglong: Any
) -> None:
    declarant.email, declarant.language = "dn@hoanglong.vn", "vi"
    declarant.save()
    receiver = Receiver(delay=0.03).start()
    smtp = MailServer().start()
    _endpoint, secret = endpoint_register(
        actor=declarant, enterprise_mst=hoanglong.mst, url=receiver.url
    )
    receiver.secret = secret
    with transaction.atomic():
        for i in range(N):
            notification_send(
                kind=kinds.INQUIRY_ANSWERED.code,
                users=[declarant],
                title=Text("Customs answered your inquiry %(ref)s", {"ref": f"VM-{i:03d}"}),
                enterprises=[hoanglong],
                subject_type="inquiry",
                subject_id=i % 4,  # four ordering keys, ten deliveries each
                reference=f"VM-{i:03d}",
            )
    rng = random.Random(22)
    kills = 0
    try:
        # Killed three times once it is delivering; the mail server down for the first two runs.
        smtp.stop()
        for run in range(3):
            if run == 2:
                smtp.start()
            worker = _worker(smtp.port)
            before = len(receiver.requests)
            assert _wait(lambda b=before: len(receiver.requests) > b, 30), (
                "the worker never started"
            )
            time.sleep(rng.uniform(0.05, 0.25))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            kills += 1
        worker = _worker(smtp.port)
        done = _wait(
            lambda: (
                not WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED).exists()
                and not EmailDelivery.objects.exclude(state=DeliveryState.DELIVERED).exists()
            ),
            60,
        )
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=10)
    finally:
        receiver.stop()
        smtp.stop()
    assert kills == 3 and done, "not everything was delivered"

    # Webhooks: each delivered one arrived, no more often than the log allows, acted on once.
    arrived = receiver.deliveries()
    deliveries = list(WebhookDelivery.objects.all())
    assert len(deliveries) == N and receiver.bad_signatures == 0
    for d in deliveries:
        log = list(d.log.all())
        possible = sum(1 for a in log if a.ok is not False)
        assert d.state == DeliveryState.DELIVERED and log[-1].ok is True
        assert 1 <= arrived[str(d.pk)] <= possible, (d.pk, arrived[str(d.pk)], log)
        assert len(log) == d.attempts
    assert sorted(doc["id"] for doc in receiver.applied) == sorted(str(d.pk) for d in deliveries)
    # Order per key: the receiver acted on each inquiry's deliveries in the order they were made.
    made = {str(d.pk): (d.created_at, d.ordering_key) for d in deliveries}
    for key in {k for _t, k in made.values()}:
        acted = [made[doc["id"]][0] for doc in receiver.applied if made[doc["id"]][1] == key]
        assert acted == sorted(acted), key

    # E-mails: every one arrived (the mail server was down a while), repeats only where the log
    # shows an attempt whose outcome is unknown.
    received = Counter(m["Message-ID"].strip("<>").split("@")[0] for m in smtp.messages)
    emails = list(EmailDelivery.objects.all())
    assert len(emails) == N
    for e in emails:
        log = list(e.log.all())
        assert e.state == DeliveryState.DELIVERED and log[-1].ok is True
        assert 1 <= received[str(e.pk)] <= sum(1 for a in log if a.ok is not False)
    # The outage is in the log: attempts refused while the server was down.
    assert DeliveryAttempt.objects.filter(email__isnull=False, ok=False).exists()
