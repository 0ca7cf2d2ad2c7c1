"""Writes to application attachments: upload (checked by content, size, count; name sanitised; SHA-256 kept),
removal from the current set, and permission-checked, audited opening for download."""

import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.roles import roles_of
from audit.services import record

from .. import storage
from ..catalogue import FORMAT_IMAGE, FORMAT_PDF, AttachmentType
from ..models import Attachment
from ..queries import application_files_visible_to, applications_visible_to, submitted_attachment_ids
from .applications import _lock

NAME_MAX = 150
# Detected format → (format family of the batch rules, extension, content type).
KINDS = {
    "pdf": (FORMAT_PDF, "pdf", "application/pdf"),
    "png": (FORMAT_IMAGE, "png", "image/png"),
    "jpeg": (FORMAT_IMAGE, "jpg", "image/jpeg"),
}
_SIGNATURES = [(b"%PDF-", "pdf"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg")]
# Characters that mean something to a file system or a shell on some platform.
_RESERVED = re.compile(r'[<>:"/\\|?*]')


def detect_kind(head):
    """The file's format from its first bytes ('pdf', 'png', 'jpeg'), or None. The extension is not trusted."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def sanitise_name(name, *, ext, fallback):
    """A display and download name safe everywhere: the base name only, no path parts or '..', no control or
    formatting characters (which can disguise an extension), at most NAME_MAX characters, Chinese kept, and the
    extension of the detected format."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Cc control, Cf format (e.g. U+202E right-to-left override), Cs/Co/Cn surrogate, private, unassigned.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _RESERVED.sub("_", name)
    name = re.sub(r"\.{2,}", ".", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .") or fallback
    suffix = f".{ext}"
    return stem[: NAME_MAX - len(suffix)].rstrip(" .") + suffix


def _refuse(field, message):
    raise ValidationError({field: [message]})


def receive_upload(uploaded_file, *, max_bytes):
    """Stream an upload to a temporary file under the private root, hashing it. An empty file, or one over
    max_bytes (as declared, or as it streams: the declared size may lie), is refused under "file" and leaves no
    file behind. Answers storage.receive's (temporary path, size, sha256 hex, first bytes); the caller judges
    the format and then places or discards the temporary file."""
    too_large = _("文件超过 %(n)s MB 的大小限制。") % {"n": f"{round(max_bytes / (1024 * 1024), 2):g}"}
    declared = getattr(uploaded_file, "size", None)
    if declared == 0:
        _refuse("file", _("文件为空。"))
    if declared is not None and declared > max_bytes:
        _refuse("file", too_large)
    try:
        tmp, size, sha256, head = storage.receive(uploaded_file.chunks(), max_bytes=max_bytes)
    except storage.TooLarge:
        _refuse("file", too_large)
    if size == 0:
        storage.discard(tmp)
        _refuse("file", _("文件为空。"))
    return tmp, size, sha256, head


def receive_pdf(uploaded_file, *, max_bytes, fallback_name, not_pdf_message=None):
    """Receive an upload that must be a PDF (judged by its bytes, not its name) of at most max_bytes (see
    receive_upload). Answers (temporary path, size, sha256 hex, sanitised name ending in .pdf); a refusal raises
    ValidationError under "file" and leaves no file behind. Shared by the private PDF documents of insurance
    claims and government purchases."""
    tmp, size, sha256, head = receive_upload(uploaded_file, max_bytes=max_bytes)
    if detect_kind(head) != "pdf":
        storage.discard(tmp)
        _refuse("file", not_pdf_message or _("只接受 PDF 文件（按文件内容判断，不看扩展名）。"))
    name = sanitise_name(getattr(uploaded_file, "name", ""), ext="pdf", fallback=fallback_name)
    return tmp, size, sha256, name


def _editable(actor, application_id):
    """The locked application if the actor may change its attachments now (404 out of scope, 403 otherwise)."""
    app = _lock(actor, application_id)
    if not actor.has_perm("certification.edit_application", app):
        raise PermissionDenied(_("当前状态不能修改申报附件。"))
    return app


def _rule(app, type):
    if type not in AttachmentType.values:
        _refuse("type", _("未知的附件类型。"))
    if not app.category:
        _refuse("type", _("请先选择产品类别，再上传附件。"))
    rule = (app.batch.attachment_requirements or {}).get(app.category, {}).get(type)
    if rule is None:
        _refuse("type", _("本批次该类别不需要“%(t)s”附件。") % {"t": AttachmentType(type).label})
    return rule


def _check_count(app, type, rule):
    max_count = int(rule.get("max_count", 1))
    if app.attachments.filter(type=type, removed_at__isnull=True).count() >= max_count:
        _refuse("file", _("“%(t)s”最多上传 %(n)s 个文件。") % {"t": AttachmentType(type).label, "n": max_count})


def upload_attachment(*, actor, application_id, type, uploaded_file):
    """Add a file of a type to a draft or returned application.

    The content is checked by its bytes (PDF; PNG or JPEG where the batch allows images), against the batch's
    size and count limits for the type; the name is sanitised. Every refusal raises ValidationError with the
    reason under "file" or "type" and leaves nothing behind.

    Side effects: a file under PRIVATE_STORAGE_ROOT/applications/<id>/; an Attachment row; an audit event.
    """
    # A first look without the row lock, so nothing is read for an application the actor may not change;
    # everything is checked again under the lock before the row is written.
    app = applications_visible_to(actor).filter(pk=application_id).first()
    if app is None:
        raise Http404
    if not actor.has_perm("certification.edit_application", app):
        raise PermissionDenied(_("当前状态不能修改申报附件。"))
    rule = _rule(app, type)
    _check_count(app, type, rule)
    max_bytes = int(float(rule.get("max_mb", 20)) * 1024 * 1024)
    tmp, size, sha256, head = receive_upload(uploaded_file, max_bytes=max_bytes)
    with storage.placing(tmp) as put:
        kind = detect_kind(head)
        formats = rule.get("formats") or [FORMAT_PDF]
        if kind is None or KINDS[kind][0] not in formats:
            if FORMAT_IMAGE in formats:
                _refuse("file", _("文件内容不是 PDF、PNG 或 JPEG 格式（按文件内容判断，不看扩展名）。"))
            _refuse("file", _("该类附件只接受 PDF 文件（按文件内容判断，不看扩展名）。"))
        _family, ext, content_type = KINDS[kind]
        label = str(AttachmentType(type).label)
        name = sanitise_name(getattr(uploaded_file, "name", ""), ext=ext, fallback=label)
        with transaction.atomic():
            app = _editable(actor, application_id)
            _check_count(app, type, _rule(app, type))
            final = put(folder=f"applications/{app.pk}", ext=ext)
            attachment = Attachment.objects.create(
                application=app, type=type, name=name, path=final, content_type=content_type, size=size,
                sha256=sha256, uploaded_by=actor,
            )
            record(action="attachment.uploaded", actor=actor, organisation=app.enterprise, obj=attachment,
                   after={"application": app.pk, "name": name, "type": type, "size": size, "sha256": sha256})
    return attachment


def remove_attachment(*, actor, attachment_id):
    """Take an attachment out of a draft or returned application's current set. The file stays: an earlier
    revision may list it. Removing an already removed attachment changes nothing.

    Side effects: Attachment.removed_at; an audit event.
    """
    application_id = Attachment.objects.filter(pk=attachment_id).values_list("application_id", flat=True).first()
    if application_id is None:
        raise Http404
    with transaction.atomic():
        app = _editable(actor, application_id)
        attachment = Attachment.objects.select_for_update().get(pk=attachment_id)
        if attachment.removed_at is not None:
            return attachment
        attachment.removed_at = timezone.now()
        attachment.save(update_fields=["removed_at"])
        record(action="attachment.removed", actor=actor, organisation=app.enterprise, obj=attachment,
               before={"application": app.pk, "name": attachment.name, "type": attachment.type,
                       "sha256": attachment.sha256},
               after={"removed_at": attachment.removed_at})
    return attachment


def _acts_for_enterprise(actor, app):
    return any(o.pk == app.enterprise_id for o in roles_of(actor).organisations(Membership.Role.ENTERPRISE))


def open_attachment(*, actor, attachment_id):
    """The attachment and an open binary handle on its file, if the actor can see the application (404
    otherwise, also when the file is missing). The caller closes the handle (FileResponse does).

    Side effects: an audit event 'attachment.downloaded' when someone other than the enterprise opens it.
    """
    attachment = (
        Attachment.objects.select_related("application__enterprise")
        .filter(pk=attachment_id, application__in=application_files_visible_to(actor))
        .first()
    )
    if attachment is None:
        raise Http404
    if not _acts_for_enterprise(actor, attachment.application) and (
        attachment.pk not in submitted_attachment_ids(attachment.application)
    ):
        raise Http404  # uploaded during a correction and not yet submitted: only the enterprise sees it
    try:
        handle = storage.open_private(attachment.path)
    except FileNotFoundError:
        raise Http404 from None
    app = attachment.application
    if not _acts_for_enterprise(actor, app):
        try:
            orgs = [o for o in roles_of(actor).organisations() if o.kind != "enterprise"]
            record(action="attachment.downloaded", actor=actor, organisation=orgs[0] if orgs else None,
                   obj=attachment, after={"application": app.pk, "number": app.number, "name": attachment.name,
                                          "type": attachment.type, "sha256": attachment.sha256})
        except BaseException:
            handle.close()
            raise
    return attachment, handle
