"""Certificates (认定证书): rendering a version to a private PDF (by the Celery task, idempotent), reissue after a
correction (a new version; the old ones are kept, no longer current), the sweep that re-queues certificates left
pending, permission-checked downloads and the batch zip for staff."""

import hashlib
import logging
import tempfile
import unicodedata
import zipfile
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import validate_uscc
from audit.services import record, snapshot
from certification import storage
from notifications.services import notify

from ..models import Certificate, Recognition
from .recognitions import enterprise_users, is_recognition_staff, own_recognitions, require_staff

log = logging.getLogger(__name__)

FOLDER = "certificates"
MAX_PDF_BYTES = 20 * 1024 * 1024
# Fields a reissue may correct (a typo in a name, a changed enterprise name or code), with their limits.
CORRECTABLE = {"enterprise_name": 200, "enterprise_uscc": 18, "product_name": 120, "model_spec": 120}
STALE_AFTER = timedelta(minutes=10)


# --- rendering --------------------------------------------------------------------------------------


def enqueue(certificate_ids):
    """Hand certificates to the broker. A broker outage is logged, not raised: the sweep re-queues them."""
    from ..tasks import render_certificate

    for certificate_id in certificate_ids:
        try:
            render_certificate.delay(certificate_id)
        except Exception as exc:  # kombu raises several types for an unreachable broker
            log.warning("broker unavailable, certificate %s left to the sweep: %s", certificate_id, exc)
            return


def render(*, certificate_id):
    """Render one certificate version to a private PDF; does nothing when it is ready already (or unknown).

    Side effects: a PDF under PRIVATE_STORAGE_ROOT/certificates/<year>/; the row → ready with path, SHA-256, size
    and generation time; an audit event; for the current version, a "recognition.certificate" notification to
    the enterprise's users. Two concurrent runs render twice but only the first to lock the row stores its file.
    """
    from ..pdf import certificate_pdf

    certificate = (Certificate.objects.select_related("recognition").filter(pk=certificate_id).first())
    if certificate is None or certificate.state == Certificate.State.READY:
        return certificate
    content = certificate_pdf(certificate)
    tmp, size, digest, _head = storage.receive([content], max_bytes=MAX_PDF_BYTES)
    relative = storage.place(tmp, folder=f"{FOLDER}/{certificate.recognition.year}", ext="pdf")
    try:
        with transaction.atomic():
            locked = Certificate.objects.select_for_update().select_related("recognition").get(pk=certificate_id)
            if locked.state == Certificate.State.READY:
                transaction.on_commit(lambda: storage.discard(storage.resolve(relative)))
                return locked
            locked.path, locked.sha256, locked.size = relative, digest, size
            locked.state = Certificate.State.READY
            locked.generated_at = timezone.now()
            locked.save(update_fields=["path", "sha256", "size", "state", "generated_at"])
            rec = locked.recognition
            record(action="certificate.generated", obj=locked,
                   after={"version": locked.version, "sha256": digest, "size": size, "path": relative})
            if locked.current and rec.status != Recognition.Status.REVOKED:
                notify(recipients=enterprise_users(rec.enterprise_id), kind="recognition.certificate",
                       subject=_("认定证书 %(number)s 已签发") % {"number": rec.certificate_number},
                       body=_("“%(product)s”的认定证书（第 %(v)d 版）已生成，可在“我的认定”中下载。")
                       % {"product": rec.product_name, "v": locked.version},
                       link="/recognitions/mine/")
    except BaseException:
        storage.discard(storage.resolve(relative))
        raise
    return locked


def requeue_stale(*, older_than=STALE_AFTER):
    """Re-queue certificates still pending after `older_than` (the task was lost or its retries ran out).
    Returns how many were queued. Rendering is idempotent, so a certificate queued twice is rendered once."""
    cutoff = timezone.now() - older_than
    ids = list(Certificate.objects.filter(state=Certificate.State.PENDING, issued_at__lt=cutoff)
               .order_by("pk").values_list("pk", flat=True)[:1000])
    enqueue(ids)
    return len(ids)


# --- reissue ----------------------------------------------------------------------------------------


def _clean_corrections(rec, corrections):
    changes, errors = {}, {}
    for field, value in (corrections or {}).items():
        if field not in CORRECTABLE:
            errors[field] = [_("该字段不能在换发证书时更正。")]
            continue
        text = str(value or "").strip()
        if field == "enterprise_uscc":
            text = text.upper()
        if not text:
            errors[field] = [_("不能为空。")]
        elif len(text) > CORRECTABLE[field]:
            errors[field] = [_("不能超过 %(n)d 个字符。") % {"n": CORRECTABLE[field]}]
        elif field == "enterprise_uscc":
            try:
                validate_uscc(text)
            except ValidationError as exc:
                errors[field] = exc.messages
        if field not in errors and text != getattr(rec, field):
            changes[field] = text
    if errors:
        raise ValidationError(errors)
    return changes


def reissue(*, actor, recognition_id, reason, corrections=None):
    """换发: a new certificate version after a correction; the previous versions are kept, no longer current.

    `corrections` may change the frozen enterprise name or code, product name or model (audited before/after).
    Refused for a revoked recognition. Side effects: the corrected Recognition fields, current → False on the
    old version, a new pending Certificate, an audit event; after commit, the render task.
    """
    org = require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写换发原因。")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("不能超过 %(n)d 个字符。") % {"n": 300}})
    with transaction.atomic():
        rec = Recognition.objects.select_for_update().filter(pk=recognition_id).first()
        if rec is None:
            raise Http404
        if rec.status == Recognition.Status.REVOKED:
            raise ValidationError(_("该认定已撤销，不能换发证书。"))
        changes = _clean_corrections(rec, corrections)
        if changes:
            before = snapshot(rec, list(changes))
            for field, value in changes.items():
                setattr(rec, field, value)
            rec.save(update_fields=list(changes))
            record(action="recognition.corrected", actor=actor, organisation=org, obj=rec, before=before,
                   after=snapshot(rec, list(changes)), reason=reason)
        previous = Certificate.objects.filter(recognition=rec, current=True).first()
        Certificate.objects.filter(recognition=rec, current=True).update(current=False)
        version = (Certificate.objects.filter(recognition=rec).aggregate(top=Max("version"))["top"] or 0) + 1
        certificate = Certificate.objects.create(recognition=rec, version=version, current=True, reason=reason,
                                                 requested_by=actor)
        record(action="certificate.reissued", actor=actor, organisation=org, obj=certificate,
               before={"current_version": previous.version if previous else None},
               after={"current_version": version, "corrections": changes}, reason=reason)
        transaction.on_commit(lambda: enqueue([certificate.pk]))
    return certificate


# --- downloads --------------------------------------------------------------------------------------


def certificates_visible_to(user):
    """Province industry staff: every ready version; an enterprise: the current, ready certificate of its own
    recognitions that are not revoked; anyone else (bureaus and finance read the recognitions, not the files): none."""
    qs = Certificate.objects.select_related("recognition").filter(state=Certificate.State.READY)
    if is_recognition_staff(user):
        return qs
    return (qs.filter(recognition__in=own_recognitions(user), current=True)
            .exclude(recognition__status=Recognition.Status.REVOKED))


def open_certificate(*, actor, certificate_id):
    """The certificate and a read handle on its PDF, if the actor may download it; 404 otherwise.

    Side effects: an audit event (who downloaded which certificate)."""
    certificate = certificates_visible_to(actor).filter(pk=certificate_id).first()
    if certificate is None:
        raise Http404
    try:
        handle = storage.open_private(certificate.path)
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    record(action="certificate.downloaded", actor=actor, obj=certificate,
           after={"version": certificate.version, "sha256": certificate.sha256})
    return certificate, handle


def download_name(certificate):
    rec = certificate.recognition
    suffix = f"-v{certificate.version}" if certificate.version > 1 else ""
    return f"{rec.certificate_number}{suffix}.pdf"


def batch_zip(*, actor, batch_id):
    """A zip of the current, ready certificates of a batch's recognitions that are not revoked (staff), built in a
    temporary file (spooled to disk past 8 MB). Returns (file positioned at 0, count).

    Side effects: an audit event."""
    org = require_staff(actor)
    certificates = list(
        Certificate.objects.select_related("recognition")
        .filter(recognition__batch_id=batch_id, current=True, state=Certificate.State.READY)
        .exclude(recognition__status=Recognition.Status.REVOKED)
        .order_by("recognition__level", "recognition__sequence"))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for certificate in certificates:
            try:
                archive.write(storage.resolve(certificate.path), arcname=download_name(certificate))
            except FileNotFoundError:
                log.error("certificate %s: file %s missing", certificate.pk, certificate.path)
    out.seek(0)
    record(action="certificate.batch_downloaded", actor=actor, organisation=org, object_type="certification.Batch",
           object_id=batch_id, object_repr=str(batch_id), after={"count": len(certificates)})
    return out, len(certificates)


# --- verification -----------------------------------------------------------------------------------


def normalise_number(value):
    """Full-width characters as typed with a Chinese input method become ASCII (NFKC); whitespace and control
    characters go (PostgreSQL refuses a NUL in a query)."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(ch for ch in text if ch.isprintable() and not ch.isspace()).upper()[:40]


def find_by_number(number):
    """The recognition with this certificate number (any status) with its certificate versions, or None."""
    rec = Recognition.objects.filter(certificate_number=normalise_number(number)).first()
    return rec


def versions(recognition):
    return list(recognition.certificates.order_by("-version"))


def match_upload(chunks, *, max_bytes=MAX_PDF_BYTES):
    """The SHA-256 of an uploaded file and the certificate version it is, if any: (digest, certificate or None).
    The file is hashed as it streams and never stored."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise ValidationError({"file": _("文件过大（不超过 %(n)d MB）。") % {"n": max_bytes // (1024 * 1024)}})
        digest.update(chunk)
    hexdigest = digest.hexdigest()
    certificate = (Certificate.objects.select_related("recognition")
                   .filter(sha256=hexdigest, state=Certificate.State.READY).first())
    return hexdigest, certificate
