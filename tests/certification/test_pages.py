"""The HTML pages of batches and applications: scope (404 outside it), forms calling the services, errors
shown where they belong, and lists with a constant number of queries."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Region
from certification.models import Application, Batch
from certification.services.applications import decide, resubmit, update_draft
from certification.services.batches import create_batch

from .helpers import EXE_BYTES, draft, open_batch, submitted


def _client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def batch(world):
    return open_batch(world.province_user)


def test_application_pages_answer_404_outside_the_scope(client, world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    urls = [f"/applications/{app.pk}/", f"/applications/{app.pk}/edit/",
            f"/applications/{app.pk}/revisions/1/diff/"]
    for user in (world.ent_nb_user, world.nb_user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(f"/applications/{app.pk}/action/", {"action": "withdraw"}).status_code == 404
        assert client.post(f"/applications/{app.pk}/autosave/", {"product_name": "x"}).status_code == 404
    assert Application.objects.get(pk=app.pk).state == "county_review"


def test_application_list_shows_only_the_scope_with_constant_queries(client, world, batch,
                                                                     django_assert_max_num_queries):
    submitted(world.ent_hz_user, world.ent_hz, batch)
    submitted(world.ent_nb_user, world.ent_nb, batch, product_name="宁波的产品")
    c = _client(client, world.hz_user)
    with django_assert_max_num_queries(20):
        body = c.get("/applications/").content.decode()
    assert "高精度五轴联动数控机床" in body and "宁波的产品" not in body
    for i in range(20):
        submitted(world.ent_hz_user, world.ent_hz, batch, product_name=f"产品{i}")
    with django_assert_max_num_queries(20):
        response = c.get("/applications/?q=产品&sort=number&category=equipment")
    assert response.status_code == 200 and "产品19" in response.content.decode()


def test_enterprise_list_uses_applicant_labels_and_offers_a_new_application(client, world, batch):
    draft(world.ent_hz_user, world.ent_hz, batch)
    body = _client(client, world.ent_hz_user).get("/applications/").content.decode()
    assert "草稿（未提交）" in body
    assert f"/applications/new/?batch={batch.pk}" in body
    assert "导出 Excel" not in body


def test_new_application_form_creates_a_draft(client, world, batch):
    c = _client(client, world.ent_hz_user)
    response = c.post(f"/applications/new/?batch={batch.pk}", {
        "product_name": "新产品", "model_spec": "M-1", "category": "equipment", "equipment_form": "complete",
        "declared_level": "domestic", "field": "robotics",
        "ind_indicator": ["精度", ""], "ind_our_value": ["0.1", ""], "ip_kind": ["发明专利"], "ip_number": ["ZL1"],
    })
    app = Application.objects.get(product_name="新产品")
    assert response.status_code == 302 and response.url == f"/applications/{app.pk}/edit/"
    assert app.indicators == [{"indicator": "精度", "our_value": "0.1", "domestic_best": "", "foreign_best": "",
                               "source": ""}]
    assert app.ip_items[0]["number"] == "ZL1" and app.commitment_confirmed_at is None


def test_autosave_saves_the_draft_and_answers_with_the_time(client, world, batch):
    app = draft(world.ent_hz_user, world.ent_hz, batch)
    c = _client(client, world.ent_hz_user)
    response = c.post(f"/applications/{app.pk}/autosave/", {
        "product_name": app.product_name, "model_spec": "HZ-5X-900", "category": "equipment",
        "equipment_form": "complete", "declared_level": "domestic", "field": "robotics", "commitment": "on",
    })
    assert "已保存" in response.content.decode()
    saved = Application.objects.get(pk=app.pk)
    assert saved.model_spec == "HZ-5X-900"
    # Autosaving again keeps the first confirmation time of the commitment.
    assert saved.commitment_confirmed_at == app.commitment_confirmed_at
    response = c.post(f"/applications/{app.pk}/autosave/", {"product_name": "", "model_spec": "x"})
    assert "未能自动保存" in response.content.decode()


def test_submit_without_attachments_lists_what_is_missing(client, world, batch):
    app = draft(world.ent_hz_user, world.ent_hz, batch)
    response = _client(client, world.ent_hz_user).post(f"/applications/{app.pk}/action/", {"action": "submit"})
    assert response.status_code == 400
    assert "缺少附件" in response.content.decode()
    assert Application.objects.get(pk=app.pk).state == "draft"


def test_bad_upload_is_refused_with_the_reason_and_nothing_stored(client, world, batch):
    app = draft(world.ent_hz_user, world.ent_hz, batch)
    response = _client(client, world.ent_hz_user).post(f"/applications/{app.pk}/attachments/", {
        "type": "test_report", "file": SimpleUploadedFile("../report.pdf", EXE_BYTES),
    })
    assert response.status_code == 400 and "PDF" in response.content.decode()
    assert not app.attachments.exists()


def test_return_requires_items_and_decline_a_reason(client, world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    c = _client(client, world.binjiang_user)
    response = c.post(f"/applications/{app.pk}/action/", {"action": "county_return", "opinion": "不全"})
    assert response.status_code == 400 and "请列出需要补正的事项" in response.content.decode()
    response = c.post(f"/applications/{app.pk}/action/", {"action": "county_decline"})
    assert response.status_code == 400 and "请填写理由" in response.content.decode()
    response = c.post(f"/applications/{app.pk}/action/",
                      {"action": "county_return", "opinion": "不全", "items": "补充检测报告\n\n核对型号\n"})
    assert response.status_code == 302
    assert app.decisions.get().items == ["补充检测报告", "核对型号"]


def test_action_not_available_to_the_user_changes_nothing(client, world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    c = _client(client, world.hz_user)  # the city's turn comes after the county's
    response = c.post(f"/applications/{app.pk}/action/", {"action": "city_recommend"})
    assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).state == "county_review"


def test_formal_review_stores_the_checklist(client, world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    decide(actor=world.binjiang_user, application_id=app.pk, action="county_recommend")
    decide(actor=world.hz_user, application_id=app.pk, action="city_recommend")
    c = _client(client, world.province_user)
    response = c.post(f"/applications/{app.pk}/action/",
                      {"action": "formal_pass", "checklist": ["materials_complete", "commitment_signed"]})
    assert response.status_code == 302
    items = app.decisions.get(stage="province").items
    assert len(items) == 7 and items[0].startswith("✓") and items[1].startswith("✗")


def test_diff_page_shows_the_changed_field(client, world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    decide(actor=world.binjiang_user, application_id=app.pk, action="county_return", opinion="型号",
           items=["核对型号"])
    update_draft(actor=world.ent_hz_user, application_id=app.pk, model_spec="HZ-5X-800B")
    resubmit(actor=world.ent_hz_user, application_id=app.pk)
    body = _client(client, world.binjiang_user).get(f"/applications/{app.pk}/revisions/2/diff/").content.decode()
    assert "HZ-5X-800B" in body and "型号规格" in body
    assert client.get(f"/applications/{app.pk}/").content.decode().count("/revisions/2/diff/") >= 1


def test_batch_pages_for_province_staff(client, world):
    c = _client(client, world.province_user)
    data = {"year": 2026, "name": "测试批次", "categories": ["equipment", "software"],
            "equipment_forms": ["complete"], "opens_at": "2026-01-01T09:00", "closes_at": "2099-01-01T17:00",
            "recommend_deadline": "2099-02-01T17:00"}
    data.update({f"quota_{r.pk}": 2 for r in Region.objects.filter(level=Region.Level.CITY)})
    response = c.post("/batches/new/", data)
    batch = Batch.objects.get(name="测试批次")
    assert response.status_code == 302 and batch.state == "draft" and batch.quotas.count() == 11
    assert c.post(f"/batches/{batch.pk}/publish/").status_code == 302
    assert Batch.objects.get(pk=batch.pk).state == "open"
    # Once open, only the notes, deadlines and quotas change.
    response = c.post(f"/batches/{batch.pk}/edit/", {**data, "name": "改名", "notes": "请按时申报"})
    batch = Batch.objects.get(pk=batch.pk)
    assert response.status_code == 302 and batch.name == "测试批次" and batch.notes == "请按时申报"
    assert "测试批次" in c.get(f"/batches/{batch.pk}/").content.decode()


def test_batch_management_is_refused_to_others(client, world, batch):
    c = _client(client, world.hz_user)
    assert c.get("/batches/new/").status_code == 403
    assert c.get(f"/batches/{batch.pk}/edit/").status_code == 403
    assert c.post(f"/batches/{batch.pk}/close/").status_code == 403
    assert c.get(f"/batches/{batch.pk}/").status_code == 200


def test_draft_batches_are_hidden_from_enterprises(client, world, batch):
    now = timezone.now()
    hidden = create_batch(actor=world.province_user, year=2027, name="草稿批次", opens_at=now,
                          closes_at=now + timedelta(days=1), recommend_deadline=now + timedelta(days=2))
    c = _client(client, world.ent_hz_user)
    assert c.get(f"/batches/{hidden.pk}/").status_code == 404
    assert "草稿批次" not in c.get("/batches/").content.decode()


def test_export_for_bureau_staff_only(client, world, batch):
    submitted(world.ent_hz_user, world.ent_hz, batch)
    response = _client(client, world.hz_user).get("/applications/export.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert _client(client, world.ent_hz_user).get("/applications/export.xlsx").status_code == 403


def test_new_application_refused_for_a_closed_batch(client, world, batch):
    from certification.services.batches import close_batch

    close_batch(actor=world.province_user, batch_id=batch.pk)
    c = _client(client, world.ent_hz_user)
    response = c.post(f"/applications/new/?batch={batch.pk}", {"product_name": "x"})
    assert response.status_code == 302 and response.url == f"/batches/{batch.pk}/"
    assert not Application.objects.exists()
    assert c.get("/applications/new/?batch=abc").status_code == 404
