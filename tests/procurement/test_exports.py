"""The purchase list as Excel (/procurement/purchases/export/, procurement/exports.py): the columns, one row per
purchase the viewer may see, the list's filters, a constant number of queries; the statistics workbook."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from procurement.exports import purchases_workbook, statistics_workbook
from procurement.models import Purchase
from procurement.queries import purchases_visible_to
from procurement.statistics import first_purchase_statistics
from tests.procurement import builders as b

URL = "/procurement/purchases/export/"
HEADER = [
    "编号",
    "采购项目",
    "采购人",
    "供应商",
    "产品",
    "证书编号",
    "级别",
    "领域",
    "采购方式",
    "数量",
    "预算（元）",
    "状态",
    "公示起止",
    "异议数",
    "成交日期",
    "成交金额（元）",
    "合同编号",
    "合同金额（元）",
    "签订日期",
    "超期签订",
    "交付日期",
    "验收日期",
]

pytestmark = pytest.mark.django_db


def _sheet(content):
    rows = list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))
    return rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


@pytest.fixture
def env(world):
    world.org_a = b.buyer_org()
    world.buyer_a = b.buyer_user(world.org_a, username="buyer_a")
    world.org_b = b.buyer_org(name="宁波市第一医院")
    world.buyer_b = b.buyer_user(world.org_b, username="buyer_b")
    world.rec = b.recognition_for(world.ent_hz)
    return world


def test_the_columns_and_values(env, client):
    from procurement.services.objections import submit_objection

    signed = b.purchase(env.buyer_a, env.rec, budget=Decimal("1000"), state="completed", title="=HYPERLINK(1)")
    late_day = timezone.localdate() - dt.timedelta(days=45)
    Purchase.objects.filter(pk=signed.pk).update(awarded_on=late_day)
    signed.contract.__class__.objects.filter(purchase_id=signed.pk).update(signed_late=True)
    noticed = b.purchase(env.buyer_a, env.rec, state="notice")
    submit_objection(purchase_id=noticed.pk, name="张三", phone="13800000000", content="异议")
    client.force_login(env.buyer_a)

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    header, rows = _sheet(response.content)
    assert list(header) == HEADER
    row = rows[signed.number]
    assert row["采购项目"] == "=HYPERLINK(1)"  # text, never a formula
    assert row["采购人"] == env.org_a.name and row["供应商"] == env.ent_hz.name
    assert row["证书编号"] == env.rec.certificate_number and row["领域"] == "现代医疗设备与器械"
    assert row["采购方式"] == "单一来源采购" and row["数量"] == "1台" and row["状态"] == "已验收"
    assert row["成交日期"] == late_day.isoformat() and row["成交金额（元）"] == 1000
    assert row["合同编号"] == f"HT-{signed.number}" and row["合同金额（元）"] == 1000
    assert row["超期签订"] == "是" and row["验收日期"] == timezone.localdate().isoformat()
    assert row["公示起止"] in ("", None) and row["异议数"] == 0
    other = rows[noticed.number]
    assert other["异议数"] == 1 and " — " in other["公示起止"] and other["状态"] == "单一来源公示中"
    assert other["合同编号"] in ("", None) and other["超期签订"] in ("", None)


def test_scoped_and_filtered(env, client):
    mine = b.purchase(env.buyer_a, env.rec, budget=Decimal("1000"), state="awarded")
    draft = b.purchase(env.buyer_a, env.rec, state="draft")
    theirs = b.purchase(env.buyer_b, env.rec, budget=Decimal("1000"), state="awarded")

    client.force_login(env.buyer_a)
    assert set(_sheet(client.get(URL).content)[1]) == {mine.number, draft.number}
    assert set(_sheet(client.get(URL, {"state": "draft"}).content)[1]) == {draft.number}
    client.force_login(env.province_user)
    assert set(_sheet(client.get(URL).content)[1]) == {mine.number, theirs.number}
    assert set(_sheet(client.get(URL, {"q": env.org_b.name}).content)[1]) == {theirs.number}
    client.force_login(env.nb_user)
    assert _sheet(client.get(URL).content)[1] == {}
    bad = client.get(URL, {"year": "abc"})
    assert bad.status_code == 400 and "成交年度" in bad.content.decode()


def test_who_may_export(env, client):
    assert client.get(URL).status_code == 302  # to the login page
    from tests import factories as f

    client.force_login(f.UserFactory(username="nobody"))
    assert client.get(URL).status_code == 403


def test_a_constant_number_of_queries(env):
    def fresh(user):  # a fresh roles cache, as a new request has
        return type(user).objects.get(pk=user.pk)

    b.purchase(env.buyer_a, env.rec, budget=Decimal("1000"), state="contracted")
    user = fresh(env.buyer_a)
    with CaptureQueriesContext(connection) as one:
        purchases_workbook(purchases_visible_to(user))
    for state in ["draft", "notice", "awarded", "completed", "cancelled"] * 3:
        b.purchase(
            env.buyer_a, env.rec, budget=Decimal("5000000") if state == "notice" else Decimal("1000"), state=state
        )
    user = fresh(env.buyer_a)

    with CaptureQueriesContext(connection) as many:
        content = purchases_workbook(purchases_visible_to(user))

    assert len(many.captured_queries) == len(one.captured_queries) == 2  # the roles, then the rows
    assert len(_sheet(content)[1]) == 16


def test_the_statistics_workbook(env):
    b.purchase(env.buyer_a, env.rec, budget=Decimal("1234.50"), state="contracted")
    year = timezone.localdate().year

    rows = list(
        load_workbook(BytesIO(statistics_workbook(first_purchase_statistics()))).active.iter_rows(values_only=True)
    )

    assert rows[0][0] == "政府首购统计"
    assert any("成交日期" in (r[0] or "") for r in rows)
    assert ("计入统计的首购项目", 1, 1234.5) in rows
    heading = rows.index((f"{year}年度 · 按所属领域", "项目数", "金额（元）"))
    table = rows[heading + 1 : heading + 12]
    assert len(table) == 11 and table[-1] == ("合计", 1, 1234.5)
    assert ("现代医疗设备与器械", 1, 1234.5) in table and ("高端船舶装备", 0, 0) in table
