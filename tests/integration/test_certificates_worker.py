"""Certificates rendered by a real Celery worker (PostgreSQL, Redis): N recognitions in one transaction, each
certificate rendered once after commit, fingerprints matching the stored files; a re-sent task changes nothing."""

import hashlib

import pytest

from certification import storage
from recognition.models import Certificate, Recognition
from recognition.tasks import render_certificate
from tests.recognition.recognition_builders import closed_notice, recognise

from .conftest import wait_for

pytestmark = pytest.mark.integration

N = 6
TIMEOUT = 90


def test_the_worker_renders_every_certificate_once(start_worker, world, settings, monkeypatch):
    # The worker writes where this process reads: its environment is copied from os.environ at start.
    monkeypatch.setenv("PRIVATE_STORAGE_ROOT", str(settings.PRIVATE_STORAGE_ROOT))
    monkeypatch.setenv("SITE_URL", "https://rd.example.gov.cn")
    worker = start_worker()
    notice, items = closed_notice(world, levels=("domestic",) * (N - 2) + ("provincial", "international"))

    recs = recognise(world, notice, items)  # transactional_db: on_commit publishes to the broker for real

    def all_ready():
        return Certificate.objects.filter(state=Certificate.State.READY).count() == N

    wait_for(all_ready, TIMEOUT, interval=0.25, what=f"{N} certificates to be rendered by the worker")
    assert sorted(r.certificate_number for r in recs) == sorted(
        [f"ZJ-2026-D-{i:04d}" for i in range(1, N - 1)] + ["ZJ-2026-P-0001", "ZJ-2026-I-0001"])
    for cert in Certificate.objects.all():
        data = storage.resolve(cert.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == cert.sha256
        assert cert.size == len(data)
    assert worker.log().count("recognition.tasks.render_certificate[") >= N

    # A duplicate delivery of the task (a retry, a re-queue by the sweep) is a no-op.
    cert = Certificate.objects.order_by("pk").first()
    before = (cert.path, cert.sha256, cert.generated_at)
    result = render_certificate.delay(cert.pk)
    wait_for(lambda: worker.task_done(result.id), TIMEOUT, what="the repeated task to run")
    cert.refresh_from_db()
    assert (cert.path, cert.sha256, cert.generated_at) == before
    assert Certificate.objects.count() == Recognition.objects.count() == N
    assert Certificate.objects.filter(current=True).count() == N
    assert len(list((storage.root() / "certificates" / "2026").iterdir())) == N
