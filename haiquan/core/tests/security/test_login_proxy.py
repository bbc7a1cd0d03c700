"""Behind the TLS proxy: the client's address is the one the proxy saw, so that five wrong
passwords from an attacker lock out the attacker's address, not the real user's (issue 16)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from haiquan.accounts.choices import Role
from haiquan.accounts.tests.factories import UserFactory
from haiquan.audit.models import AccessRecord

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PASSWORD = "pw-haiquan-2026"
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
REAL_USER = "198.51.100.7"


def behind_proxy(**extra: object) -> object:
    return override_settings(
        HAIQUAN={**settings.HAIQUAN, "TRUSTED_PROXIES": ["10.0.0.0/8"], **extra}
    )


def log_in(client: Client, username: str, password: str, client_ip: str, peer: str = PROXY):  # type: ignore[no-untyped-def]
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=client_ip,
    )


def test_five_wrong_passwords_through_the_proxy_do_not_lock_the_real_user_out():
    user = UserFactory(role=Role.DECLARANT)
    with behind_proxy():
        attacker = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(attacker, user.username, "wrong", ATTACKER)
        assert log_in(attacker, user.username, PASSWORD, ATTACKER).status_code == 429
        resp = log_in(Client(), user.username, PASSWORD, REAL_USER)
    assert resp.status_code == 302 and resp["Location"] == "/"


def test_a_forwarded_for_header_from_anyone_but_a_proxy_is_ignored():
    """Otherwise an attacker would name a fresh address on every try and never be locked."""
    user = UserFactory(role=Role.DECLARANT)
    with behind_proxy():
        attacker = Client()
        for n in range(settings.AXES_FAILURE_LIMIT):
            log_in(attacker, user.username, "wrong", f"192.0.2.{n}", peer=ATTACKER)
        resp = log_in(attacker, user.username, PASSWORD, "192.0.2.200", peer=ATTACKER)
    assert resp.status_code == 429


def test_the_access_trail_records_the_client_not_the_proxy(world):
    from haiquan.accounts.tests.helpers import login

    decl = world.own.declarations["awaiting"]
    client = login(Client(), world.users["officer"])
    with behind_proxy():
        resp = client.get(
            f"/declarations/{decl.pk}/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=REAL_USER
        )
    assert resp.status_code == 200
    record = AccessRecord.objects.filter(subject_id=decl.pk, user=world.users["officer"]).last()
    assert record is not None and record.address == REAL_USER
