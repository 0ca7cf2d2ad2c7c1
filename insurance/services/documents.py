"""Writes to a claim's documents (domain.md §7): typed private PDFs, checked by their bytes, at most 20 MB, stored
outside the web root; removal from the current set; permission-checked, audited opening for download."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import roles_of
from audit.services import record
from certification import storage
from certification.services.attachments import receive_pdf

from .. import workflow
from ..models import Claim, ClaimDocument
from ..queries import claims_visible_to, documents_visible_to, is_own_claim

MAX_MB = 20
MAX_BYTES = MAX_MB * 1024 * 1024
MAX_PER_TYPE = 10
REQUIRED_TYPES = tuple(ClaimDocument.Type.values)


def _refuse(field, message):
    raise ValidationError({field: [message]})


def _editable(actor, claim_id, *, lock):
    """The claim (locked when asked) if the actor may change its documents now: 404 out of scope, 403 otherwise."""
    qs = claims_visible_to(actor)
    if lock:
        qs = qs.select_for_update(of=("self",))
    claim = qs.filter(pk=claim_id).first()
    if claim is None:
        raise Http404
    if not workflow.can_edit(actor, claim):
        raise PermissionDenied(_("当前状态不能修改申请材料。"))
    return claim


def _check_type_and_count(claim, type):
    if type not in ClaimDocument.Type.values:
        _refuse("type", _("未知的材料类型。"))
    if claim.documents.filter(type=type, removed_at__isnull=True).count() >= MAX_PER_TYPE:
        _refuse("file", _("“%(t)s”最多上传 %(n)s 个文件。") % {"t": ClaimDocument.Type(type).label, "n": MAX_PER_TYPE})


def missing_types(claim):
    """The document types a submission still lacks, in the table's order."""
    present = set(claim.documents.filter(removed_at__isnull=True).values_list("type", flat=True))
    return [t for t in REQUIRED_TYPES if t not in present]


def upload_document(*, actor, claim_id, type, uploaded_file):
    """Add a PDF of a type to a draft or returned claim. The content is judged by its bytes (not the name), at
    most 20 MB and 10 files per type; the name is sanitised. A refusal raises ValidationError under "file" or
    "type" and leaves no row and no file behind.

    Side effects: a file under PRIVATE_STORAGE_ROOT/claims/<id>/; a ClaimDocument row; an audit event.
    """
    # A first look without the lock, so nothing is read for a claim the actor may not change.
    claim = _editable(actor, claim_id, lock=False)
    _check_type_and_count(claim, type)
    tmp, size, sha256, name = receive_pdf(
        uploaded_file, max_bytes=MAX_BYTES, fallback_name=str(ClaimDocument.Type(type).label),
        not_pdf_message=_("申请材料只接受 PDF 文件（按文件内容判断，不看扩展名）。"))
    with storage.placing(tmp) as put, transaction.atomic():
        claim = _editable(actor, claim_id, lock=True)
        _check_type_and_count(claim, type)
        final = put(folder=f"claims/{claim.pk}", ext="pdf")
        document = ClaimDocument.objects.create(claim=claim, type=type, name=name, path=final, size=size,
                                                sha256=sha256, uploaded_by=actor)
        record(action="claim.document_uploaded", actor=actor, organisation=claim.enterprise, obj=document,
               after={"claim": claim.pk, "number": claim.number, "name": name, "type": type, "size": size,
                      "sha256": sha256})
    return document


def remove_document(*, actor, document_id):
    """Take a document out of a draft or returned claim's current set. The file stays (an earlier submission
    listed it). Removing an already removed document changes nothing.

    Side effects: ClaimDocument.removed_at; an audit event.
    """
    claim_id = ClaimDocument.objects.filter(pk=document_id).values_list("claim_id", flat=True).first()
    if claim_id is None:
        raise Http404
    with transaction.atomic():
        claim = _editable(actor, claim_id, lock=True)
        document = ClaimDocument.objects.select_for_update().get(pk=document_id)
        if document.removed_at is not None:
            return document
        document.removed_at = timezone.now()
        document.save(update_fields=["removed_at"])
        record(action="claim.document_removed", actor=actor, organisation=claim.enterprise, obj=document,
               before={"claim": claim.pk, "name": document.name, "type": document.type, "sha256": document.sha256},
               after={"removed_at": document.removed_at})
    return document


def open_document(*, actor, document_id):
    """The document and an open binary handle on its file, if the actor can see the claim (404 otherwise, also
    when the file is missing). The caller closes the handle (FileResponse does).

    Side effects: an audit event 'claim.document_downloaded' when someone other than the enterprise opens it.
    """
    document = (
        documents_visible_to(actor).select_related("claim__enterprise").filter(pk=document_id).first()
    )
    if document is None:
        raise Http404
    claim: Claim = document.claim

    def audit_download():
        orgs = [o for o in roles_of(actor).organisations() if o.kind != "enterprise"]
        record(action="claim.document_downloaded", actor=actor, organisation=orgs[0] if orgs else None,
               obj=document, after={"claim": claim.pk, "number": claim.number, "name": document.name,
                                    "type": document.type, "sha256": document.sha256})

    handle = storage.open_for_download(document.path, None if is_own_claim(actor, claim) else audit_download)
    return document, handle
