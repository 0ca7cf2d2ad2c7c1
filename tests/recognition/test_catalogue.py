"""The public catalogue page (推广应用指导目录) and its Excel export: valid recognitions only, Chinese substring
search, each filter, order, pagination, empty states, a refused filter, and the export's rows."""

import datetime as dt
from io import BytesIO
from urllib.parse import quote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Region
from recognition.exports import CATALOGUE_HEADER_ROW
from recognition.models import Recognition

from . import catalogue_builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world):
    """Three valid products (2026 domestic and international in 杭州/宁波… see rows), one 2025 product, and the
    rows that must never show: revoked, expired, and valid in status but past its date (the nightly task lags)."""
    wz = b.enterprise("330302", "温州精工阀门有限公司")
    b2026, b2025 = b.batch(world, year=2026), b.batch(world, year=2025)
    rows = b.recognitions(b2026, world.province_user, [
        {"enterprise": world.ent_hz, "product_name": "五轴联动数控机床", "model_spec": "VZ7000", "level": "domestic",
         "field": "robotics"},
        {"enterprise": world.ent_nb, "product_name": "血液透析中空纤维膜纺丝生产线", "model_spec": "MD-HF1",
         "level": "provincial", "field": "medical"},
        {"enterprise": world.ent_hz, "product_name": "中程无人机航空应急测绘系统", "model_spec": "CH-4",
         "level": "international", "field": "vehicles"},
        b.revoked(enterprise=world.ent_hz, product_name="已撤销的数控机床", model_spec="VZ-REV"),
        b.expired(enterprise=world.ent_hz, product_name="已过期的精密减速器", model_spec="RV-EXP"),
        {"enterprise": world.ent_hz, "product_name": "到期未标记的油泵链条", "model_spec": "CL04DF",
         "valid_until": timezone.localdate() - dt.timedelta(days=1)},
    ])
    rows += b.recognitions(b2025, world.province_user, [
        {"enterprise": wz, "product_name": "高强度轻量化铝合金板材", "model_spec": "AL-7075", "level": "provincial",
         "field": "components", "category": "new_material"},
    ])
    return {r.product_name: r for r in rows}


VISIBLE = ["中程无人机航空应急测绘系统", "五轴联动数控机床", "血液透析中空纤维膜纺丝生产线", "高强度轻量化铝合金板材"]
HIDDEN = ["已撤销的数控机床", "已过期的精密减速器", "到期未标记的油泵链条"]


def _products(response):
    return [r.product_name for r in response.context["page"].object_list]


def test_catalogue_is_public_and_lists_valid_recognitions_in_order(client, data):
    response = client.get("/catalogue/")
    assert response.status_code == 200
    # 2026 before 2025; within a year international, domestic, provincial (not the codes' alphabetical order).
    assert _products(response) == VISIBLE


def test_catalogue_never_shows_revoked_or_expired(client, data):
    assert Recognition.objects.filter(product_name__in=HIDDEN).count() == 3
    body = client.get("/catalogue/").content.decode()
    for name in HIDDEN:
        assert name not in body
    for name in VISIBLE:
        assert name in body


@pytest.mark.parametrize(("q", "expected"), [
    ("数控", ["五轴联动数控机床"]),  # product name, Chinese substring
    ("中空纤维", ["血液透析中空纤维膜纺丝生产线"]),
    ("VZ70", ["五轴联动数控机床"]),  # model
    ("宁波测试", ["血液透析中空纤维膜纺丝生产线"]),  # enterprise name
    ("精工阀门", ["高强度轻量化铝合金板材"]),
    ("机床", ["五轴联动数控机床"]),  # the revoked 已撤销的数控机床 matches too, and stays out
    ("不存在的产品", []),
])
def test_catalogue_search_by_chinese_substring(client, data, q, expected):
    assert _products(client.get("/catalogue/", {"q": q})) == expected


def test_catalogue_search_by_certificate_number(client, data):
    number = data["血液透析中空纤维膜纺丝生产线"].certificate_number
    assert _products(client.get("/catalogue/", {"q": number[3:-1]})) == ["血液透析中空纤维膜纺丝生产线"]


@pytest.mark.parametrize(("params", "expected"), [
    ({"year": "2025"}, ["高强度轻量化铝合金板材"]),
    ({"level": "provincial"}, ["血液透析中空纤维膜纺丝生产线", "高强度轻量化铝合金板材"]),
    ({"level": "international"}, ["中程无人机航空应急测绘系统"]),
    ({"field": "medical"}, ["血液透析中空纤维膜纺丝生产线"]),
    ({"category": "new_material"}, ["高强度轻量化铝合金板材"]),
    ({"year": "2026", "level": "provincial"}, ["血液透析中空纤维膜纺丝生产线"]),
])
def test_catalogue_filters(client, data, params, expected):
    assert _products(client.get("/catalogue/", params)) == expected


def test_catalogue_filter_by_city(client, data):
    ningbo = Region.objects.get(code="3302")
    hangzhou = Region.objects.get(code="3301")
    assert _products(client.get("/catalogue/", {"city": ningbo.pk})) == ["血液透析中空纤维膜纺丝生产线"]
    assert _products(client.get("/catalogue/", {"city": hangzhou.pk})) == ["中程无人机航空应急测绘系统",
                                                                         "五轴联动数控机床"]


def test_catalogue_row_shows_its_columns_and_links_to_verification(client, data):
    rec = data["五轴联动数控机床"]
    body = client.get("/catalogue/", {"q": "数控"}).content.decode()
    for text in ("五轴联动数控机床", "VZ7000", "杭州测试科技有限公司", "国内首台（套）", "机器人与智能制造装备", "杭州市",
                 "2026", rec.certificate_number, rec.valid_until.strftime("%Y-%m-%d")):
        assert text in body
    assert f'href="/verify/{quote(rec.certificate_number, safe="")}/"' in body


@pytest.mark.parametrize(("params", "expected", "error"), [
    # The refused filter is named; the valid ones still apply (never the whole catalogue).
    ({"year": "二〇二五", "level": "provincial"}, ["血液透析中空纤维膜纺丝生产线", "高强度轻量化铝合金板材"], "年度"),
    ({"level": "national", "q": "数控"}, ["五轴联动数控机床"], "认定级别"),
    ({"city": "99999999", "field": "medical"}, ["血液透析中空纤维膜纺丝生产线"], "设区市"),
    ({"field": "robotics'--", "year": "2025"}, ["高强度轻量化铝合金板材"], "所属领域"),
])
def test_catalogue_bad_filter_keeps_the_others_and_says_so(client, data, params, expected, error):
    response = client.get("/catalogue/", params)
    assert response.status_code == 200
    assert _products(response) == expected
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and "无效" in shown[0] and error in shown[0]


def test_catalogue_county_is_not_a_city(client, data):
    county = Region.objects.get(code="330106")
    response = client.get("/catalogue/", {"city": county.pk})
    assert "设区市" in " ".join(str(m) for m in response.context["messages"])


def test_catalogue_paginates_by_20(client, world):
    batch = b.batch(world)
    b.recognitions(batch, world.province_user, [{"enterprise": world.ent_hz} for _ in range(23)])
    first = client.get("/catalogue/")
    assert len(first.context["page"].object_list) == 20
    assert "共 23 条" in first.content.decode()
    second = client.get("/catalogue/", {"page": 2})
    assert len(second.context["page"].object_list) == 3
    assert not set(_products(first)) & set(_products(second))


def test_catalogue_empty_states(client, world):
    response = client.get("/catalogue/")
    assert response.status_code == 200
    assert "目录暂无有效认定产品" in response.content.decode()
    batch = b.batch(world)
    b.recognitions(batch, world.province_user, [b.revoked(enterprise=world.ent_hz)])
    assert "目录暂无有效认定产品" in client.get("/catalogue/").content.decode()  # a revoked row is no content
    b.recognitions(batch, world.province_user, [{"enterprise": world.ent_hz}])
    body = client.get("/catalogue/", {"q": "没有这种产品"}).content.decode()
    assert "没有符合条件的有效认定产品" in body and 'data-testid="catalogue-table"' not in body


# --- Excel export ---------------------------------------------------------------------------------------


def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(response.content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows[:CATALOGUE_HEADER_ROW], rows[CATALOGUE_HEADER_ROW:]


def test_catalogue_export_has_the_filtered_rows(client, data):
    head, rows = _sheet(client.get("/catalogue/export.xlsx", {"level": "provincial"}))
    assert head[2][:4] == ["证书编号", "产品名称", "型号规格", "企业名称"]
    assert "省内首台（套）" in head[1][0]  # the filters are stated
    assert [r[1] for r in rows] == ["血液透析中空纤维膜纺丝生产线", "高强度轻量化铝合金板材"]
    rec = data["血液透析中空纤维膜纺丝生产线"]
    assert rows[0] == [rec.certificate_number, rec.product_name, "MD-HF1", "宁波测试机械有限公司", "省内首台（套）",
                       "首台（套）装备", "现代医疗设备与器械", "宁波市", 2026, rec.valid_until.isoformat()]


def test_catalogue_export_without_filters_leaves_out_revoked_and_expired(client, data):
    _head, rows = _sheet(client.get("/catalogue/export.xlsx"))
    assert [r[1] for r in rows] == VISIBLE


def test_catalogue_export_keeps_formula_text_as_text(client, world):
    batch = b.batch(world)
    b.recognitions(batch, world.province_user, [{"enterprise": world.ent_hz, "product_name": "=HYPERLINK(\"x\")"}])
    response = client.get("/catalogue/export.xlsx")
    ws = load_workbook(BytesIO(response.content)).active
    cell = ws.cell(row=CATALOGUE_HEADER_ROW + 1, column=2)
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"


def test_catalogue_export_refuses_a_bad_filter(client, data):
    response = client.get("/catalogue/export.xlsx", {"level": "provincial", "year": "abc"})
    assert response.status_code == 400
    assert "年度" in response.content.decode()
