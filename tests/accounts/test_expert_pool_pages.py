"""专家库 pages: only province industry staff; list search and filters, forms, deactivation and import."""

import pytest
from openpyxl import load_workbook

from accounts import experts
from accounts.models import ExpertProfile, User
from accounts.navigation import menu_for
from audit.models import AuditEvent
from tests import factories as f
from tests.accounts.expert_pool_helpers import pool_counts, xlsx_row, xlsx_upload


def _expert(world, username, name, fields=("medical",), employer=None, region=None, active=True):
    user = f.expert(employer or world.ent_hz, fields=fields, username=username, display_name=name)
    ExpertProfile.objects.filter(user=user).update(region=region, active=active)
    return user.expert_profile


def _listed(response):
    assert response.status_code == 200
    return {p.user.username for p in response.context["page"].object_list}


@pytest.fixture
def pool(world):
    _expert(world, "zhang", "张三", fields=("robotics",), region=f.region("330106"))
    _expert(world, "li", "李四", fields=("medical", "components"), employer=world.ent_nb, region=f.region("3302"))
    _expert(world, "wang", "王五", fields=("pv_energy",), active=False)
    return world


@pytest.mark.django_db
def test_menu_has_the_pool_for_province_industry_staff_only(world):
    def has_pool(user):
        links = [c for item in menu_for(user) for c in item.get("children", [item])]
        return any(link["url"] == "/experts/" for link in links)

    assert has_pool(world.province_user)
    assert not any(has_pool(getattr(world, u)) for u in ("finance_user", "hz_user", "ent_hz_user", "expert_user"))


@pytest.mark.parametrize("who", ["hz_user", "binjiang_user", "ent_hz_user", "expert_user", "finance_user"])
@pytest.mark.django_db
def test_every_pool_page_is_403_for_others(world, client, who):
    pk = world.expert_user.expert_profile.pk
    client.force_login(getattr(world, who))

    for url in ["/experts/", "/experts/new/", "/experts/import/", "/experts/import/template.xlsx",
                f"/experts/{pk}/", f"/experts/{pk}/edit/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/experts/{pk}/active/", {"active": "0", "reason": "x"}).status_code == 403
    assert ExpertProfile.objects.get(pk=pk).active


@pytest.mark.django_db
def test_pool_pages_send_anonymous_users_to_login(world, client):
    response = client.get("/experts/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_list_shows_the_pool_and_searches_in_chinese(pool, client):
    client.force_login(pool.province_user)

    assert _listed(client.get("/experts/")) == {"zhang", "li", "wang", "expert"}
    assert _listed(client.get("/experts/", {"q": "李"})) == {"li"}
    assert _listed(client.get("/experts/", {"q": "宁波测试"})) == {"li", "expert"}  # employer
    assert _listed(client.get("/experts/", {"q": "zhan"})) == {"zhang"}  # username


@pytest.mark.django_db
def test_list_filters_by_field_state_and_city(pool, client):
    client.force_login(pool.province_user)

    assert _listed(client.get("/experts/", {"field": "medical"})) == {"li", "expert"}
    assert _listed(client.get("/experts/", {"field": "energy"})) == set()  # a bad filter never widens
    assert _listed(client.get("/experts/", {"active": "0"})) == {"wang"}
    assert _listed(client.get("/experts/", {"active": "1", "field": "robotics"})) == {"zhang"}
    hangzhou = f.region("3301")
    assert _listed(client.get("/experts/", {"city": hangzhou.pk})) == {"zhang"}  # 滨江 lies in 杭州


@pytest.mark.django_db
def test_list_empty_states(world, client):
    ExpertProfile.objects.all().delete()
    client.force_login(world.province_user)

    empty = client.get("/experts/").content.decode()
    no_match = client.get("/experts/", {"q": "无此人"}).content.decode()

    assert 'data-testid="empty"' in empty and "专家库中还没有专家" in empty
    assert "没有符合条件的专家" in no_match


@pytest.mark.django_db
def test_list_paginates(world, client):
    for i in range(26):
        _expert(world, f"p{i:02d}", f"专家{i:02d}")
    client.force_login(world.province_user)

    first = client.get("/experts/")
    second = client.get("/experts/", {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 2


@pytest.mark.django_db
def test_create_page_adds_an_expert_and_redirects_to_it(world, client):
    client.force_login(world.province_user)
    data = {"display_name": "孙专家", "username": "sun", "email": "sun@example.cn", "phone": "13700001111",
            "title": "副教授", "fields": ["textile", "robotics"], "employer_name": "浙江测试学院",
            "employer_uscc": f.make_uscc(660001), "region": f.region("330106").pk, "note": "纺织"}

    response = client.post("/experts/new/", data)

    profile = ExpertProfile.objects.get(user__username="sun")
    assert response.status_code == 302 and response["Location"] == f"/experts/{profile.pk}/"
    assert profile.fields == ["textile", "robotics"] and profile.employer.name == "浙江测试学院"
    assert "孙专家" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_create_page_shows_service_errors_on_the_field_and_writes_nothing(world, client):
    university = f.OrganisationFactory(kind="other", name="浙江测试大学")
    client.force_login(world.province_user)
    before = pool_counts()
    data = {"display_name": "孙专家", "username": "sun", "email": "prov@example.com", "phone": "13700001111",
            "title": "副教授", "fields": ["textile"], "employer": university.pk}

    response = client.post("/experts/new/", data)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert "该邮箱已被其他用户使用" in response.content.decode()
    assert pool_counts() == before


@pytest.mark.django_db
def test_edit_page_saves_changes(world, client):
    profile = world.expert_user.expert_profile
    client.force_login(world.province_user)
    page = client.get(f"/experts/{profile.pk}/edit/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(title="主任医师", phone="13600001111", employer=profile.employer_id)

    response = client.post(f"/experts/{profile.pk}/edit/", data)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.title == "主任医师" and profile.user.phone == "13600001111"
    assert AuditEvent.objects.filter(action="expert.updated", object_id=str(profile.pk)).exists()


@pytest.mark.django_db
def test_deactivate_page_needs_a_reason_then_deactivates(world, client):
    profile = world.expert_user.expert_profile
    client.force_login(world.province_user)

    refused = client.post(f"/experts/{profile.pk}/active/", {"active": "0", "reason": ""}, follow=True)
    assert ExpertProfile.objects.get(pk=profile.pk).active
    assert "停用专家时必须填写理由" in refused.content.decode()

    response = client.post(f"/experts/{profile.pk}/active/", {"active": "0", "reason": "工作调动"})

    assert response.status_code == 302 and response["Location"] == f"/experts/{profile.pk}/"
    profile.refresh_from_db()
    assert not profile.active and profile.deactivated_reason == "工作调动"
    assert "工作调动" in client.get(f"/experts/{profile.pk}/").content.decode()


@pytest.mark.django_db
def test_set_active_is_post_only(world, client):
    profile = world.expert_user.expert_profile
    client.force_login(world.province_user)

    assert client.get(f"/experts/{profile.pk}/active/").status_code == 405


@pytest.mark.django_db
def test_import_page_offers_a_template(world, client):
    client.force_login(world.province_user)

    page = client.get("/experts/import/")
    template = client.get("/experts/import/template.xlsx")

    assert page.status_code == 200 and "/experts/import/template.xlsx" in page.content.decode()
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    assert load_workbook(BytesIO(template.content)).worksheets[0]["A1"].value == "姓名"


@pytest.mark.django_db
def test_import_page_shows_the_report_and_writes_nothing_on_a_bad_row(world, client):
    client.force_login(world.province_user)
    before = pool_counts()

    response = client.post("/experts/import/", {"file": xlsx_upload([xlsx_row(), xlsx_row(用户名="b", 邮箱="")])})

    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-report"' in html
    assert 'data-row="3" data-status="error"' in html and "邮箱：请填写邮箱" in html
    assert pool_counts() == before


@pytest.mark.django_db
def test_import_page_imports_a_good_file(world, client):
    client.force_login(world.province_user)

    response = client.post("/experts/import/", {"file": xlsx_upload([xlsx_row()])})

    assert response.status_code == 200 and response.context["report"].created == 1
    assert User.objects.filter(username="wang_prof", expert_profile__isnull=False).exists()


@pytest.mark.django_db
def test_import_page_refuses_a_wrong_file_type(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.province_user)

    response = client.post("/experts/import/", {"file": SimpleUploadedFile("list.csv", b"a,b\n")})

    assert response.status_code == 200 and ".xlsx" in str(response.context["form"].errors["file"])
    assert response.context["report"] is None


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(world, client, django_assert_max_num_queries):
    client.force_login(world.province_user)
    client.get("/experts/")
    for i in range(20):
        _expert(world, f"q{i:02d}", f"专家{i:02d}", region=f.region("330106"))

    with django_assert_max_num_queries(12):
        assert len(_listed(client.get("/experts/"))) == 21


@pytest.mark.django_db
def test_detail_shows_the_history(world, client):
    profile = world.expert_user.expert_profile
    experts.set_expert_active(actor=world.province_user, profile=profile, active=False, reason="暂停")
    client.force_login(world.province_user)

    html = client.get(f"/experts/{profile.pk}/").content.decode()

    assert "expert.deactivated" in html and "暂停" in html
