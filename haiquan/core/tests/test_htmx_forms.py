"""Every htmx form (or live region) of haiquan answers bad input with something to read, and a 4xx
answer is one that the shared script swaps in (haiquan.js: `htmx:beforeSwap`).

The templates are read for every element with `hx-get`/`hx-post`/`hx-put`/`hx-patch`/
`hx-delete`; each must have a case below that sends it bad input as htmx does (`HX-Request`) and
says what the person must then see. A new htmx element without a case fails
`test_every_htmx_element_has_a_case`. The browser side (the script swapping a 422, an error page
shown as a notice) is `e2e/test_pages.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

import haiquan

from .world import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]

ROOT = Path(haiquan.__file__).resolve().parent
HX = re.compile(r"""hx-(get|post|put|patch|delete)="\{% url '([\w:]+)'""")


def htmx_elements() -> set[tuple[str, str, str]]:
    """(template, method, URL name) of every htmx element in the templates."""
    found = set()
    for path in ROOT.rglob("templates/**/*.html"):
        rel = str(path.relative_to(ROOT)).split("templates/", 1)[1]
        for method, name in HX.findall(path.read_text()):
            found.add((rel, method.upper(), name))
    return found


@dataclass
class Case:
    role: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    status: int = 200
    # what the answer must say (any one of them), in the page's language (English here)
    says: tuple[str, ...] = ()


def _zone(w: World) -> str:
    return reverse("supervision:gate_report", args=[w.supervision["own"].zone.code])


def _yellow(w: World) -> str:
    return reverse("clearance:check_preview", args=[w.own.declarations["yellow"].pk])


CASES: dict[tuple[str, str, str], Case] = {
    # a container number whose check digit is wrong: the form comes back with its error (422)
    ("supervision/includes/gate_panel.html", "POST", "supervision:gate_report"): Case(
        "operator",
        _zone,
        lambda w: {
            "message_id": "htmx-test-1",
            "direction": "in",
            "container_number": "CSQU3054384",
        },
        422,
        ("check digit",),
    ),
    ("supervision/alert_list.html", "GET", "supervision:alert_list"): Case(
        "officer",
        lambda w: reverse("supervision:alert_list"),
        lambda w: {"state": "everything", "kind": "storm"},
        400,
        ("State: choose one of the states in the list.",),
    ),
    ("clearance/queue.html", "GET", "clearance:queue"): Case(
        "officer",
        lambda w: reverse("clearance:queue"),
        lambda w: {"office": "999999"},
        400,
        ("Select a valid choice",),
    ),
    ("clearance/declaration_list.html", "GET", "clearance:declaration_list"): Case(
        "declarant",
        lambda w: reverse("clearance:declaration_list"),
        lambda w: {"q": "NO-SUCH-INVOICE"},
        200,
        ("No declaration here.",),
    ),
    # customs' search: a date that is no date is said, not ignored
    ("clearance/declaration_search.html", "GET", "clearance:declaration_list"): Case(
        "officer",
        lambda w: reverse("clearance:declaration_list"),
        lambda w: {"registered_from": "31/31/2026"},
        400,
        ("Enter a valid date",),
    ),
    ("tariff/search.html", "GET", "tariff:search"): Case(
        "declarant",
        lambda w: reverse("tariff:search"),
        lambda w: {"q": "qqqqzzzz"},
        200,
        ("No tariff line matches",),
    ),
    # the assistant in the declaration form, asked before the goods are described
    ("tariff/includes/classify_widget.html", "GET", "tariff:assistant"): Case(
        "declarant",
        lambda w: reverse("tariff:assistant"),
        lambda w: {"description": ""},
        400,
        ("Describe the goods first",),
    ),
    # the live duty preview lists what stops it from computing
    ("clearance/declaration_form.html", "POST", "clearance:duty_preview"): Case(
        "declarant",
        lambda w: reverse("clearance:duty_preview"),
        lambda w: {"type_code": "ZZZ", "office_code": "20BD", "currency": "USD"},
        200,
        ("notice",),
    ),
    ("clearance/declaration_form.html", "GET", "clearance:hs_search"): Case(
        "declarant",
        lambda w: reverse("clearance:hs_search"),
        lambda w: {"q": "qqqqzzzz"},
        200,
        ("No HS line",),
    ),
    # a line copied with nonsense in it is still a line to correct (checked when registering)
    ("clearance/declaration_form.html", "GET", "clearance:line_row"): Case(
        "declarant",
        lambda w: reverse("clearance:line_row"),
        lambda w: {"hs_code": "not-a-code", "quantity": "-3"},
        200,
        ("not-a-code",),
    ),
    ("clearance/includes/line.html", "GET", "clearance:line_row"): Case(
        "declarant",
        lambda w: reverse("clearance:line_row"),
        lambda w: {"hs_code": "not-a-code"},
        200,
        ("not-a-code",),
    ),
    ("clearance/check_record.html", "POST", "clearance:check_preview"): Case(
        "officer",
        _yellow,
        lambda w: {"c1_quantity": "many", "c1_hs_code": "12"},
        200,
        ("notice notice--warning",),
    ),
    ("portal/includes/search_field.html", "GET", "portal:faq"): Case(
        "anonymous",
        lambda w: reverse("portal:faq"),
        lambda w: {"q": "thuế " * 60},
        400,
        ("There is a problem",),
    ),
}


def test_every_htmx_element_has_a_case() -> None:
    found = htmx_elements()
    assert len(found) >= 8, found  # the scan reads the templates
    assert found == set(CASES), (
        f"htmx elements without a case: {sorted(found - set(CASES))}; "
        f"cases of elements gone: {sorted(set(CASES) - found)}"
    )


def _client(world: World, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    user = world.users.get(role)
    if user is not None:
        client.force_login(user)
        if user.is_customs:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.create(user=user, name="htmx", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: f"{k[0]} {k[1]} {k[2]}")
def test_bad_input_is_answered_with_a_partial_that_says_what_is_wrong(
    world: World, key: tuple[str, str, str]
) -> None:
    case = CASES[key]
    client = _client(world, case.role)
    send = client.get if key[1] == "GET" else client.post
    resp = send(case.url(world), data=case.data(world), HTTP_HX_REQUEST="true")
    text = resp.content.decode()
    shown = f"{key}: {resp.status_code} {text[:600]}"
    assert resp.status_code == case.status, shown
    # a partial: what the script swaps into the target, not a whole page inside the page
    assert "<html" not in text, shown
    assert any(s in text for s in case.says), shown


def test_a_second_gate_in_of_the_same_container_is_answered_with_the_form_and_why(
    world: World,
) -> None:
    client = _client(world, "operator")
    url = _zone(world)
    body = {"direction": "in", "container_number": "MSCU1234566"}
    first = client.post(url, {**body, "message_id": "htmx-a"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200, first.content[:500]
    # the list of what is inside comes along, swapped in beside the form (htmx out of band)
    assert re.search(r'id="inside-panel"[^>]*hx-swap-oob="true"', first.content.decode())
    assert "MSCU1234566" in first.content.decode()
    second = client.post(url, {**body, "message_id": "htmx-b"}, HTTP_HX_REQUEST="true")
    text = second.content.decode()
    assert second.status_code == 409, text[:500]  # a refusal (already inside): its own status
    assert "<html" not in text and "error-summary" in text


def test_the_gate_keeps_its_direction_after_a_report(world: World) -> None:
    client = _client(world, "operator")
    resp = client.post(
        _zone(world),
        {"message_id": "htmx-dir", "direction": "out", "container_number": "MSCU7654329"},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code in (200, 422)
    checked = re.search(
        r'<input[^>]*name="direction"[^>]*value="(\w+)"[^>]*checked', resp.content.decode()
    )
    assert checked and checked[1] == "out", resp.content.decode()[:1500]
