"""A purchase's private documents (成交通知书, 采购合同, 交付凭证, 验收报告…): typed PDFs, checked by their bytes, at most
20 MB and 10 per type, stored outside the web root (certification.services.attachments.receive_pdf, shared with
the insurance claims' documents). The buyer uploads from the award on and removes while the purchase is not
completed; whoever can see the purchase opens them (audited when it is not the buyer). Never public."""

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import roles_of
from audit.services import record
from certification import storage
from certification.services.attachments import receive_pdf
from config.values import refuse

from ..models import PurchaseDocument
from ..queries import documents_visible_to, is_buyer_of, purchases_visible_to
from .purchases import S, audit, lock, parse_pk, require

MAX_MB = 20
MAX_BYTES = MAX_MB * 1024 * 1024
MAX_PER_TYPE = 10
Type = PurchaseDocument.Type


def _check_type_and_count(purchase, type):
    if type not in Type.values:
        refuse(_("请选择材料类型。"), "type")
    if purchase.documents.filter(type=type, removed_at__isnull=True).count() >= MAX_PER_TYPE:
        refuse(_("“%(t)s”最多上传 %(n)s 个文件。") % {"t": Type(type).label, "n": MAX_PER_TYPE}, "file")


def upload_document(*, actor, purchase_id, type, uploaded_file):
    """Add a PDF of a type to an awarded, contracted or completed purchase (the buyer). The content is judged by
    its bytes (not the name), at most 20 MB and 10 files per type; the name is sanitised. A refusal raises
    ValidationError under "file" or "type" and leaves no row and no file behind.

    Side effects: a file under PRIVATE_STORAGE_ROOT/purchases/<id>/; a PurchaseDocument row; an audit event.
    """
    # A first look without the lock, so nothing is received for a purchase the actor may not change.
    purchase = purchases_visible_to(actor).filter(pk=parse_pk(purchase_id)).first()
    if purchase is None:
        raise Http404
    require(actor, purchase, "upload")
    _check_type_and_count(purchase, type)
    tmp, size, sha256, name = receive_pdf(
        uploaded_file,
        max_bytes=MAX_BYTES,
        fallback_name=str(Type(type).label),
        not_pdf_message=_("首购材料只接受 PDF 文件（按文件内容判断，不看扩展名）。"),
    )
    with storage.placing(tmp) as put, transaction.atomic():
        purchase = lock(actor, purchase.pk)
        require(actor, purchase, "upload")
        _check_type_and_count(purchase, type)
        document = PurchaseDocument.objects.create(
            purchase=purchase,
            type=type,
            name=name,
            size=size,
            sha256=sha256,
            path=put(folder=f"purchases/{purchase.pk}", ext="pdf"),
            uploaded_by=actor,
        )
        audit(
            "purchase.document_uploaded",
            purchase,
            actor=actor,
            obj=document,
            after={
                "name": name,
                "type": type,
                "size": size,
                "sha256": sha256,
            },
        )
    return document


def remove_document(*, actor, document_id):
    """Take a document out of the purchase's current set while the purchase is not completed (the buyer). The
    file stays (the audit trail refers to it). Removing an already removed document changes nothing.

    Side effects: PurchaseDocument.removed_at; an audit event.
    """
    document = documents_visible_to(actor).filter(pk=parse_pk(document_id)).first()
    if document is None:
        raise Http404
    with transaction.atomic():
        purchase = lock(actor, document.purchase_id)
        require(actor, purchase, "upload")
        if purchase.state == S.COMPLETED:
            refuse(_("项目已验收，材料不能再移除。"))
        document = PurchaseDocument.objects.select_for_update().get(pk=document.pk)
        if document.removed_at is not None:
            return document
        document.removed_at = timezone.now()
        document.save(update_fields=["removed_at"])
        audit(
            "purchase.document_removed",
            purchase,
            actor=actor,
            obj=document,
            before={"purchase": purchase.pk, "name": document.name, "type": document.type, "sha256": document.sha256},
            after={"removed_at": document.removed_at},
        )
    return document


def open_document(*, actor, document_id):
    """The document and an open binary handle on its file, if the actor can see the purchase (404 otherwise, also
    when the file is missing). The caller closes the handle (FileResponse does).

    Side effects: an audit event 'purchase.document_downloaded' when someone other than the buyer opens it.
    """
    document = documents_visible_to(actor).select_related("purchase").filter(pk=parse_pk(document_id)).first()
    if document is None:
        raise Http404
    purchase = document.purchase

    def audit_download():
        orgs = roles_of(actor).organisations()
        record(
            action="purchase.document_downloaded",
            actor=actor,
            organisation=orgs[0] if orgs else None,
            obj=document,
            after={
                "purchase": purchase.pk,
                "number": purchase.number,
                "name": document.name,
                "type": document.type,
                "sha256": document.sha256,
            },
        )

    handle = storage.open_for_download(document.path, None if is_buyer_of(actor, purchase) else audit_download)
    return document, handle
