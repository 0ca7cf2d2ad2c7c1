"""Reference and demo records for `manage.py demo`. Fictional codes with valid check digits; real names
of the recognised products and enterprises named in the seeds (domain.md §10)."""

from stdnum.cn import uscc as stdnum_uscc


def uscc(prefix, region6, serial):
    """A USCC with a valid GB 32100 check digit: prefix (91 enterprise, 11 government, 12 institution)."""
    body = f"{prefix}{region6}{serial:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


# (login, organisation name, department, region code, USCC)
PROVINCE_BUREAUS = [
    ("prov_staff", "浙江省经济和信息化厅", "industry", "33", uscc("11", "330000", 2001)),
    ("prov_finance", "浙江省财政厅", "finance", "33", uscc("11", "330000", 2002)),
    ("regulator", "国家金融监督管理总局浙江监管局", "regulator", "33", uscc("11", "330000", 2003)),
]

CITY_NAMES = {
    "3301": "杭州市", "3302": "宁波市", "3303": "温州市", "3304": "嘉兴市", "3305": "湖州市", "3306": "绍兴市",
    "3307": "金华市", "3308": "衢州市", "3309": "舟山市", "3310": "台州市", "3311": "丽水市",
}

# County bureaus: region code → county name (must match the seed table).
COUNTY_BUREAUS = {
    "330106": "滨江区", "330107": "萧山区", "330108": "余杭区", "330109": "富阳区",
    "330603": "新昌县", "331001": "椒江区", "331003": "路桥区", "331004": "玉环市",
    "330205": "鄞州区", "330302": "龙湾区",
}

# Enterprises of the named recognised products (domain.md §10): key, name, county region, product.
ENTERPRISES = [
    ("caihong", "彩虹无人机科技有限公司", "331003", "CH-4中航时固定翼无人机航空应急测绘系统", "vehicles"),
    ("wanfeng", "万丰飞机工业有限公司", "330603", "轻型单发活塞固定翼飞机DA40NG", "vehicles"),
    ("maide", "迈得医疗工业设备股份有限公司", "331004", "血液透析用中空纤维膜自动纺丝线", "medical"),
    ("haideman", "浙江海德曼智能装备股份有限公司", "331004", "VZ7000双刀塔车铣复合中心", "robotics"),
    ("qixing", "浙江琦星电子有限公司", "331001", "QD622工业缝纫机用伺服电机", "textile"),
    ("shuanghuan", "浙江双环传动机械股份有限公司", "331004", "轨道交通用精密减速器齿轮", "components"),
    ("tianrun", "浙江天润航空装备有限公司", "330107", "飞机登机门收放装置", "vehicles"),
    ("donghua", "杭州东华链条集团有限公司", "330108", "CL04DF变速箱油泵链条", "components"),
    ("huaying", "杭州华鹰游艇有限公司", "330109", "70英尺双体动力游艇", "ships"),
]

# A registration waiting for the Hangzhou city bureau's approval.
PENDING_ENTERPRISE = ("zhice", "杭州智测装备科技有限公司", "330106")

OTHER_ORGS = [
    # key, kind, name, region, prefix, serial
    ("insurer", "insurer", "中国人民财产保险股份有限公司浙江省分公司", "3301", "91", 3001),
    ("buyer", "buyer", "浙江大学医学院附属第一医院", "3301", "12", 3002),
    ("buyer2", "buyer", "浙江省人民医院", "3301", "12", 3003),
    ("buyer3", "buyer", "浙江省应急管理厅", "3301", "11", 3004),
    ("zju", "other", "浙江大学", "3301", "12", 3101),
    ("zjut", "other", "浙江工业大学", "3301", "12", 3102),
    ("hdu", "other", "杭州电子科技大学", "3301", "12", 3103),
    ("cjlu", "other", "中国计量大学", "3301", "12", 3104),
    ("nbu", "other", "宁波大学", "3302", "12", 3105),
    ("zjmri", "other", "浙江省机电设计研究院有限公司", "3301", "91", 3106),
]

EXPERT_NAMES = [
    "王建华", "李明远", "张晓东", "刘志强", "陈海波", "杨立新", "赵文博", "黄国平", "周振宇", "吴晓梅",
    "徐卫东", "孙丽华", "胡志军", "朱永康", "高建平", "林海燕", "何思远", "郭德明", "马晓光", "罗文静",
    "梁志诚", "宋建国", "郑红梅", "谢宏伟",
]
EXPERT_TITLES = ["教授", "正高级工程师", "研究员", "教授级高级工程师"]
EXPERT_EMPLOYERS = ["zju", "zjut", "hdu", "cjlu", "nbu", "zjmri"]
