"""The portal's demo content, on top of what the generator wrote: the FAQ bank and the handbook
from the content files, a business association with members and its staff user, a
coordination agreement, a dialogue with its difficulties, news, inquiries (answered, open,
late and escalated, forwarded by the association), ratings of cleared declarations spread over
the months, and two CDCI campaigns with results. Safe to run twice: each part is skipped when
it is already there."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.core.i18n import later
from haiquan.core.problems import ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.services import events_append
from haiquan.refdata.models import Enterprise, Office

from . import cdci, news, partnership, services
from .choices import CampaignStatus, RatedEvent
from .content import content_dir, content_load
from .models import (
    Association,
    Campaign,
    CampaignResponse,
    Category,
    Dialogue,
    Inquiry,
    NewsItem,
    Rating,
)

ASSOCIATION = "hh-dn-quangninh"
ASSOCIATION_USER = "hh.quangninh"
QUANG_NINH = "20"
QN_UNITS = ["20BD", "20BC", "20BI", "20CD", "20CE", "20CF", "20CG"]
SEED = 20261101


def demo_setup(*, say: Callable[[str], None]) -> None:
    """Create the portal's demo content (see the module docstring)."""
    _content(say)
    leader = User.objects.filter(username="ld.quangninh").first()
    declarant = User.objects.filter(username="dn.hoanglong").first()
    if leader is None or declarant is None:
        say(
            later(
                gettext_noop(
                    "Portal: the demo users are missing (run the demo generator first); skipped."
                )
            )
        )
        return
    members = _member_enterprises(declarant)
    staff = _association(leader, members, say)
    _agreement_and_dialogue(leader, say)
    _news(leader, declarant, say)
    _inquiries(declarant, staff, members, say)
    _ratings(declarant, say)
    _cdci(leader, staff, members, say)


def _content(say: Callable[[str], None]) -> None:
    base = content_dir()
    if not (base / "faq.json").exists():
        say(
            later(
                gettext_noop(
                    "Portal: no content files in %(dir)s; FAQ bank and handbook not loaded."
                ),
                dir=base,
            )
        )
        return
    try:
        report = content_load(directory=base)
    except ValidationFailed as exc:
        say(
            later(
                gettext_noop("Portal: the content files have problems, not loaded: %(why)s"),
                why=exc,
            )
        )
        return
    say(
        later(
            gettext_noop(
                "Portal: %(q)s questions in %(c)s categories, handbook %(v)s (%(ch)s chapters, "
                "%(s)s sections)."
            ),
            q=report.faqs,
            c=report.categories,
            v=report.handbook_version,
            ch=report.chapters,
            s=report.sections,
        )
    )


def _member_enterprises(declarant: User) -> list[Enterprise]:
    """Hoàng Long and the busiest enterprises filing in Quảng Ninh."""
    own = list(declarant.enterprises.all())
    filing = list(
        Declaration.objects.filter(office__code__in=QN_UNITS)
        .values_list("enterprise_id", flat=True)
        .distinct()[:200]
    )
    others = list(
        Enterprise.objects.filter(pk__in=filing, is_broker=False)
        .exclude(pk__in=[e.pk for e in own])
        .order_by("mst")[:24]
    )
    return own[:1] + others


def _association(leader: User, members: list[Enterprise], say: Callable[[str], None]) -> User:
    from haiquan.demo.setup import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD

    staff = User.objects.filter(username=ASSOCIATION_USER).first()
    if staff is None:
        staff = user_create(
            username=ASSOCIATION_USER,
            password=DEMO_PASSWORD,
            check_password=False,  # the demo's shared password, printed and documented
            role="declarant",
            email=f"{ASSOCIATION_USER}@{DEMO_EMAIL_DOMAIN}",
            first_name="Hiệp hội DN",
            last_name="Quảng Ninh",
        )
    if not Association.objects.filter(code=ASSOCIATION).exists():
        partnership.association_save(
            actor=leader,
            code=ASSOCIATION,
            name="Hiệp hội Doanh nghiệp tỉnh Quảng Ninh",
            name_en="Quang Ninh Business Association",
            member_msts=[e.mst for e in members],
            staff_usernames=[ASSOCIATION_USER],
            contact_email=f"lienhe@{ASSOCIATION}.invalid",
        )
        say(
            later(
                gettext_noop("Portal: association %(a)s with %(n)s members, user %(u)s."),
                a=ASSOCIATION,
                n=len(members),
                u=ASSOCIATION_USER,
            )
        )
    return staff


def _agreement_and_dialogue(leader: User, say: Callable[[str], None]) -> None:
    if Dialogue.objects.exists():
        return
    today = timezone.localdate()
    partnership.agreement_create(
        actor=leader,
        title="Quy chế phối hợp giữa Cục Hải quan tỉnh Quảng Ninh và Hiệp hội Doanh nghiệp tỉnh",
        office_code=QUANG_NINH,
        signed_on=today - timedelta(days=400),
        commitments=[
            "Đối thoại doanh nghiệp mỗi quý; trả lời vướng mắc trong 10 ngày",
            "Hiệp hội tổng hợp khó khăn của hội viên và gửi trước mỗi kỳ đối thoại",
            "Cùng khảo sát mức độ hài lòng (CDCI) mỗi năm",
        ],
        association_codes=[ASSOCIATION],
        next_review_on=today - timedelta(days=10),
    )
    dialogue = partnership.dialogue_create(
        actor=leader,
        kind="dialogue",
        title="Hội nghị đối thoại doanh nghiệp quý III",
        held_on=today - timedelta(days=45),
        office_code=QUANG_NINH,
        participants="Lãnh đạo Cục Hải quan tỉnh Quảng Ninh, các Chi cục, 62 doanh nghiệp, "
        "Hiệp hội Doanh nghiệp tỉnh, Sở Công Thương",
        topics="Thủ tục tạm nhập tái xuất qua Móng Cái; kiểm tra chuyên ngành hàng nông sản; "
        "nộp thuế điện tử ngoài giờ",
        issues=[
            partnership.IssueInput(
                "Kết quả kiểm tra chuyên ngành hàng trái cây trả chậm 2-3 ngày", "DN nông sản"
            ),
            partnership.IssueInput(
                "Ngân hàng phối hợp thu chưa hỗ trợ nộp thuế ngày lễ", "Hội viên"
            ),
            partnership.IssueInput("Cần hướng dẫn khai C/O mẫu E điện tử", "Công ty XNK"),
        ],
        association_codes=[ASSOCIATION],
    )
    first, second, _third = list(dialogue.issues.all())
    partnership.dialogue_issue_update(
        actor=leader,
        issue=first,
        status="closed",
        follow_up="Đã làm việc với cơ quan kiểm tra; trả kết quả trong ngày từ tháng 10",
    )
    partnership.dialogue_issue_update(
        actor=leader, issue=second, status="in_progress", follow_up="Đã gửi văn bản tới 4 ngân hàng"
    )
    say(
        later(
            gettext_noop("Portal: a coordination agreement and a dialogue with three difficulties.")
        )
    )


def _news(leader: User, declarant: User, say: Callable[[str], None]) -> None:
    if NewsItem.objects.exists():
        return
    if not declarant.portal_subscriptions.exists():
        news.subscription_add(user=declarant, topic="procedures")
        news.subscription_add(user=declarant, hs_chapter="08")
    items = [
        (
            "policy",
            "Sửa đổi quy định về thủ tục tạm nhập tái xuất hàng hóa",
            "Từ ngày 1/1, hồ sơ tạm nhập tái xuất được nộp hoàn toàn điện tử.",
            ["procedures"],
            [],
        ),
        (
            "news",
            "Nộp thuế điện tử 24/7 qua 40 ngân hàng phối hợp thu",
            "Doanh nghiệp nộp thuế mọi lúc, mọi nơi; tờ khai luồng xanh được thông quan ngay.",
            ["payment"],
            [],
        ),
        (
            "policy",
            "Kiểm tra chuyên ngành đối với quả tươi nhập khẩu (chương 08)",
            "Kết quả kiểm dịch được gửi qua Cơ chế một cửa quốc gia.",
            ["inspection"],
            ["08"],
        ),
        (
            "news",
            "Lịch bảo trì hệ thống ngày chủ nhật",
            "Hệ thống tạm dừng từ 0h đến 2h; các tờ khai đã nộp không bị ảnh hưởng.",
            ["system"],
            [],
        ),
    ]
    for kind, title, body, topics, chapters in items:
        news.news_publish(
            actor=leader, kind=kind, title=title, body=body, topics=topics, hs_chapters=chapters
        )
    say(later(gettext_noop("Portal: %(n)s news items."), n=len(items)))


def _inquiries(
    declarant: User, staff: User, members: list[Enterprise], say: Callable[[str], None]
) -> None:
    if Inquiry.objects.exists():
        return
    officer = User.objects.filter(username="cc.mongcai").first()
    own = declarant.enterprises.first()
    if officer is None or own is None:
        return
    now = timezone.now()
    specs = [
        (
            "Thời hạn tái xuất hàng tạm nhập",
            "Hàng tạm nhập theo loại hình G12 phải tái xuất trong bao lâu và có được gia hạn không?",
            "gia-cong-sxxk-tam-nhap",
            8,
            "Hàng tạm nhập phải tái xuất trong thời hạn đã đăng ký; được gia hạn một lần theo quy định.",
        ),
        (
            "Nộp thuế ngoài giờ",
            "Chúng tôi nộp thuế lúc 22h thì tờ khai luồng xanh có được thông quan ngay không?",
            "",
            4,
            "Có. Khi ngân hàng xác nhận, tờ khai luồng xanh được thông quan tự động.",
        ),
        (
            "C/O mẫu E",
            "C/O mẫu E cấp sau có được áp dụng thuế suất ưu đãi đặc biệt không?",
            "",
            6,
            None,
        ),
        (
            "Phân luồng đỏ nhiều lần",
            "Vì sao tờ khai hàng trái cây của chúng tôi liên tục bị phân luồng đỏ?",
            "",
            15,
            None,
        ),  # late: escalated below
    ]
    for i, (subject, body, category, days_ago, answer) in enumerate(specs):
        inquiry = services.inquiry_submit(
            actor=declarant,
            data=services.InquiryInput(
                enterprise_mst=own.mst,
                subject=subject,
                body=body,
                office_code="20BD",
                # The shipped content's category, where this installation's content has it.
                category=category if Category.objects.filter(slug=category).exists() else "",
            ),
            now=now - timedelta(days=days_ago, hours=i),
        )
        if answer:
            services.inquiry_answer(inquiry=inquiry, actor=officer, body=answer)
    member = next((m for m in members if m.pk != own.pk), None)
    if member is not None:
        services.inquiry_submit(
            actor=staff,
            data=services.InquiryInput(
                enterprise_mst=member.mst,
                subject="Kiểm tra chuyên ngành hàng nông sản",
                body="Hội viên phản ánh kết quả kiểm tra chuyên ngành trả chậm tại cửa khẩu.",
                office_code="20BD",
                association_code=ASSOCIATION,
            ),
        )
    escalated = services.inquiries_escalate_due()
    say(
        later(
            gettext_noop("Portal: %(n)s inquiries (%(e)s late and escalated)."),
            n=len(specs) + (member is not None),
            e=escalated,
        )
    )


def _ratings(declarant: User, say: Callable[[str], None]) -> None:
    """Ratings of Hoàng Long's cleared declarations, as its declarant gave them after each
    clearance (dated then), with the event of each."""
    if Rating.objects.exists():
        return
    rng = random.Random(SEED)
    officers = {
        office.code: u
        for u in User.objects.filter(username__in=["cc.mongcai", "cc.cailan"])
        for office in u.offices.all()
    }
    declarations = list(
        Declaration.objects.filter(
            enterprise__in=declarant.enterprises.all(),
            status__in=[Status.CLEARED, Status.RELEASED],
            cleared_at__isnull=False,
        )
        .select_related("office")
        .order_by("cleared_at")[:4000]
    )
    sample = rng.sample(declarations, min(len(declarations), 400))
    reasons_good = ["fast", "online", "clear", "courteous"]
    reasons_bad = ["slow", "unclear", "extra_documents", "system_errors"]
    rows = []
    for d in sample:
        score = rng.choices([5, 4, 3, 2, 1], weights=[40, 35, 12, 8, 5])[0]
        pool = reasons_good if score >= 4 else reasons_bad
        rows.append(
            Rating(
                event=RatedEvent.DECLARATION_CLEARED,
                declaration=d,
                enterprise_id=d.enterprise_id,
                office=d.office,
                officer=officers.get(d.office.code),
                score=score,
                reasons=rng.sample(pool, rng.randint(0, 2)),
                rated_by=declarant,
                created_at=(d.cleared_at or timezone.now()) + timedelta(hours=rng.randint(1, 48)),
            )
        )
    with transaction.atomic():
        created = Rating.objects.bulk_create(rows, batch_size=500)
        events_append(
            [
                kinds.RATING_SUBMITTED.build(
                    subject_type="portal.rating",
                    subject_id=r.pk,
                    party=Party.TRADER,
                    actor=declarant,
                    declaration_id=r.declaration_id,
                    office_code=r.office.code,
                    data={"event": r.event, "score": r.score, "reasons": r.reasons},
                    occurred_at=r.created_at,
                )
                for r in created
            ]
        )
    say(later(gettext_noop("Portal: %(n)s ratings of cleared declarations."), n=len(created)))


def _cdci(leader: User, staff: User, members: list[Enterprise], say: Callable[[str], None]) -> None:
    if Campaign.objects.exists():
        return
    units = list(Office.objects.filter(code__in=QN_UNITS).values_list("code", flat=True))
    criteria = [
        cdci.CriterionInput(
            "minh-bach", "Tính minh bạch và tiếp cận thông tin", "Transparency", Decimal(2)
        ),
        cdci.CriterionInput("thoi-gian", "Chi phí thời gian", "Time cost", Decimal(2)),
        cdci.CriterionInput(
            "chi-phi", "Chi phí không chính thức", "Informal charges", Decimal("1.5")
        ),
        cdci.CriterionInput("ho-tro", "Hỗ trợ doanh nghiệp", "Support to enterprises", Decimal(1)),
        cdci.CriterionInput("thiet-che", "Thiết chế pháp lý", "Legal institutions", Decimal(1)),
    ]
    year = timezone.localdate().year
    rng = random.Random(SEED + 1)
    previous = ""
    for offset, status in ((1, CampaignStatus.CLOSED), (0, CampaignStatus.CLOSED)):
        y = year - offset
        campaign = cdci.campaign_create(
            actor=leader,
            code=f"cdci-qn-{y}",
            title=f"CDCI Quảng Ninh {y}",
            opens_on=date(y, 9, 1),
            closes_on=date(y, 10, 31),
            office_codes=units,
            criteria=criteria,
            previous_code=previous,
        )
        base = {u: rng.uniform(5.5, 8.5) for u in units}
        responses = []
        for m in members:
            for u in rng.sample(units, min(3, len(units))):
                responses.append(
                    CampaignResponse(
                        campaign=campaign,
                        enterprise=m,
                        office=Office.objects.get(code=u),
                        submitted_by=staff,
                        scores={
                            c.code: max(1, min(10, round(rng.gauss(base[u] + offset * -0.3, 1.2))))
                            for c in criteria
                        },
                    )
                )
        CampaignResponse.objects.bulk_create(responses)
        campaign.status = status
        campaign.save(update_fields=["status"])
        previous = campaign.code
    say(
        later(gettext_noop("Portal: two CDCI campaigns over %(n)s Quảng Ninh units."), n=len(units))
    )
