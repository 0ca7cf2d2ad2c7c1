"""The catalogue API: public, paginated, the page's filters and search, 400 on a refused filter, a constant number
of queries for 1 and 50 rows, and the Excel export."""

from io import BytesIO
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import Region
from recognition.exports import CATALOGUE_HEADER_ROW

from . import catalogue_builders as b

pytestmark = pytest.mark.django_db
URL = "/api/v1/catalogue/"


@pytest.fixture
def data(world):
    batch = b.batch(world, year=2026)
    return b.recognitions(batch, world.province_user, [
        {"enterprise": world.ent_hz, "product_name": "五轴联动数控机床", "model_spec": "VZ7000", "level": "domestic"},
        {"enterprise": world.ent_nb, "product_name": "工业缝纫机伺服电机", "model_spec": "QD622", "level": "provincial",
         "field": "textile", "category": "software"},
        b.revoked(enterprise=world.ent_hz, product_name="已撤销的数控机床"),
        b.expired(enterprise=world.ent_nb, product_name="已过期的数控机床"),
    ])


def _names(response):
    assert response.status_code == 200, response.content[:300]
    return [r["product_name"] for r in response.json()["results"]]


def test_catalogue_api_is_public(client, data):
    response = client.get(URL)
    body = response.json()
    assert body["count"] == 2
    row = body["results"][0]
    rec = data[0]
    assert row == {
        "certificate_number": rec.certificate_number, "product_name": "五轴联动数控机床", "model_spec": "VZ7000",
        "enterprise_name": "杭州测试科技有限公司", "level": "domestic", "level_label": "国内首台（套）",
        "category": "equipment", "category_label": "首台（套）装备", "field": "robotics",
        "field_label": "机器人与智能制造装备", "city": Region.objects.get(code="3301").pk, "city_name": "杭州市",
        "year": 2026, "valid_until": rec.valid_until.isoformat(),
        "verify_url": f"http://testserver/verify/{quote(rec.certificate_number, safe='')}/",
    }


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "数控"}, ["五轴联动数控机床"]),
    ({"q": "伺服"}, ["工业缝纫机伺服电机"]),
    ({"q": "QD6"}, ["工业缝纫机伺服电机"]),
    ({"q": "宁波测试"}, ["工业缝纫机伺服电机"]),
    ({"level": "provincial"}, ["工业缝纫机伺服电机"]),
    ({"field": "textile"}, ["工业缝纫机伺服电机"]),
    ({"category": "software"}, ["工业缝纫机伺服电机"]),
    ({"year": "2026"}, ["五轴联动数控机床", "工业缝纫机伺服电机"]),
    ({"year": "2025"}, []),
])
def test_catalogue_api_filters_and_search(client, data, params, expected):
    assert _names(client.get(URL, params)) == expected


def test_catalogue_api_city_filter(client, data):
    assert _names(client.get(URL, {"city": Region.objects.get(code="3302").pk})) == ["工业缝纫机伺服电机"]


@pytest.mark.parametrize(("params", "field"), [
    ({"year": "abc", "level": "provincial"}, "year"),
    ({"level": "national"}, "level"),
    ({"city": "-1"}, "city"),
    ({"category": "equipment", "field": "space"}, "field"),
])
def test_catalogue_api_bad_filter_is_refused_with_its_field(client, data, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]


def test_catalogue_api_paginates(client, world):
    b.recognitions(b.batch(world), world.province_user, [{"enterprise": world.ent_hz} for _ in range(21)])
    body = client.get(URL).json()
    assert body["count"] == 21 and len(body["results"]) == 20 and body["next"]
    assert len(client.get(URL, {"page": 2}).json()["results"]) == 1


def test_catalogue_api_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    batch = b.batch(world)
    b.recognitions(batch, world.province_user, [{"enterprise": world.ent_hz}])
    url = f"{URL}?page_size=100&city={Region.objects.get(code='3301').pk}"
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).json()["count"] == 1
    one = len(ctx.captured_queries)

    b.recognitions(batch, world.province_user, [{"enterprise": e} for e in [world.ent_hz, world.ent_hz_other_county]
                                                 * 24 + [world.ent_nb]])
    with django_assert_num_queries(one):
        body = client.get(url).json()
    assert body["count"] == 49 and {r["city_name"] for r in body["results"]} == {"杭州市"}
    with django_assert_num_queries(one):
        assert client.get(f"{URL}?page_size=100").json()["count"] == 50


def test_catalogue_api_export(client, data):
    response = client.get(f"{URL}export.xlsx", {"q": "数控"})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[CATALOGUE_HEADER_ROW:]] == ["五轴联动数控机床"]
    assert client.get(f"{URL}export.xlsx", {"level": "x"}).status_code == 400
