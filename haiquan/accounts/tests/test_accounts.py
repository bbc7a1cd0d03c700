"""Users, scopes and API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.selectors import enterprises_user_may_declare_for
from haiquan.accounts.services import DEMO_PASSWORD, token_create, token_revoke, user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.core.problems import ValidationFailed
from haiquan.refdata.models import BrokerAuthorisation
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

pytestmark = pytest.mark.django_db


def test_user_create_checks_the_scope() -> None:
    with pytest.raises(ValidationFailed) as exc:
        user_create(username="x", password="pw-x-2026!", role="officer", office_codes=["ZZZZ"])
    assert {e.field for e in exc.value.errors} == {"office_codes"}
    with pytest.raises(ValidationFailed) as exc:
        user_create(username="y", password="pw-y-2026!", role="broker")
    assert exc.value.errors[0].field == "employer_mst"


def test_the_demos_log_ins_share_one_hash_of_its_password_and_no_other_does() -> None:
    """The demo's public password is hashed once per run (a hash costs about 0.4 s by design);
    any other password gets its own salt, even when its rules are skipped."""
    a = user_create(username="demo-a", password=DEMO_PASSWORD, role="analyst", check_password=False)
    b = user_create(username="demo-b", password=DEMO_PASSWORD, role="analyst", check_password=False)
    assert a.password == b.password and a.check_password(DEMO_PASSWORD)
    assert not a.check_password("haiquan-demo2")
    c = user_create(username="other-c", password="pw-c-2026!", role="analyst", check_password=False)
    d = user_create(username="other-d", password="pw-c-2026!", role="analyst", check_password=False)
    assert c.password != d.password and c.check_password("pw-c-2026!")
    # Outside the demo (the password's rules checked), the same words get a salt of their own.
    typed = user_create(username="typed", password=DEMO_PASSWORD, role="analyst")
    assert typed.password != a.password and typed.check_password(DEMO_PASSWORD)


def test_broker_acts_only_while_authorised() -> None:
    principal = EnterpriseFactory.create(mst=valid_mst(50))
    firm = EnterpriseFactory.create(mst=valid_mst(51), is_broker=True)
    broker = user_create(username="b", password="pw-b-2026!", role="broker", employer_mst=firm.mst)
    assert not enterprises_user_may_declare_for(broker).exists()
    auth = BrokerAuthorisation.objects.create(
        principal=principal, broker=firm, valid_from=timezone.localdate() - timedelta(days=1)
    )
    assert list(enterprises_user_may_declare_for(broker)) == [principal]
    auth.revoked_at = timezone.now()
    auth.save()
    assert not enterprises_user_may_declare_for(broker).exists()


def test_tokens_authenticate_until_revoked_or_expired() -> None:
    user = user_create(username="erp", password=None, role="declarant")
    token, raw = token_create(
        user=user, name="ERP", scopes=["read"], expires_at=timezone.now() + timedelta(days=1)
    )
    assert token.key_hash != raw and raw.startswith("hq_")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/declarations").status_code == 200
    token_revoke(token=token)
    assert client.get("/api/v1/declarations").status_code == 401
    token2, raw2 = token_create(
        user=user, name="ERP 2", scopes=["read"], expires_at=timezone.now() + timedelta(seconds=1)
    )
    token2.expires_at = timezone.now() - timedelta(seconds=1)
    token2.save()
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {raw2}").get("/api/v1/declarations").status_code == 401
    )


def test_a_deactivated_user_is_refused() -> None:
    user = user_create(username="gone", password=None, role="declarant")
    raw = api_token(user, name="ERP")
    user.is_active = False
    user.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/declarations").status_code == 401


def test_token_needs_a_name_and_a_future_expiry() -> None:
    user = user_create(username="n", password=None, role="declarant")
    later = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationFailed):
        token_create(user=user, name=" ", scopes=["read"], expires_at=later)
    with pytest.raises(ValidationFailed):
        token_create(
            user=user, name="x", scopes=["read"], expires_at=timezone.now() - timedelta(days=1)
        )
