"""The certificate PDF and its task: content, QR payload, stored fingerprint, idempotent retries, reissue, sweep."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from certification import storage
from notifications.models import Notification
from recognition import pdf
from recognition.models import Certificate, Recognition
from recognition.services import certificates as services
from recognition.services.recognitions import revoke
from recognition.tasks import render_certificate, requeue_pending_certificates

from .recognition_builders import closed_notice, pdf_text, qr_payloads, recognise

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered(world, django_capture_on_commit_callbacks, settings):
    """One recognition whose first certificate was rendered by the task after commit."""
    settings.SITE_URL = "https://rd.example.gov.cn"
    notice, items = closed_notice(world, levels=("domestic",))
    with django_capture_on_commit_callbacks(execute=True):
        (rec,) = recognise(world, notice, items)
    return rec


def _file(certificate):
    return storage.resolve(certificate.path).read_bytes()


def test_the_task_renders_after_commit_and_stores_the_fingerprint(rendered, world):
    cert = Certificate.objects.get(recognition=rendered)
    assert cert.state == Certificate.State.READY
    data = _file(cert)
    assert data.startswith(b"%PDF-")
    assert cert.sha256 == hashlib.sha256(data).hexdigest()
    assert cert.size == len(data)
    assert cert.generated_at is not None
    assert cert.path.startswith("certificates/2026/")
    assert Notification.objects.filter(recipient=world.ent_hz_user, kind="recognition.certificate").count() == 1


def test_the_pdf_text_has_number_enterprise_product_level_and_dates(rendered):
    text = pdf_text(_file(Certificate.objects.get(recognition=rendered)))
    for expected in ("浙江省首台（套）产品认定证书", rendered.certificate_number, rendered.enterprise_name,
                     rendered.enterprise_uscc, rendered.product_name, rendered.model_spec, "国内首台（套）",
                     rendered.decision_number, "浙江省经济和信息化厅", "2026年度"):
        assert expected in text, expected
    assert f"{rendered.valid_until.year}年{rendered.valid_until.month}月{rendered.valid_until.day}日" in text


def test_the_qr_code_is_the_public_verification_url(rendered):
    payloads = qr_payloads(_file(Certificate.objects.get(recognition=rendered)))
    assert payloads == [f"https://rd.example.gov.cn/verify/{rendered.certificate_number}/"]


def test_retrying_the_task_changes_nothing(rendered):
    cert = Certificate.objects.get(recognition=rendered)
    before = (cert.path, cert.sha256, cert.generated_at)

    render_certificate.delay(cert.pk)
    render_certificate.apply(args=[cert.pk])

    cert.refresh_from_db()
    assert (cert.path, cert.sha256, cert.generated_at) == before
    assert Certificate.objects.filter(recognition=rendered).count() == 1
    assert Recognition.objects.filter(application=rendered.application).count() == 1
    assert len(list((storage.root() / "certificates" / "2026").iterdir())) == 1
    assert AuditEvent.objects.filter(action="certificate.generated").count() == 1


def test_a_failed_render_is_retried_and_stores_one_file(world, monkeypatch, django_capture_on_commit_callbacks):
    calls = {"n": 0}
    real = pdf.certificate_pdf

    def flaky(certificate):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("font cache busy")
        return real(certificate)

    monkeypatch.setattr(pdf, "certificate_pdf", flaky)
    notice, items = closed_notice(world, levels=("provincial",))
    with django_capture_on_commit_callbacks(execute=True):
        (rec,) = recognise(world, notice, items)

    cert = Certificate.objects.get(recognition=rec)
    assert calls["n"] == 2
    assert cert.state == Certificate.State.READY
    assert len(list((storage.root() / "certificates" / "2026").iterdir())) == 1
    assert not list((storage.root() / "tmp").iterdir())


def test_the_sweep_requeues_only_stale_pending_certificates(world):
    notice, items = closed_notice(world, levels=("domestic", "domestic"))
    stale, fresh = recognise(world, notice, items)  # no commit callbacks: both stay pending
    Certificate.objects.filter(recognition=stale).update(issued_at=timezone.now() - dt.timedelta(minutes=30))

    assert requeue_pending_certificates.delay().get() == 1

    states = dict(Certificate.objects.values_list("recognition_id", "state"))
    assert states == {stale.pk: "ready", fresh.pk: "pending"}
    assert services.requeue_stale() == 0


def test_reissue_makes_a_new_current_version_and_keeps_the_old(rendered, world, django_capture_on_commit_callbacks):
    old = Certificate.objects.get(recognition=rendered)

    with django_capture_on_commit_callbacks(execute=True):
        new = services.reissue(actor=world.province_user, recognition_id=rendered.pk, reason="企业更名",
                               corrections={"enterprise_name": "杭州测试智能科技有限公司"})

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.version, old.current, old.state) == (1, False, "ready")
    assert (new.version, new.current, new.state, new.reason) == (2, True, "ready", "企业更名")
    assert old.sha256 != new.sha256
    assert storage.resolve(old.path).exists()
    text = pdf_text(_file(new))
    assert "杭州测试智能科技有限公司" in text and "第 2 版" in text
    assert Recognition.objects.get(pk=rendered.pk).enterprise_name == "杭州测试智能科技有限公司"
    assert Recognition.objects.get(pk=rendered.pk).certificate_number == rendered.certificate_number
    event = AuditEvent.objects.get(action="recognition.corrected")
    assert event.before == {"enterprise_name": world.ent_hz.name}


def test_reissue_refusals(rendered, world):
    with pytest.raises(PermissionDenied):
        services.reissue(actor=world.ent_hz_user, recognition_id=rendered.pk, reason="x")
    with pytest.raises(ValidationError) as exc:
        services.reissue(actor=world.province_user, recognition_id=rendered.pk, reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.reissue(actor=world.province_user, recognition_id=rendered.pk, reason="更正",
                         corrections={"enterprise_uscc": "123", "level": "international"})
    assert set(exc.value.message_dict) == {"enterprise_uscc", "level"}
    revoke(actor=world.province_user, recognition_id=rendered.pk, reason="r", document_number="d")
    with pytest.raises(ValidationError):
        services.reissue(actor=world.province_user, recognition_id=rendered.pk, reason="更正")
    assert Certificate.objects.filter(recognition=rendered).count() == 1
