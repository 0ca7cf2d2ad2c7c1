"""Demo data of expert review, loaded by `manage.py demo` after the certification demo.

A closed earlier batch, “2025年度浙江省首台（套）装备认定（第二批）”, whose twelve applications (the demo
enterprises' other products, seven fields, three cities) went through the intake workflow with the demo
logins — submitted, recommended by county and city, passed at formal review by prov_staff — and are now
in expert review, set up by prov_staff through the review services: the rubric weighted by its points,
four panels, five experts per application auto-assigned, the round started with the deadline ten days
ahead. Then the experts act through the same services: most declare no conflict and submit sheets (varied
scores, Chinese comments), some sheets stay as drafts or undeclared, one expert declares a conflict and is
replaced by a second auto-assignment, and prov_staff records proposals for two applications whose sheets
are all in.

Time: the services run now, so the batch is first open; once the applications have passed, its dates and
the intake records' times are moved back (the batch opened 120 days and closed 75 days ago) and it is
closed as the beat task closes a batch at its deadline. The audit log keeps the real times (it is
append-only); the back-dating itself is one audit event.

The pool: the 24 demo experts (universities and institutes) cover each field four to six times; six more
(expert25…expert30) bring medical, robotics and components to seven, two of them employed by applicants
(双环传动, 海德曼), whom the assignment must skip for their employer's applications.

Idempotent: found by the batch's name; everything is built in one transaction, so a failed run leaves
nothing behind and a second run changes nothing.
"""

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import demo_data as D
from accounts.models import ExpertProfile, Organisation, Region, User
from audit.services import record
from certification.catalogue import AttachmentType, Category
from certification.demo import QUOTAS, REQUIRED_DEMO_ATTACHMENTS, demo_pdf
from certification.models import Application, ApplicationRevision, Attachment, Batch, Decision, Stage, State
from certification.workflow import FORMAL_CHECKLIST

from .models import Assignment, ReviewRound, ScoreSheet

BATCH_NAME = "2025年度浙江省首台（套）装备认定（第二批）"
BATCH_YEAR = 2025
REVIEW_DAYS = 10

# Employers of the extra experts that are not yet demo organisations: key → (kind, name, region, prefix, serial).
EXTRA_ORGS = {"zjmd": ("other", "浙江省医疗器械检验研究院", "3301", "12", 3107)}

# username, name, title, employer (OTHER_ORGS / EXTRA_ORGS key or an enterprise login), fields.
EXTRA_EXPERTS = [
    ("expert25", "沈国良", "正高级工程师", "shuanghuan", ["components"]),
    ("expert26", "陆志刚", "教授", "zjut", ["robotics", "components"]),
    ("expert27", "韩雪峰", "研究员", "zju", ["robotics", "medical"]),
    ("expert28", "蒋文涛", "教授级高级工程师", "haideman", ["robotics"]),
    ("expert29", "潘丽君", "主任医师", "buyer", ["medical"]),
    ("expert30", "董建新", "正高级工程师", "zjmd", ["medical", "components"]),
]

# The rubric of create_round, weighted by its points so that a sheet's total is the sum of its points.
RUBRIC_WEIGHTS = {"创新性": "0.30", "先进性": "0.25", "质量可靠性": "0.15", "知识产权": "0.15", "应用前景与效益": "0.15"}
PANELS = [
    ("先进交通与船舶装备组", ["vehicles", "ships"]),
    ("智能制造与关键基础件组", ["robotics", "components"]),
    ("医疗器械组", ["medical"]),
    ("纺织与农业装备组", ["textile", "agriculture"]),
]

# What the experts do on an application (active experts in username order, those in `last` moved to the end):
# `submit` submit, `draft` save a draft, the rest do not declare yet. `recuse`: the first expert declares a
# conflict instead, and the replacement (auto-assigned) has not declared yet. `outlier`: the first submitting
# expert scores far below the others (the dispersion flag).
COMPLETE = {"submit": 5}
PRODUCTS = [
    dict(key="caihong", product="CH-10系留式多旋翼应急通信无人机系统", model="CH-10T", field="vehicles",
         form="set", level="domestic", quality=86, plan=COMPLETE,
         proposal=("domestic", "评审得分较高，专家多数推荐国内首台（套），与申报级别一致，拟列入认定名单。"),
         highlight="系留供电与光纤通信一体化设计，连续滞空时间明显优于国内同类产品",
         innovation="系留供电与光纤通信一体化，单机连续滞空72小时，为灾区提供大范围公网通信覆盖和高清视频回传。",
         indicators=[("连续滞空时间", "72 h", "24 h", "48 h", "检测报告 CAAC-2025-061"),
                     ("通信覆盖半径", "50 km", "20 km", "30 km", "检测报告 ZJTT-2025-0412")],
         ip=[("发明专利", "ZL202210876543.1", "一种系留无人机光电复合缆收放控制方法")],
         sale=("CH-XS-2025-006", date(2025, 3, 12), "12600000.00", "浙江省应急管理厅")),
    dict(key="wanfeng", product="DA42-VI双发活塞固定翼飞机", model="DA42-VI", field="vehicles",
         form="complete", level="domestic", quality=80, plan={"submit": 4, "last": ["expert01"]},
         highlight="双发航空柴油动力与全复合材料机体实现国产化制造",
         innovation="双发航空柴油发动机与全复合材料机体国产化制造，单发失效仍可安全返航，满足飞行训练与航测需求。",
         indicators=[("最大起飞重量", "1999 kg", "1800 kg", "1999 kg", "型号合格证 TC0107A"),
                     ("巡航油耗", "30 L/h", "45 L/h", "32 L/h", "试飞报告 WF-2025-11")],
         ip=[("发明专利", "ZL202110223344.6", "一种双发飞机复合材料机翼对接结构")],
         sale=("WF-2025-DA42-008", date(2025, 4, 18), "8650000.00", "中国民用航空飞行学院")),
    dict(key="tianrun", product="民用飞机货舱门电动作动系统", model="TR-CD-210", field="vehicles",
         form="set", level="provincial", quality=77, plan={"submit": 4, "draft": 1, "last": ["expert01"]},
         highlight="以机电作动替代液压作动并集成冗余锁定",
         innovation="机电作动替代液压作动，集成冗余锁定与状态监测，整机减重18%。",
         indicators=[("作动时间", "15 s", "20 s", "14 s", "检测报告 CAAC-TR-2025-09"),
                     ("整机重量", "42 kg", "55 kg", "40 kg", "检测报告 CAAC-TR-2025-09")],
         ip=[("发明专利", "ZL202211334455.7", "一种飞机货舱门机电作动冗余锁定装置")],
         sale=("TR-2025-1108", date(2025, 1, 8), "3860000.00", "中国商用飞机有限责任公司")),
    dict(key="maide", product="血液透析器全自动组装检测生产线", model="MD-DA-600", field="medical",
         form="set", level="international", quality=84, plan=COMPLETE,
         proposal=("domestic", "专家多数推荐国内首台（套）：生产节拍和泄漏检测灵敏度领先，但整线长期运行数据尚不足以"
                               "支撑国际首台（套），拟按国内首台（套）列入认定名单。"),
         highlight="透析器装配、灌封与密封性检测全流程自动化，生产节拍和检测灵敏度优于国外同类产线",
         innovation="透析器壳体装配、灌封、切割、密封性检测全流程自动化，在线泄漏检测灵敏度达到国际先进水平。",
         indicators=[("生产节拍", "60 支/min", "35 支/min", "50 支/min", "检测报告 ZJIT-2025-1876"),
                     ("泄漏检测灵敏度", "0.5 Pa", "2 Pa", "1 Pa", "查新报告 ZJ-CX-2025-118")],
         ip=[("发明专利", "ZL202010667788.2", "一种透析器灌封离心装置"),
             ("发明专利", "ZL202111998877.0", "透析器密封性在线检测方法")],
         sale=("MD-2025-0322", date(2025, 3, 22), "21800000.00", "广东宝莱特医用科技股份有限公司")),
    dict(key="maide", product="一次性使用输液器全自动组装机", model="MD-IV-120", field="medical",
         form="complete", level="domestic", quality=82, plan=COMPLETE,
         highlight="输液器多部件视觉定位自动装配与在线检测剔除",
         innovation="输液器十二个部件视觉定位自动装配，在线检测不良品并自动剔除，替代人工装配。",
         indicators=[("装配速度", "120 套/min", "80 套/min", "100 套/min", "检测报告 ZJIT-2025-0933"),
                     ("一次合格率", "99.6%", "98.5%", "99.5%", "用户使用报告")],
         ip=[("发明专利", "ZL202110554433.8", "一种输液器组件视觉定位装配方法")],
         sale=("MD-2025-0611", date(2025, 6, 11), "4380000.00", "山东威高集团医用高分子制品股份有限公司")),
    dict(key="haideman", product="T65P高精密数控车削中心", model="T65P", field="robotics",
         form="complete", level="domestic", quality=82, plan={"recuse": True, "submit": 3, "draft": 1},
         recusal="本人所在团队近三年与该企业合作开展数控车床热误差补偿横向课题，存在利益关联，申请回避。",
         highlight="静压导轨与主轴热伸长实时补偿，精密车削精度接近国外先进水平",
         innovation="高刚性斜床身与静压导轨结构，主轴热伸长实时补偿，精密车削圆度稳定在0.5 μm以内。",
         indicators=[("加工圆度", "0.5 μm", "1.5 μm", "0.6 μm", "检测报告 NCMT-2025-142"),
                     ("重复定位精度", "0.002 mm", "0.004 mm", "0.002 mm", "检测报告 NCMT-2025-142")],
         ip=[("发明专利", "ZL202110667711.3", "一种数控车床静压导轨油膜控制方法")],
         sale=("HDM-2025-118", date(2025, 2, 18), "1980000.00", "浙江万向精工有限公司")),
    dict(key="haideman", product="VL800立式车铣复合加工中心", model="VL800", field="robotics",
         form="complete", level="provincial", quality=72, plan={},
         highlight="立式车铣复合一次装夹完成盘类零件全部工序",
         innovation="立式车铣复合结构一次装夹完成盘类零件车、铣、钻、攻全部工序，配套自主开发的工艺数据库。",
         indicators=[("最大回转直径", "800 mm", "630 mm", "800 mm", "检测报告 NCMT-2025-177"),
                     ("定位精度", "0.006 mm", "0.010 mm", "0.005 mm", "检测报告 NCMT-2025-177")],
         ip=[("实用新型", "ZL202320112233.4", "一种立式车铣复合机床刀塔结构")],
         sale=("HDM-2025-206", date(2025, 5, 6), "1560000.00", "浙江银轮机械股份有限公司")),
    dict(key="shuanghuan", product="工业机器人用RV减速器", model="SHRV-40E", field="components",
         form="component", level="domestic", quality=85, plan={"submit": 5, "outlier": True},
         highlight="摆线针轮精密磨削与整机跑合工艺，回差和扭转刚度达到国外同类产品水平",
         innovation="摆线针轮精密磨削与整机跑合工艺，回差和扭转刚度达到国外同类产品水平，实现六轴机器人关节减速器"
                    "国产替代。",
         indicators=[("回差", "≤1 arcmin", "≤1.5 arcmin", "≤1 arcmin", "检测报告 NGTC-2025-077"),
                     ("额定寿命", "6000 h", "4000 h", "6000 h", "检测报告 NGTC-2025-077")],
         ip=[("发明专利", "ZL202010889900.5", "一种RV减速器摆线轮修形方法"),
             ("发明专利", "ZL202111223300.9", "一种精密减速器回差检测装置")],
         sale=("SHRV-2025-031", date(2025, 3, 31), "6200000.00", "埃夫特智能装备股份有限公司")),
    dict(key="donghua", product="重载自动扶梯梯级链", model="DH-TJ-135", field="components",
         form="component", level="provincial", quality=76, plan={"submit": 2, "draft": 1},
         highlight="大节距链板精密冲压与滚轮一体化成型，破断载荷满足公共交通型重载扶梯要求",
         innovation="大节距滚轮链板精密冲压与滚轮注塑一体化，破断载荷和耐磨寿命满足公共交通型重载扶梯要求。",
         indicators=[("最小破断载荷", "180 kN", "135 kN", "180 kN", "检测报告 NQTC-2025-208"),
                     ("磨损伸长率", "0.08%", "0.15%", "0.10%", "检测报告 NQTC-2025-208")],
         ip=[("发明专利", "ZL202110998811.6", "一种自动扶梯梯级链滚轮固定结构")],
         sale=("DH-2025-0220", date(2025, 2, 20), "2860000.00", "杭州西奥电梯有限公司")),
    dict(key="qixing", product="智能缝制单元一体化控制系统", model="QX-IC-800", field="textile",
         form="set", level="provincial", quality=79, plan=COMPLETE,
         highlight="主轴伺服、步进送料与视觉模板识别一体化控制",
         innovation="缝纫机主轴伺服、步进送料与视觉模板识别一体化控制，支持缝制工艺云端下发，换款时间缩短60%。",
         indicators=[("换款时间", "5 min", "15 min", "8 min", "用户使用报告"),
                     ("控制响应周期", "0.5 ms", "1 ms", "0.5 ms", "检测报告 ZJEMC-2025-633")],
         ip=[("发明专利", "ZL202210445566.3", "一种缝制单元视觉模板识别方法")],
         sale=("QX-2025-0519", date(2025, 5, 19), "1280000.00", "浙江森马服饰股份有限公司")),
    dict(key="huaying", product="12米铝合金高速巡逻艇", model="HY-12PB", field="ships",
         form="complete", level="provincial", quality=73, plan={"submit": 3},
         highlight="深V滑行艇型与铝合金船体轻量化焊接",
         innovation="深V滑行艇型与铝合金船体轻量化焊接，双喷水推进，最高航速40节，满足近海执法巡逻需求。",
         indicators=[("最高航速", "40 kn", "35 kn", "42 kn", "船检报告 ZJ-CCS-2025-33"),
                     ("适航海况", "4级", "3级", "4级", "试航报告 HY-2025-05")],
         ip=[("实用新型", "ZL202320556677.1", "一种高速巡逻艇喷水推进器护罩")],
         sale=("HY-2025-0415", date(2025, 4, 15), "5600000.00", "浙江省海洋监测预报中心")),
    dict(key="donghua", product="联合收割机用高强度输送链条", model="DH-NJ-38", field="agriculture",
         form="component", level="provincial", quality=70, plan={},
         highlight="链板高强钢精冲与销轴渗碳复合强化，耐泥水磨损寿命明显提高",
         innovation="链板高强钢精冲与销轴渗碳复合强化，耐泥水磨损寿命较传统链条提高一倍，适配大喂入量联合收割机。",
         indicators=[("抗拉强度", "38 kN", "28 kN", "35 kN", "检测报告 NQTC-2025-271"),
                     ("使用寿命", "1200 h", "600 h", "1000 h", "用户使用报告")],
         ip=[("发明专利", "ZL202110776655.0", "一种农机输送链销轴复合强化方法")],
         sale=("DH-2025-0809", date(2025, 8, 9), "1650000.00", "中联重机浙江有限公司")),
]

STRENGTHS = {
    "high": ["核心技术具有自主知识产权，关键技术指标优于国内同类产品，部分指标达到国际先进水平。",
             "检测报告、查新报告和首台销售证明齐全，用户使用评价良好，具备较好的推广应用前景。",
             "技术路线清晰，研发投入大，对省内产业链补链强链作用明显。"],
    "mid": ["技术路线成熟，主要指标达到国内先进水平，检测与首台销售材料基本完整。",
             "产品已实现首台销售并稳定运行，具有一定的进口替代作用。",
             "知识产权与产品核心技术对应较好，但创新程度与国内领先产品相比优势不够突出。"],
    "low": ["与国内同类产品相比，关键指标优势不明显，创新点描述偏笼统。",
            "知识产权以实用新型为主，核心部件仍依赖外购，自主化程度有待提高。",
            "首台应用时间较短，可靠性验证数据不足。"],
}
SUGGESTIONS = ["建议补充连续运行一年以上的可靠性数据。", "建议进一步提高核心部件国产化率。",
               "建议完善售后服务与远程运维体系。", "首台销售合同与验收报告的对应关系需进一步说明。",
               "建议加强与下游用户的联合验证，积累更多应用案例。"]
VOTE_PHRASE = {"international": "建议按国际首台（套）推荐。", "domestic": "建议按国内首台（套）推荐。",
               "provincial": "建议按省内首台（套）推荐。", "none": "综合评议，暂不建议认定。"}


def _rng(*parts):
    return random.Random("|".join(str(p) for p in parts))


def _half(value):
    return (Decimal(value) * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


# --- the pool ------------------------------------------------------------------------------------------
def _org(key):
    """An employer of the extra experts: a demo organisation, an enterprise by its login, or a new institute."""
    other = {k: (prefix, region, serial) for k, _kind, _name, region, prefix, serial in D.OTHER_ORGS}
    if key in other:
        prefix, region, serial = other[key]
        return Organisation.objects.get(uscc=D.uscc(prefix, region + "00", serial))
    keys = [e[0] for e in D.ENTERPRISES]
    if key in keys:
        return Organisation.objects.get(uscc=D.uscc("91", D.ENTERPRISES[keys.index(key)][2], 1000 + keys.index(key)))
    kind, name, region, prefix, serial = EXTRA_ORGS[key]
    code = D.uscc(prefix, region + "00", serial)
    org = Organisation.objects.filter(uscc=code).first()
    if org is None:
        org = Organisation(kind=kind, name=name, uscc=code, region=Region.objects.get(code=region),
                           status=Organisation.Status.APPROVED, contact_name="联系人", contact_phone="0571-88888888")
        org.full_clean()
        org.save()
        record(action="demo.org_created", organisation=org, obj=org, after={"name": name, "uscc": code, "kind": kind})
    return org


def _experts():
    """The extra experts (idempotent). One password hash for all of them: hashing is the slow part."""
    password = None
    for username, name, title, employer_key, fields in EXTRA_EXPERTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = password or make_password(settings.DEMO_PASSWORD)
            user = User.objects.create(username=username, display_name=name, email=f"{username}@demo.example.com",
                                       password=password)
        employer = _org(employer_key)
        ExpertProfile.objects.get_or_create(
            user=user, defaults={"fields": fields, "title": title, "employer": employer, "region": employer.region})


# --- the batch and its applications --------------------------------------------------------------------
def _staff(level, region):
    return (User.objects.filter(memberships__organisation__kind="bureau", memberships__organisation__bureau_level=level,
                                memberships__organisation__department="industry",
                                memberships__organisation__region=region, is_active=True)
            .order_by("username").first())


def _fields(p):
    contract, sold_on, price, buyer = p["sale"]
    return {
        "product_name": p["product"], "model_spec": p["model"], "category": Category.EQUIPMENT,
        "equipment_form": p["form"], "declared_level": p["level"], "field": p["field"],
        "innovation_points": p["innovation"],
        "indicators": [dict(zip(["indicator", "our_value", "domestic_best", "foreign_best", "source"], r, strict=True))
                       for r in p["indicators"]],
        "ip_items": [dict(zip(["kind", "number", "title"], r, strict=True)) for r in p["ip"]],
        "first_sale_contract": contract, "first_sale_date": sold_on, "first_sale_price": Decimal(price),
        "first_sale_buyer": buyer,
    }


def _passed_application(batch, p, prov):
    """Draft, attachments, submit, county and city recommendation, formal pass — each by its own login."""
    from certification.services import applications as svc
    from certification.services.attachments import upload_attachment

    owner = User.objects.get(username=p["key"])
    enterprise = Organisation.objects.get(memberships__user=owner, kind="enterprise")
    app = svc.create_application(actor=owner, batch_id=batch.pk, enterprise_id=enterprise.pk, commitment=True,
                                 **_fields(p))
    for t in REQUIRED_DEMO_ATTACHMENTS:
        upload_attachment(actor=owner, application_id=app.pk, type=t,
                          uploaded_file=ContentFile(demo_pdf(f"{app.model_spec} - {t}"),
                                                    name=f"{AttachmentType(t).label}.pdf"))
    app = svc.submit(actor=owner, application_id=app.pk)
    if app.state == State.COUNTY_REVIEW:
        svc.decide(actor=_staff("county", app.region), application_id=app.pk, action="county_recommend",
                   opinion="材料齐全，产品技术水平较高，同意推荐。")
    svc.decide(actor=_staff("city", app.city), application_id=app.pk, action="city_recommend",
               opinion="经审核，同意推荐至省经信厅。")
    svc.decide(actor=prov, application_id=app.pk, action="formal_pass", opinion="形式审查通过，进入专家评审。",
               items=[str(label) for _code, label in FORMAL_CHECKLIST])
    return app


def _backdate_batch(batch, apps, prov, now):
    """Move the batch's dates and the intake records' times into the past (see the module docstring)."""
    local = timezone.localtime(now)
    opens = (local - timedelta(days=120)).replace(hour=9, minute=0, second=0, microsecond=0)
    closes = (local - timedelta(days=75)).replace(hour=17, minute=0, second=0, microsecond=0)
    deadline = closes + timedelta(days=15)
    before = {"opens_at": batch.opens_at, "closes_at": batch.closes_at, "recommend_deadline": batch.recommend_deadline}
    Batch.objects.filter(pk=batch.pk).update(opens_at=opens, closes_at=closes, recommend_deadline=deadline,
                                             created_at=opens - timedelta(days=7),
                                             published_at=opens - timedelta(days=3))
    record(action="demo.batch_backdated", actor=prov, obj=batch, before=before,
           after={"opens_at": opens, "closes_at": closes, "recommend_deadline": deadline},
           reason="演示数据：批次及受理记录时间前移，使批次处于申报截止、专家评审阶段。")
    for i, app in enumerate(apps):
        created = opens + timedelta(days=3 + 2 * i, hours=i % 5)
        submitted = created + timedelta(days=6, hours=2)
        county = submitted + timedelta(days=5 + i % 3)
        city = closes + timedelta(days=4 + i % 4)
        formal = deadline + timedelta(days=8 + i % 5)
        Application.objects.filter(pk=app.pk).update(created_at=created, commitment_confirmed_at=created,
                                                     submitted_at=submitted, city_recommended_at=city,
                                                     updated_at=formal)
        Attachment.objects.filter(application=app).update(uploaded_at=created + timedelta(hours=1))
        ApplicationRevision.objects.filter(application=app).update(created_at=submitted)
        for stage, at in ((Stage.COUNTY, county), (Stage.CITY, city), (Stage.PROVINCE, formal)):
            Decision.objects.filter(application=app, stage=stage).update(created_at=at)
    return Batch.objects.get(pk=batch.pk)


def _batch_with_passed_applications(prov):
    from certification.services import batches

    now = timezone.now()
    cities = {r.code: r.pk for r in Region.objects.filter(level=Region.Level.CITY)}
    batch = batches.create_batch(
        actor=prov, year=BATCH_YEAR, name=BATCH_NAME,
        opens_at=now - timedelta(days=120), closes_at=now + timedelta(days=1),
        recommend_deadline=now + timedelta(days=2),
        notes="申报范围：近两年内实现首台销售的高端装备。申报已截止，通过形式审查的申报进入专家评审。",
        quotas={cities[code]: n for code, n in QUOTAS.items()},
    )
    batch = batches.publish_batch(actor=prov, batch_id=batch.pk)
    apps = [_passed_application(batch, p, prov) for p in PRODUCTS]
    batch = _backdate_batch(batch, apps, prov, now)
    batch = batches.close_batch(batch_id=batch.pk)  # as the beat task does once the closing time has passed
    return batch, apps


# --- the review ----------------------------------------------------------------------------------------
def _vote(percent, declared):
    if percent >= 88 and declared == "international":
        return "international"
    if percent >= 80:
        return "domestic" if declared in ("international", "domestic") else "provincial"
    if percent >= 66:
        return "provincial"
    return "none"


def _sheet(p, criteria, expert, *, outlier=False):
    """Plausible scores (half points), a level vote and a comment for one expert on one product."""
    rng = _rng(p["model"], expert.username)
    percent = p["quality"] + rng.uniform(-5, 5) - (24 if outlier else 0)
    scores = {}
    for c in criteria:
        value = _half(c.max_points * Decimal(str(max(40.0, min(98.0, percent + rng.uniform(-6, 6))))) / 100)
        scores[str(c.id)] = str(min(value, c.max_points))
    total = sum(Decimal(v) for v in scores.values()) * 100 / sum(c.max_points for c in criteria)
    vote = _vote(float(total), p["level"])
    tier = "high" if total >= 83 else "mid" if total >= 70 else "low"
    comment = (f"该产品{p['highlight']}。" + rng.choice(STRENGTHS[tier]) + rng.choice(SUGGESTIONS)
               + VOTE_PHRASE[vote])
    return scores, vote, comment


def _act(rr, app, p, criteria, prov):
    from .services import assignments as assign
    from .services import sheets

    plan = p["plan"]
    last = set(plan.get("last", []))

    def active():
        rows = Assignment.objects.filter(round=rr, application=app, state__in=Assignment.ACTIVE)
        return sorted(rows.select_related("expert", "sheet"), key=lambda a: (a.expert.username in last, a.expert.username))

    rows = active()
    if plan.get("recuse"):
        assign.declare(actor=rows[0].expert, assignment_id=rows[0].pk, conflict=True, reason=p["recusal"])
        assign.auto_assign(actor=prov, review_round=rr, application_ids=[app.pk])
        original = {a.pk for a in rows}
        rows = [a for a in active() if a.pk in original]  # the replacement has not declared yet
    submit, draft = plan.get("submit", 0), plan.get("draft", 0)
    for i, a in enumerate(rows[:submit + draft]):
        assign.declare(actor=a.expert, assignment_id=a.pk, conflict=False)
        scores, vote, comment = _sheet(p, criteria, a.expert, outlier=plan.get("outlier") and i == 0)
        if i < submit:
            sheets.submit(actor=a.expert, sheet_id=a.sheet.pk, scores=scores, level_vote=vote, comment=comment,
                          confirmed=True)
        else:  # halfway through: the first criteria scored, no vote yet, the comment begun
            half = dict(list(scores.items())[:3])
            sheets.save_draft(actor=a.expert, sheet_id=a.sheet.pk, scores=half, comment=comment.split("。")[0] + "。")


def _backdate_review(rr, now):
    """The round started six days ago; declarations and submissions spread over the days since; the
    replacement of the recused expert was assigned yesterday."""
    started = now - timedelta(days=6)
    ReviewRound.objects.filter(pk=rr.pk).update(created_at=started - timedelta(days=2), started_at=started)
    for a in Assignment.objects.filter(round=rr).order_by("id"):
        replacement = a.created_at > rr.started_at
        declared = started + timedelta(days=a.pk % 4, hours=2 + a.pk % 7) if a.declared_at else None
        Assignment.objects.filter(pk=a.pk).update(
            created_at=now - timedelta(days=1) if replacement else started - timedelta(hours=1), declared_at=declared)
        if declared:
            ScoreSheet.objects.filter(assignment=a, state=ScoreSheet.State.SUBMITTED).update(
                submitted_at=declared + timedelta(days=1, hours=a.pk % 5))


def _review(batch, prov):
    from .services import assignments as assign
    from .services import proposals, rounds

    now = timezone.now()
    rr = rounds.create_round(actor=prov, batch=batch)
    deadline = (timezone.localtime(now) + timedelta(days=REVIEW_DAYS)).replace(hour=17, minute=0, second=0,
                                                                               microsecond=0)
    rr = rounds.update_settings(actor=prov, review_round=rr, experts_per_application=5, deadline=deadline)
    rounds.set_criteria(actor=prov, review_round=rr, rows=[
        {"name": c.name, "description": c.description, "max_points": c.max_points, "weight": RUBRIC_WEIGHTS[c.name]}
        for c in rr.criteria.all()])
    rounds.set_panels(actor=prov, review_round=rr, rows=[{"name": n, "fields": f} for n, f in PANELS])
    out = assign.auto_assign(actor=prov, review_round=rr)
    if out["shortages"]:
        raise RuntimeError("demo expert pool too small: " + "; ".join(s["message"] for s in out["shortages"]))
    rr = rounds.start_round(actor=prov, review_round=rr)
    criteria = list(rr.criteria.all())
    apps = {(a.enterprise_id, a.model_spec): a for a in Application.objects.filter(batch=batch)}
    by_product = []
    for p in PRODUCTS:
        enterprise = Organisation.objects.get(memberships__user__username=p["key"], kind="enterprise")
        app = apps[(enterprise.pk, p["model"])]
        _act(rr, app, p, criteria, prov)
        by_product.append((p, app))
    for p, app in by_product:
        if "proposal" in p:
            outcome, reason = p["proposal"]
            proposals.record_proposal(actor=prov, application_id=app.pk, outcome=outcome, reason=reason)
    _backdate_review(rr, now)
    return ReviewRound.objects.get(pk=rr.pk)


def load():
    """Create what is missing. Returns (the review round, created?)."""
    existing = Batch.objects.filter(name=BATCH_NAME).first()
    if existing is not None:
        return ReviewRound.objects.filter(batch=existing).first(), False
    prov = User.objects.get(username="prov_staff")
    with transaction.atomic():
        _experts()
        batch, _apps = _batch_with_passed_applications(prov)
        rr = _review(batch, prov)
    return rr, True


def summary(rr):
    """Lines for the demo command's output: the round's figures and the experts with work in it."""
    counts = {s: Assignment.objects.filter(round=rr, state=s).count() for s in Assignment.State.values}
    sheets = ScoreSheet.objects.filter(assignment__round=rr, assignment__state__in=Assignment.ACTIVE)
    submitted = sheets.filter(state=ScoreSheet.State.SUBMITTED).count()
    experts = sorted(set(Assignment.objects.filter(round=rr, state__in=Assignment.ACTIVE)
                         .values_list("expert__username", flat=True)))
    return [
        f"Review: {rr.batch.name} ({rr.get_state_display()}, deadline "
        f"{timezone.localtime(rr.deadline):%Y-%m-%d %H:%M}); "
        f"{Application.objects.filter(batch=rr.batch).count()} applications, "
        f"{counts['pending'] + counts['accepted']} active assignments ({submitted} sheets submitted, "
        f"{counts['pending']} not yet declared), {counts['recused']} recusal, "
        f"{Application.objects.filter(batch=rr.batch, proposal__isnull=False).count()} proposals",
        "  experts with review work: " + ", ".join(experts),
    ]
