"""Demo data of public notices, objections, recognitions and certificates, loaded by `manage.py demo` after the
review demo.

1. A concluded batch, “2024年度浙江省首台（套）装备认定”: seventeen applications (the nine named products of
   domain.md §10 and eight of fictional enterprises in the other cities, so the catalogue spans all eleven
   cities and ten fields) taken through intake by the enterprises' and bureaus' own logins, reviewed by five
   experts each through the review services (every sheet submitted), a proposal recorded for each by
   prov_staff, the round closed; a public notice built, published and closed through the notice services;
   every item recognised with one decision document (浙经信装备〔2024〕112号), numbered per level, and each
   certificate rendered synchronously by the certificate service (the PDFs exist as soon as the command ends).
   One recognition (a fictional enterprise's) was later revoked with a reason and a document number.
2. A batch whose notice is public now, “2025年度浙江省首台（套）装备认定（第一批）”: four applications through
   the same intake and review, a notice published through the services and running now (it started on the
   last working day before the demo ran, five working days), one objection dismissed with a reply and one
   still under investigation (with an evidence file).

Time: the services run now; once each step is done its records are moved back with direct updates (the 2024
batch to 2024 dates, the notice of the second batch to its start), and every back-dating is one audit event
("demo.recognition_backdated"). The audit log keeps the real times (it is append-only).

Idempotent: each batch is found by its name and built in one transaction, so a failed run leaves nothing behind
and a second run changes nothing (certificates still pending from an interrupted run are rendered).
"""

import contextlib
import datetime as dt
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import demo_data as D
from accounts.models import Membership, Organisation, Region, User, role_for_organisation
from audit.services import record
from certification.catalogue import Level
from certification.demo import QUOTAS, demo_pdf
from certification.models import Application, ApplicationRevision, Attachment, Batch, Decision, Stage
from review.demo import PANELS, RUBRIC_WEIGHTS, _passed_application, _sheet
from review.models import Assignment, Proposal, ReviewRound, ScoreSheet

from .models import Certificate, Notice, Objection, Recognition
from .workdays import SHANGHAI, is_workday, notice_period

CONCLUDED_NAME = "2024年度浙江省首台（套）装备认定"
CONCLUDED_YEAR = 2024
CURRENT_NAME = "2025年度浙江省首台（套）装备认定（第一批）"
CURRENT_YEAR = 2025
DECISION_NUMBER = "浙经信装备〔2024〕112号"
DECISION_DATE = dt.date(2024, 11, 8)
REVOCATION_DOCUMENT = "浙经信装备〔2025〕57号"
REVOCATION_REASON = ("经核查，该产品首台销售合同约定的设备型号与实际交付设备不一致，申报材料中的首台销售证明存在不实内容，"
                     "依据《浙江省首台（套）产品认定管理办法》有关规定，撤销其首台（套）产品认定，收回认定证书。")
NOTICE_CONTACT = ("受理单位：浙江省经济和信息化厅装备工业处\n联系人：王工  电话：0571-87050000\n"
                  "地址：杭州市省府路8号省府大楼6号楼\n异议须实名提出，并附必要的证明材料。")


def _at(y, m, d, hh=9, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# Enterprises of fictional names in the cities the named ones do not cover (a county with no bureau of its own:
# the city bureau recommends directly): login, name, county region code, city staff login.
EXTRA_ENTERPRISES = [
    ("beilun", "宁波北仑港机装备有限公司", "330203", "nb_staff"),
    ("ouhai", "温州瓯海流体控制设备有限公司", "330303", "wz_staff"),
    ("chaocheng", "海宁潮城光伏装备有限公司", "330405", "jx_staff"),
    ("taihu", "长兴太湖环保装备有限公司", "330504", "huz_staff"),
    ("mingshan", "武义茗山农业机械有限公司", "330703", "jh_staff"),
    ("qujiang", "江山衢江智能装备有限公司", "330803", "qz_staff"),
    ("donghai", "岱山东海船舶配套有限公司", "330903", "zs_staff"),
    ("jinyun", "缙云瓯江机器人科技有限公司", "331103", "ls_staff"),
]
EXTRA_SERIAL = 1100  # USCC serials of the extra enterprises: 1100 + index


def _p(key, product, model, field, form, declared, level, sale, innovation, indicators, ip, quality=None,
       reason=""):
    """One demo product: the application's content, the level proposed and recognised, the review quality."""
    return dict(key=key, product=product, model=model, field=field, form=form, level=declared, target=level,
                quality=quality or (88 if level == "domestic" else 75), highlight=innovation.split("，")[0],
                innovation=innovation, indicators=indicators, ip=ip, sale=sale, reason=reason)


# The 2024 batch: the named products of domain.md §10 at their recognised levels, then the fictional ones.
CONCLUDED = [
    _p("caihong", "CH-4中高空长航时无人机航空应急测绘系统", "CH-4 EMS", "vehicles", "set", "domestic", "domestic",
       ("CH-XS-2023-041", dt.date(2023, 10, 16), "52600000.00", "应急管理部南方航空应急救援中心"),
       "中高空长航时固定翼平台集成合成孔径雷达与光电测绘载荷，灾区断网断电条件下实现航测、通信中继与实时回传一体化。",
       [("最大续航时间", "40 h", "20 h", "40 h", "检测报告 CAAC-2024-032"),
        ("测绘分辨率", "0.05 m", "0.1 m", "0.05 m", "查新报告 ZJ-CX-2024-017")],
       [("发明专利", "ZL202010345611.2", "一种长航时无人机应急测绘航线自适应规划方法")]),
    _p("wanfeng", "DA40NG轻型飞机", "DA40NG", "vehicles", "complete", "domestic", "provincial",
       ("WF-2023-DA40-011", dt.date(2023, 8, 9), "3860000.00", "浙江长龙通用航空有限公司"),
       "全复合材料机体国产化制造，航空重油活塞发动机与全玻璃座舱集成，满足飞行训练需求。",
       [("最大起飞重量", "1310 kg", "1200 kg", "1310 kg", "型号合格证 TC0089A"),
        ("燃油消耗率", "18 L/h", "25 L/h", "18 L/h", "检测报告 WF-2023-12")],
       [("发明专利", "ZL201910998877.3", "一种复合材料机翼整体成型方法")], quality=82,
       reason="专家多数意见：整机技术引进消化吸收后国产化制造，国内已有同类机型，拟按省内首台（套）认定。"),
    _p("maide", "血液透析用中空纤维膜纺丝生产线", "MD-HFS-1800", "medical", "set", "international", "domestic",
       ("MD-2023-1108", dt.date(2023, 11, 8), "26800000.00", "山东威高血液净化制品股份有限公司"),
       "中空纤维膜纺丝、凝固、清洗、干燥全流程自动化，在线检测与闭环控制保证膜丝内径一致性。",
       [("纺丝速度", "50 m/min", "35 m/min", "50 m/min", "检测报告 ZJIT-2024-0311"),
        ("膜丝内径偏差", "±5 μm", "±8 μm", "±5 μm", "查新报告 ZJ-CX-2024-026")],
       [("发明专利", "ZL201911223344.5", "中空纤维膜纺丝凝固浴温度控制方法")],
       reason="专家多数推荐国内首台（套）：关键指标达到国际同类产线水平，但尚无领先优势，拟按国内首台（套）认定。"),
    _p("haideman", "VZ7000双刀塔车铣复合中心", "VZ7000", "robotics", "complete", "provincial", "provincial",
       ("HDM-2023-207", dt.date(2023, 7, 20), "2480000.00", "浙江银轮机械股份有限公司"),
       "双刀塔双主轴车铣复合结构，一次装夹完成复杂回转体零件全部工序。",
       [("定位精度", "0.005 mm", "0.008 mm", "0.004 mm", "检测报告 NCMT-2024-021"),
        ("主轴最高转速", "5000 r/min", "4000 r/min", "5000 r/min", "检测报告 NCMT-2024-021")],
       [("发明专利", "ZL202111112222.3", "一种双刀塔车铣复合机床热误差补偿方法")]),
    _p("qixing", "QD622工业缝纫机伺服电机", "QD622", "textile", "component", "provincial", "provincial",
       ("QX-2023-0912", dt.date(2023, 9, 12), "780000.00", "杰克科技股份有限公司"),
       "无位置传感器矢量控制，针位停针精度高，整机节能40%以上。",
       [("停针精度", "±1°", "±3°", "±1°", "检测报告 ZJEMC-2024-118"),
        ("额定效率", "91%", "85%", "90%", "检测报告 ZJEMC-2024-118")],
       [("实用新型", "ZL202120334455.1", "一种缝纫机伺服电机散热结构")]),
    _p("shuanghuan", "轨道交通用精密减速器齿轮", "SH-RT-250", "components", "component", "provincial", "provincial",
       ("SHCD-2023-055", dt.date(2023, 6, 15), "9600000.00", "中车戚墅堰机车车辆工艺研究所有限公司"),
       "齿轮渗碳淬火变形控制与成形磨齿工艺，满足时速250公里动车组减速器寿命要求。",
       [("齿轮精度等级", "ISO 5级", "ISO 6级", "ISO 4级", "检测报告 NGTC-2024-007"),
        ("设计寿命", "1000万公里", "800万公里", "1200万公里", "查新报告 ZJ-CX-2024-031")],
       [("发明专利", "ZL201822334455.0", "一种高铁齿轮渗碳淬火变形控制方法")]),
    _p("tianrun", "飞机登机门收放装置", "TR-BD-300", "vehicles", "set", "provincial", "provincial",
       ("TR-2023-0418", dt.date(2023, 4, 18), "4200000.00", "中国商用飞机有限责任公司"),
       "电液复合驱动登机门收放，冗余锁定与故障自诊断，替代进口同类产品。",
       [("收放时间", "10 s", "12 s", "8 s", "检测报告 CAAC-TR-2024-02"),
        ("平均故障间隔", "10000 h", "8000 h", "12000 h", "用户使用报告")],
       [("发明专利", "ZL202110556677.2", "一种飞机登机门电液复合收放装置")]),
    _p("donghua", "CL04DF变速箱油泵链条", "CL04DF", "components", "component", "provincial", "provincial",
       ("DH-2023-3310", dt.date(2023, 3, 10), "2900000.00", "上海汽车变速器有限公司"),
       "齿形链精密冲压与销轴表面复合强化，降低变速箱油泵链条噪声和磨损伸长率。",
       [("磨损伸长率", "0.08%", "0.12%", "0.06%", "检测报告 NQTC-2024-101"),
        ("破断载荷", "16 kN", "14 kN", "18 kN", "检测报告 NQTC-2024-101")],
       [("发明专利", "ZL202010112233.4", "一种齿形链销轴表面复合强化方法")]),
    _p("huaying", "70英尺动力双体游艇", "HY-70PC", "ships", "complete", "provincial", "provincial",
       ("HY-2023-0601", dt.date(2023, 6, 1), "16800000.00", "三亚鸿洲国际游艇会"),
       "70英尺玻璃钢双体船体真空导入一体成型，双机推进，航行能耗降低20%。",
       [("最高航速", "25 kn", "22 kn", "30 kn", "船检报告 ZJ-CCS-2024-07")],
       [("实用新型", "ZL202220667788.9", "一种双体游艇连接桥结构")]),
    _p("beilun", "自动化集装箱轨道式龙门起重机", "BLGJ-ARMG-41", "logistics", "complete", "domestic", "domestic",
       ("BL-2023-0720", dt.date(2023, 7, 20), "31500000.00", "宁波舟山港股份有限公司"),
       "远程操控与自动着箱一体化，集装箱堆场无人化作业，单机作业效率提高30%。",
       [("着箱定位精度", "±20 mm", "±50 mm", "±25 mm", "检测报告 ZJTE-2024-044"),
        ("自动化作业率", "98%", "90%", "97%", "用户使用报告")],
       [("发明专利", "ZL202110778899.0", "一种轨道吊自动着箱视觉定位方法")]),
    _p("ouhai", "LNG接收站超低温固定球阀", "OH-CQ-600LB", "components", "component", "provincial", "provincial",
       ("OH-2023-1015", dt.date(2023, 10, 15), "5300000.00", "浙江浙能温州液化天然气有限公司"),
       "-196℃超低温密封结构与长颈阀盖设计，实现LNG接收站关键阀门国产替代。",
       [("使用温度", "-196 ℃", "-162 ℃", "-196 ℃", "检测报告 NVTC-2024-063"),
        ("低温泄漏率", "ISO 5208 A级", "B级", "A级", "检测报告 NVTC-2024-063")],
       [("发明专利", "ZL202010223355.7", "一种超低温固定球阀阀座密封结构")]),
    _p("chaocheng", "TOPCon光伏电池激光选择性掺杂设备", "CC-LD-3000", "pv_energy", "complete", "domestic",
       "domestic",
       ("CC-2023-1201", dt.date(2023, 12, 1), "8600000.00", "浙江晶科能源有限公司"),
       "纳秒激光选择性掺杂与高速振镜扫描，TOPCon电池转换效率提升0.3个百分点。",
       [("产能", "8000 片/h", "6000 片/h", "7200 片/h", "检测报告 ZJPV-2024-019"),
        ("碎片率", "0.02%", "0.05%", "0.03%", "用户使用报告")],
       [("发明专利", "ZL202211445566.1", "一种TOPCon电池激光选择性掺杂方法")]),
    _p("taihu", "工业窑炉烟气低温SCR脱硝成套装备", "TH-SCR-200", "environment", "set", "provincial", "provincial",
       ("TH-2023-0508", dt.date(2023, 5, 8), "12800000.00", "长兴南方水泥有限公司"),
       "180℃低温SCR催化剂与喷氨格栅分区控制，窑炉烟气氮氧化物稳定达到超低排放。",
       [("出口NOx浓度", "≤35 mg/m³", "≤50 mg/m³", "≤30 mg/m³", "监测报告 HZEM-2024-088"),
        ("氨逃逸", "≤2.5 ppm", "≤3 ppm", "≤2 ppm", "监测报告 HZEM-2024-088")],
       [("发明专利", "ZL202010556600.3", "一种低温SCR脱硝喷氨分区控制方法")]),
    _p("mingshan", "丘陵山地自走式名优茶采摘机", "MS-CZ-4", "agriculture", "complete", "provincial", "provincial",
       ("MS-2023-0322", dt.date(2023, 3, 22), "960000.00", "武义县茶叶产业合作社联合社"),
       "履带自走底盘与视觉识别嫩芽定位，适用于坡度25°以下茶园的名优茶机采。",
       [("采摘效率", "1.2 亩/h", "0.8 亩/h", "1.0 亩/h", "检测报告 ZJAM-2024-015"),
        ("嫩芽完整率", "85%", "75%", "82%", "检测报告 ZJAM-2024-015")],
       [("发明专利", "ZL202110889911.4", "一种名优茶嫩芽视觉定位采摘方法")]),
    _p("qujiang", "锂电池极片高精度辊压机", "QJ-GY-800", "pv_energy", "complete", "provincial", "provincial",
       ("QJ-2023-0916", dt.date(2023, 9, 16), "4700000.00", "衢州某新能源电池有限公司"),
       "热辊压与辊缝在线闭环控制，极片厚度一致性满足动力电池生产要求。",
       [("极片厚度偏差", "±1.5 μm", "±2 μm", "±1 μm", "检测报告 QZTC-2024-041"),
        ("辊压速度", "80 m/min", "60 m/min", "100 m/min", "检测报告 QZTC-2024-041")],
       [("实用新型", "ZL202220998877.2", "一种辊压机辊缝调节装置")]),
    _p("donghai", "LNG双燃料动力船舶供气系统", "DH-FGSS-12", "ships", "set", "domestic", "domestic",
       ("DHCP-2023-0630", dt.date(2023, 6, 30), "7800000.00", "舟山中远海运重工有限公司"),
       "C型储罐、汽化与压力调节模块一体化集成，满足IGF规则的船用LNG燃料供气要求。",
       [("供气压力稳定度", "±0.02 MPa", "±0.05 MPa", "±0.02 MPa", "船检报告 CCS-ZS-2024-12"),
        ("蒸发率", "0.25%/d", "0.35%/d", "0.25%/d", "船检报告 CCS-ZS-2024-12")],
       [("发明专利", "ZL202110334422.6", "一种船用LNG燃料供气压力调节方法")]),
    _p("jinyun", "重载潜伏式AGV搬运机器人", "OJ-AGV-3T", "logistics", "complete", "provincial", "provincial",
       ("OJ-2023-1105", dt.date(2023, 11, 5), "2300000.00", "浙江某汽车零部件有限公司"),
       "激光SLAM与二维码复合导航，3吨潜伏顶升，多车调度实现车间物流无人化。",
       [("额定载荷", "3000 kg", "2000 kg", "3000 kg", "检测报告 LSTC-2024-026"),
        ("停车精度", "±5 mm", "±10 mm", "±5 mm", "检测报告 LSTC-2024-026")],
       [("发明专利", "ZL202210667700.8", "一种潜伏式AGV复合导航定位方法")]),
]
REVOKED_KEY = "qujiang"

# The batch whose notice is public now; the objections are on the first and the fourth item's applications.
CURRENT = [
    _p("shuanghuan", "新能源汽车电驱动系统高精度齿轮", "SH-EV-180", "components", "component", "domestic",
       "domestic",
       ("SHEV-2025-012", dt.date(2025, 1, 12), "15600000.00", "比亚迪汽车工业有限公司"),
       "齿面微观修形与低噪声磨齿工艺，电驱动系统齿轮在高转速下啸叫明显降低。",
       [("最高输入转速", "20000 r/min", "16000 r/min", "20000 r/min", "检测报告 NGTC-2025-006"),
        ("齿轮精度等级", "ISO 4级", "ISO 5级", "ISO 4级", "检测报告 NGTC-2025-006")],
       [("发明专利", "ZL202211223344.0", "一种电驱动齿轮齿面微观修形方法")]),
    _p("beilun", "港口岸桥远程操控系统", "BLGJ-RC-2", "logistics", "set", "provincial", "provincial",
       ("BL-2025-0302", dt.date(2025, 3, 2), "6800000.00", "宁波舟山港股份有限公司"),
       "5G低时延远程操控与吊具防摇控制，一名司机可轮流操控多台岸桥。",
       [("操控时延", "≤80 ms", "≤120 ms", "≤80 ms", "检测报告 ZJTE-2025-013")],
       [("发明专利", "ZL202310112200.5", "一种岸桥吊具防摇远程控制方法")]),
    _p("qixing", "高速包缝机直驱伺服系统", "QX-OV-550", "textile", "component", "provincial", "provincial",
       ("QX-2025-0405", dt.date(2025, 4, 5), "640000.00", "杰克科技股份有限公司"),
       "直驱外转子伺服电机取代皮带传动，包缝机转速提高到7500针/分钟。",
       [("最高转速", "7500 针/min", "6500 针/min", "7500 针/min", "检测报告 ZJEMC-2025-201")],
       [("发明专利", "ZL202310334455.2", "一种包缝机直驱伺服电机")]),
    _p("huaying", "18米纯电动观光游船", "HY-18EV", "ships", "complete", "provincial", "provincial",
       ("HY-2025-0712", dt.date(2025, 7, 12), "3900000.00", "杭州西湖游船有限公司"),
       "磷酸铁锂动力电池与双电机推进，零排放内河观光，续航8小时。",
       [("续航时间", "8 h", "6 h", "8 h", "船检报告 ZJ-CCS-2025-21")],
       [("实用新型", "ZL202320778899.3", "一种电动游船电池舱通风结构")]),
]
OPEN_OBJECTION = dict(
    name="周立军", organisation="江苏恒驰传动科技有限公司", phone="13857112345", email="zhoulijun@example.com",
    content="我公司于2023年已向国内某整车企业批量供应新能源汽车电驱动齿轮，最高输入转速和齿轮精度等级与公示产品相同，"
            "该产品不应认定为国内首台（套）。现附供货合同首页及第三方检测报告，请予核查。",
)
DISMISSED_OBJECTION = dict(
    name="陈晓红", organisation="", phone="0571-86001234", email="chenxh@example.com",
    content="据了解，该游船的首台销售合同签订于本批次申报截止之后，不符合申报条件，请核实。",
)
DISMISSAL_REPLY = ("经核查，该产品首台销售合同（HY-2025-0712）签订于2025年7月12日，早于本批次申报截止时间，销售发票和"
                   "交付验收单据齐全，符合申报条件，异议不成立。感谢您对首台（套）认定工作的监督。")


# --- people --------------------------------------------------------------------------------------------


def _user(username, display_name, org, password):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, display_name=display_name,
                                   email=f"{username}@demo.example.com", password=password)
    Membership.objects.get_or_create(user=user, organisation=org,
                                     defaults={"role": role_for_organisation(org), "is_admin": True})
    return user


def _people():
    """The fictional enterprises and the city bureau logins of their cities (idempotent); [(login, name)]."""
    password = make_password(settings.DEMO_PASSWORD)  # one hash for all: hashing is the slow part
    logins = []
    for i, (key, name, region, city_login) in enumerate(EXTRA_ENTERPRISES):
        code = D.uscc("91", region, EXTRA_SERIAL + i)
        org = Organisation.objects.filter(uscc=code).first()
        if org is None:
            org = Organisation(kind="enterprise", name=name, uscc=code, region=Region.objects.get(code=region),
                               status=Organisation.Status.APPROVED, contact_name="联系人",
                               contact_phone="0571-88888888")
            org.full_clean()
            org.save()
            record(action="demo.org_created", organisation=org, obj=org,
                   after={"name": name, "uscc": code, "kind": "enterprise"})
        _user(key, f"{name}申报员", org, password)
        bureau = Organisation.objects.get(kind="bureau", bureau_level="city", department="industry",
                                          region__code=region[:4])
        _user(city_login, f"{bureau.name}工作人员", bureau, password)
        logins += [(key, name), (city_login, bureau.name)]
    return logins


# --- a batch through intake and review -------------------------------------------------------------------


def _reviewed_batch(prov, *, name, year, products, notes):
    """A batch (open, its applications passed at formal review, closed), reviewed by five experts per
    application (every sheet submitted), a proposal recorded for each, the round closed."""
    from certification.services import batches
    from review.services import assignments as assign
    from review.services import proposals, rounds, sheets

    now = timezone.now()
    cities = {r.code: r.pk for r in Region.objects.filter(level=Region.Level.CITY)}
    batch = batches.create_batch(
        actor=prov, year=year, name=name, opens_at=now - timedelta(days=60), closes_at=now + timedelta(days=1),
        recommend_deadline=now + timedelta(days=2), notes=notes,
        quotas={cities[code]: n for code, n in QUOTAS.items()})
    batch = batches.publish_batch(actor=prov, batch_id=batch.pk)
    apps = [_passed_application(batch, p, prov) for p in products]
    Batch.objects.filter(pk=batch.pk).update(closes_at=now - timedelta(minutes=1),
                                             recommend_deadline=now - timedelta(minutes=1))
    batch = batches.close_batch(batch_id=batch.pk)

    rr = rounds.create_round(actor=prov, batch=batch)
    rr = rounds.update_settings(actor=prov, review_round=rr, experts_per_application=5,
                                deadline=now + timedelta(days=10))
    rounds.set_criteria(actor=prov, review_round=rr, rows=[
        {"name": c.name, "description": c.description, "max_points": c.max_points, "weight": RUBRIC_WEIGHTS[c.name]}
        for c in rr.criteria.all()])
    fields = {p["field"] for p in products}
    rounds.set_panels(actor=prov, review_round=rr,
                      rows=[{"name": n, "fields": [f for f in fs if f in fields] or fs} for n, fs in PANELS
                            if set(fs) & fields] + _other_panel(fields))
    out = assign.auto_assign(actor=prov, review_round=rr)
    if out["shortages"]:
        raise RuntimeError("demo expert pool too small: " + "; ".join(s["message"] for s in out["shortages"]))
    rr = rounds.start_round(actor=prov, review_round=rr)
    criteria = list(rr.criteria.all())
    for p, app in zip(products, apps, strict=True):
        for a in Assignment.objects.filter(round=rr, application=app, state__in=Assignment.ACTIVE).select_related(
                "expert", "sheet").order_by("expert__username"):
            assign.declare(actor=a.expert, assignment_id=a.pk, conflict=False)
            scores, vote, comment = _sheet(p, criteria, a.expert)
            sheets.submit(actor=a.expert, sheet_id=a.sheet.pk, scores=scores, level_vote=vote, comment=comment,
                          confirmed=True)
    for p, app in zip(products, apps, strict=True):
        label = Level(p["target"]).label
        proposals.record_proposal(actor=prov, application_id=app.pk, outcome=p["target"],
                                  reason=p["reason"] or f"专家评审通过，评审意见与申报级别一致，拟按{label}列入认定名单。")
    rr = rounds.close_round(actor=prov, review_round=rr)
    return Batch.objects.get(pk=batch.pk), [Application.objects.get(pk=a.pk) for a in apps], rr


def _other_panel(fields):
    covered = {f for _n, fs in PANELS for f in fs}
    rest = sorted(fields - covered)
    return [{"name": "新能源、环保与物流装备组", "fields": rest}] if rest else []


def _move_batch(batch, apps, rr, *, opens, closes, review_start, review_end, proposed):
    """The direct updates that move a batch, its intake records and its review to the given times."""
    deadline = closes + timedelta(days=17)
    Batch.objects.filter(pk=batch.pk).update(opens_at=opens, closes_at=closes, recommend_deadline=deadline,
                                             created_at=opens - timedelta(days=14),
                                             published_at=opens - timedelta(days=10))
    for i, app in enumerate(apps):
        created = opens + timedelta(days=2 + 2 * i, hours=i % 5)
        submitted = created + timedelta(days=6, hours=2)
        county = submitted + timedelta(days=5 + i % 3)
        city = closes + timedelta(days=4 + i % 6)
        formal = deadline + timedelta(days=5 + i % 7)
        Application.objects.filter(pk=app.pk).update(created_at=created, commitment_confirmed_at=created,
                                                     submitted_at=submitted, city_recommended_at=city,
                                                     updated_at=proposed)
        Attachment.objects.filter(application=app).update(uploaded_at=created + timedelta(hours=1))
        ApplicationRevision.objects.filter(application=app).update(created_at=submitted)
        for stage, at in ((Stage.COUNTY, county), (Stage.CITY, city), (Stage.PROVINCE, formal)):
            Decision.objects.filter(application=app, stage=stage).update(created_at=at)
    ReviewRound.objects.filter(pk=rr.pk).update(created_at=review_start - timedelta(days=5), started_at=review_start,
                                                deadline=review_end - timedelta(hours=7), closed_at=review_end)
    for a in Assignment.objects.filter(round=rr).order_by("id"):
        declared = review_start + timedelta(days=a.pk % 3, hours=1 + a.pk % 6)
        Assignment.objects.filter(pk=a.pk).update(created_at=review_start - timedelta(hours=2), declared_at=declared)
        ScoreSheet.objects.filter(assignment=a).update(submitted_at=declared + timedelta(days=1 + a.pk % 4, hours=3),
                                                       updated_at=declared + timedelta(days=1 + a.pk % 4, hours=3))
    Proposal.objects.filter(application__batch=batch).update(decided_at=proposed)


# --- notices ---------------------------------------------------------------------------------------------


def _notice(prov, batch, *, body):
    from .services import notices

    draft = notices.create_notice(actor=prov, batch=batch, title=f"{batch.name}拟认定名单公示", body=body,
                                  contact=NOTICE_CONTACT, starts_at=timezone.now(), working_days=5)
    return notices.publish_notice(actor=prov, notice_id=draft.pk)


def _move_notice(notice, start):
    """A notice's period (recounted in working days from `start`) and its creation and publication times."""
    period = notice_period(start, notice.working_days)
    Notice.objects.filter(pk=notice.pk).update(starts_at=start, ends_at=period.ends_at, published_at=start,
                                               created_at=start - timedelta(days=3))
    return Notice.objects.get(pk=notice.pk)


def _concluded(prov):
    from .services import certificates, notices, recognitions

    batch, apps, rr = _reviewed_batch(
        prov, name=CONCLUDED_NAME, year=CONCLUDED_YEAR, products=CONCLUDED,
        notes="申报范围：近两年内实现首台销售的高端装备。本批次已完成认定，认定结果见推广应用指导目录。")
    notice = _notice(prov, batch, body="根据《浙江省首台（套）产品认定管理办法》，经企业申报、地方推荐、形式审查和专家评审，"
                                       "拟认定以下产品为2024年度浙江省首台（套）产品，现予以公示。")
    # The notice ran in October 2024 (its creation falls on Saturday 12 October, an adjusted working day).
    notice = _move_notice(notice, _at(2024, 10, 15))
    notice = notices.close_notice(actor=prov, notice_id=notice.pk)
    items = list(recognitions.ready_items(notice))
    recs = recognitions.recognise(actor=prov, notice_id=notice.pk, item_ids=[i.pk for i in items],
                                  decision_number=DECISION_NUMBER, decision_date=DECISION_DATE)
    with _quiet_weasyprint():
        for certificate in Certificate.objects.filter(recognition__in=recs).order_by("pk"):
            certificates.render(certificate_id=certificate.pk)
    revoked = next(r for r in recs if r.enterprise.memberships.filter(user__username=REVOKED_KEY).exists())
    recognitions.revoke(actor=prov, recognition_id=revoked.pk, reason=REVOCATION_REASON,
                        document_number=REVOCATION_DOCUMENT)

    opens, closes = _at(2024, 5, 6), _at(2024, 6, 28, 17)
    review_start, review_end = _at(2024, 9, 2), _at(2024, 9, 14, 17)
    proposed, decided = _at(2024, 9, 26, 15), _at(2024, 11, 8, 10)
    revoked_at = _at(2025, 9, 18, 10)
    _move_batch(batch, apps, rr, opens=opens, closes=closes, review_start=review_start, review_end=review_end,
                proposed=proposed)
    Notice.objects.filter(pk=notice.pk).update(closed_at=notice.ends_at + timedelta(minutes=1))
    Recognition.objects.filter(batch=batch).update(created_at=decided)
    Recognition.objects.filter(pk=revoked.pk).update(revoked_at=revoked_at)
    for i, certificate in enumerate(Certificate.objects.filter(recognition__batch=batch).order_by("pk")):
        Certificate.objects.filter(pk=certificate.pk).update(issued_at=decided,
                                                             generated_at=decided + timedelta(seconds=20 + 3 * i))
    Application.objects.filter(batch=batch).update(updated_at=decided)
    notice = Notice.objects.get(pk=notice.pk)
    record(action="demo.recognition_backdated", actor=prov, obj=batch,
           after={"opens_at": opens, "closes_at": closes, "review": [review_start, review_end],
                  "proposals": proposed, "notice": [notice.starts_at, notice.ends_at], "recognised": decided,
                  "revoked": {"recognition": revoked.pk, "at": revoked_at}},
           reason="演示数据：2024年度批次的受理、评审、公示、认定、证书和撤销记录时间前移到2024—2025年。")
    return batch, notice


def _last_working_day_before(day):
    day -= timedelta(days=1)
    while not is_workday(day)[0]:
        day -= timedelta(days=1)
    return day


def _current(prov):
    from .services import objections as svc

    batch, apps, rr = _reviewed_batch(
        prov, name=CURRENT_NAME, year=CURRENT_YEAR, products=CURRENT,
        notes="申报范围：近两年内实现首台销售的高端装备。专家评审已结束，拟认定名单正在公示。")
    notice = _notice(prov, batch, body="经企业申报、地方推荐、形式审查和专家评审，拟认定以下产品为浙江省首台（套）产品，"
                                       "现予以公示。公示期间，任何单位和个人可实名提出异议。")
    now = timezone.localtime(timezone.now(), SHANGHAI)
    day = _last_working_day_before(now.date())
    start = dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=SHANGHAI)
    notice = _move_notice(notice, start)
    items = {i.application_id: i for i in notice.items.all()}
    open_item, dismissed_item = items[apps[0].pk], items[apps[3].pk]
    dismissed = svc.submit_objection(item_id=dismissed_item.pk, ip="203.0.113.25", **DISMISSED_OBJECTION)
    dismissed = svc.dismiss(actor=prov, objection_id=dismissed.pk, reply=DISMISSAL_REPLY)
    evidence = ContentFile(demo_pdf("Supply contract and test report (objection evidence)"), name="供货合同及检测报告.pdf")
    opened = svc.submit_objection(item_id=open_item.pk, ip="198.51.100.7", evidence=evidence, **OPEN_OBJECTION)
    opened = svc.start_investigation(actor=prov, objection_id=opened.pk)

    opens = start - timedelta(days=330)
    closes = opens + timedelta(days=50, hours=8)
    review_start, review_end = start - timedelta(days=40), start - timedelta(days=29, hours=16)
    proposed = start - timedelta(days=20, hours=3)
    _move_batch(batch, apps, rr, opens=opens, closes=closes, review_start=review_start, review_end=review_end,
                proposed=proposed)
    # The start was 09:00 on a day before today, so at least 15 hours ago: both fall on the notice's first day.
    filed = [start + timedelta(hours=1, minutes=30), start + timedelta(hours=4, minutes=10)]
    Objection.objects.filter(pk=dismissed.pk).update(created_at=filed[0], resolved_at=start + timedelta(hours=7))
    Objection.objects.filter(pk=opened.pk).update(created_at=filed[1])
    record(action="demo.recognition_backdated", actor=prov, obj=batch,
           after={"opens_at": opens, "closes_at": closes, "review": [review_start, review_end],
                  "proposals": proposed, "notice": [notice.starts_at, notice.ends_at], "objections": filed},
           reason="演示数据：批次受理、评审记录和公示开始时间前移，使公示处于公示期内。")
    return batch, Notice.objects.get(pk=notice.pk)


def _render_pending():
    """Certificates of the demo batches left pending (an interrupted earlier run): render them now."""
    from .services import certificates

    pending = Certificate.objects.filter(recognition__batch__name=CONCLUDED_NAME, state=Certificate.State.PENDING)
    with _quiet_weasyprint():
        for pk in pending.order_by("pk").values_list("pk", flat=True):
            certificates.render(certificate_id=pk)


@contextlib.contextmanager
def _quiet_weasyprint():
    """WeasyPrint logs every rendering step at INFO: keep the demo's output to its summary."""
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        yield
    finally:
        progress.setLevel(level)


def load():
    """Create what is missing. Returns (logins to print, created?)."""
    prov = User.objects.get(username="prov_staff")
    with transaction.atomic():
        logins = _people()
    created = False
    if not Batch.objects.filter(name=CONCLUDED_NAME).exists():
        with transaction.atomic():
            _concluded(prov)
        created = True
    if not Batch.objects.filter(name=CURRENT_NAME).exists():
        with transaction.atomic():
            _current(prov)
        created = True
    _render_pending()
    return logins, created


def summary():
    """Lines for the demo command's output."""
    lines = []
    concluded = Batch.objects.filter(name=CONCLUDED_NAME).first()
    if concluded is not None:
        recs = Recognition.objects.filter(batch=concluded)
        by_level = {label: recs.filter(level=code).count() for code, label in Level.choices}
        ready = Certificate.objects.filter(recognition__batch=concluded, state=Certificate.State.READY).count()
        lines.append(f"Recognition: {concluded.name}: {recs.count()} recognitions ("
                     + ", ".join(f"{label} {n}" for label, n in by_level.items() if n)
                     + f"), {ready} certificates ready, decision {DECISION_NUMBER}")
        for rec in recs.filter(status=Recognition.Status.REVOKED):
            lines.append(f"  revoked: {rec.certificate_number} {rec.enterprise_name} — try /verify/"
                         f"{rec.certificate_number}/")
        sample = recs.filter(status=Recognition.Status.VALID).order_by("level", "sequence").first()
        if sample:
            lines.append(f"  valid:   {sample.certificate_number} {sample.product_name} — try /verify/"
                         f"{sample.certificate_number}/")
    notice = Notice.objects.filter(batch__name=CURRENT_NAME, state=Notice.State.PUBLISHED).first()
    if notice is not None:
        end = timezone.localtime(notice.ends_at, SHANGHAI)
        lines.append(f"Notice: {notice.title} (公示中 until {end:%Y-%m-%d %H:%M}), {notice.items.count()} items, "
                     f"/notices/{notice.pk}/")
        for o in Objection.objects.filter(item__notice=notice).order_by("created_at"):
            lines.append(f"  objection {o.tracking_number} ({o.get_state_display()}), phone {o.phone}")
    return lines
