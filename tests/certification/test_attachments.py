"""Private attachments: content checks by bytes, size and count limits, sanitised names, nothing left behind
on refusal, scoped and audited downloads."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.urls import reverse

from audit.models import AuditEvent
from certification.catalogue import default_attachment_requirements
from certification.models import Attachment
from certification.services.applications import decide
from certification.services.attachments import (
    open_attachment,
    remove_attachment,
    sanitise_name,
    upload_attachment,
)
from tests import factories as f
from tests.certification.helpers import EXE_BYTES, PDF_BYTES, PNG_BYTES, draft, open_batch, submitted


def stored_files():
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(user, app, content, name="检测报告.pdf", type="test_report"):
    return upload_attachment(actor=user, application_id=app.pk, type=type,
                             uploaded_file=ContentFile(content, name=name))


def assert_refused(user, app, content, *, name="检测报告.pdf", type="test_report", field="file"):
    """The upload is refused with a reason under `field`, and no row and no file exist afterwards."""
    rows_before = Attachment.objects.count()
    files_before = stored_files()
    with pytest.raises(ValidationError) as exc:
        upload(user, app, content, name=name, type=type)
    assert field in exc.value.message_dict
    assert exc.value.message_dict[field][0]
    assert Attachment.objects.count() == rows_before
    assert stored_files() == files_before
    return exc.value.message_dict[field][0]


@pytest.fixture
def batch(world):
    return open_batch(world.province_user)


@pytest.fixture
def app(world, batch):
    return draft(world.ent_hz_user, world.ent_hz, batch)


# --- upload ------------------------------------------------------------------------------------------


def test_upload_valid_pdf_stored_with_sha256(world, app):
    content = PDF_BYTES + "检测结论：合格".encode()

    attachment = upload(world.ent_hz_user, app, content)

    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.size == len(content)
    assert attachment.content_type == "application/pdf"
    assert attachment.name == "检测报告.pdf"
    root = Path(settings.PRIVATE_STORAGE_ROOT).resolve()
    assert attachment.path.startswith(f"applications/{app.pk}/") and attachment.path.endswith(".pdf")
    stored = (root / attachment.path).resolve()
    assert root in stored.parents
    assert stored.read_bytes() == content
    assert stored_files() == [root / attachment.path]  # the temporary file is gone
    event = AuditEvent.objects.get(action="attachment.uploaded")
    assert event.after["sha256"] == attachment.sha256
    assert event.after["type"] == "test_report"


def test_upload_private_root_outside_media_root(settings):
    media = Path(settings.MEDIA_ROOT).resolve()
    private = Path(settings.PRIVATE_STORAGE_ROOT).resolve()
    assert media not in private.parents and private != media


def test_upload_executable_renamed_pdf_refused(world, app):
    reason = assert_refused(world.ent_hz_user, app, EXE_BYTES, name="检测报告.pdf")
    assert "PDF" in reason


def test_upload_empty_file_refused(world, app):
    reason = assert_refused(world.ent_hz_user, app, b"")
    assert "空" in reason


def test_upload_over_size_limit_refused(world):
    requirements = default_attachment_requirements()
    requirements["equipment"]["test_report"]["max_mb"] = 1
    batch = open_batch(world.province_user, requirements=requirements)
    app = draft(world.ent_hz_user, world.ent_hz, batch)
    big = PDF_BYTES + b"0" * int(1.1 * 1024 * 1024)

    reason = assert_refused(world.ent_hz_user, app, big)

    assert "1 MB" in reason


def test_upload_over_size_limit_with_false_declared_size_refused(world):
    requirements = default_attachment_requirements()
    requirements["equipment"]["test_report"]["max_mb"] = 1
    batch = open_batch(world.province_user, requirements=requirements)
    app = draft(world.ent_hz_user, world.ent_hz, batch)
    lying = ContentFile(PDF_BYTES + b"0" * (2 * 1024 * 1024), name="a.pdf")
    lying.size = 10  # the declared size lies: the limit must hold while streaming too

    with pytest.raises(ValidationError):
        upload_attachment(actor=world.ent_hz_user, application_id=app.pk, type="test_report", uploaded_file=lying)

    assert Attachment.objects.count() == 0
    assert stored_files() == []


def test_upload_name_with_dot_dot_slash_sanitised(world, app):
    attachment = upload(world.ent_hz_user, app, PDF_BYTES, name="../../../etc/检测 报告.pdf")

    assert attachment.name == "检测 报告.pdf"
    assert "/" not in attachment.name and ".." not in attachment.name
    root = Path(settings.PRIVATE_STORAGE_ROOT).resolve()
    assert root in (root / attachment.path).resolve().parents
    assert [p.resolve() for p in stored_files()] == [(root / attachment.path).resolve()]


def test_upload_name_extension_follows_content(world, app):
    attachment = upload(world.ent_hz_user, app, PDF_BYTES, name="..\\..\\报告.exe")

    assert attachment.name == "报告.pdf"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\张三\\申报表.PDF", "申报表.pdf"),
        ("检测\x00报告\x1f.pdf", "检测报告.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.pdf"),  # right-to-left override would disguise the extension
        ("a..b....pdf", "a.b.pdf"),
        ('报"告<1>.pdf', "报_告_1_.pdf"),
        ("", "检测报告.pdf"),
        ("..", "检测报告.pdf"),
    ],
)
def test_sanitise_name_cases(raw, expected):
    assert sanitise_name(raw, ext="pdf", fallback="检测报告") == expected


def test_sanitise_name_long_name_truncated():
    name = sanitise_name("首" * 400 + ".pdf", ext="pdf", fallback="x")

    assert len(name) == 150
    assert name.endswith(".pdf") and name.startswith("首")


def test_upload_image_where_only_pdf_allowed_refused(world, app):
    reason = assert_refused(world.ent_hz_user, app, PNG_BYTES, name="检测报告.pdf", type="test_report")
    assert "PDF" in reason


def test_upload_image_where_images_allowed_stored(world, app):
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40

    png = upload(world.ent_hz_user, app, PNG_BYTES, name="产品照片.jpeg", type="product_photo")
    jpg = upload(world.ent_hz_user, app, jpeg, name="侧面", type="product_photo")

    assert (png.name, png.content_type) == ("产品照片.png", "image/png")
    assert (jpg.name, jpg.content_type) == ("侧面.jpg", "image/jpeg")


def test_upload_unknown_bytes_where_images_allowed_refused(world, app):
    assert_refused(world.ent_hz_user, app, b"GIF89a" + b"\x00" * 20, name="a.gif", type="product_photo")


def test_upload_count_limit_refused(world):
    requirements = default_attachment_requirements()
    requirements["equipment"]["test_report"]["max_count"] = 1
    batch = open_batch(world.province_user, requirements=requirements)
    app = draft(world.ent_hz_user, world.ent_hz, batch)
    first = upload(world.ent_hz_user, app, PDF_BYTES)

    reason = assert_refused(world.ent_hz_user, app, PDF_BYTES + b"2")

    assert "1" in reason
    remove_attachment(actor=world.ent_hz_user, attachment_id=first.pk)
    assert upload(world.ent_hz_user, app, PDF_BYTES + b"3").pk != first.pk


def test_upload_type_not_asked_by_batch_refused(world):
    requirements = default_attachment_requirements()
    del requirements["equipment"]["user_report"]
    batch = open_batch(world.province_user, requirements=requirements)
    app = draft(world.ent_hz_user, world.ent_hz, batch)

    assert_refused(world.ent_hz_user, app, PDF_BYTES, type="user_report", field="type")
    assert_refused(world.ent_hz_user, app, PDF_BYTES, type="no_such_type", field="type")


def test_upload_after_submission_refused(world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    rows, files = Attachment.objects.count(), stored_files()

    with pytest.raises(PermissionDenied):
        upload(world.ent_hz_user, app, PDF_BYTES + b"late")

    assert Attachment.objects.count() == rows
    assert stored_files() == files


def test_upload_allowed_again_when_returned(world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    decide(actor=world.binjiang_user, application_id=app.pk, action="county_return", opinion="检测报告过期",
           items=["更换检测报告"])

    attachment = upload(world.ent_hz_user, app, PDF_BYTES + b"new")

    assert attachment.application_id == app.pk


def test_upload_other_enterprise_404(world, app):
    with pytest.raises(Http404):
        upload(world.ent_nb_user, app, PDF_BYTES)
    assert Attachment.objects.count() == 0
    assert stored_files() == []


def test_upload_by_bureau_staff_refused(world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)

    with pytest.raises(PermissionDenied):
        upload(world.binjiang_user, app, PDF_BYTES + b"staff")


# --- removal ------------------------------------------------------------------------------------------


def test_remove_attachment_keeps_file(world, app):
    attachment = upload(world.ent_hz_user, app, PDF_BYTES)

    removed = remove_attachment(actor=world.ent_hz_user, attachment_id=attachment.pk)

    assert removed.removed_at is not None
    assert (Path(settings.PRIVATE_STORAGE_ROOT) / attachment.path).exists()
    assert AuditEvent.objects.filter(action="attachment.removed", object_id=str(attachment.pk)).count() == 1


def test_remove_attachment_other_enterprise_404(world, app):
    attachment = upload(world.ent_hz_user, app, PDF_BYTES)

    with pytest.raises(Http404):
        remove_attachment(actor=world.ent_nb_user, attachment_id=attachment.pk)

    attachment.refresh_from_db()
    assert attachment.removed_at is None


def test_remove_attachment_after_submission_refused(world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    attachment = app.attachments.first()

    with pytest.raises(PermissionDenied):
        remove_attachment(actor=world.ent_hz_user, attachment_id=attachment.pk)


# --- download -----------------------------------------------------------------------------------------


def download(client, user, attachment):
    client.force_login(user)
    return client.get(reverse("attachment_download", args=[attachment.pk]))


def test_download_own_enterprise_streams_file_not_audited(client, world, app):
    attachment = upload(world.ent_hz_user, app, PDF_BYTES, name="检测报告.pdf")

    response = download(client, world.ent_hz_user, attachment)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.pdf" in disposition
    assert not AuditEvent.objects.filter(action="attachment.downloaded").exists()


def test_download_other_enterprise_404(client, world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    attachment = app.attachments.first()

    response = download(client, world.ent_nb_user, attachment)

    assert response.status_code == 404


def test_download_other_county_404(client, world, batch):
    xiaoshan = f.bureau("county", "330107", name="杭州市萧山区经济和信息化局")
    xiaoshan_user = f.member(xiaoshan, username="xs")
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    attachment = app.attachments.first()

    assert download(client, xiaoshan_user, attachment).status_code == 404
    assert download(client, world.binjiang_user, attachment).status_code == 200


def test_download_other_city_404(client, world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)

    assert download(client, world.nb_user, app.attachments.first()).status_code == 404


def test_download_city_bureau_only_after_submission(client, world, app):
    attachment = upload(world.ent_hz_user, app, PDF_BYTES)
    assert download(client, world.hz_user, attachment).status_code == 404

    app = submitted(world.ent_hz_user, world.ent_hz, app.batch, product_name="另一产品", model_spec="B-2")
    response = download(client, world.hz_user, app.attachments.first())

    assert response.status_code == 200


def test_download_by_staff_audited(client, world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    attachment = app.attachments.first()

    response = download(client, world.province_user, attachment)

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="attachment.downloaded")
    assert event.actor == world.province_user
    assert event.organisation == world.province
    assert event.object_id == str(attachment.pk)
    assert event.after["sha256"] == attachment.sha256


def test_download_anonymous_redirected_to_login(client, world, app):
    attachment = upload(world.ent_hz_user, app, PDF_BYTES)

    response = client.get(reverse("attachment_download", args=[attachment.pk]))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_download_removed_attachment_still_visible_to_staff(world, batch):
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    attachment = app.attachments.first()
    decide(actor=world.binjiang_user, application_id=app.pk, action="county_return", opinion="请更换",
           items=["更换附件"])
    remove_attachment(actor=world.ent_hz_user, attachment_id=attachment.pk)

    found, handle = open_attachment(actor=world.binjiang_user, attachment_id=attachment.pk)
    with handle:
        assert handle.read().startswith(b"%PDF-")
    assert found.pk == attachment.pk


def test_download_missing_attachment_404(world):
    with pytest.raises(Http404):
        open_attachment(actor=world.province_user, attachment_id=999999)
