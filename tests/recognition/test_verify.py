"""The public verification page and API: valid, expired, revoked, unknown (404), superseded fingerprints, the
upload check and the rate limit (429)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certification import storage
from recognition.models import Certificate, Recognition
from recognition.services import certificates
from recognition.services.recognitions import revoke

from .recognition_builders import closed_notice, recognise

pytestmark = pytest.mark.django_db


@pytest.fixture
def rec(world, django_capture_on_commit_callbacks):
    notice, items = closed_notice(world, levels=("domestic",))
    with django_capture_on_commit_callbacks(execute=True):
        (rec,) = recognise(world, notice, items)
    return rec


def _page(client, number):
    return client.get(f"/verify/{number}/")


def test_a_valid_certificate_shows_status_particulars_and_fingerprint(client, rec):
    cert = Certificate.objects.get(recognition=rec)
    response = _page(client, rec.certificate_number)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="valid"' in html
    for text in (rec.enterprise_name, rec.product_name, rec.model_spec, "国内首台（套）", rec.decision_number,
                 rec.valid_until.isoformat(), cert.sha256, "现行版本"):
        assert text in html, text


def test_the_number_is_matched_whatever_the_case_and_spaces(client, rec):
    assert _page(client, rec.certificate_number.lower()).status_code == 200
    response = client.get("/verify/", {"number": f" {rec.certificate_number.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{rec.certificate_number}/"


def test_an_expired_certificate_says_so_even_before_the_daily_task(client, rec):
    today = timezone.localdate()
    Recognition.objects.filter(pk=rec.pk).update(valid_from=today - dt.timedelta(days=1100),
                                                 valid_until=today - dt.timedelta(days=1))
    html = _page(client, rec.certificate_number).content.decode()
    assert 'data-status="expired"' in html
    assert "已过期" in html


def test_the_last_day_is_still_valid(client, rec):
    today = timezone.localdate()
    Recognition.objects.filter(pk=rec.pk).update(valid_from=today - dt.timedelta(days=1000), valid_until=today)
    assert 'data-status="valid"' in _page(client, rec.certificate_number).content.decode()


def test_a_revoked_certificate_says_so_with_date_and_document(client, rec, world):
    revoke(actor=world.province_user, recognition_id=rec.pk, reason="提供虚假材料", document_number="浙经信装备〔2026〕99号")
    html = _page(client, rec.certificate_number).content.decode()
    assert 'data-status="revoked"' in html
    assert "该证书已撤销" in html
    assert "浙经信装备〔2026〕99号" in html
    assert 'data-status="valid"' not in html


def test_an_unknown_number_is_a_clear_404(client, rec):
    response = _page(client, "ZJ-2026-D-9999")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="verify-not-found"' in html
    assert "ZJ-2026-D-9999" in html


def test_superseded_versions_keep_their_fingerprint(client, rec, world, django_capture_on_commit_callbacks):
    old = Certificate.objects.get(recognition=rec)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.reissue(actor=world.province_user, recognition_id=rec.pk, reason="更正型号",
                             corrections={"model_spec": "T-9 改"})
    new = Certificate.objects.get(recognition=rec, current=True)
    html = _page(client, rec.certificate_number).content.decode()
    assert f'data-version="1">{old.sha256}' in html
    assert f'data-version="2">{new.sha256}' in html
    assert "已被替代" in html


def test_uploading_the_certificate_matches_its_fingerprint(client, rec):
    cert = Certificate.objects.get(recognition=rec)
    data = storage.resolve(cert.path).read_bytes()
    response = client.post("/verify/check/", {"file": SimpleUploadedFile("c.pdf", data, "application/pdf")})
    assert response.status_code == 200
    assert 'data-testid="upload-match"' in response.content.decode()

    altered = data.replace(rec.product_name.encode(), b"x", 1) + b"\n% altered"
    response = client.post("/verify/check/", {"file": SimpleUploadedFile("c.pdf", altered, "application/pdf")})
    assert 'data-testid="upload-nomatch"' in response.content.decode()


def test_the_api_verifies_without_login(client, rec, world):
    cert = Certificate.objects.get(recognition=rec)
    body = client.get(f"/api/v1/verify/{rec.certificate_number}/").json()
    assert body["status"] == "valid"
    assert body["current_sha256"] == cert.sha256
    assert body["current_version"] == 1
    assert body["enterprise_name"] == rec.enterprise_name
    assert body["versions"] == [{"version": 1, "current": True, "state": "ready", "sha256": cert.sha256,
                                 "issued_at": body["versions"][0]["issued_at"]}]
    revoke(actor=world.province_user, recognition_id=rec.pk, reason="r", document_number="撤字1号")
    body = client.get(f"/api/v1/verify/{rec.certificate_number}/").json()
    assert (body["status"], body["revocation_document"]) == ("revoked", "撤字1号")
    response = client.get("/api/v1/verify/ZJ-2026-D-9999/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_verification_is_rate_limited_per_address(client, rec, settings):
    settings.RATE_LIMITS = {"verify": (3, 60)}
    for _ in range(3):
        assert _page(client, rec.certificate_number).status_code == 200
    response = _page(client, rec.certificate_number)
    assert response.status_code == 429
    assert 'data-testid="verify-limited"' in response.content.decode()
    assert client.get(f"/api/v1/verify/{rec.certificate_number}/").status_code == 429
    other = client.get(f"/verify/{rec.certificate_number}/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
