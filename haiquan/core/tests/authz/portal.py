"""The partnership portal's part of the authorisation matrix: /api/v1/portal and the `portal`
pages.

- The FAQ bank, the handbook and the news are public: every role and anonymous visitors read
  them. A question still in draft is for customs staff only (404 to everyone else).
- Inquiries (vướng mắc) belong to the enterprise that filed them (its declarants and the
  brokers it authorised) and to the customs office they are routed to (its officers and the
  leaders above it); analysts and administrators read every one but do not answer, route,
  close or publish them (officers' work, as everywhere in the matrix). "own" is Hoàng Long's
  inquiry filed by its broker at 20BD and answered there; "other" is Minh Anh's at 43IH.
- Ratings are given only by the enterprise served; the report is for leaders (their offices),
  analysts and administrators; CDCI results likewise, and CDCI scores come from enterprises.
- Subscriptions and notifications are the user's own: "own" is the world declarant's (Hoàng
  Long), "other" Minh Anh's declarant's; nobody else sees or removes them, administrators
  included.
- Agreements and dialogues are kept by leaders for their department's offices and by
  administrators: "own" is the Quảng Ninh Department's (20), "other" Sóng Thần's (43IH).
  News is published by leaders and administrators.

The world holds only what is public or shared (`build`); a party's own objects are made by
the subjects inside each cell's savepoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.portal import news, partnership, services
from haiquan.portal.cdci import CriterionInput, campaign_create, campaign_set_status
from haiquan.portal.content import content_load
from haiquan.portal.models import Agreement, Campaign, Dialogue, Inquiry, NewsItem
from haiquan.portal.notifications import notify

if TYPE_CHECKING:
    from ..world import World

# The portal's own small test content: two categories, seven questions (one a draft), one
# handbook edition with the chapter "thu-tuc".
CONTENT = Path(__file__).resolve().parents[3] / "portal" / "tests" / "data"
PUBLISHED_FAQ = "tam-nhap-tai-xuat-thu-tuc"
DRAFT_FAQ = "khai-bo-sung-nhap"
HANDBOOK_VERSION = "2026.1"
CHAPTER = "thu-tuc"
CAMPAIGN = "w-cdci-2026"
CRITERION = "minh-bach"

# fmt: off
TABLE = """
# portal: the FAQ bank, the handbook and the news are public; a draft question is for customs
GET      /api/v1/portal/categories                            none              ok        ok      ok      ok      ok      ok      ok       ok
GET      /api/v1/portal/faq                                   none              ok        ok      ok      ok      ok      ok      ok       ok
GET      /api/v1/portal/faq/{slug}                            portal:faq        ok        ok      ok      ok      ok      ok      ok       ok
GET      /api/v1/portal/faq/{slug}                            portal:faq-draft  404       404     ok      ok      ok      ok      404      404
GET      /api/v1/portal/handbook                              none              ok        ok      ok      ok      ok      ok      ok       ok
GET      /api/v1/portal/handbook/{version}                    portal:handbook   ok        ok      ok      ok      ok      ok      ok       ok
GET      /api/v1/portal/news                                  none              ok        ok      ok      ok      ok      ok      ok       ok
# inquiries: the enterprise's (its declarant, its broker) and its office's; analysts and
# administrators read them all but do not do the office's work (answer, route, close, publish)
POST     /api/v1/portal/inquiries                             portal:inquiry-new ok/403   ok/403  403/403 403/403 403/403 403/403 403/403  401
GET      /api/v1/portal/inquiries                             portal:inquiry    in/out    in/out  in/out  in/out  in/in   in/in   out/out  401
GET      /api/v1/portal/inquiries/{reference}                 portal:inquiry    ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
POST     /api/v1/portal/inquiries/{reference}/messages        portal:inquiry    ok/404    ok/404  ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/portal/inquiries/{reference}/route           portal:inquiry    403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/portal/inquiries/{reference}/close           portal:inquiry    ok/404    ok/404  ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/portal/inquiries/{reference}/publish         portal:inquiry    403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
# ratings: only the enterprise served rates; the report is the leaders' (their offices'), the
# analysts' and the administrators'
POST     /api/v1/portal/ratings                               portal:rate-declaration ok/404 ok/404 403/404 403/404 403/403 403/403 404/404 401
POST     /api/v1/portal/ratings                               portal:rate-inquiry ok/404  ok/404  403/404 403/404 403/403 403/403 404/404  401
GET      /api/v1/portal/ratings/report                        portal:report     403/403   403/403 403/403 ok/403  ok/ok   ok/ok   403/403  401
# subscriptions and notifications: "own" the world declarant's, "other" Minh Anh's declarant's
GET      /api/v1/portal/subscriptions                         portal:subscription in/out out/out out/out out/out out/out out/out out/out 401
POST     /api/v1/portal/subscriptions                         portal:subscribe  ok        ok      ok      ok      ok      ok      ok       401
DELETE   /api/v1/portal/subscriptions/{subscription_id}       portal:subscription ok/404  404/404 404/404 404/404 404/404 404/404 404/404  401
GET      /api/v1/portal/notifications                         portal:notification in/out out/out out/out out/out out/out out/out out/out 401
POST     /api/v1/portal/notifications/read                    none              ok        ok      ok      ok      ok      ok      ok       401
# CDCI: results for leaders, analysts and administrators; scores from the enterprises
GET      /api/v1/portal/cdci/{code}/results                   portal:campaign   403       403     403     ok      ok      ok      403      401
POST     /api/v1/portal/cdci/{code}/responses                 portal:cdci-response ok/403 ok/403  403/403 403/403 403/403 403/403 403/403  401
# portal pages: the public ones open to anonymous visitors too
GET      /portal/                                             page              ok        ok      ok      ok      ok      ok      ok       ok
GET      /portal/faq/                                         page              ok        ok      ok      ok      ok      ok      ok       ok
GET      /portal/faq/{slug}/                                  portal:faq        ok        ok      ok      ok      ok      ok      ok       ok
GET      /portal/faq/{slug}/                                  portal:faq-draft  404       404     ok      ok      ok      ok      404      404
GET      /portal/handbook/                                    page              ok        ok      ok      ok      ok      ok      ok       ok
GET      /portal/handbook/pdf/                                page              ok        ok      ok      ok      ok      ok      ok       ok
GET      /portal/handbook/{slug}/                             portal:chapter    ok        ok      ok      ok      ok      ok      ok       ok
GET      /portal/news/                                        page              ok        ok      ok      ok      ok      ok      ok       ok
GET      /portal/news/{pk}/                                   portal:news       ok        ok      ok      ok      ok      ok      ok       ok
GET      /portal/news/new/                                    page              403       403     403     ok      403     ok      403      login
GET      /portal/inquiries/                                   page              ok        ok      ok      ok      ok      ok      403      login
GET      /portal/inquiries/new/                               page              ok        ok      403     403     403     403     403      login
GET      /portal/inquiries/{reference}/                       portal:inquiry    ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   403/403  login
GET      /portal/inquiries/{reference}/message/               portal:inquiry    405/405   405/405 405/405 405/405 405/405 405/405 403/403  login
GET      /portal/inquiries/{reference}/route/                 portal:inquiry    405/405   405/405 405/405 405/405 405/405 405/405 403/403  login
GET      /portal/inquiries/{reference}/publish/               portal:inquiry    405/405   405/405 405/405 405/405 405/405 405/405 403/403  login
GET      /portal/inquiries/{reference}/close/                 portal:inquiry    405/405   405/405 405/405 405/405 405/405 405/405 403/403  login
GET      /portal/notifications/                               page              ok        ok      ok      ok      ok      ok      ok       login
GET      /portal/notifications/{pk}/                          portal:notification-page 302/404 404/404 404/404 404/404 404/404 404/404 404/404 login
GET      /portal/subscriptions/                               page              ok        ok      ok      ok      ok      ok      ok       login
GET      /portal/ratings/                                     page              403       403     403     ok      ok      ok      403      login
GET      /portal/ratings/new/                                 portal:rate-declaration ok/404 ok/404 403/403 403/403 403/403 403/403 403/403 login
GET      /portal/ratings/new/                                 portal:rate-inquiry ok/404  ok/404  403/403 403/403 403/403 403/403 403/403  login
GET      /portal/cdci/                                        page              403       403     403     ok      ok      ok      403      login
GET      /portal/cdci/{code}/                                 portal:campaign   403       403     403     ok      ok      ok      403      login
GET      /portal/cdci/{code}/respond/                         portal:campaign   ok        ok      403     403     403     403     403      login
GET      /portal/partnership/                                 page              403       403     403     ok      403     ok      403      login
GET      /portal/partnership/agreements/new/                  page              403       403     403     ok      403     ok      403      login
GET      /portal/partnership/agreements/{pk}/review/          portal:agreement  403/403   403/403 403/403 ok/403  403/403 ok/ok   403/403  login
GET      /portal/partnership/dialogues/new/                   page              403       403     403     ok      403     ok      403      login
GET      /portal/partnership/dialogues/{pk}/                  portal:dialogue   403/403   403/403 403/403 ok/403  403/403 ok/ok   403/403  login
GET      /portal/partnership/issues/{pk}/                     portal:issue      403/403   403/403 403/403 405/405 403/403 405/405 403/403  login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ("portal",)

UNOWNED: frozenset[str] = frozenset(
    {
        "portal:faq",
        "portal:faq-draft",
        "portal:handbook",
        "portal:chapter",
        "portal:news",
        "portal:subscribe",
        "portal:campaign",
    }
)


@dataclass
class PortalWorld:
    news: NewsItem
    campaign: Campaign
    officer_43ih: User  # answers Minh Anh's inquiries at Sóng Thần


def build(world: World) -> PortalWorld:
    """What is public or shared: the content, a notice, an open CDCI campaign of 20BD and
    43IH. A party's own objects (inquiries, subscriptions, notifications, agreements,
    dialogues) are made by the subjects inside each cell's savepoint instead, so that the
    world stays as the apps' own tests that share it expect it (no inquiry, subscription or
    notification of the world's users)."""
    content_load(directory=CONTENT)
    users = world.users
    item = news.news_publish(
        actor=users["leader"],
        kind="policy",
        title="Thay đổi thủ tục tạm nhập tái xuất",
        body="Áp dụng từ ngày 1/7.",
        topics=["procedures"],
    )
    campaign = campaign_create(
        actor=users["admin"],
        code=CAMPAIGN,
        title="CDCI 2026",
        opens_on=date(2026, 1, 1),
        closes_on=date(2026, 12, 31),
        office_codes=["20BD", "43IH"],
        criteria=[CriterionInput(CRITERION, "Tính minh bạch", "Transparency")],
    )
    return PortalWorld(
        news=item,
        campaign=campaign_set_status(actor=users["admin"], campaign=campaign, status="open"),
        officer_43ih=user_create(
            username="w.portal.43ih", password=None, role="officer", office_codes=["43IH"]
        ),
    )


# --- a party's own objects, made in the cell ------------------------------------------------


def _portal(world: World) -> PortalWorld:
    found: PortalWorld = world.extra["portal"]
    return found


def _declarant(world: World, scope: str) -> User:
    return world.users["declarant" if scope == "own" else "other_declarant"]


def _inquiry_answered(world: World, scope: str) -> Inquiry:
    """The party's inquiry, answered at its office: Hoàng Long's filed by its broker and
    answered at 20BD, Minh Anh's filed by its declarant and answered at 43IH."""
    party = world.party(scope)
    own = scope == "own"
    inquiry = services.inquiry_submit(
        actor=world.users["broker" if own else "other_declarant"],
        data=services.InquiryInput(
            enterprise_mst=party.enterprise.mst,
            subject="Thời hạn tái xuất hàng tạm nhập",
            body="Hàng tạm nhập để thi công phải tái xuất trong bao lâu?",
            office_code=party.office_code,
            category="thu-tuc-hai-quan",
        ),
    )
    officer = world.users["officer"] if own else _portal(world).officer_43ih
    services.inquiry_answer(inquiry=inquiry, actor=officer, body="Trong thời hạn đã đăng ký.")
    inquiry.refresh_from_db()
    return inquiry


def _keeper(world: World, scope: str) -> tuple[User, str]:
    """Who keeps the party's partnership, and where: the leader at the Department (20); the
    administrator at Sóng Thần (43IH)."""
    return (world.users["leader"], "20") if scope == "own" else (world.users["admin"], "43IH")


def _agreement(world: World, scope: str) -> Agreement:
    keeper, unit = _keeper(world, scope)
    return partnership.agreement_create(
        actor=keeper,
        title="Quy chế phối hợp 2026",
        office_code=unit,
        signed_on=date(2026, 1, 10),
        commitments=["Đối thoại mỗi quý"],
        enterprise_msts=[world.party(scope).enterprise.mst],
    )


def _dialogue(world: World, scope: str) -> Dialogue:
    keeper, unit = _keeper(world, scope)
    return partnership.dialogue_create(
        actor=keeper,
        kind="dialogue",
        title="Đối thoại doanh nghiệp quý I",
        held_on=date(2026, 3, 15),
        office_code=unit,
        participants="Hải quan và 40 doanh nghiệp",
        topics="Kiểm tra chuyên ngành",
        issues=[partnership.IssueInput("Chậm trả kết quả kiểm tra chuyên ngành")],
    )


# --- subjects ---------------------------------------------------------------------------------


def _target(**kwargs: Any) -> Any:
    """The matrix's Target (imported when called: the matrix imports this module first)."""
    from ..test_authz_matrix import Target

    return Target(**kwargs)


def _inquiry_new(world: World, scope: str) -> Any:
    p = world.party(scope)
    return _target(
        body={
            "enterprise_mst": p.enterprise.mst,
            "subject": "Hồ sơ hoàn thuế",
            "body": "Hồ sơ hoàn thuế nhập khẩu gồm những gì?",
            "office_code": p.office_code,
        }
    )


def _inquiry(world: World, scope: str) -> Any:
    ref = _inquiry_answered(world, scope).reference
    return _target(path={"reference": ref}, query={"limit": 500}, listed=ref)


def _rate_declaration(world: World, scope: str) -> Any:
    pk = world.party(scope).declarations["cleared"].pk
    return _target(body={"score": 4, "declaration_id": pk}, query={"declaration": str(pk)})


def _rate_inquiry(world: World, scope: str) -> Any:
    ref = _inquiry_answered(world, scope).reference
    return _target(body={"score": 5, "inquiry_reference": ref}, query={"inquiry": ref})


def _subscription(world: World, scope: str) -> Any:
    sub = news.subscription_add(user=_declarant(world, scope), topic="tariff")
    return _target(path={"subscription_id": sub.pk}, listed=str(sub.pk))


def _notification(world: World, scope: str) -> Any:
    (note,) = notify(
        kind="news.published",
        users=[_declarant(world, scope)],
        title="Tin mới: thay đổi thuế suất chương 84",
        url=reverse("portal:news_detail", args=[_portal(world).news.pk]),
    )
    return _target(query={"limit": 500}, listed=str(note.pk))


def _notification_page(world: World, scope: str) -> Any:
    return _target(path={"pk": int(_notification(world, scope).listed or 0)})


def _cdci_response(world: World, scope: str) -> Any:
    p = world.party(scope)
    return _target(
        path={"code": CAMPAIGN},
        body={
            "enterprise_mst": p.enterprise.mst,
            "office_code": p.office_code,
            "scores": {CRITERION: 8},
        },
    )


SUBJECTS: dict[str, Callable[[World, str], Any]] = {
    "portal:faq": lambda w, s: _target(path={"slug": PUBLISHED_FAQ}),
    "portal:faq-draft": lambda w, s: _target(path={"slug": DRAFT_FAQ}),
    "portal:handbook": lambda w, s: _target(path={"version": HANDBOOK_VERSION}),
    "portal:chapter": lambda w, s: _target(path={"slug": CHAPTER}),
    "portal:news": lambda w, s: _target(path={"pk": _portal(w).news.pk}),
    "portal:inquiry-new": _inquiry_new,
    "portal:inquiry": _inquiry,
    "portal:rate-declaration": _rate_declaration,
    "portal:rate-inquiry": _rate_inquiry,
    "portal:report": lambda w, s: _target(query={"office_code": w.party(s).office_code}),
    "portal:subscription": _subscription,
    "portal:subscribe": lambda w, s: _target(body={"hs_chapter": "84", "by_email": False}),
    "portal:notification": _notification,
    "portal:notification-page": _notification_page,
    "portal:campaign": lambda w, s: _target(path={"code": CAMPAIGN}),
    "portal:cdci-response": _cdci_response,
    "portal:agreement": lambda w, s: _target(path={"pk": _agreement(w, s).pk}),
    "portal:dialogue": lambda w, s: _target(path={"pk": _dialogue(w, s).pk}),
    "portal:issue": lambda w, s: _target(path={"pk": _dialogue(w, s).issues.get().pk}),
}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    ("POST", "/api/v1/portal/inquiries/{reference}/messages"): lambda w, s: {
        "body": "Xin hỏi thêm về gia hạn."
    },
    ("POST", "/api/v1/portal/inquiries/{reference}/route"): lambda w, s: {"category": "thue"},
    ("POST", "/api/v1/portal/inquiries/{reference}/publish"): lambda w, s: {
        "category": "thu-tuc-hai-quan"
    },
}
