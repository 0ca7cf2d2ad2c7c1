"""The batch summary (认定结果汇总): figures checked by hand on a small data set, the stated scope, every city and
field listed, totals that add up, a constant number of queries, the page, the API, the Excel export and who may
see them."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.fields import FIELD_CODES
from recognition.summary import batch_summary

from . import catalogue_builders as b

pytestmark = pytest.mark.django_db
API = "/api/v1/recognition/summary/"


@pytest.fixture
def data(world):
    """Batch 1 of 2026: 杭州 3 (two domestic robotics equipment, one of them expired; one provincial medical
    software), 宁波 1 international vehicles new material (+1 revoked provincial), 温州 1 provincial components
    equipment. Batch 2 of 2026: 宁波 1 domestic. Batch 2025: 杭州 1 provincial (outside every 2026 scope)."""
    wz = b.enterprise("330302", "温州精工阀门有限公司")
    first = b.batch(world, year=2026, name="2026年度第一批")
    second = b.batch(world, year=2026, name="2026年度第二批")
    old = b.batch(world, year=2025, name="2025年度第一批")
    b.recognitions(first, world.province_user, [
        {"enterprise": world.ent_hz, "level": "domestic", "field": "robotics"},
        b.expired(enterprise=world.ent_hz_other_county, level="domestic", field="robotics"),
        {"enterprise": world.ent_hz, "level": "provincial", "field": "medical", "category": "software"},
        {"enterprise": world.ent_nb, "level": "international", "field": "vehicles", "category": "new_material"},
        b.revoked(enterprise=world.ent_nb, level="provincial", field="robotics", product_name="已撤销的减速器齿轮"),
        {"enterprise": wz, "level": "provincial", "field": "components"},
    ])
    b.recognitions(second, world.province_user, [{"enterprise": world.ent_nb, "level": "domestic", "field": "ships"}])
    b.recognitions(old, world.province_user, [{"enterprise": world.ent_hz, "level": "provincial"}])
    return {"first": first, "second": second, "old": old}


def _counts(lines):
    return {line.label: line.count for line in lines}


def test_summary_of_a_batch_hand_checked(data):
    s = batch_summary(batch=data["first"])
    assert s.total == 5
    assert s.statuses == {"valid": 4, "expired": 1}
    assert _counts(s.by_level) == {"国际首台（套）": 1, "国内首台（套）": 2, "省内首台（套）": 2}
    assert _counts(s.by_category) == {"首台（套）装备": 3, "首批次新材料": 1, "首版次软件": 1}
    cities = _counts(s.by_city)
    assert list(cities) == ["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市",
                            "台州市", "丽水市"]
    assert cities == {**dict.fromkeys(cities, 0), "杭州市": 3, "宁波市": 1, "温州市": 1}
    fields = {line.code: line.count for line in s.by_field}
    assert list(fields) == FIELD_CODES
    assert fields == {**dict.fromkeys(FIELD_CODES, 0), "robotics": 2, "medical": 1, "vehicles": 1, "components": 1}
    # Per level within a city: 杭州 has two domestic and one provincial.
    hangzhou = s.by_city[0]
    assert hangzhou.levels == [0, 2, 1]
    assert [r.product_name for r in s.revoked] == ["已撤销的减速器齿轮"]


def test_summary_of_a_year_covers_every_batch_of_it(data):
    s = batch_summary(year=2026)
    assert s.total == 6
    assert _counts(s.by_level) == {"国际首台（套）": 1, "国内首台（套）": 3, "省内首台（套）": 2}
    assert {line.code: line.count for line in s.by_field}["ships"] == 1
    assert batch_summary(year=2025).total == 1
    assert batch_summary(year=2024).total == 0


def test_summary_totals_add_up(data):
    for s in (batch_summary(batch=data["first"]), batch_summary(year=2026)):
        by_city = sum(line.count for line in s.by_city)
        by_level = sum(line.count for line in s.by_level)
        by_field = sum(line.count for line in s.by_field)
        by_category = sum(line.count for line in s.by_category)
        assert by_city == by_level == by_field == by_category == s.total == sum(s.statuses.values())
        for line in s.by_city + s.by_field:
            assert sum(line.levels) == line.count


def test_summary_states_its_scope(data):
    lines = batch_summary(batch=data["first"]).scope_lines
    assert lines[0] == "范围：2026年度第一批（2026年度）"
    assert lines[1] == "类别：首台（套）装备、首批次新材料、首版次软件"
    assert lines[2] == "级别：国际首台（套）、国内首台（套）、省内首台（套）"
    assert lines[3] == ("状态：计入有效和已过期的认定（有效 4 项，已过期 1 项，合计 5 项）；已撤销的 1 项不计入，单列于后")
    assert lines[4].startswith("统计时间：")
    year = batch_summary(year=2026).scope_lines[0]
    assert year == "范围：2026年度全部批次（2026年度第一批、2026年度第二批）"


def test_summary_scope_names_only_the_batch_categories(world):
    batch = b.batch(world, year=2026, name="软件专批", categories=["software"])
    assert batch_summary(batch=batch).scope_lines[1] == "类别：首版次软件"


def test_summary_queries_do_not_grow_with_records(world, data, django_assert_num_queries):
    with CaptureQueriesContext(connection) as ctx:
        batch_summary(batch=data["first"])
    n = len(ctx.captured_queries)
    b.recognitions(data["first"], world.province_user,
                   [{"enterprise": e, "field": fld, "level": lvl} for e, fld, lvl in
                    zip([world.ent_hz, world.ent_nb] * 15, FIELD_CODES * 3, ["domestic", "provincial"] * 15,
                        strict=True)] + [b.revoked(enterprise=world.ent_nb)] * 3)
    with django_assert_num_queries(n):
        s = batch_summary(batch=data["first"])
    assert s.total == 35 and len(s.revoked) == 4


# --- page ------------------------------------------------------------------------------------------------


def test_summary_page_for_province_staff(client, world, data):
    client.force_login(world.province_user)
    response = client.get("/recognition/summary/", {"batch": data["first"].pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "范围：2026年度第一批（2026年度）" in body and "已撤销的 1 项不计入" in body
    assert 'data-testid="total">5<' in body
    assert "丽水市" in body and "关键基础件" in body  # zero rows listed too
    assert "已撤销的减速器齿轮" in body


def test_summary_page_asks_for_a_scope_and_refuses_a_bad_one(client, world, data):
    client.force_login(world.province_user)
    assert 'data-testid="prompt"' in client.get("/recognition/summary/").content.decode()
    for params in ({"batch": "abc"}, {"batch": "999999"}, {"batch": data["first"].pk, "year": "2026"},
                   {"year": "1"}):
        response = client.get("/recognition/summary/", params)
        assert response.status_code == 200 and response.context["summary"] is None, params
        assert response.context["form"].errors
        assert 'data-testid="total"' not in response.content.decode()


@pytest.mark.parametrize("user", ["hz_user", "ent_hz_user", "finance_user", "expert_user"])
def test_summary_page_refuses_other_roles(client, world, data, user):
    client.force_login(getattr(world, user))
    assert client.get("/recognition/summary/", {"batch": data["first"].pk}).status_code == 403
    assert client.get("/recognition/summary/export.xlsx", {"batch": data["first"].pk}).status_code == 403


def test_summary_page_needs_login(client, data):
    response = client.get("/recognition/summary/", {"batch": data["first"].pk})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_summary_export_states_scope_and_figures(client, world, data):
    client.force_login(world.province_user)
    response = client.get("/recognition/summary/export.xlsx", {"batch": data["first"].pk})
    assert response.status_code == 200
    rows = [[c for c in r if c is not None] for r in load_workbook(BytesIO(response.content)).active
            .iter_rows(values_only=True)]
    assert ["范围：2026年度第一批（2026年度）"] in rows
    assert ["类别：首台（套）装备、首批次新材料、首版次软件"] in rows
    assert ["合计（计入统计的认定）", 5] in rows
    assert ["杭州市", 3, 0, 2, 1] in rows and ["丽水市", 0, 0, 0, 0] in rows
    assert ["首批次新材料", 1] in rows
    assert ["已撤销的认定（不计入以上统计）：1 项"] in rows
    assert rows.count(["合计", 5]) == 4
    assert client.get("/recognition/summary/export.xlsx").status_code == 400


# --- API -------------------------------------------------------------------------------------------------


def test_summary_api_for_province_staff(client, world, data):
    client.force_login(world.province_user)
    body = client.get(API, {"batch": data["first"].pk}).json()
    assert body["total"] == 5 and body["by_status"] == {"valid": 4, "expired": 1}
    assert body["scope"]["text"].startswith("范围：2026年度第一批（2026年度）；类别：首台（套）装备")
    assert body["scope"]["excluded_statuses"] == ["revoked"] and body["scope"]["batch"] == data["first"].pk
    assert {r["code"]: r["count"] for r in body["by_level"]} == {"international": 1, "domestic": 2, "provincial": 2}
    assert len(body["by_city"]) == 11 and sum(r["count"] for r in body["by_city"]) == 5
    assert body["by_city"][0]["label"] == "杭州市"
    assert body["by_city"][0]["levels"] == {"international": 0, "domestic": 2, "provincial": 1}
    assert len(body["by_field"]) == 10 and sum(r["count"] for r in body["by_field"]) == 5
    assert [r["product_name"] for r in body["revoked"]] == ["已撤销的减速器齿轮"]
    assert client.get(API, {"year": 2026}).json()["total"] == 6


@pytest.mark.parametrize("params", [{}, {"batch": "abc"}, {"batch": "999999"}, {"year": "x"},
                                    {"batch": "1", "year": "2026"}])
def test_summary_api_refuses_a_bad_scope(client, world, data, params):
    client.force_login(world.province_user)
    response = client.get(API, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_summary_api_permissions(client, world, data):
    params = {"batch": data["first"].pk}
    assert client.get(API, params).status_code == 401
    assert client.get(f"{API}export.xlsx", params).status_code == 401
    for user in (world.hz_user, world.ent_hz_user, world.finance_user, world.expert_user):
        client.force_login(user)
        assert client.get(API, params).status_code == 403
        assert client.get(f"{API}export.xlsx", params).status_code == 403
    client.force_login(world.province_user)
    assert client.get(API, params).status_code == 200
    assert client.get(f"{API}export.xlsx", params).status_code == 200


def test_summary_row_outside_the_reference_lists_shows_as_other(world):
    """A record whose city is not one of the 11 (a data error) still counts, under 其他, so the sums hold."""
    from tests import factories as f

    batch = b.batch(world)
    b.recognitions(batch, world.province_user, [{"enterprise": world.ent_hz},
                                                {"enterprise": world.ent_hz, "city": f.region("330106")}])
    s = batch_summary(batch=batch)
    assert [(line.label, line.count) for line in s.by_city if line.count] == [("杭州市", 1), ("其他", 1)]
    assert sum(line.count for line in s.by_city) == s.total == 2
