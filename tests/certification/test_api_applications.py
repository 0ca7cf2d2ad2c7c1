"""Applications through the API: drafts and autosave, submission with a receipt, decisions, withdrawal,
revisions and their diff, attachments; bad input answers 400 naming the field and writes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from certification.models import Application, Attachment
from tests.certification.helpers import EXE_BYTES, PDF_BYTES, application_fields, wf_attach_rows, wf_batch, wf_draft

JSON = "application/json"


def _json_fields(**overrides):
    data = application_fields(**overrides)
    data["first_sale_date"] = data["first_sale_date"].isoformat()
    return data


@pytest.mark.django_db
def test_enterprise_creates_autosaves_and_submits_a_draft(world, client):
    batch = wf_batch(world.province_user)
    client.force_login(world.ent_hz_user)

    created = client.post("/api/v1/applications/", {"batch": batch.pk, **_json_fields(), "commitment": True},
                          content_type=JSON)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["enterprise"] == world.ent_hz.pk  # defaulted to the user's enterprise
    assert body["state"] == "draft" and body["state_label"] == "草稿（未提交）"
    assert body["actions"] == ["submit", "withdraw"]
    assert "attachments" in body["missing"]

    saved = client.patch(f"/api/v1/applications/{body['id']}/", {"innovation_points": "新的创新点"},
                         content_type=JSON)
    assert saved.status_code == 200 and saved.json()["innovation_points"] == "新的创新点"

    refused = client.post(f"/api/v1/applications/{body['id']}/submit/")
    assert refused.status_code == 400 and "attachments" in refused.json()["error"]["fields"]

    wf_attach_rows(Application.objects.get(pk=body["id"]), world.ent_hz_user)
    submitted = client.post(f"/api/v1/applications/{body['id']}/submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["number"] == "2026-00001"
    assert submitted.json()["state"] == "county_review"
    assert submitted.json()["state_label"] == "待县（市、区）经信局推荐"
    assert [r["number"] for r in submitted.json()["revisions"]] == [1]


@pytest.mark.django_db
def test_create_with_bad_input_answers_400_naming_fields_and_writes_nothing(world, client):
    batch = wf_batch(world.province_user)
    client.force_login(world.ent_hz_user)
    events = AuditEvent.objects.count()

    bad_types = client.post("/api/v1/applications/", {"batch": batch.pk, **_json_fields(category="rocket",
                                                                                          first_sale_price="abc")},
                            content_type=JSON)
    missing = client.post("/api/v1/applications/", {"batch": batch.pk, "product_name": "只有名称"}, content_type=JSON)
    no_batch = client.post("/api/v1/applications/", _json_fields(), content_type=JSON)

    assert bad_types.status_code == 400
    assert {"category", "first_sale_price"} <= set(bad_types.json()["error"]["fields"])
    assert missing.status_code == 400
    assert {"model_spec", "category", "declared_level", "field"} <= set(missing.json()["error"]["fields"])
    assert no_batch.status_code == 400 and "batch" in no_batch.json()["error"]["fields"]
    assert Application.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_patch_with_bad_input_answers_400_and_changes_nothing(world, client):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    client.force_login(world.ent_hz_user)

    response = client.patch(f"/api/v1/applications/{app.pk}/", {"product_name": "", "indicators": "not a list"},
                            content_type=JSON)

    assert response.status_code == 400
    assert "indicators" in response.json()["error"]["fields"]
    assert Application.objects.get(pk=app.pk).product_name == app.product_name
    response = client.patch(f"/api/v1/applications/{app.pk}/", {"product_name": ""}, content_type=JSON)
    assert response.status_code == 400 and "product_name" in response.json()["error"]["fields"]
    assert Application.objects.get(pk=app.pk).product_name == app.product_name


@pytest.mark.django_db
def test_decide_return_resubmit_and_diff(world, client):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    client.force_login(world.ent_hz_user)
    client.post(f"/api/v1/applications/{app.pk}/submit/")

    client.force_login(world.binjiang_user)
    no_items = client.post(f"/api/v1/applications/{app.pk}/decide/", {"action": "county_return", "opinion": "请补正"},
                           content_type=JSON)
    assert no_items.status_code == 400 and "items" in no_items.json()["error"]["fields"]
    bad_action = client.post(f"/api/v1/applications/{app.pk}/decide/", {"action": "city_recommend"},
                             content_type=JSON)
    assert bad_action.status_code == 403
    returned = client.post(f"/api/v1/applications/{app.pk}/decide/",
                           {"action": "county_return", "opinion": "请补正", "items": ["补充用户使用报告"]},
                           content_type=JSON)
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    assert returned.json()["state_label"] == "退回补正"  # staff label
    assert returned.json()["decisions"][0]["items"] == ["补充用户使用报告"]

    client.force_login(world.ent_hz_user)
    assert client.get(f"/api/v1/applications/{app.pk}/").json()["state_label"] == "待补正后重新提交"
    client.patch(f"/api/v1/applications/{app.pk}/", {"model_spec": "HZ-5X-900"}, content_type=JSON)
    resubmitted = client.post(f"/api/v1/applications/{app.pk}/resubmit/")
    assert resubmitted.status_code == 200 and resubmitted.json()["state"] == "county_review"

    client.force_login(world.binjiang_user)
    revisions = client.get(f"/api/v1/applications/{app.pk}/revisions/").json()
    assert [r["number"] for r in revisions] == [1, 2]
    assert revisions[1]["data"]["model_spec"] == "HZ-5X-900"
    diff = client.get(f"/api/v1/applications/{app.pk}/revisions/2/diff/")
    assert diff.status_code == 200
    changed = {row["field"]: row for row in diff.json()}
    assert set(changed) == {"model_spec"}
    assert (changed["model_spec"]["before"], changed["model_spec"]["after"]) == ("HZ-5X-800", "HZ-5X-900")
    assert client.get(f"/api/v1/applications/{app.pk}/revisions/3/diff/").status_code == 404
    assert client.get(f"/api/v1/applications/{app.pk}/revisions/1/diff/").status_code == 400


@pytest.mark.django_db
def test_withdraw_through_the_api(world, client):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    client.force_login(world.ent_hz_user)

    response = client.post(f"/api/v1/applications/{app.pk}/withdraw/", {"reason": "产品调整"}, content_type=JSON)

    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn" and response.json()["actions"] == []
    assert client.post(f"/api/v1/applications/{app.pk}/withdraw/", {}, content_type=JSON).status_code == 403


@pytest.mark.django_db
def test_attachment_upload_and_removal(world, client):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch, attachments=False)
    client.force_login(world.ent_hz_user)

    uploaded = client.post(f"/api/v1/applications/{app.pk}/attachments/",
                           {"type": "test_report", "file": SimpleUploadedFile("检测报告.pdf", PDF_BYTES)})
    assert uploaded.status_code == 201, uploaded.json()
    assert uploaded.json()["type"] == "test_report" and len(uploaded.json()["sha256"]) == 64
    exe = client.post(f"/api/v1/applications/{app.pk}/attachments/",
                      {"type": "test_report", "file": SimpleUploadedFile("setup.pdf", EXE_BYTES)})
    assert exe.status_code == 400 and "file" in exe.json()["error"]["fields"]
    no_type = client.post(f"/api/v1/applications/{app.pk}/attachments/",
                          {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert no_type.status_code == 400 and "type" in no_type.json()["error"]["fields"]
    assert Attachment.objects.filter(application=app).count() == 1

    detail = client.get(f"/api/v1/applications/{app.pk}/").json()
    assert [a["name"] for a in detail["attachments"]] == ["检测报告.pdf"]
    removed = client.delete(f"/api/v1/applications/{app.pk}/attachments/{uploaded.json()['id']}/")
    assert removed.status_code == 204
    assert client.get(f"/api/v1/applications/{app.pk}/").json()["attachments"] == []


@pytest.mark.django_db
def test_other_enterprise_cannot_upload_or_remove_attachments(world, client):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    attachment = Attachment.objects.filter(application=app).first()
    client.force_login(world.ent_nb_user)

    upload = client.post(f"/api/v1/applications/{app.pk}/attachments/",
                         {"type": "test_report", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    remove = client.delete(f"/api/v1/applications/{app.pk}/attachments/{attachment.pk}/")

    assert upload.status_code == 404 and remove.status_code == 404
    assert Attachment.objects.get(pk=attachment.pk).removed_at is None


@pytest.mark.django_db
def test_decide_with_bad_input_answers_400_and_changes_nothing(world, client):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    client.force_login(world.ent_hz_user)
    client.post(f"/api/v1/applications/{app.pk}/submit/")
    client.force_login(world.binjiang_user)
    url = f"/api/v1/applications/{app.pk}/decide/"

    unknown = client.post(url, {"action": "approve_everything"}, content_type=JSON)
    no_reason = client.post(url, {"action": "county_decline", "opinion": "  "}, content_type=JSON)
    bad_items = client.post(url, {"action": "county_return", "opinion": "x", "items": "not a list"}, content_type=JSON)

    assert unknown.status_code == 400 and "action" in unknown.json()["error"]["fields"]
    assert no_reason.status_code == 400 and "opinion" in no_reason.json()["error"]["fields"]
    assert bad_items.status_code == 400 and "items" in bad_items.json()["error"]["fields"]
    fresh = Application.objects.get(pk=app.pk)
    assert fresh.state == "county_review" and fresh.decisions.count() == 0
