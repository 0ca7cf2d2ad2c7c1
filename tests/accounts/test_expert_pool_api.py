"""/api/v1/experts/: the scope matrix, filters, writes through the services, import, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ExpertProfile, User
from audit.models import AuditEvent
from tests import factories as f
from tests.accounts.expert_pool_helpers import pool_counts, xlsx_row, xlsx_upload

OTHERS = ["hz_user", "nb_user", "binjiang_user", "ent_hz_user", "expert_user", "finance_user", "regulator_user"]


def _payload(**overrides):
    data = {"display_name": "周专家", "username": "zhou", "email": "zhou@example.cn", "phone": "13500001111",
            "title": "高级工程师", "fields": ["vehicles"], "employer_name": "浙江测试汽车研究院",
            "employer_uscc": f.make_uscc(550001)}
    data.update(overrides)
    return data


def _requests(world):
    pk = world.expert_user.expert_profile.pk
    return [
        ("get", "/api/v1/experts/", None),
        ("get", f"/api/v1/experts/{pk}/", None),
        ("post", "/api/v1/experts/", _payload()),
        ("patch", f"/api/v1/experts/{pk}/", {"title": "教授"}),
        ("post", f"/api/v1/experts/{pk}/deactivate/", {"reason": "x"}),
        ("post", f"/api/v1/experts/{pk}/activate/", {}),
        ("post", f"/api/v1/experts/{pk}/invite/", {}),
    ]


def _call(client, method, url, data):
    if data is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data, content_type="application/json")


@pytest.mark.django_db
def test_anonymous_gets_401_everywhere(world, client):
    for method, url, data in _requests(world):
        response = _call(client, method, url, data)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"
    assert client.post("/api/v1/experts/import/", {"file": xlsx_upload([xlsx_row()])}).status_code == 401


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.django_db
def test_everyone_but_province_industry_staff_gets_403_and_nothing_changes(world, client, who):
    client.force_login(getattr(world, who))
    before = pool_counts()

    for method, url, data in _requests(world):
        response = _call(client, method, url, data)
        assert response.status_code == 403, (url, response.content)
        assert "省经信厅" in response.json()["error"]["message"]
    assert client.post("/api/v1/experts/import/", {"file": xlsx_upload([xlsx_row()])}).status_code == 403
    assert pool_counts() == before
    assert ExpertProfile.objects.get(user=world.expert_user).title == "正高级工程师"


@pytest.mark.django_db
def test_province_staff_list_and_retrieve(world, client):
    client.force_login(world.province_user)
    profile = world.expert_user.expert_profile

    rows = client.get("/api/v1/experts/").json()["results"]
    one = client.get(f"/api/v1/experts/{profile.pk}/").json()

    assert [r["username"] for r in rows] == ["expert"]
    assert one["employer_name"] == "宁波测试机械有限公司" and one["fields"] == ["medical"]
    assert one["field_labels"] == ["现代医疗设备与器械"] and one["active"] is True
    assert client.get("/api/v1/experts/999999/").status_code == 404


@pytest.mark.django_db
def test_list_filters(world, client):
    f.expert(world.ent_hz, fields=("robotics", "pv_energy"), username="robo", display_name="机器人专家")
    off = f.expert(world.ent_hz, fields=("robotics",), username="off", display_name="停用专家")
    ExpertProfile.objects.filter(user=off).update(active=False)
    client.force_login(world.province_user)

    def names(query):
        response = client.get("/api/v1/experts/", query)
        assert response.status_code == 200, response.json()
        return {r["username"] for r in response.json()["results"]}

    assert names({"field": "robotics"}) == {"robo", "off"}
    assert names({"field": "robotics", "active": "true"}) == {"robo"}
    assert names({"active": "false"}) == {"off"}
    assert names({"q": "机器人"}) == {"robo"}
    assert names({"q": "杭州测试"}) == {"robo", "off"}


@pytest.mark.parametrize("query", [{"field": "energy"}, {"active": "maybe"}])
@pytest.mark.django_db
def test_bad_filters_answer_400_naming_the_filter(world, client, query):
    client.force_login(world.province_user)

    response = client.get("/api/v1/experts/", query)

    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == list(query)


@pytest.mark.django_db
def test_create_through_the_api(world, client):
    client.force_login(world.province_user)

    response = client.post("/api/v1/experts/", _payload(region=f.region("3301").pk), content_type="application/json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["username"] == "zhou" and body["invitation_pending"] is True
    assert body["employer_name"] == "浙江测试汽车研究院" and body["region_name"] == "杭州市"
    assert AuditEvent.objects.filter(action="expert.created", object_id=str(body["id"])).exists()


@pytest.mark.parametrize(("override", "field"), [
    ({"title": "工程师"}, "title"),
    ({"fields": []}, "fields"),
    ({"email": "ent_hz@example.com"}, "email"),
    ({"employer_uscc": ""}, "employer_uscc"),
])
@pytest.mark.django_db
def test_create_with_bad_input_answers_400_with_the_field_and_writes_nothing(world, client, override, field):
    client.force_login(world.province_user)
    before = pool_counts()

    response = client.post("/api/v1/experts/", _payload(**override), content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert pool_counts() == before


@pytest.mark.django_db
def test_partial_update_and_put_refused(world, client):
    profile = world.expert_user.expert_profile
    client.force_login(world.province_user)

    response = client.patch(f"/api/v1/experts/{profile.pk}/", {"title": "研究员", "note": "可评医疗"},
                            content_type="application/json")
    put = client.put(f"/api/v1/experts/{profile.pk}/", _payload(), content_type="application/json")

    assert response.status_code == 200 and response.json()["title"] == "研究员"
    assert response.json()["note"] == "可评医疗"
    assert put.status_code == 405
    assert AuditEvent.objects.get(action="expert.updated").after == {"title": "研究员", "note": "可评医疗"}


@pytest.mark.django_db
def test_deactivate_and_activate(world, client):
    profile = world.expert_user.expert_profile
    client.force_login(world.province_user)

    no_reason = client.post(f"/api/v1/experts/{profile.pk}/deactivate/", {}, content_type="application/json")
    off = client.post(f"/api/v1/experts/{profile.pk}/deactivate/", {"reason": "身体原因"},
                      content_type="application/json")
    again = client.post(f"/api/v1/experts/{profile.pk}/deactivate/", {"reason": "x"}, content_type="application/json")
    on = client.post(f"/api/v1/experts/{profile.pk}/activate/", {}, content_type="application/json")

    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    assert off.status_code == 200 and off.json()["active"] is False and off.json()["deactivated_reason"] == "身体原因"
    assert again.status_code == 400
    assert on.status_code == 200 and on.json()["active"] is True
    assert [e.action for e in AuditEvent.objects.filter(object_type="accounts.ExpertProfile", object_id=str(profile.pk)).order_by("id")] == [
        "expert.deactivated", "expert.activated"]


@pytest.mark.django_db
def test_import_good_file(world, client):
    client.force_login(world.province_user)

    response = client.post("/api/v1/experts/import/", {"file": xlsx_upload([xlsx_row()])})

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1 and response.json()["rows"][0]["status"] == "ok"
    assert User.objects.filter(username="wang_prof").exists()


@pytest.mark.django_db
def test_import_bad_row_answers_400_with_the_report(world, client):
    client.force_login(world.province_user)
    before = pool_counts()

    response = client.post("/api/v1/experts/import/", {"file": xlsx_upload([xlsx_row(), xlsx_row(用户名="x y")])})

    body = response.json()
    assert response.status_code == 400 and body["error"]["code"] == "invalid"
    assert body["created"] == 0 and body["error_count"] == 1
    assert body["rows"][1]["row"] == 3 and body["rows"][1]["messages"][0].startswith("用户名：")
    assert pool_counts() == before


@pytest.mark.django_db
def test_import_wrong_file_type_answers_400_on_the_file(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.province_user)

    response = client.post("/api/v1/experts/import/", {"file": SimpleUploadedFile("x.docx", b"PK\x03\x04")})

    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(world, client, django_assert_num_queries):
    client.force_login(world.province_user)
    client.get("/api/v1/experts/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/experts/?page_size=50").json()["results"]) == 1
    for i in range(20):
        user = f.expert(f.OrganisationFactory(kind="other"), fields=("robotics", "medical"), username=f"m{i}")
        ExpertProfile.objects.filter(user=user).update(region=f.region("330106"))

    with django_assert_num_queries(len(one.captured_queries)):
        rows = client.get("/api/v1/experts/?page_size=50").json()["results"]
    assert len(rows) == 21 and all(r["employer_name"] and r["field_labels"] for r in rows)


@pytest.mark.django_db
def test_schema_builds_with_the_expert_routes(world, client):
    client.force_login(world.province_user)

    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/experts/", "/api/v1/experts/{id}/deactivate/", "/api/v1/experts/import/"} <= set(paths)
