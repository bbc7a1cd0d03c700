"""/api/v1/portal through HTTP: the public FAQ (search, fallback), filing and answering an
inquiry, rating, subscriptions, problem+json refusals naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]

BASE = "/api/v1/portal"


def call(world: Any, role: str, method: str, path: str, body: Any = None, **extra: Any) -> Any:
    client = Client()
    fn = getattr(client, method)
    kwargs: dict[str, Any] = {**world.auth(role), **extra}
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    return fn(BASE + path, **kwargs)


def test_the_faq_search_is_public_and_ranked(content: Any) -> None:
    response = Client().get(BASE + "/faq", {"q": "thu tuc tam nahp"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["slug"] == "tam-nhap-tai-xuat-thu-tuc"
    assert items[0]["score"] >= items[-1]["score"]


def test_the_faq_in_japanese_says_which_answers_fall_back(content: Any) -> None:
    items = Client().get(BASE + "/faq", {"language": "ja", "limit": "50"}).json()["items"]
    by_slug = {i["slug"]: i for i in items}
    assert by_slug["tam-nhap-tai-xuat-thu-tuc"]["language"] == "ja"
    assert not by_slug["tam-nhap-tai-xuat-thu-tuc"]["fallback"]
    assert by_slug["kho-ngoai-quan-thoi-han"] == {
        **by_slug["kho-ngoai-quan-thoi-han"],
        "language": "vi",
        "fallback": True,
    }
    # Accept-Language works too.
    one = Client(HTTP_ACCEPT_LANGUAGE="ja").get(BASE + "/faq/tam-nhap-tai-xuat-thu-tuc").json()
    assert one["language"] == "ja"
    assert one["handbook"][0]["url"] == "/portal/handbook/thu-tuc/#tam-nhap"


def test_an_unknown_language_is_a_422_naming_it(content: Any) -> None:
    response = Client().get(BASE + "/faq", {"language": "fr"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "language"


def test_a_draft_is_not_public(content: Any) -> None:
    assert Client().get(BASE + "/faq/khai-bo-sung-nhap").status_code == 404


def test_the_handbook_and_categories_are_public(content: Any) -> None:
    editions = Client().get(BASE + "/handbook", {"language": "en"}).json()
    assert editions == [
        {
            "version": "2026.1",
            "published_on": "2026-01-15",
            "changes": "Added the temporary import chapter.",
            "current": True,
        }
    ]
    assert Client().get(BASE + "/handbook/1999.9").status_code == 404
    book = Client().get(BASE + "/handbook/current", {"language": "en"}).json()
    assert book["version"] == "2026.1"
    assert book["chapters"][0]["sections"][0]["title"] == "Temporary import for re-export"
    assert book["chapters"][0]["sections"][1]["title"] == "Phân luồng"  # fallback
    cats = Client().get(BASE + "/categories").json()
    assert {c["slug"]: c["questions"] for c in cats} == {"thu-tuc-hai-quan": 4, "thue": 2}


def test_inquiries_need_authentication(world: Any) -> None:
    assert Client().get(BASE + "/inquiries").status_code == 401
    assert (
        Client().post(BASE + "/inquiries", {}, content_type="application/json").status_code == 401
    )


def test_an_enterprise_files_by_api_customs_answers_the_enterprise_reads(
    world: Any, content: Any
) -> None:
    body = {
        "enterprise_mst": world.own.enterprise.mst,
        "subject": "Thủ tục tạm nhập máy móc",
        "body": "Máy móc tạm nhập để thi công có phải nộp thuế không?",
        "office_code": "20BD",
    }
    created = call(world, "declarant", "post", "/inquiries", body)
    assert created.status_code == 201, created.content
    ref = created.json()["reference"]
    assert created.json()["channel"] == "api"
    assert call(world, "other_declarant", "get", f"/inquiries/{ref}").status_code == 404
    answered = call(
        world,
        "officer",
        "post",
        f"/inquiries/{ref}/messages",
        {"body": "Không, nếu tái xuất đúng hạn."},
    )
    assert answered.status_code == 201 and answered.json()["side"] == "customs"
    read = call(world, "declarant", "get", f"/inquiries/{ref}").json()
    assert read["status"] == "answered"
    assert [m["body"] for m in read["messages"]] == ["Không, nếu tái xuất đúng hạn."]
    notes = call(world, "declarant", "get", "/notifications").json()["items"]
    assert any(ref in n["title"] for n in notes)
    rated = call(world, "declarant", "post", "/ratings", {"score": 5, "inquiry_reference": ref})
    assert rated.status_code == 201
    again = call(world, "declarant", "post", "/ratings", {"score": 1, "inquiry_reference": ref})
    assert again.status_code == 409
    published = call(
        world, "officer", "post", f"/inquiries/{ref}/publish", {"category": "thu-tuc-hai-quan"}
    )
    assert published.status_code == 201
    assert published.json()["answer"] == "Không, nếu tái xuất đúng hạn."


def test_filing_problems_name_each_field(world: Any, content: Any) -> None:
    response = call(
        world,
        "declarant",
        "post",
        "/inquiries",
        {
            "enterprise_mst": "0000000000",
            "subject": "x",
            "body": "y",
            "office_code": "ZZZ",
        },
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"enterprise_mst", "office_code"}
    body = {"enterprise_mst": world.other.enterprise.mst, "subject": "x", "body": "y"}
    for_another = call(world, "declarant", "post", "/inquiries", {**body, "office_code": "20BD"})
    assert for_another.status_code == 403


def test_ratings_by_api(world: Any) -> None:
    cleared = world.own.declarations["cleared"].pk
    unseen = call(
        world, "other_declarant", "post", "/ratings", {"score": 5, "declaration_id": cleared}
    )
    assert unseen.status_code == 404
    refused = call(world, "officer", "post", "/ratings", {"score": 5, "declaration_id": cleared})
    assert refused.status_code == 403
    bad = call(
        world,
        "declarant",
        "post",
        "/ratings",
        {"score": 6, "declaration_id": cleared, "reasons": ["nope"]},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"score", "reasons"}
    ok = call(
        world,
        "declarant",
        "post",
        "/ratings",
        {"score": 3, "declaration_id": cleared, "reasons": ["slow"]},
    )
    assert ok.status_code == 201 and ok.json()["office_code"] == "20BD"
    assert (
        call(
            world, "broker", "post", "/ratings", {"score": 3, "declaration_id": cleared}
        ).status_code
        == 409
    )
    report = call(world, "leader", "get", "/ratings/report").json()
    assert report["overall"]["count"] == 1 and report["officers"] == []
    assert call(world, "analyst", "get", "/ratings/report").json()["officers"] is None
    assert call(world, "officer", "get", "/ratings/report").status_code == 403


def test_subscriptions(world: Any) -> None:
    made = call(world, "declarant", "post", "/subscriptions", {"hs_chapter": "84"})
    assert made.status_code == 201
    assert (
        call(world, "declarant", "post", "/subscriptions", {"hs_chapter": "84"}).status_code == 409
    )
    bad = call(world, "declarant", "post", "/subscriptions", {"topic": "nope"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "topic"
    listed = call(world, "declarant", "get", "/subscriptions").json()
    assert [s["hs_chapter"] for s in listed] == ["84"]
    sid = listed[0]["id"]
    assert call(world, "other_declarant", "delete", f"/subscriptions/{sid}").status_code == 404
    assert call(world, "declarant", "delete", f"/subscriptions/{sid}").status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "body", "statuses"),
    [
        ("get", "/faq?q=%00%00thu+tuc", None, {200}),
        ("get", "/faq?q=" + "a" * 5000, None, {200}),
        ("get", "/faq?limit=0", None, {422}),
        ("get", "/faq?offset=99999999999999999999", None, {422}),
        ("get", "/faq/" + "x" * 3000, None, {404}),
        ("get", "/handbook/" + "9" * 500, None, {404}),
        ("get", "/news?hs_chapter=zz&topic=" + "t" * 300, None, {200}),
        ("get", "/inquiries/" + "V" * 5000, None, {404}),
        ("get", "/inquiries?status=nope", None, {200}),
        ("post", "/inquiries", {"enterprise_mst": "1", "subject": "s", "body": "b\u0000"}, {422}),
        ("post", "/inquiries", {"enterprise_mst": [], "subject": {}, "body": 1}, {422}),
        ("post", "/ratings", {"score": 5, "declaration_id": 2**70}, {422}),
        ("post", "/ratings", {"score": "five", "inquiry_reference": "x"}, {422}),
        ("post", "/ratings", {"score": 5, "inquiry_reference": "nope"}, {404}),
        ("get", "/ratings/report?date_from=2026-13-40", None, {422}),
        ("post", "/subscriptions", {"hs_chapter": "9x"}, {422}),
        ("delete", "/subscriptions/99999999999999999999999", None, {422}),
        ("get", "/cdci/" + "c" * 400 + "/results", None, {403}),  # results: leaders only
        (
            "post",
            "/cdci/nope/responses",
            {"enterprise_mst": "1", "office_code": "20BD", "scores": {"a": "x"}},
            {422},
        ),
        (
            "post",
            "/cdci/nope/responses",
            {"enterprise_mst": "1", "office_code": "20BD", "scores": {"a": 1}},
            {404},
        ),
    ],
)
def test_hostile_input_is_a_4xx_never_a_500(
    world: Any, content: Any, method: str, path: str, body: Any, statuses: set[int]
) -> None:
    response = call(world, "declarant", method, path, body)
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
