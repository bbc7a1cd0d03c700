"""Customs sessions end when idle and when old; TOTP secrets stay out of the admin; every way
of creating a user applies the password rules (issue 16)."""

from __future__ import annotations

import io
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from haiquan.accounts.choices import Role
from haiquan.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.factories import UserFactory
from haiquan.accounts.tests.helpers import login, totp_device
from haiquan.core.problems import ValidationFailed

pytestmark = pytest.mark.django_db


def _age(client: Client, *, seen_ago: float, started_ago: float) -> None:
    session = client.session
    now = time.time()
    session[SESSION_SEEN] = now - seen_ago
    session[SESSION_STARTED] = now - started_ago
    session.save()


def test_a_customs_session_ends_after_thirty_idle_minutes():
    officer = UserFactory(role=Role.OFFICER)
    client = login(Client(), officer)
    assert client.get("/officer/queue/").status_code == 200
    _age(client, seen_ago=31 * 60, started_ago=40 * 60)
    resp = client.get("/officer/queue/")
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    # the API answers the ended session 401, not the page redirect
    client = login(Client(), officer)
    _age(client, seen_ago=31 * 60, started_ago=40 * 60)
    assert client.get("/api/v1/declarations/queue").status_code == 401


def test_a_busy_customs_session_still_ends_at_its_maximum_age():
    officer = UserFactory(role=Role.OFFICER)
    client = login(Client(), officer)
    max_hours = settings.HAIQUAN["CUSTOMS_SESSION_MAX_HOURS"]
    _age(client, seen_ago=10, started_ago=max_hours * 3600 + 1)
    assert client.get("/officer/queue/").status_code == 302


def test_a_recently_active_customs_session_goes_on():
    officer = UserFactory(role=Role.OFFICER)
    client = login(Client(), officer)
    _age(client, seen_ago=29 * 60, started_ago=60 * 60)
    assert client.get("/officer/queue/").status_code == 200


def test_the_admin_never_shows_a_totp_secret():
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    officer = UserFactory(role=Role.OFFICER)
    device = totp_device(officer)
    client = login(Client(), admin)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert device.key not in html
    assert "otpauth://" not in html
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert device.key not in listing and "qrcode" not in listing.lower()


def test_the_admin_issues_one_time_enrolment_links():
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    officer = UserFactory(role=Role.OFFICER)
    client = login(Client(), admin)
    resp = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "issue_enrolment_link", "_selected_action": [officer.pk]},
        follow=True,
    )
    html = resp.content.decode()
    assert "/accounts/enrol/hqe_" in html
    assert officer.enrolment_links.filter(issued_by=admin, used_at__isnull=True).count() == 1
    assert not TOTPDevice.objects.filter(user=officer).exists()


WEAK = ["12345678", "password", "abc", "cc.weakling1"]


@pytest.mark.parametrize("password", WEAK)
def test_the_service_refuses_a_weak_password(password):
    with pytest.raises(ValidationFailed) as refused:
        user_create(
            username="cc.weakling", password=password, role=Role.OFFICER, office_codes=["20BD"]
        )
    assert {e.field for e in refused.value.errors} == {"password"}
    assert {e.code for e in refused.value.errors} == {"weak-password"}
    assert not User.objects.filter(username="cc.weakling").exists()


def test_the_createuser_command_refuses_a_weak_password():
    with pytest.raises(CommandError) as refused:
        call_command(
            "haiquan_createuser",
            "dn.weak",
            "--role",
            "declarant",
            "--password",
            "12345678",
            stdout=io.StringIO(),
        )
    assert "password" in str(refused.value)
    assert not User.objects.filter(username="dn.weak").exists()
    call_command(
        "haiquan_createuser", "sys.erp", "--role", "declarant", "--system", stdout=io.StringIO()
    )
    assert User.objects.get(username="sys.erp").is_system_account


def test_the_admin_refuses_a_weak_password():
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = login(Client(), admin)
    resp = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "dn.weak",
            "password1": "12345678",
            "password2": "12345678",
            "usable_password": "true",
        },
    )
    assert resp.status_code == 200
    assert "password2" in resp.context["adminform"].form.errors
    assert not User.objects.filter(username="dn.weak").exists()


def test_the_demo_hands_each_new_staff_log_in_a_working_enrolment_link():
    from haiquan.demo.setup import DEMO_PASSWORD, demo_enrolment_links

    officer = user_create(
        username="cc.demo",
        password=DEMO_PASSWORD,
        check_password=False,
        role=Role.OFFICER,
        office_codes=["20BD"],
    )
    trader = UserFactory(role=Role.DECLARANT)
    enrolled = UserFactory(role=Role.LEADER)
    totp_device(enrolled)
    links = demo_enrolment_links([officer.username, trader.username, enrolled.username])
    assert list(links) == ["cc.demo"]  # traders need none; an enrolled leader has one
    client = Client()
    client.post(reverse("accounts:login"), {"username": "cc.demo", "password": DEMO_PASSWORD})
    page = client.get(links["cc.demo"])
    assert page.status_code == 200 and 'data-testid="totp-secret"' in page.content.decode()
