"""Demo data of the recognition workflow, loaded by `manage.py demo` after the organisations and logins.

An open 2026 batch (opened a week ago, closing in three weeks, local recommendation four weeks later, a
quota for every city) and applications of the named demo enterprises in every state of the intake stage,
each brought there through the services with the enterprise's and the bureaus' own demo users — so the
audit log, the revisions, the decisions and the notifications are the real ones.

Idempotent: the batch is found by its name, an application by (batch, enterprise, product name, model); an
application is built inside one transaction, so a failed run leaves nothing half-done behind.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import demo_data as D
from accounts.models import Membership, Organisation, Region, User, role_for_organisation

from .catalogue import AttachmentType, Category
from .models import Application, Batch, State
from .workflow import FORMAL_CHECKLIST

BATCH_NAME = "2026年度浙江省首台（套）装备认定（第一批）"

# Quota (推荐名额) per city code.
QUOTAS = {"3301": 30, "3302": 28, "3303": 20, "3304": 15, "3305": 12, "3306": 15, "3307": 15, "3308": 8,
          "3309": 6, "3310": 20, "3311": 6}

# County staff logins for the counties where the demo enterprises are (滨江 and 玉环 come with the accounts
# demo), and the Shaoxing city bureau's: every bureau of a demo application's chain can sign in.
EXTRA_STAFF = [
    ("xiaoshan_staff", "萧山区经信局工作人员", "county", "330107"),
    ("yuhang_staff", "余杭区经信局工作人员", "county", "330108"),
    ("fuyang_staff", "富阳区经信局工作人员", "county", "330109"),
    ("xinchang_staff", "新昌县经信局工作人员", "county", "330603"),
    ("jiaojiang_staff", "椒江区经信局工作人员", "county", "331001"),
    ("luqiao_staff", "路桥区经信局工作人员", "county", "331003"),
    ("sx_staff", "绍兴市经信局工作人员", "city", "3306"),
]

# Product details by enterprise key: model, form, declared level, first sale, key indicators, IP.
PRODUCTS = {
    "caihong": dict(
        model_spec="CH-4 EMS", equipment_form="set", declared_level="domestic",
        innovation_points="中空长航时固定翼平台集成多源测绘载荷，灾区无通信条件下实现航测、通信中继与实时回传一体化。",
        indicators=[("最大续航时间", "30 h", "20 h", "40 h", "检测报告 CAAC-2025-118"),
                    ("测绘分辨率", "0.05 m", "0.1 m", "0.05 m", "查新报告 ZJ-CX-2026-031")],
        ip=[("发明专利", "ZL202110345678.9", "一种无人机应急测绘任务规划方法")],
        sale=("CH-XS-2025-017", date(2025, 9, 18), Decimal("46800000.00"), "应急管理部南方航空应急救援中心"),
    ),
    "wanfeng": dict(
        model_spec="DA40NG", equipment_form="complete", declared_level="domestic",
        innovation_points="国内首条通航飞机全复合材料机体生产线制造，航空柴油发动机与全玻璃座舱国产化集成。",
        indicators=[("最大起飞重量", "1310 kg", "1200 kg", "1310 kg", "型号合格证 TC0089A"),
                    ("燃油消耗率", "18 L/h", "25 L/h", "18 L/h", "检测报告 WF-2025-07")],
        ip=[("发明专利", "ZL202010998877.1", "一种复合材料机翼整体成型方法")],
        sale=("WF-2025-DA40-031", date(2025, 6, 2), Decimal("3980000.00"), "浙江长龙通用航空有限公司"),
    ),
    "maide": dict(
        model_spec="MD-HFS-2000", equipment_form="set", declared_level="international",
        innovation_points="中空纤维膜纺丝、凝固、清洗、干燥全流程在线检测与闭环控制，膜丝内径一致性国际领先。",
        indicators=[("纺丝速度", "60 m/min", "35 m/min", "50 m/min", "检测报告 ZJIT-2025-2211"),
                    ("膜丝内径偏差", "±3 μm", "±8 μm", "±5 μm", "查新报告 ZJ-CX-2026-044")],
        ip=[("发明专利", "ZL201911223344.5", "中空纤维膜纺丝凝固浴温度控制方法"),
            ("发明专利", "ZL202011556677.8", "一种膜丝在线缺陷检测装置")],
        sale=("MD-2025-0815", date(2025, 8, 15), Decimal("28500000.00"), "山东威高血液净化制品股份有限公司"),
    ),
    "haideman": dict(
        model_spec="VZ7000", equipment_form="complete", declared_level="domestic",
        innovation_points="双刀塔双主轴车铣复合结构，一次装夹完成复杂回转体零件全部工序，热变形实时补偿。",
        indicators=[("定位精度", "0.004 mm", "0.008 mm", "0.004 mm", "检测报告 NCMT-2025-087"),
                    ("主轴最高转速", "5000 r/min", "4000 r/min", "5000 r/min", "检测报告 NCMT-2025-087")],
        ip=[("发明专利", "ZL202111112222.3", "一种双刀塔车铣复合机床热误差补偿方法")],
        sale=("HDM-2025-332", date(2025, 5, 20), Decimal("2680000.00"), "浙江银轮机械股份有限公司"),
    ),
    "qixing": dict(
        model_spec="QD622-750W", equipment_form="component", declared_level="provincial",
        innovation_points="无位置传感器矢量控制，针位停针精度高，整机节能40%以上。",
        indicators=[("停针精度", "±1°", "±3°", "±1°", "检测报告 ZJEMC-2025-561"),
                    ("额定效率", "92%", "85%", "90%", "检测报告 ZJEMC-2025-561")],
        ip=[("实用新型", "ZL202220334455.6", "一种缝纫机伺服电机散热结构")],
        sale=("QX-2025-1102", date(2025, 11, 2), Decimal("860000.00"), "杰克科技股份有限公司"),
    ),
    "shuanghuan": dict(
        model_spec="SH-RT-350", equipment_form="component", declared_level="domestic",
        innovation_points="齿轮渗碳淬火变形控制与成形磨齿工艺，满足时速350公里动车组减速器寿命要求。",
        indicators=[("齿轮精度等级", "ISO 4级", "ISO 6级", "ISO 4级", "检测报告 NGTC-2025-019"),
                    ("设计寿命", "1200万公里", "800万公里", "1200万公里", "查新报告 ZJ-CX-2026-052")],
        ip=[("发明专利", "ZL201822334455.0", "一种高铁齿轮渗碳淬火变形控制方法")],
        sale=("SHCD-2025-078", date(2025, 7, 8), Decimal("12400000.00"), "中车戚墅堰机车车辆工艺研究所有限公司"),
    ),
    "tianrun": dict(
        model_spec="TR-BD-320", equipment_form="set", declared_level="domestic",
        innovation_points="电液复合驱动登机门收放，冗余锁定与故障自诊断，替代进口同类产品。",
        indicators=[("收放时间", "8 s", "12 s", "8 s", "检测报告 CAAC-TR-2025-04"),
                    ("平均故障间隔", "12000 h", "8000 h", "12000 h", "用户使用报告")],
        ip=[("发明专利", "ZL202210556677.2", "一种飞机登机门电液复合收放装置")],
        sale=("TR-2025-0606", date(2025, 6, 6), Decimal("5600000.00"), "中国商用飞机有限责任公司"),
    ),
    "donghua": dict(
        model_spec="CL04DF", equipment_form="component", declared_level="international",
        innovation_points="齿形链精密冲压与销轴表面复合强化，变速箱油泵链条噪声和磨损伸长率优于国际同类。",
        indicators=[("磨损伸长率", "0.05%", "0.12%", "0.08%", "检测报告 NQTC-2025-334"),
                    ("破断载荷", "18 kN", "14 kN", "16 kN", "检测报告 NQTC-2025-334")],
        ip=[("发明专利", "ZL202010112233.4", "一种齿形链销轴表面复合强化方法")],
        sale=("DH-2025-4410", date(2025, 4, 10), Decimal("3200000.00"), "上海汽车变速器有限公司"),
    ),
    "huaying": dict(
        model_spec="HY-70CAT", equipment_form="complete", declared_level="provincial",
        innovation_points="70英尺碳纤维双体船体一体成型，混合动力推进，航行能耗降低30%。",
        indicators=[("最高航速", "28 kn", "22 kn", "30 kn", "船检报告 ZJ-CCS-2025-19")],
        ip=[],
        sale=("HY-2025-0901", date(2025, 9, 1), Decimal("18800000.00"), "三亚鸿洲国际游艇会"),
    ),
}

# What to do to each enterprise's application: (key, target state, steps). Steps are service calls in order,
# each (actor username, call, arguments); "fix" edits the returned application before it is resubmitted.
RETURN_ITEMS_COUNTY = ["补充膜丝内径偏差的第三方检测报告", "查新报告已超过一年，请重新出具"]
RETURN_ITEMS_CITY = ["首台销售合同金额与发票金额不一致，请提供补充协议或说明",
                     "知识产权证明缺少专利年费缴纳凭证"]
PLAN = [
    ("huaying", State.DRAFT, []),
    ("qixing", State.COUNTY_REVIEW, [("qixing", "submit", {})]),
    # Returned by the county, corrected and resubmitted, recommended: the city sees a diff of two revisions.
    ("maide", State.CITY_REVIEW, [
        ("maide", "submit", {}),
        ("yuhuan_staff", "decide", {"action": "county_return", "opinion": "材料需补正后重新提交。",
                                    "items": RETURN_ITEMS_COUNTY}),
        ("maide", "fix", {"indicators": [("纺丝速度", "60 m/min", "35 m/min", "50 m/min", "检测报告 ZJIT-2025-2211"),
                                         ("膜丝内径偏差", "±3 μm", "±8 μm", "±5 μm", "检测报告 ZJIT-2026-0107")]}),
        ("maide", "resubmit", {}),
        ("yuhuan_staff", "decide", {"action": "county_recommend", "opinion": "材料齐全，同意推荐。"}),
    ]),
    ("haideman", State.FORMAL_REVIEW, [
        ("haideman", "submit", {}),
        ("yuhuan_staff", "decide", {"action": "county_recommend", "opinion": "同意推荐。"}),
        ("tz_staff", "decide", {"action": "city_recommend", "opinion": "经审核，同意推荐至省经信厅。"}),
    ]),
    ("donghua", State.RETURNED, [
        ("donghua", "submit", {}),
        ("yuhang_staff", "decide", {"action": "county_recommend", "opinion": "同意推荐。"}),
        ("hz_staff", "decide", {"action": "city_return", "opinion": "请按以下事项补正后重新提交。",
                                "items": RETURN_ITEMS_CITY}),
    ]),
    ("shuanghuan", State.PASSED, [
        ("shuanghuan", "submit", {}),
        ("yuhuan_staff", "decide", {"action": "county_recommend", "opinion": "同意推荐。"}),
        ("tz_staff", "decide", {"action": "city_recommend", "opinion": "同意推荐。"}),
        ("prov_staff", "decide", {"action": "formal_pass", "opinion": "形式审查通过，进入专家评审。",
                                  "items": "checklist"}),
    ]),
    ("caihong", State.DECLINED, [
        ("caihong", "submit", {}),
        ("luqiao_staff", "decide", {"action": "county_decline",
                                    "opinion": "该产品已于2024年度获得认定，不符合本批次申报条件。"}),
    ]),
    ("tianrun", State.REJECTED, [
        ("tianrun", "submit", {}),
        ("xiaoshan_staff", "decide", {"action": "county_recommend", "opinion": "同意推荐。"}),
        ("hz_staff", "decide", {"action": "city_recommend", "opinion": "同意推荐。"}),
        ("prov_staff", "decide", {"action": "formal_reject",
                                  "opinion": "首台销售合同签订时间早于本批次受理范围（近两年内），形式审查不通过。"}),
    ]),
    ("wanfeng", State.WITHDRAWN, [
        ("wanfeng", "submit", {}),
        ("wanfeng", "withdraw", {"reason": "产品型号将升级，拟于下一批次重新申报。"}),
    ]),
]

REQUIRED_DEMO_ATTACHMENTS = [
    AttachmentType.APPLICATION_FORM, AttachmentType.APPLICATION_REPORT, AttachmentType.COMMITMENT,
    AttachmentType.TEST_REPORT, AttachmentType.IP_CERTIFICATES, AttachmentType.NOVELTY_SEARCH,
    AttachmentType.SALES_EVIDENCE, AttachmentType.FINANCIAL_REPORT,
]


def demo_pdf(title):
    """A small, valid one-page PDF (correct xref offsets) whose page shows `title` (ASCII)."""
    text = title.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj 0 -24 Td (Demo attachment - not a real document) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _fields(key, product, field, overrides=None):
    p = PRODUCTS[key]
    rows = (overrides or {}).get("indicators", p["indicators"])
    contract, sold_on, price, buyer = p["sale"]
    return {
        "product_name": product,
        "model_spec": p["model_spec"],
        "category": Category.EQUIPMENT,
        "equipment_form": p["equipment_form"],
        "declared_level": p["declared_level"],
        "field": field,
        "innovation_points": p["innovation_points"],
        "indicators": [dict(zip(["indicator", "our_value", "domestic_best", "foreign_best", "source"], r, strict=True))
                       for r in rows],
        "ip_items": [dict(zip(["kind", "number", "title"], r, strict=True)) for r in p["ip"]],
        "first_sale_contract": contract,
        "first_sale_date": sold_on,
        "first_sale_price": price,
        "first_sale_buyer": buyer,
    }


def _staff_logins():
    """The extra bureau logins (idempotent); returns [(username, organisation name)]."""
    logins = []
    for username, display, level, code in EXTRA_STAFF:
        org = Organisation.objects.get(kind="bureau", bureau_level=level, department="industry", region__code=code)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=display, email=f"{username}@demo.example.com")
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, organisation=org,
                                         defaults={"role": role_for_organisation(org), "is_admin": True})
        logins.append((username, org.name))
    return logins


def _batch():
    from .services import batches

    batch = Batch.objects.filter(name=BATCH_NAME).first()
    if batch is not None:
        return batch, False
    prov = User.objects.get(username="prov_staff")
    now = timezone.now().replace(second=0, microsecond=0)
    cities = {r.code: r.pk for r in Region.objects.filter(level=Region.Level.CITY)}
    with transaction.atomic():
        batch = batches.create_batch(
            actor=prov, year=2026, name=BATCH_NAME,
            opens_at=now - timedelta(days=7), closes_at=now + timedelta(days=21),
            recommend_deadline=now + timedelta(days=35),
            notes="申报范围：近两年内实现首台销售的装备、新材料和软件产品。请按附件要求上传PDF格式材料，"
                  "由所在县（市、区）经信局、设区市经信局逐级推荐。",
            quotas={cities[code]: n for code, n in QUOTAS.items()},
        )
        batch = batches.publish_batch(actor=prov, batch_id=batch.pk)
    return batch, True


def _attach(actor, app, types):
    from .services.attachments import upload_attachment

    for t in types:
        label = AttachmentType(t).label
        upload_attachment(actor=actor, application_id=app.pk, type=t,
                          uploaded_file=ContentFile(demo_pdf(f"{app.model_spec} - {t}"), name=f"{label}.pdf"))


def _build(batch, key, name, region, product, field, target, steps):
    from .services import applications as svc

    enterprise = Organisation.objects.get(uscc=D.uscc("91", region, 1000 + [e[0] for e in D.ENTERPRISES].index(key)))
    owner = User.objects.get(username=key)
    fields = _fields(key, product, field)
    existing = Application.objects.filter(batch=batch, enterprise=enterprise, product_name=product,
                                          model_spec=fields["model_spec"]).first()
    if existing is not None:
        return existing, False
    users = {}
    with transaction.atomic():
        app = svc.create_application(actor=owner, batch_id=batch.pk, enterprise_id=enterprise.pk, commitment=True,
                                     **fields)
        # A draft keeps two attachments still missing; everything else has the full set.
        _attach(owner, app, REQUIRED_DEMO_ATTACHMENTS[:-2] if target == State.DRAFT else REQUIRED_DEMO_ATTACHMENTS)
        for username, call, args in steps:
            actor = users.setdefault(username, User.objects.get(username=username))
            if call == "submit":
                svc.submit(actor=actor, application_id=app.pk)
            elif call == "resubmit":
                svc.resubmit(actor=actor, application_id=app.pk)
            elif call == "withdraw":
                svc.withdraw(actor=actor, application_id=app.pk, **args)
            elif call == "fix":
                svc.update_draft(actor=actor, application_id=app.pk, **_fields(key, product, field, args))
                _attach(actor, app, [AttachmentType.TEST_REPORT, AttachmentType.NOVELTY_SEARCH])
            elif call == "decide":
                args = dict(args)
                if args.get("items") == "checklist":
                    args["items"] = [str(label) for _code, label in FORMAL_CHECKLIST]
                svc.decide(actor=actor, application_id=app.pk, **args)
            else:  # pragma: no cover - a typo in PLAN
                raise ValueError(call)
        app = Application.objects.get(pk=app.pk)
        if app.state != target:
            raise RuntimeError(f"demo application of {key} ended in {app.state}, expected {target}")
    return app, True


def load():
    """Create what is missing. Returns (logins to print, [(enterprise key, state, number, created)])."""
    logins = _staff_logins()
    batch, _created = _batch()
    by_key = {e[0]: e for e in D.ENTERPRISES}
    made = []
    for key, target, steps in PLAN:
        _k, name, region, product, field = by_key[key]
        app, created = _build(batch, key, name, region, product, field, target, steps)
        made.append((key, app.state, app.number, created))
    return logins, batch, made
