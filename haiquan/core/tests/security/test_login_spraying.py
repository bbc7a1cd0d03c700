"""Password spraying (one password against many accounts) is limited per address, and a
guesser spread over many addresses is slowed per account, never locking the real user out
(haiquan.accounts.loginlimits)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from haiquan.accounts.choices import Role
from haiquan.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PASSWORD = "pw-haiquan-2026"
SPRAYER = "203.0.113.9"


def log_in(client: Client, username: str, password: str, address: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_one_password_tried_against_thirty_accounts_is_stopped():
    accounts = [UserFactory(role=Role.DECLARANT) for _ in range(30)]
    # the sprayer's guess is right for the last account: it must never get to try it
    sprayed = "Summer2026!"
    accounts[-1].set_password(sprayed)
    accounts[-1].save()
    client = Client()
    codes = [log_in(client, u.username, sprayed, SPRAYER).status_code for u in accounts]
    assert 302 not in codes and codes[-1] == 429  # the 30th account's right guess never checked
    limit = settings.HAIQUAN.get("LOGIN_ADDRESS_FAILURE_LIMIT", 10)
    assert codes[:limit] == [422] * limit  # wrong passwords, checked (refused on the form)
    assert set(codes[limit:]) == {429}  # refused before the password is checked
    assert "_auth_user_id" not in client.session
    refused = log_in(client, accounts[0].username, PASSWORD, SPRAYER)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.context["form"].non_field_errors().as_data()[0].code == "throttled"
    # only the sprayer's address is stopped: the account's owner logs in from elsewhere
    assert log_in(Client(), accounts[0].username, PASSWORD, "198.51.100.7").status_code == 302
