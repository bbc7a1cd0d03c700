"""Wrong passwords for one account from many addresses slow it down, never lock the user out
(haiquan.accounts.loginlimits)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from haiquan.accounts import loginlimits
from haiquan.accounts.choices import Role
from haiquan.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PASSWORD = "pw-haiquan-2026"
SPRAYER = "203.0.113.9"


def log_in(client: Client, username: str, password: str, address: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_many_addresses_guessing_one_account_slow_it_but_never_lock_the_user_out(monkeypatch):
    user = UserFactory(role=Role.DECLARANT)
    clock = [1_000_000.0]
    monkeypatch.setattr(loginlimits, "_now", lambda: clock[0])
    after = settings.HAIQUAN["LOGIN_ACCOUNT_SLOWDOWN_AFTER"]
    for n in range(after + 3):
        assert log_in(Client(), user.username, "wrong", f"192.0.2.{n}").status_code in (422, 429)
        clock[0] += 1.0
    # past the threshold every try for the account waits a while after the last failure...
    slowed = log_in(Client(), user.username, PASSWORD, "198.51.100.7")
    assert slowed.status_code == 429
    assert 1 <= int(slowed["Retry-After"]) <= settings.HAIQUAN["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"]
    # ...and no longer: then the real user's right password lets them in
    clock[0] += settings.HAIQUAN["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"]
    ok = log_in(Client(), user.username, PASSWORD, "198.51.100.7")
    assert ok.status_code == 302
    # and the success clears the account's count
    assert log_in(Client(), user.username, "wrong", "192.0.2.250").status_code == 422


def test_the_waits_double_and_stop_at_the_cap():
    with override_settings(
        HAIQUAN={
            **settings.HAIQUAN,
            "LOGIN_ACCOUNT_SLOWDOWN_AFTER": 2,
            "LOGIN_ACCOUNT_MAX_DELAY_SECONDS": 8,
            "LOGIN_ADDRESS_FAILURE_LIMIT": 0,
        }
    ):
        waits = []
        t = 0.0
        for _ in range(8):
            loginlimits.failure_record(username="victim", address="", now=t)
            try:
                loginlimits.check(username="victim", address="", now=t)
                waits.append(0)
            except loginlimits.LoginRefused as refused:
                waits.append(refused.wait_seconds)
        assert waits == [0, 1, 2, 4, 8, 8, 8, 8]
        loginlimits.success_record(username="victim")
        loginlimits.check(username="victim", address="", now=t)  # nothing left


def test_the_address_limit_ends_with_its_window():
    with override_settings(
        HAIQUAN={
            **settings.HAIQUAN,
            "LOGIN_ADDRESS_FAILURE_LIMIT": 3,
            "LOGIN_ADDRESS_WINDOW_MINUTES": 1,
        }
    ):
        for n in range(3):
            loginlimits.failure_record(username=f"u{n}", address=SPRAYER, now=100.0)
        with pytest.raises(loginlimits.LoginRefused) as refused:
            loginlimits.check(username="u9", address=SPRAYER, now=130.0)
        assert refused.value.reason == "address" and refused.value.wait_seconds == 30
        loginlimits.check(username="u9", address=SPRAYER, now=161.0)
