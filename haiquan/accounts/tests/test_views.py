"""Log-in, lock-out, the second factor, password change and the language switch."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from haiquan.accounts.choices import Role
from haiquan.accounts.models import EnrolmentLink, User
from haiquan.accounts.services import (
    enrolment_link_issue,
    totp_device_confirm,
    totp_device_for_enrolment,
    user_language_set,
)
from haiquan.accounts.tests.factories import UserFactory
from haiquan.accounts.tests.helpers import login, totp_code, totp_device
from haiquan.core.problems import ValidationFailed

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SECOND = reverse("accounts:second_factor")
PASSWORD = "pw-haiquan-2026"


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Response:
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_a_trader_logs_in_with_the_password_alone() -> None:
    user = UserFactory.create(role=Role.DECLARANT)
    client = Client()
    resp = log_in(client, user.username)
    assert resp.status_code == 302 and resp["Location"] == "/"
    assert client.get("/")["Location"] == reverse("clearance:declaration_list")


def test_a_wrong_password_is_shown_next_to_nothing_but_in_the_summary() -> None:
    user = UserFactory.create()
    resp = log_in(Client(), user.username, "wrong")
    html = resp.content.decode()
    assert resp.status_code == 422
    assert 'class="error-summary"' in html
    assert resp.context["form"].non_field_errors().as_data()[0].code == "invalid_login"


def test_five_wrong_passwords_lock_the_user_name_out_even_with_the_right_one() -> None:
    user = UserFactory.create()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, user.username, "wrong").status_code == 422
    locked = log_in(client, user.username, "wrong")
    assert locked.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in locked.templates]
    still = log_in(client, user.username)
    assert still.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_user_name_is_not_locked_out_by_someone_elses_failures() -> None:
    victim, other = UserFactory.create(), UserFactory.create()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, victim.username, "wrong")
    assert log_in(client, other.username).status_code == 302


def test_the_password_alone_never_enrols_an_authenticator() -> None:
    officer = UserFactory.create(role=Role.OFFICER)
    client = Client()
    resp = log_in(client, officer.username, next="/officer/queue/")
    assert resp.status_code == 302 and resp["Location"].startswith(SECOND)
    page = client.get(resp["Location"])
    html = page.content.decode()
    assert page.status_code == 403
    assert "data:image/svg" not in html and 'data-testid="totp-secret"' not in html
    assert "accounts/second_factor_missing.html" in [t.name for t in page.templates]
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert client.get("/officer/queue/").status_code == 302  # still nothing without the factor


def test_an_officer_enrols_through_the_administrators_one_time_link_after_the_password() -> None:
    officer = UserFactory.create(role=Role.OFFICER)
    admin = UserFactory.create(role=Role.ADMIN)
    _link, raw = enrolment_link_issue(user=officer, issued_by=admin)
    enrol = reverse("accounts:enrol", args=[raw])
    anonymous = Client().get(enrol)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)
    client = Client()
    log_in(client, officer.username)
    page = client.get(enrol + "?next=/officer/queue/")
    html = page.content.decode()
    assert re.search(r'<img class="qr" src="data:image/svg\+xml', html)
    assert 'data-testid="totp-secret"' in html
    device = TOTPDevice.objects.get(user=officer)
    assert not device.confirmed
    wrong = client.post(enrol, {"token": "000000", "next": "/officer/queue/"})
    assert wrong.status_code == 422
    assert wrong.context["form"].errors.as_data()["token"][0].code == "wrong-code"
    assert 'id="id_token-error"' in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # django-otp makes a wrong code wait a second before the next try
    ok = client.post(enrol, {"token": totp_code(device), "next": "/officer/queue/"})
    assert ok.status_code == 302 and ok["Location"] == "/officer/queue/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/officer/queue/").status_code == 200
    # used up: the link enrols nobody a second time
    assert client.get(enrol).status_code == 404
    link = officer.enrolment_links.get()
    assert link.issued_by == admin and link.used_at is not None


def test_an_enrolment_link_is_for_its_own_user_only_and_expires() -> None:
    officer, other = UserFactory.create(role=Role.OFFICER), UserFactory.create(role=Role.OFFICER)
    _link, raw = enrolment_link_issue(user=officer)
    client = Client()
    log_in(client, other.username)
    assert client.get(reverse("accounts:enrol", args=[raw])).status_code == 404
    assert not TOTPDevice.objects.filter(user=other).exists()
    link, raw = enrolment_link_issue(user=other)
    EnrolmentLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    assert client.get(reverse("accounts:enrol", args=[raw])).status_code == 404


def test_later_log_ins_ask_for_the_code_without_a_qr_code() -> None:
    leader = UserFactory.create(role=Role.LEADER)
    device = totp_device(leader)
    client = Client()
    log_in(client, leader.username)
    page = client.get(SECOND).content.decode()
    assert "data:image/svg" not in page
    assert client.get("/officer/today/").status_code == 302  # not yet verified
    wrong = client.post(SECOND, {"token": "000000" if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 422
    assert wrong.context["form"].errors.as_data()["token"][0].code == "wrong-code"
    assert 'id="id_token-error"' in wrong.content.decode()
    assert client.get("/officer/today/").status_code == 302  # still not verified
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes a wrong code wait a second before the next try
    resp = client.post(SECOND, {"token": totp_code(device)})
    assert resp.status_code == 302
    assert client.get("/officer/today/").status_code == 200


def test_an_unverified_customs_session_gets_nothing_from_the_api() -> None:
    officer = UserFactory.create(role=Role.OFFICER)
    client = Client()
    client.force_login(officer)
    assert client.get("/api/v1/declarations/queue").status_code == 401
    login(client, officer)
    assert client.get("/api/v1/declarations/queue").status_code == 200


def test_an_administrator_needs_the_second_factor_for_the_admin() -> None:
    admin = UserFactory.create(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/").status_code == 302
    login(client, admin)
    assert client.get("/admin/").status_code == 200


def test_the_admin_log_in_page_is_the_one_log_in_page() -> None:
    resp = Client().get("/admin/login/?next=/admin/")
    assert resp.status_code == 302 and resp["Location"].startswith(LOGIN)


def test_log_out_is_a_post() -> None:
    user = UserFactory.create()
    client = login(Client(), user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_password_change() -> None:
    user = UserFactory.create()
    client = login(Client(), user)
    url = reverse("accounts:password_change")
    short = client.post(
        url, {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"}
    )
    assert short.status_code == 422
    assert 'id="id_new_password2-error"' in short.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # nothing changed
    resp = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Cửa-khẩu-Móng-Cái-2026",
            "new_password2": "Cửa-khẩu-Móng-Cái-2026",
        },
    )
    assert resp.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Cửa-khẩu-Móng-Cái-2026")


def test_the_language_switch_is_remembered_on_the_user_and_restored_at_log_in() -> None:
    user = UserFactory.create()
    client = login(Client(), user)
    resp = client.post(reverse("accounts:language"), {"language": "ja", "next": "/declarations/"})
    assert resp.status_code == 302
    assert resp.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    user.refresh_from_db()
    assert user.language == "ja"
    page = client.get("/declarations/")
    assert '<html lang="ja">' in page.content.decode()
    fresh = Client()  # another device: no cookie yet
    resp = log_in(fresh, user.username)
    assert resp.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"


def test_chinese_is_written_zh_hans_in_the_lang_attribute() -> None:
    client = Client()
    client.post(reverse("accounts:language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-Hans">' in client.get(LOGIN).content.decode()


def test_vietnamese_is_the_default_language() -> None:
    assert '<html lang="vi">' in Client().get(LOGIN).content.decode()


def test_user_language_set_refuses_an_unknown_language() -> None:
    user = UserFactory.create()
    with pytest.raises(ValidationFailed):
        user_language_set(user=user, language="fr")
    user_language_set(user=user, language="ko")
    assert User.objects.get(pk=user.pk).language == "ko"


def test_enrolment_reuses_the_pending_device_and_confirms_it_with_a_right_code_only() -> None:
    user = UserFactory.create(role=Role.ANALYST)
    link, _raw = enrolment_link_issue(user=user)
    device = totp_device_for_enrolment(user=user)
    assert totp_device_for_enrolment(user=user) == device
    assert not totp_device_confirm(user=user, device=device, token="123", link=link)
    device.throttle_reset()
    assert totp_device_confirm(user=user, device=device, token=totp_code(device), link=link)
    device.refresh_from_db()
    assert device.confirmed
    assert totp_device_for_enrolment(user=user) != device  # a confirmed one is never handed out
    other = UserFactory.create(role=Role.ANALYST)
    other_link, _raw = enrolment_link_issue(user=other)
    assert not totp_device_confirm(
        user=other, device=device, token=totp_code(device), link=other_link
    )


def test_a_right_code_right_after_a_wrong_one_is_told_to_wait_not_that_it_is_wrong() -> None:
    officer = UserFactory.create(role=Role.OFFICER)
    device = totp_device(officer)
    client = Client()
    log_in(client, officer.username)
    client.post(SECOND, {"token": "000000"})
    resp = client.post(SECOND, {"token": totp_code(device)})
    assert resp.status_code == 429  # a refusal to check yet, with its own status
    assert resp.context["form"].errors.as_data()["token"][0].code == "throttled"
    assert 'id="id_token-error"' in resp.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    assert client.post(SECOND, {"token": totp_code(device)}).status_code == 302
