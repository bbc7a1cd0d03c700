"""The notification pages through the HTTP layer: choices saved, an endpoint added (a bad address
refused next to the field, 422), its secret shown once, disabled and given a new secret, its
delivery log in words of the reader's language; another trader's endpoint not found."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from haiquan.eventlog import kinds
from haiquan.notifications import services
from haiquan.notifications.models import (
    DeliveryAttempt,
    Subscription,
    WebhookDelivery,
    WebhookEndpoint,
)
from haiquan.notifications.views import attempt_words

pytestmark = pytest.mark.django_db


def logged_in(user: Any, language: str = "vi") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_choices_per_kind_are_saved(declarant):
    client = logged_in(declarant)
    page = client.get(reverse("notifications:settings"))
    assert page.status_code == 200
    released = kinds.DECLARATION_RELEASED.code
    assert f'name="email:{released}"' in page.content.decode()
    client.post(reverse("notifications:settings"), {f"portal:{released}": "on"})
    sub = Subscription.objects.get(user=declarant, kind=released)
    assert (sub.portal, sub.email) == (True, False)


def test_an_endpoint_added_shown_once_disabled_and_given_a_new_secret(
    declarant, hoanglong, other_declarant, other_enterprise
):
    client = logged_in(declarant)
    url = reverse("notifications:endpoints")
    owner = f"enterprise:{hoanglong.mst}"
    bad = client.post(url, {"owner": owner, "url": "ftp://erp.example.vn/x"})
    assert bad.status_code == 422
    assert 'id="id_url-error"' in bad.content.decode() and "https://" in bad.content.decode()

    good = client.post(url, {"owner": owner, "url": "http://127.0.0.1:9/hooks"})
    assert good.status_code == 302
    detail = client.get(good["Location"])
    (endpoint,) = services.endpoints_of(declarant)
    assert endpoint.secret in detail.content.decode()
    assert endpoint.secret not in client.get(good["Location"]).content.decode()  # once

    assert (
        client.post(reverse("notifications:endpoint_disable", args=[endpoint.pk])).status_code
        == 302
    )
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    old = endpoint.secret
    client.post(reverse("notifications:endpoint_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in client.get(good["Location"]).content.decode()

    # Another trader's endpoint: not found, whatever is asked of it.
    theirs, _secret = services.endpoint_register(
        actor=other_declarant, enterprise_mst=other_enterprise.mst, url="http://127.0.0.1:9/x"
    )
    for name in ("endpoint_disable", "endpoint_enable", "endpoint_rotate"):
        assert client.post(reverse(f"notifications:{name}", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:endpoint", args=[theirs.pk])).status_code == 404
    assert services.endpoints_of(other_declarant)[0].disabled_at is None


def test_the_delivery_log_is_in_words_of_the_readers_language(declarant, hoanglong):
    endpoint, _secret = services.endpoint_register(
        actor=declarant, enterprise_mst=hoanglong.mst, url="http://127.0.0.1:9/hooks"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, kind=kinds.DECLARATION_CLEARED.code, ordering_key="k", body="{}"
    )
    DeliveryAttempt.objects.create(
        channel="webhook", webhook=delivery, ok=False, status_code=500, error="HTTP 500"
    )
    page = logged_in(declarant, "en").get(reverse("notifications:endpoint", args=[endpoint.pk]))
    text = page.content.decode()
    assert "Refused by the system (answer 500)" in text
    assert "Waiting to be sent" in text and ">Cleared<" in text
    assert kinds.DECLARATION_CLEARED.code not in text and ">pending<" not in text
    vi = logged_in(declarant, "vi").get(reverse("notifications:endpoint", args=[endpoint.pk]))
    assert "Hệ thống từ chối (mã trả lời 500)" in vi.content.decode()


@translation.override("en")
def test_attempts_in_words():
    def a(**kw: Any) -> DeliveryAttempt:
        return DeliveryAttempt(channel="webhook", **kw)

    assert attempt_words(a(ok=True, status_code=204)) == "Accepted (answer 204)"
    assert attempt_words(a(ok=None)) == "Interrupted: it is sent again"
    assert attempt_words(a(ok=False, error="TimeoutError: timed out")) == "No answer in time"
    assert (
        attempt_words(a(ok=False, error="URLError: [Errno 111] Connection refused"))
        == "The connection was refused"
    )


def test_an_owner_refused_by_the_service_is_a_403_said_next_to_it(
    declarant: Any, hoanglong: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The form offers only the user's own enterprises; the service checks again (another
    # manager may have taken the user off the enterprise between the page and the post).
    monkeypatch.setattr(services, "enterprises_managed_by", lambda user: [])
    monkeypatch.setattr(
        "haiquan.notifications.views._owners",
        lambda user: [(f"enterprise:{hoanglong.mst}", hoanglong.name)],
    )
    client = logged_in(declarant, "en")
    url = reverse("notifications:endpoints")
    owner = f"enterprise:{hoanglong.mst}"
    refused = client.post(url, {"owner": owner, "url": "http://127.0.0.1:9/hooks"})
    assert refused.status_code == 403  # a refusal, with its own status
    html = refused.content.decode()
    assert 'id="id_owner-error"' in html and "do not manage the systems" in html
    assert not WebhookEndpoint.objects.exists()
