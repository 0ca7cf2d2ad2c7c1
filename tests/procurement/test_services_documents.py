"""A purchase's private documents: PDFs only (by their bytes), at most 20 MB, nothing kept when refused; uploaded by
the buyer from the award on, removed while not completed, opened by whoever sees the purchase (audited)."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import Http404

from audit.models import AuditEvent
from procurement.models import PurchaseDocument
from procurement.services import documents as svc
from tests.certification.helpers import EXE_BYTES, PDF_BYTES
from tests.procurement.builders import buyer_org, buyer_user, errors_of, pdf, purchase, recognition_for

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def buyer(world):
    return buyer_user(buyer_org())


@pytest.fixture
def awarded(world, buyer):
    return purchase(buyer, recognition_for(world.ent_hz), state="awarded")


def _files():
    root = Path(django_settings.PRIVATE_STORAGE_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(user, p, file=None, type="contract"):
    return svc.upload_document(actor=user, purchase_id=p.pk, type=type, uploaded_file=file or pdf())


def test_upload_stores_the_pdf_privately_with_its_hash(world, buyer, awarded):
    doc = _upload(buyer, awarded, pdf(name="../../合同\u202egpj.pdf"))
    assert doc.name.endswith(".pdf") and "/" not in doc.name and "\u202e" not in doc.name
    assert doc.path.startswith(f"purchases/{awarded.pk}/") and doc.size == len(PDF_BYTES)
    assert [p.read_bytes() for p in _files()] == [PDF_BYTES]
    assert AuditEvent.objects.get(action="purchase.document_uploaded").after["sha256"] == doc.sha256


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (PNG_BYTES, "扫描件.pdf"),
        (EXE_BYTES, "合同.pdf"),
        (b"", "空.pdf"),
        (b"hello %PDF-1.4", "假.pdf"),
    ],
)
def test_upload_refuses_what_is_not_a_pdf_and_keeps_nothing(world, buyer, awarded, content, name):
    assert "file" in errors_of(lambda: _upload(buyer, awarded, ContentFile(content, name=name)))
    assert _files() == [] and not PurchaseDocument.objects.exists()


def test_upload_refuses_more_than_20_mb_and_keeps_nothing(world, buyer, awarded):
    big = ContentFile(PDF_BYTES + b"0" * (20 * 1024 * 1024), name="大.pdf")
    assert "20 MB" in errors_of(lambda: _upload(buyer, awarded, big))["file"][0]
    assert _files() == [] and not PurchaseDocument.objects.exists()


def test_upload_refuses_a_file_that_lies_about_its_size(world, buyer, awarded):
    class Liar(ContentFile):
        size = 10

    big = Liar(PDF_BYTES + b"0" * (20 * 1024 * 1024), name="大.pdf")
    assert "file" in errors_of(lambda: _upload(buyer, awarded, big))
    assert _files() == []


def test_exactly_20_mb_is_accepted(world, buyer, awarded):
    content = PDF_BYTES + b"0" * (20 * 1024 * 1024 - len(PDF_BYTES))
    assert _upload(buyer, awarded, ContentFile(content, name="整.pdf")).size == 20 * 1024 * 1024


def test_upload_refuses_an_unknown_type_and_an_eleventh_file(world, buyer, awarded):
    assert "type" in errors_of(lambda: _upload(buyer, awarded, type="photo"))
    for _i in range(svc.MAX_PER_TYPE):
        _upload(buyer, awarded, type="delivery")
    assert "file" in errors_of(lambda: _upload(buyer, awarded, type="delivery"))
    assert len(_files()) == svc.MAX_PER_TYPE


def test_upload_needs_the_award_and_the_buyer(world, buyer, awarded):
    draft = purchase(buyer, recognition_for(world.ent_hz))
    assert "__all__" in errors_of(lambda: _upload(buyer, draft))
    stranger = buyer_user(buyer_org(name="另一家医院"), username="buyer2")
    with pytest.raises(Http404):
        _upload(stranger, awarded)
    for user in (world.ent_hz_user, world.province_user):
        with pytest.raises(PermissionDenied):
            _upload(user, awarded)
    assert _files() == []


def test_remove_while_not_completed(world, buyer, awarded):
    doc = _upload(buyer, awarded)
    with pytest.raises(PermissionDenied):
        svc.remove_document(actor=world.ent_hz_user, document_id=doc.pk)
    removed = svc.remove_document(actor=buyer, document_id=doc.pk)
    assert removed.removed_at is not None
    assert svc.remove_document(actor=buyer, document_id=doc.pk).removed_at == removed.removed_at  # no-op
    assert AuditEvent.objects.filter(action="purchase.document_removed").count() == 1
    completed = purchase(buyer, recognition_for(world.ent_hz), state="completed")
    kept = _upload(buyer, completed)
    assert "__all__" in errors_of(lambda: svc.remove_document(actor=buyer, document_id=kept.pk))


def test_open_for_those_who_see_the_purchase(world, buyer, awarded):
    doc = _upload(buyer, awarded)
    document, handle = svc.open_document(actor=buyer, document_id=doc.pk)
    with handle:
        assert handle.read() == PDF_BYTES
    assert not AuditEvent.objects.filter(action="purchase.document_downloaded").exists()
    for user in (world.ent_hz_user, world.province_user):
        _doc, handle = svc.open_document(actor=user, document_id=doc.pk)
        handle.close()
    assert AuditEvent.objects.filter(action="purchase.document_downloaded").count() == 2
    stranger = buyer_user(buyer_org(name="另一家医院"), username="buyer2")
    from django.contrib.auth.models import AnonymousUser

    for user in (stranger, world.ent_nb_user, world.nb_user, AnonymousUser()):
        with pytest.raises(Http404):
            svc.open_document(actor=user, document_id=doc.pk)
    with pytest.raises(Http404):
        svc.open_document(actor=buyer, document_id="x")
