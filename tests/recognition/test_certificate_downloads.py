"""Certificate downloads: an enterprise only its own current certificate (others 404), staff every version, the
batch zip with the current certificates that are not revoked."""

import io
import zipfile

import pytest

from certification import storage
from recognition.models import Certificate, NoticeItem
from recognition.services import certificates
from recognition.services.recognitions import revoke
from tests import factories as f

from .recognition_builders import closed_notice, proposed_application, recognise

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(world, django_capture_on_commit_callbacks):
    """A recognition of ent_hz and one of ent_nb in the same batch, both rendered."""
    notice, items = closed_notice(world, levels=("domestic",))
    app = proposed_application(notice.batch, world.ent_nb, declared_level="provincial")
    items.append(NoticeItem.objects.create(notice=notice, application=app, level="provincial", position=2))
    with django_capture_on_commit_callbacks(execute=True):
        hz, nb = recognise(world, notice, items)
    return hz, nb


def _cert(rec):
    return Certificate.objects.get(recognition=rec, current=True)


def test_the_enterprise_downloads_its_own_certificate(client, world, two):
    hz, _nb = two
    cert = _cert(hz)
    client.force_login(world.ent_hz_user)
    response = client.get(f"/certificates/{cert.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{hz.certificate_number}.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == storage.resolve(cert.path).read_bytes()
    api = client.get(f"/api/v1/certificates/{cert.pk}/download/")
    assert api.status_code == 200
    assert api["X-Certificate-SHA256"] == cert.sha256


@pytest.mark.parametrize("who", ["ent_nb_user", "hz_user", "expert_user", "finance_user"])
def test_others_get_404_for_an_enterprise_certificate(client, world, two, who):
    target, _nb = two  # bureaus and finance read recognitions, not the certificate files
    client.force_login(getattr(world, who))
    assert client.get(f"/certificates/{_cert(target).pk}/download/").status_code == 404
    assert client.get(f"/api/v1/certificates/{_cert(target).pk}/download/").status_code == 404


def test_an_anonymous_download_asks_to_log_in(client, two):
    hz, _nb = two
    response = client.get(f"/certificates/{_cert(hz).pk}/download/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_enterprise_sees_only_the_current_version_and_nothing_once_revoked(client, world, two,
                                                                           django_capture_on_commit_callbacks):
    hz, _nb = two
    old = _cert(hz)
    with django_capture_on_commit_callbacks(execute=True):
        new = certificates.reissue(actor=world.province_user, recognition_id=hz.pk, reason="更正")
    client.force_login(world.ent_hz_user)
    assert client.get(f"/certificates/{old.pk}/download/").status_code == 404
    assert client.get(f"/certificates/{new.pk}/download/").status_code == 200
    client.force_login(world.province_user)
    assert client.get(f"/certificates/{old.pk}/download/").status_code == 200

    revoke(actor=world.province_user, recognition_id=hz.pk, reason="r", document_number="d")
    client.force_login(world.ent_hz_user)
    assert client.get(f"/certificates/{new.pk}/download/").status_code == 404


def test_staff_download_the_batch_zip_of_current_certificates(client, world, two,
                                                             django_capture_on_commit_callbacks):
    hz, nb = two
    with django_capture_on_commit_callbacks(execute=True):
        certificates.reissue(actor=world.province_user, recognition_id=nb.pk, reason="更正")
    extra_notice, extra_items = closed_notice(world, levels=("domestic",), batch=hz.batch)
    with django_capture_on_commit_callbacks(execute=True):
        (revoked,) = recognise(world, extra_notice, extra_items)
    revoke(actor=world.province_user, recognition_id=revoked.pk, reason="r", document_number="d")

    client.force_login(world.province_user)
    for url in (f"/recognitions/batches/{hz.batch_id}/certificates.zip",
                f"/api/v1/recognitions/batches/{hz.batch_id}/certificates.zip"):
        response = client.get(url)
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        assert sorted(archive.namelist()) == sorted([f"{hz.certificate_number}.pdf", f"{nb.certificate_number}-v2.pdf"])
        assert archive.read(f"{nb.certificate_number}-v2.pdf") == storage.resolve(_cert(nb).path).read_bytes()


def test_the_batch_zip_is_for_staff_only(client, world, two):
    hz, _nb = two
    client.force_login(world.ent_hz_user)
    assert client.get(f"/recognitions/batches/{hz.batch_id}/certificates.zip").status_code == 404
    assert client.get(f"/api/v1/recognitions/batches/{hz.batch_id}/certificates.zip").status_code == 403
    other = f.UserFactory()
    client.force_login(other)
    assert client.get(f"/recognitions/batches/{hz.batch_id}/certificates.zip").status_code == 404
