"""Demo data of 政府首购 (domain.md §8), loaded by `manage.py demo` after the insurance demo.

Buyers (采购人, accounts/demo_data.py OTHER_ORGS): 浙江大学医学院附属第一医院 (login buyer), 浙江省人民医院 (buyer2),
浙江省应急管理厅 (buyer3). Products: recognitions of the concluded 2024 batch (recognition/demo.py CONCLUDED_NAME).

1. The first purchases of 2025, as in 2020 (domain.md §8): four purchases of recognised medical equipment (the
   field 现代医疗设备与器械; the demo catalogue has one such product, so the two hospitals buy it for four
   projects), single source, each notice published for 5 working days and closed, awarded and contracted, the
   contract amounts totalling exactly 11,200,000.00 CNY. One is completed (delivered and accepted), one contract
   was signed 44 days after the award (flagged as late). Private PDFs on some of them.
2. One purchase in every other state: a single-source notice running now (buyer3's CH-4 emergency mapping
   system; on the public page with the objection form), with one objection answered by a supplementary
   justification and one still open; a notice that ended last week, waiting for the award; a draft with its
   notice filled in; a purchase cancelled while its notice ran (public, 已终止); an open tender awarded without a
   notice (contract not yet signed); a single source below the public-tender threshold awarded from draft and
   contracted.

Time: everything goes through the services now. The services accept past award, contract, delivery and
acceptance dates, and close_due_notices accepts the moment to close at; but a notice cannot be published with a
start in the past. So the notices of the purchases of group 1 and the one pending award are published now, then
moved back (start, publication, the end recounted in working days) by direct updates before close_due_notices
closes them at their end; each such purchase's creation time (and its number's year, SG<year>-NNNN), and the
record times of its contract and documents, are moved to match. Every move is one audit event
("demo.purchase_backdated"); the audit log keeps the real times (it is append-only). Demo data only.

Idempotent: each purchase is found by its buyer and title and built in one transaction, so a second run creates
nothing.
"""

import datetime as dt
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from audit.services import record
from certification.demo import demo_pdf
from recognition.demo import CONCLUDED_NAME
from recognition.models import Recognition
from recognition.workdays import SHANGHAI, is_workday, notice_period

from .models import Contract, Purchase, PurchaseDocument, PurchaseObjection, SingleSourceNotice
from .services import awards, notices, objections, purchases
from .services.documents import upload_document

S = Purchase.State
M = Purchase.Method
d = dt.date
MEDICAL = "medical"  # accounts/fields.py: 现代医疗设备与器械
MEDICAL_TOTAL = Decimal("11200000.00")
BUYER_LOGINS = ("buyer", "buyer2", "buyer3")

# --- the notices' people and texts -------------------------------------------------------------------------

CONTACTS = {
    "buyer": "浙江大学医学院附属第一医院设备处\n联系人：沈老师  电话：0571-87236000\n地址：杭州市上城区庆春路79号",
    "buyer2": "浙江省人民医院设备与采购管理处\n联系人：林老师  电话：0571-85893000\n地址：杭州市拱墅区上塘路158号",
    "buyer3": "浙江省应急管理厅规划财务处\n联系人：赵工  电话：0571-87058000\n地址：杭州市西湖区省府路8号",
}
EXPERTS_MEDICAL = {
    "buyer": [
        ("钱立群", "浙江省医疗器械检验研究院", "正高级工程师"),
        ("蒋卫东", "浙江大学生物医学工程与仪器科学学院", "教授"),
        ("方晓燕", "浙江省人民医院", "主任医师"),
    ],
    "buyer2": [
        ("钱立群", "浙江省医疗器械检验研究院", "正高级工程师"),
        ("蒋卫东", "浙江大学生物医学工程与仪器科学学院", "教授"),
        ("何立平", "浙江大学医学院附属第一医院", "主任医师"),
    ],
}
EXPERTS_AVIATION = [
    ("吴志明", "浙江省测绘科学技术研究院", "正高级工程师"),
    ("周文斌", "浙江大学地球科学学院", "教授"),
    ("俞建军", "浙江省应急管理科学研究院", "研究员"),
]
REASON_MEDICAL = (
    "拟采购产品“{product}”为2024年度浙江省首台（套）产品（证书编号 {number}），属政府首购范围。本项目须采用与"
    "临床血液净化需求相匹配的中空纤维膜纺丝、凝固、清洗、干燥全流程自动化工艺，经市场调查，目前只有该认定产品的"
    "生产企业能够提供，拟采用单一来源方式向{supplier}采购。"
)
JUSTIFICATION_MEDICAL = (
    "经论证，该生产线纺丝速度50 m/min、膜丝内径偏差±5 μm，关键指标达到国际同类产线水平，满足{purpose}的"
    "技术要求；国内其他供应商产品尚未通过首台（套）认定且指标不满足要求，同意采用单一来源方式采购。"
)
REASON_AVIATION = (
    "拟采购产品“{product}”为2024年度浙江省首台（套）产品（证书编号 {number}），属政府首购范围。省级航空应急"
    "救援能力建设要求在断网断电条件下实现航测、通信中继与实时回传一体化，经市场调查，只有{supplier}能够提供满足"
    "要求的产品，拟采用单一来源方式采购。"
)
JUSTIFICATION_AVIATION = (
    "经论证，该产品续航、载荷集成和应急通信能力满足项目技术要求，且为首台（套）认定产品，同意采用单一来源方式采购。"
)

# --- the purchases -------------------------------------------------------------------------------------------
# product: a recognition of the concluded batch, by field (the n-th one of the field, cyclically) or by the
# enterprise's login. notice: None, or the start date of a notice that ran and closed (published at 09:00), or
# "now" (published now and running), or "draft" (filled in, not published), or "last_week" (ended recently).

MEDICAL_SCENARIOS = [
    dict(
        login="buyer",
        product=(MEDICAL, 0),
        project="血液净化中心透析膜材料中试平台",
        quantity=1,
        unit="套",
        budget="4500000",
        purpose="血液净化中心透析膜材料中试",
        notice=d(2025, 3, 3),
        award=(d(2025, 3, 12), "4380000"),
        contract=dict(
            number="ZDYY-HT-2025-0326",
            amount="4380000",
            signed_on=d(2025, 3, 26),
            delivered_on=d(2025, 6, 18),
            accepted_on=d(2025, 7, 16),
        ),
        documents=["award_notice", "contract", "delivery", "acceptance"],
        state=S.COMPLETED,
    ),
    dict(
        login="buyer2",
        product=(MEDICAL, 0),
        project="肾脏病研究所血液透析膜研发平台",
        quantity=1,
        unit="套",
        budget="2980000",
        purpose="血液透析膜研发",
        notice=d(2025, 4, 14),
        award=(d(2025, 4, 23), "2860000"),
        # Signed 44 days after the award: more than 30, flagged (政府采购法 §46).
        contract=dict(
            number="ZJSRMYY-2025-CG-0606", amount="2860000", signed_on=d(2025, 6, 6), delivered_on=d(2025, 9, 12)
        ),
        documents=["contract"],
        state=S.CONTRACTED,
    ),
    dict(
        login="buyer",
        product=(MEDICAL, 0),
        project="国家血液净化临床研究平台小试线",
        quantity=1,
        unit="套",
        budget="2200000",
        purpose="血液净化临床研究小试",
        notice=d(2025, 6, 9),
        award=(d(2025, 6, 18), "2160000"),
        contract=dict(number="ZDYY-HT-2025-0704", amount="2160000", signed_on=d(2025, 7, 4)),
        documents=["award_notice"],
        state=S.CONTRACTED,
    ),
    dict(
        login="buyer2",
        product=(MEDICAL, 0),
        project="血液净化技术培训中心教学线",
        quantity=1,
        unit="套",
        budget="1860000",
        purpose="血液净化技术教学培训",
        notice=d(2025, 9, 15),
        award=(d(2025, 9, 24), "1800000"),
        contract=dict(number="ZJSRMYY-2025-CG-1017", amount="1800000", signed_on=d(2025, 10, 17)),
        state=S.CONTRACTED,
    ),
]

OPEN_OBJECTION = dict(
    name="孙海峰",
    organisation="",
    phone="0571-88123456",
    email="",
    content="公示未列明系统配套的地面控制站、任务载荷和备品备件数量，无法判断采购预算是否合理，请补充采购需求明细。",
)
ANSWERED_OBJECTION = dict(
    name="刘建新",
    organisation="杭州天测航空科技有限公司",
    phone="13967123456",
    email="liujx@example.com",
    content="国内另有企业可以提供长航时固定翼无人机应急测绘系统，本项目采用单一来源方式依据不足，建议公开招标。",
)
JUSTIFICATION = dict(
    text="经补充论证：本项目要求在断网断电条件下连续航测不少于36小时，并集成合成孔径雷达、光电测绘载荷与通信中继。"
    "拟采购产品续航40小时、测绘分辨率0.05米，为国内首台（套）认定产品；异议所称同类产品续航时间不足20小时，"
    "且未集成通信中继载荷，不满足本项目技术要求。维持单一来源采购方式。",
    experts="吴志明（浙江省测绘科学技术研究院，正高级工程师）；周文斌（浙江大学地球科学学院，教授）；"
    "俞建军（浙江省应急管理科学研究院，研究员）",
)

OTHER_SCENARIOS = [
    dict(
        login="buyer3",
        product="caihong",
        project="省级航空应急测绘能力建设项目",
        quantity=1,
        unit="套",
        budget="48600000",
        notice="now",
        objections=True,
        state=S.NOTICE,
    ),
    dict(
        login="buyer3",
        product="wanfeng",
        project="航空应急救援飞行训练用轻型飞机",
        quantity=2,
        unit="架",
        budget="7960000",
        notice="last_week",
        state=S.PENDING_AWARD,
    ),
    dict(
        login="buyer2",
        product=(MEDICAL, 0),
        project="血液净化中心透析膜材料中试平台（二期）",
        quantity=1,
        unit="套",
        budget="4200000",
        purpose="血液净化中心透析膜材料中试",
        notice="draft",
        state=S.DRAFT,
    ),
    dict(
        login="buyer3",
        product="caihong",
        project="省级航空应急测绘能力建设项目（第二套）",
        quantity=1,
        unit="套",
        budget="48600000",
        notice="now",
        state=S.CANCELLED,
        cancel_reason="经省应急管理厅研究，第二套系统的需求并入省级航空应急测绘能力建设项目统一实施，本项目终止采购。",
    ),
    dict(
        login="buyer2",
        product="jinyun",
        project="院区物流自动化搬运系统",
        quantity=2,
        unit="台",
        budget="4800000",
        method=M.OPEN_TENDER,
        award=(-12, "4586000"),
        state=S.AWARDED,
    ),
    dict(
        login="buyer",
        product="jinyun",
        project="院内医疗物资配送AGV",
        quantity=1,
        unit="台",
        budget="2300000",
        award=(-20, "2260000"),
        contract=dict(number="ZDYY-HT-AGV-01", amount="2260000", signed_on=-8),
        documents=["award_notice", "contract"],
        state=S.CONTRACTED,
    ),
]
SCENARIOS = MEDICAL_SCENARIOS + OTHER_SCENARIOS


# --- helpers -------------------------------------------------------------------------------------------------


def _recognition(product):
    batch = Recognition.objects.filter(batch__name=CONCLUDED_NAME, status=Recognition.Status.VALID)
    if isinstance(product, tuple):
        field, n = product
        found = list(batch.filter(field=field).order_by("level", "sequence"))
        if not found:
            raise RuntimeError(f"the demo batch has no valid recognition of the field {field}")
        return found[n % len(found)]
    return batch.get(enterprise__memberships__user__username=product)


def _title(s, rec):
    return f"{s['project']}（{rec.product_name}）"


def _at(day, hh=9, mm=0):
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


def _day(value):
    """A date, or an offset in days from today (negative: in the past)."""
    return timezone.localdate() + timedelta(days=value) if isinstance(value, int) else value


def _working_day_before(day):
    while not is_workday(day)[0]:
        day -= timedelta(days=1)
    return day


def _recent_start(now):
    """09:00 of a working day at least two weeks back whose 5-working-day notice has ended by now."""
    day = _working_day_before(timezone.localdate(now) - timedelta(days=14))
    while notice_period(_at(day), 5).ends_at > now:
        day = _working_day_before(day - timedelta(days=1))
    return _at(day)


def _notice_fields(s, rec):
    what = {
        "product": rec.product_name,
        "number": rec.certificate_number,
        "supplier": rec.enterprise_name,
        "purpose": s.get("purpose", ""),
    }
    medical = rec.field == MEDICAL
    experts = EXPERTS_MEDICAL[s["login"]] if medical else EXPERTS_AVIATION
    return dict(
        reason=(REASON_MEDICAL if medical else REASON_AVIATION).format(**what),
        justification=(JUSTIFICATION_MEDICAL if medical else JUSTIFICATION_AVIATION).format(**what),
        contact=CONTACTS[s["login"]],
        working_days=5,
        experts=[{"name": n, "employer": e, "title": t} for n, e, t in experts],
    )


def _upload(user, purchase, types):
    for type in types:
        label = PurchaseDocument.Type(type).label
        pdf = demo_pdf(f"{purchase.number} - {type.replace('_', ' ')} (demo)")
        upload_document(
            actor=user,
            purchase_id=purchase.pk,
            type=type,
            uploaded_file=ContentFile(pdf, name=f"{label}-{purchase.number}.pdf"),
        )


def _renumber(purchase, created_at):
    """The number of a purchase moved to another year: the next one of that year (SG<year>-NNNN)."""
    year = timezone.localtime(created_at, SHANGHAI).year
    if purchase.number.startswith(f"{purchases.NUMBER_PREFIX}{year}-"):
        return purchase.number
    return purchases._next_number(year)


# --- one purchase ----------------------------------------------------------------------------------------------


def _move_notice(purchase, start):
    """Demo data only: the published notice moved to `start` (its end recounted in working days), so that
    close_due_notices can close it at its end."""
    notice = SingleSourceNotice.objects.get(purchase=purchase)
    period = notice_period(start, notice.working_days)
    SingleSourceNotice.objects.filter(pk=notice.pk).update(starts_at=start, published_at=start, ends_at=period.ends_at)
    return period.ends_at


def _scenario(s):
    user = User.objects.get(username=s["login"])
    rec = _recognition(s["product"])
    method = s.get("method", M.SINGLE_SOURCE)
    p = purchases.create_purchase(
        actor=user,
        recognition_id=rec.pk,
        title=_title(s, rec),
        method=method,
        quantity=s["quantity"],
        unit=s["unit"],
        budget=s["budget"],
        description=f"采购{rec.product_name}（型号 {rec.model_spec}）{s['quantity']}{s['unit']}，用于{s['project']}，"
        "含安装调试、操作培训和一年质保。",
    )
    moved = {}  # what is moved back, for the audit event
    notice = s.get("notice")
    if notice is not None:
        notices.save_notice(actor=user, purchase_id=p.pk, **_notice_fields(s, rec))
        if notice == "draft":
            return p
        notices.publish_notice(actor=user, purchase_id=p.pk)
        if s.get("objections"):
            _objections(user, p)
        if s.get("cancel_reason"):
            return purchases.cancel_purchase(actor=user, purchase_id=p.pk, reason=s["cancel_reason"])
        if notice != "now":
            start = _at(notice) if isinstance(notice, dt.date) else _recent_start(timezone.now())
            ends_at = _move_notice(p, start)
            notices.close_due_notices(now=ends_at)
            moved.update(notice=[start, ends_at], created_at=start - timedelta(days=5, hours=-1))
    if "award" in s:
        day, amount = s["award"]
        awards.record_award(actor=user, purchase_id=p.pk, awarded_on=_day(day), amount=amount)
        # Without a notice: recorded when the procurement began (an open tender takes weeks, a small single source
        # days).
        lead = 40 if method == M.OPEN_TENDER else 10
        moved.setdefault("created_at", _at(_day(day) - timedelta(days=lead), 10))
    if "contract" in s:
        c = s["contract"]
        awards.record_contract(
            actor=user,
            purchase_id=p.pk,
            number=c["number"],
            amount=c["amount"],
            signed_on=_day(c["signed_on"]),
            delivered_on=c.get("delivered_on"),
            accepted_on=c.get("accepted_on"),
        )
    if s.get("documents"):
        _upload(user, Purchase.objects.get(pk=p.pk), s["documents"])
    if moved:
        _backdate(user, p, **moved)
    return Purchase.objects.get(pk=p.pk)


def _objections(user, purchase):
    """Two objections from the public while the notice runs; the buyer answers the first one."""
    answered = objections.submit_objection(purchase_id=purchase.pk, ip="203.0.113.45", **ANSWERED_OBJECTION)
    objections.submit_objection(purchase_id=purchase.pk, ip="198.51.100.23", **OPEN_OBJECTION)
    objections.add_justification(actor=user, purchase_id=purchase.pk, objection_ids=[answered.pk], **JUSTIFICATION)


def _backdate(user, purchase, *, created_at, notice=None):
    """Demo data only: the purchase's creation time (and the year of its number), and the record times of its
    contract and documents, moved to the dates the purchase happened on; one audit event."""
    purchase = Purchase.objects.select_related("contract").get(pk=purchase.pk)
    number = _renumber(purchase, created_at)
    contract = getattr(purchase, "contract", None)
    last = _at(purchase.awarded_on, 16) if purchase.awarded_on else notice[1] if notice else created_at
    if contract is not None:
        signed = _at(contract.signed_on, 16)
        last = _at(contract.accepted_on or contract.delivered_on or contract.signed_on, 16)
        Contract.objects.filter(pk=contract.pk).update(created_at=signed, updated_at=last)
    for i, document in enumerate(PurchaseDocument.objects.filter(purchase=purchase).order_by("pk")):
        PurchaseDocument.objects.filter(pk=document.pk).update(uploaded_at=last + timedelta(minutes=5 + i))
    Purchase.objects.filter(pk=purchase.pk).update(number=number, created_at=created_at, updated_at=last)
    record(
        action="demo.purchase_backdated",
        actor=user,
        organisation=purchase.buyer,
        obj=purchase,
        before={"number": purchase.number},
        after={"number": number, "created_at": created_at, "notice": notice, "last_change": last},
        reason="演示数据：首购项目的创建时间、单一来源公示期和合同、材料的录入时间前移到项目实际发生的日期。",
    )


# --- load and summary -------------------------------------------------------------------------------------------


def _exists(s):
    rec = _recognition(s["product"])
    return Purchase.objects.filter(buyer__memberships__user__username=s["login"], title=_title(s, rec)).exists()


def load():
    """Create what is missing. Returns True when something was created."""
    created = False
    for s in SCENARIOS:
        if _exists(s):
            continue
        with transaction.atomic():
            p = _scenario(s)
            if p.state != s["state"]:
                raise RuntimeError(f"demo purchase {p.number} ended in {p.state}, not {s['state']}")
        created = True
    return created


def demo_purchases():
    """The purchases of the demo buyers (the logins of BUYER_LOGINS)."""
    return Purchase.objects.filter(buyer__memberships__user__username__in=BUYER_LOGINS).distinct()


def medical_first_purchases():
    """The contracted medical-equipment purchases of the demo (the 2025 first purchases of section 1)."""
    return demo_purchases().filter(recognition__field=MEDICAL, contract__isnull=False)


def summary():
    """Lines for the demo command's output."""
    qs = demo_purchases().select_related("buyer", "contract", "notice", "recognition").order_by("number")
    if not qs:
        return []
    login_of = dict(User.objects.filter(username__in=BUYER_LOGINS).values_list("memberships__organisation", "username"))
    medical = medical_first_purchases().aggregate(total=Sum("contract__amount"))["total"] or Decimal("0")
    lines = [
        f"Procurement (政府首购): {qs.count()} purchases (logins {', '.join(BUYER_LOGINS)}), "
        f"/procurement/purchases/; medical first purchases {medical_first_purchases().count()}, "
        f"contracts {medical:,.2f} 元; public notices /procurement/public/:"
    ]
    for p in qs:
        contract = getattr(p, "contract", None)
        amount = contract.amount if contract else p.award_amount
        flag = " (签订超期)" if contract and contract.signed_late else ""
        lines.append(
            f"  {p.number} {p.state:<13} {login_of.get(p.buyer_id, ''):<7} {p.recognition.product_name[:14]} "
            f"{f'{amount:,.2f} 元' if amount is not None else '-'}{flag}"
        )
    running = qs.filter(state=S.NOTICE).first()
    if running is not None:
        end = timezone.localtime(running.notice.ends_at, SHANGHAI)
        objections_ = PurchaseObjection.objects.filter(notice=running.notice).order_by("created_at")
        lines.append(
            f"  notice {running.number} 公示中 until {end:%Y-%m-%d %H:%M}, /procurement/public/{running.pk}/; "
            + ", ".join(
                f"objection {o.tracking_number} ({o.get_state_display()}, phone {o.phone})" for o in objections_
            )
        )
    lines.append("  OCDS: manage.py export_ocds (var/ocds/ocds-<date>.json)")
    return lines
