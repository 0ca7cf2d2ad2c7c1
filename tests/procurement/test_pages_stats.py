"""首购统计 pages (/procurement/stats/) and the statistics API (/api/v1/procurement/stats/): province-level staff of
any department; city and county bureaus, enterprises and buyers are refused; the year filter; the Excel export."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.procurement import builders as b

PAGE = "/procurement/stats/"
EXPORT = "/procurement/stats/export/"
API = "/api/v1/procurement/stats/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(world):
    world.org = b.buyer_org()
    world.buyer = b.buyer_user(world.org, username="buyer_a", is_admin=True)
    world.rec = b.recognition_for(world.ent_hz)
    world.signed = b.purchase(world.buyer, world.rec, budget=Decimal("2500000"), state="contracted")
    b.purchase(world.buyer, world.rec, state="cancelled")
    return world


@pytest.mark.parametrize("who", ["province_user", "finance_user", "regulator_user"])
def test_province_staff_see_the_statistics_with_their_scope(env, client, who):
    client.force_login(getattr(env, who))
    year = timezone.localdate().year

    page = client.get(PAGE)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="scope"' in html and "成交日期" in html and "已终止" in html
    assert f'data-testid="year-{year}"' in html
    assert html.count('<tr data-field="') == 10  # one year: its ten fields
    assert "250.00" in html  # 2,500,000 yuan in 万元
    api = client.get(API)
    assert api.status_code == 200 and api.json()["count"] == 1 and api.json()["amount"] == "2500000.00"


@pytest.mark.parametrize("who", ["hz_user", "binjiang_user", "ent_hz_user", "buyer", "expert_user"])
def test_others_are_refused(env, client, who):
    client.force_login(getattr(env, who))

    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.get(API).status_code == 403
    assert client.get(f"{API}export.xlsx").status_code == 403


def test_anonymous_is_sent_to_log_in(env, client):
    assert client.get(PAGE).status_code == 302
    assert client.get(API).status_code == 401


def test_the_year_filter(env, client):
    client.force_login(env.province_user)
    year = timezone.localdate().year

    other = client.get(PAGE, {"year": year - 3}).content.decode()
    bad = client.get(PAGE, {"year": "1900"})

    assert f'data-testid="year-{year - 3}"' in other and f'data-testid="year-{year}"' not in other
    assert bad.status_code == 400 and 'data-field-error="year"' in bad.content.decode()
    assert client.get(EXPORT, {"year": "1900"}).status_code == 400
    api = client.get(API, {"year": "x"})
    assert api.status_code == 400 and "year" in api.json()["error"]["fields"]
    assert client.get(API, {"year": year - 3}).json()["count"] == 0


def test_the_export(env, client):
    client.force_login(env.province_user)
    year = timezone.localdate().year

    response = client.get(EXPORT, {"year": year})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert ("计入统计的首购项目", 1, 2500000) in rows
    assert ("现代医疗设备与器械", 1, 2500000) in rows
    api = client.get(f"{API}export.xlsx")
    assert api.status_code == 200 and api["Content-Type"].startswith("application/vnd.openxmlformats")
