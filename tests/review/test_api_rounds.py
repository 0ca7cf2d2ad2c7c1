"""Review rounds through the API (province staff): create, list, settings, rubric, panels, auto-assign, start
and close, the board, the ranked results and their export. Bad input answers 400 naming the field (with the
services' keys such as criteria.2.max_points) and writes nothing."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from certification.models import Application
from review.models import Assignment, Criterion, Panel, ReviewRound

from .api_helpers import API, call, declare_and_submit, fields_of, review_events
from .builders import closed_batch, experts, passed_application, review_round, started_round

pytestmark = pytest.mark.django_db

FULL = [Decimal("24"), Decimal("20"), Decimal("12"), Decimal("12"), Decimal("12")]  # 80 on the 100 scale
LOW = [Decimal("18"), Decimal("15"), Decimal("9"), Decimal("9"), Decimal("9")]  # 60


def test_staff_create_a_round_and_creating_again_answers_the_same(world, client):
    batch = closed_batch(world.province_user)
    passed_application(batch, world.ent_hz, field="medical")
    client.force_login(world.province_user)

    created = call(client, "post", f"{API}/rounds/", {"batch": batch.pk})
    again = call(client, "post", f"{API}/rounds/", {"batch": batch.pk})

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["batch"] == batch.pk and body["batch_name"] == batch.name
    assert body["state"] == "setup" and body["state_label"] == "配置中"
    assert body["experts_per_application"] == 5 and body["aggregation"] == "trimmed"
    assert [c["name"] for c in body["criteria"]] == ["创新性", "先进性", "质量可靠性", "知识产权", "应用前景与效益"]
    assert [(p["name"], p["fields"], p["field_labels"]) for p in body["panels"]] == [
        ("现代医疗设备与器械组", ["medical"], ["现代医疗设备与器械"])]
    assert body["progress"] == {"active": 0, "submitted": 0, "recused": 0}
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert ReviewRound.objects.count() == 1


def test_create_with_a_bad_batch_answers_400_and_writes_nothing(world, client):
    client.force_login(world.province_user)

    missing = call(client, "post", f"{API}/rounds/", {})
    unknown = call(client, "post", f"{API}/rounds/", {"batch": 999999})

    assert "batch" in fields_of(missing) and "batch" in fields_of(unknown)
    assert ReviewRound.objects.count() == 0


def test_list_is_paginated_filtered_by_batch_and_carries_progress(world, client):
    rr, _apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    other = closed_batch(world.province_user, name="第二批")
    rr2 = review_round(world.province_user, other)
    client.force_login(world.province_user)

    everything = call(client, "get", f"{API}/rounds/").json()
    only_first = call(client, "get", f"{API}/rounds/", {"batch": rr.batch_id}).json()
    bad = call(client, "get", f"{API}/rounds/", {"batch": "1.5"})

    assert everything["count"] == 2 and [r["id"] for r in everything["results"]] == [rr2.pk, rr.pk]
    assert [r["id"] for r in only_first["results"]] == [rr.pk]
    assert only_first["results"][0]["progress"] == {"active": 3, "submitted": 0, "recused": 0}
    assert "batch" in fields_of(bad)


def test_detail_carries_criteria_panels_and_progress(world, client):
    rr, apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    declare_and_submit(Assignment.objects.filter(application=apps[0]).first(), points=FULL, vote="domestic",
                       comment="好")
    client.force_login(world.province_user)

    body = call(client, "get", f"{API}/rounds/{rr.pk}/").json()

    assert body["state"] == "started" and len(body["criteria"]) == 5
    assert body["criteria"][0]["max_points"] == "30.00" and body["criteria"][0]["weight"] == "1.00"
    assert body["panels"][0]["fields"] == ["robotics"]
    assert body["progress"] == {"active": 3, "submitted": 1, "recused": 0}


def test_patch_settings(world, client):
    rr = review_round(world.province_user, closed_batch(world.province_user))
    deadline = (timezone.now() + dt.timedelta(days=20)).replace(microsecond=0)
    client.force_login(world.province_user)

    response = call(client, "patch", f"{API}/rounds/{rr.pk}/", {
        "experts_per_application": 7, "aggregation": "mean", "dispersion_threshold": "8.50",
        "deadline": deadline.isoformat()})

    assert response.status_code == 200, response.json()
    fresh = ReviewRound.objects.get(pk=rr.pk)
    assert (fresh.experts_per_application, fresh.aggregation, fresh.dispersion_threshold, fresh.deadline) == (
        7, "mean", Decimal("8.50"), deadline)
    assert response.json()["aggregation_label"] == "算术平均"
    assert review_events() == 2  # round created, settings changed


def test_patch_settings_with_bad_values_names_them_and_changes_nothing(world, client):
    rr = review_round(world.province_user, closed_batch(world.province_user))
    before = ReviewRound.objects.get(pk=rr.pk)
    events = review_events()
    client.force_login(world.province_user)

    types = call(client, "patch", f"{API}/rounds/{rr.pk}/", {"experts_per_application": 10, "aggregation": "median",
                                                             "dispersion_threshold": "-1"})
    past = call(client, "patch", f"{API}/rounds/{rr.pk}/", {
        "experts_per_application": 4, "deadline": (timezone.now() - dt.timedelta(days=1)).isoformat()})

    assert {"experts_per_application", "aggregation", "dispersion_threshold"} <= set(fields_of(types))
    assert set(fields_of(past)) == {"deadline"}
    fresh = ReviewRound.objects.get(pk=rr.pk)
    assert (fresh.experts_per_application, fresh.aggregation, fresh.deadline) == (
        before.experts_per_application, before.aggregation, before.deadline)
    assert review_events() == events


def test_put_criteria_replaces_the_rubric(world, client):
    rr = review_round(world.province_user, closed_batch(world.province_user))
    client.force_login(world.province_user)

    response = call(client, "put", f"{API}/rounds/{rr.pk}/criteria/", [
        {"name": "技术创新", "description": "核心技术", "max_points": 60, "weight": "2"},
        {"name": "市场前景", "max_points": "40"},
    ])

    assert response.status_code == 200, response.json()
    assert [(c["name"], c["max_points"], c["weight"]) for c in response.json()] == [
        ("技术创新", "60.00", "2.00"), ("市场前景", "40.00", "1.00")]
    assert list(Criterion.objects.filter(round=rr).values_list("name", flat=True)) == ["技术创新", "市场前景"]


def test_put_criteria_with_a_bad_row_names_it_and_writes_nothing(world, client):
    rr = review_round(world.province_user, closed_batch(world.province_user))
    before = list(Criterion.objects.filter(round=rr).values_list("id", "name", "max_points"))
    events = review_events()
    client.force_login(world.province_user)

    bad_row = call(client, "put", f"{API}/rounds/{rr.pk}/criteria/", [
        {"name": "技术创新", "max_points": 60}, {"name": "市场前景", "max_points": "abc"}, {"name": "技术创新",
                                                                                    "max_points": 10}])
    not_a_list = call(client, "put", f"{API}/rounds/{rr.pk}/criteria/", {"name": "技术创新"})
    empty = call(client, "put", f"{API}/rounds/{rr.pk}/criteria/", [])

    fields = fields_of(bad_row)
    assert set(fields) == {"criteria.2.max_points", "criteria.3.name"}
    assert "第2项满分" in fields["criteria.2.max_points"][0]
    assert bad_row.json()["error"]["message"].startswith("提交的数据有误")
    assert set(fields_of(not_a_list)) == {"criteria"}
    assert set(fields_of(empty)) == {"criteria"}
    assert list(Criterion.objects.filter(round=rr).values_list("id", "name", "max_points")) == before
    assert review_events() == events


def test_criteria_are_refused_once_the_round_started(world, client):
    rr, _apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    before = list(Criterion.objects.filter(round=rr).values_list("id", flat=True))
    client.force_login(world.province_user)

    response = call(client, "put", f"{API}/rounds/{rr.pk}/criteria/", [{"name": "新项", "max_points": 100}])

    assert fields_of(response) == {"non_field_errors": ["评审已开始，评分细则不能再修改。"]}
    assert list(Criterion.objects.filter(round=rr).values_list("id", flat=True)) == before


def test_put_panels(world, client):
    rr = review_round(world.province_user, closed_batch(world.province_user))
    client.force_login(world.province_user)

    ok = call(client, "put", f"{API}/rounds/{rr.pk}/panels/", [
        {"name": "装备一组", "fields": ["robotics", "medical"]}, {"name": "装备二组", "fields": ["ships"]}])
    bad = call(client, "put", f"{API}/rounds/{rr.pk}/panels/", [
        {"name": "甲组", "fields": ["robotics"]}, {"name": "乙组", "fields": ["robotics", "nonsense"]}])

    assert ok.status_code == 200, ok.json()
    assert [(p["name"], p["fields"]) for p in ok.json()] == [("装备一组", ["robotics", "medical"]),
                                                             ("装备二组", ["ships"])]
    assert set(fields_of(bad)) == {"panels.2.fields"}
    assert list(Panel.objects.filter(round=rr).values_list("name", flat=True)) == ["装备一组", "装备二组"]


def test_auto_assign_answers_created_and_shortages(world, client):
    batch = closed_batch(world.province_user)
    filled = passed_application(batch, world.ent_hz, field="robotics")
    short = passed_application(batch, world.ent_hz, field="ships")
    experts(3, fields=("robotics",))
    experts(1, fields=("ships",))
    rr = review_round(world.province_user, batch, experts_per_application=3)
    client.force_login(world.province_user)

    only_one = call(client, "post", f"{API}/rounds/{rr.pk}/auto-assign/", {"applications": [filled.pk]})
    rest = call(client, "post", f"{API}/rounds/{rr.pk}/auto-assign/")

    assert only_one.status_code == 200, only_one.json()
    assert only_one.json() == {"created": 3, "shortages": []}
    body = rest.json()
    assert body["created"] == 1
    [s] = body["shortages"]
    assert (s["application"], s["number"], s["needed"], s["assigned"], s["available"]) == (
        short.pk, short.number, 3, 1, 1)
    assert "还需 3 名专家，仅分配 1 名" in s["message"]
    assert Assignment.objects.filter(application=filled).count() == 3


def test_auto_assign_with_foreign_applications_answers_400_and_assigns_nothing(world, client):
    batch = closed_batch(world.province_user)
    passed_application(batch, world.ent_hz)
    experts(3)
    rr = review_round(world.province_user, batch, experts_per_application=3)
    other = passed_application(closed_batch(world.province_user, name="另一批次"), world.ent_hz)
    client.force_login(world.province_user)

    foreign = call(client, "post", f"{API}/rounds/{rr.pk}/auto-assign/", {"applications": [other.pk]})
    malformed = call(client, "post", f"{API}/rounds/{rr.pk}/auto-assign/", {"applications": ["x"]})

    assert str(other.pk) in fields_of(foreign)["applications"][0]
    assert "applications" in fields_of(malformed)
    assert Assignment.objects.count() == 0


def test_start_refuses_a_round_short_of_experts_then_starts_and_closes(world, client):
    batch = closed_batch(world.province_user)
    app = passed_application(batch, world.ent_hz)
    experts(2)
    rr = review_round(world.province_user, batch, experts_per_application=3)
    client.force_login(world.province_user)
    call(client, "post", f"{API}/rounds/{rr.pk}/auto-assign/")

    refused = call(client, "post", f"{API}/rounds/{rr.pk}/start/")
    assert set(fields_of(refused)) == {"assignments"}
    assert ReviewRound.objects.get(pk=rr.pk).state == "setup"

    experts(1)
    call(client, "post", f"{API}/rounds/{rr.pk}/auto-assign/")
    started = call(client, "post", f"{API}/rounds/{rr.pk}/start/")
    assert started.status_code == 200, started.json()
    assert started.json()["state"] == "started" and started.json()["started_at"]
    assert Application.objects.get(pk=app.pk).state == "expert_review"

    closed = call(client, "post", f"{API}/rounds/{rr.pk}/close/")
    again = call(client, "post", f"{API}/rounds/{rr.pk}/close/")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert fields_of(again) == {"non_field_errors": ["只有评审中的批次可以结束评审。"]}


def test_board_shows_progress_per_expert(world, client):
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    first = Assignment.objects.filter(application=apps[0], expert=people[0]).get()
    declare_and_submit(first, points=FULL, vote="domestic", comment="好")
    client.force_login(world.province_user)

    body = call(client, "get", f"{API}/rounds/{rr.pk}/board/").json()

    assert body["progress"] == {"active": 6, "submitted": 1, "recused": 0}
    rows = {r["expert"]: r for r in body["experts"]}
    assert set(rows) == {p.pk for p in people}
    assert {k: rows[people[0].pk][k] for k in ("active", "pending", "accepted", "submitted")} == {
        "active": 2, "pending": 1, "accepted": 1, "submitted": 1}
    assert rows[people[1].pk]["expert_name"] == str(people[1])
    assert body["understaffed"] == []


def test_results_rank_the_applications_with_scores_votes_and_dispersion(world, client):
    rr, apps, _people = started_round(world, apps=2, per_application=3, pool=3)
    scored, unscored = apps
    sheets = list(Assignment.objects.filter(application=scored).order_by("id"))
    declare_and_submit(sheets[0], points=FULL, vote="domestic", comment="好")
    declare_and_submit(sheets[1], points=FULL, vote="domestic", comment="好")
    declare_and_submit(sheets[2], points=LOW, vote="provincial", comment="一般")
    client.force_login(world.province_user)

    body = call(client, "get", f"{API}/rounds/{rr.pk}/results/").json()

    assert body["count"] == 2
    first, second = body["results"]
    assert first["application"] == scored.pk and first["rank"] == 1
    assert (first["number"], first["product_name"], first["enterprise"]) == (
        scored.number, scored.product_name, world.ent_hz.name)
    assert (first["field"], first["field_label"], first["declared_level"], first["declared_level_label"]) == (
        "robotics", "机器人与智能制造装备", "domestic", "国内首台（套）")
    assert (first["sheets"], first["pending"]) == (3, 0)
    assert (first["score"], first["stdev"], first["dispersed"], first["trimmed"]) == ("73.33", "9.43", False, False)
    assert first["votes"] == {"international": 0, "domestic": 2, "provincial": 1, "none": 0}
    assert first["majority"] == "domestic" and first["proposal"] == ""
    assert first["panel"]["name"] == rr.panels.get().name
    assert (second["application"], second["rank"], second["score"], second["pending"]) == (unscored.pk, None,
                                                                                          None, 3)


def test_results_filter_by_panel_and_search(world, client):
    rr, apps, _people = started_round(world, apps=2, per_application=3, pool=3)
    client.force_login(world.province_user)
    panel = rr.panels.get()

    by_panel = call(client, "get", f"{API}/rounds/{rr.pk}/results/", {"panel": panel.pk}).json()
    by_number = call(client, "get", f"{API}/rounds/{rr.pk}/results/", {"q": apps[1].number}).json()
    bad_panel = call(client, "get", f"{API}/rounds/{rr.pk}/results/", {"panel": panel.pk + 1000})

    assert by_panel["count"] == 2
    assert [r["application"] for r in by_number["results"]] == [apps[1].pk]
    assert set(fields_of(bad_panel)) == {"panel"}


def test_results_export_is_an_xlsx_per_panel(world, client):
    rr, apps, _people = started_round(world, apps=2, per_application=3, pool=3)
    for a in Assignment.objects.filter(application=apps[0]):
        declare_and_submit(a, points=FULL, vote="domestic", comment="好")
    client.force_login(world.province_user)

    response = client.get(f"{API}/rounds/{rr.pk}/results/export/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == [rr.panels.get().name]
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("组内排名", "受理编号")
    assert [r[1] for r in rows[1:]] == [apps[0].number, apps[1].number]
    assert rows[1][8] == 80


def test_results_export_with_a_slash_in_a_panel_name(world, client):
    rr, apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    client.force_login(world.province_user)
    assert call(client, "put", f"{API}/rounds/{rr.pk}/panels/",
                [{"name": "机器人/智能制造组", "fields": ["robotics"]}]).status_code == 200

    response = client.get(f"{API}/rounds/{rr.pk}/results/export/")

    assert response.status_code == 200
    assert load_workbook(BytesIO(response.content)).sheetnames == ["机器人_智能制造组"]


def test_schema_builds_with_the_review_routes(world, client):
    client.force_login(world.province_user)

    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        "/api/v1/review/rounds/", "/api/v1/review/rounds/{id}/criteria/", "/api/v1/review/rounds/{id}/results/",
        "/api/v1/review/rounds/{id}/results/export/", "/api/v1/review/rounds/{id}/assignments/",
        "/api/v1/review/assignments/{id}/remove/", "/api/v1/review/applications/{id}/sheets/",
        "/api/v1/review/applications/{id}/proposal/", "/api/v1/review/sheets/{id}/reopen/", "/api/v1/review/my/",
        "/api/v1/review/my/assignments/{id}/declare/", "/api/v1/review/my/sheets/{id}/submit/",
    } <= paths
