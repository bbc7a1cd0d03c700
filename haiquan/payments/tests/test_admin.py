import pytest
from django.test import Client

from haiquan.accounts.choices import Role
from haiquan.accounts.tests.factories import UserFactory
from haiquan.accounts.tests.helpers import login
from haiquan.payments.models import Bank
from haiquan.payments.tests.conftest import SigningBank

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    admin = UserFactory.create(role=Role.ADMIN, is_staff=True, is_superuser=True)
    return login(Client(), admin)  # with the second factor the admin requires


def test_the_bank_list_never_shows_the_secret(admin_client: Client, vcb: SigningBank) -> None:
    page = admin_client.get("/admin/payments/bank/")
    assert page.status_code == 200
    assert b"VCB" in page.content
    assert vcb.secret.encode() not in page.content
    change = admin_client.get(f"/admin/payments/bank/{vcb.bank.pk}/change/")
    assert change.status_code == 200
    assert vcb.secret.encode() not in change.content


def test_adding_a_bank_generates_its_secret_and_shows_it_once(admin_client: Client) -> None:
    resp = admin_client.post(
        "/admin/payments/bank/add/",
        {"code": "bidv", "name": "BIDV", "active": "on", "user": ""},
        follow=True,
    )
    assert resp.status_code == 200
    bank = Bank.objects.get(code="BIDV")
    assert len(bank.secret) == 64
    assert bank.secret.encode() in resp.content  # the one message that carries it
    again = admin_client.get("/admin/payments/bank/")
    assert bank.secret.encode() not in again.content


def test_payment_records_are_read_only_in_the_admin(admin_client: Client) -> None:
    assert admin_client.get("/admin/payments/paymentorder/add/").status_code == 403
    assert admin_client.get("/admin/payments/receipt/").status_code == 200
