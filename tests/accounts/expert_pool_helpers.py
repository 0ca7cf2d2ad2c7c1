"""Data builders for the expert pool tests."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from accounts.expert_import import COLUMNS, XLSX
from accounts.models import ExpertProfile, Organisation, User
from audit.models import AuditEvent
from notifications.models import Notification
from tests import factories as f

HEADERS = [header for _key, header, _required in COLUMNS]


def expert_values(world, **overrides):
    """Keyword arguments for create_expert: a valid new expert employed by an existing organisation."""
    values = {
        "display_name": "李专家",
        "username": "li_expert",
        "email": "li.expert@example.cn",
        "phone": "13900001111",
        "title": "教授",
        "fields": ["robotics", "medical"],
        "employer": world.ent_hz,
        "region": f.region("3301"),
        "note": "",
    }
    values.update(overrides)
    return values


def xlsx_row(**overrides):
    """One row of the import file as {header: value}."""
    row = {
        "姓名": "王教授",
        "用户名": "wang_prof",
        "邮箱": "wang.prof@example.cn",
        "手机": "13800001234",
        "职称": "研究员",
        "专业领域": "机器人与智能制造装备、medical",
        "工作单位": "浙江测试大学",
        "工作单位统一社会信用代码": f.make_uscc(region_code="330100"),
        "所在地区": "杭州市",
        "备注": "",
    }
    row.update(overrides)
    return row


def xlsx_upload(rows, headers=HEADERS, name="experts.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    out = BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX)


def pool_counts():
    """Rows in every table an expert write touches."""
    return {model.__name__: model.objects.count()
            for model in (User, ExpertProfile, Organisation, AuditEvent, Notification)}
