"""Downloads of private application files: permission-checked by the attachment service, never served by the
web server or from MEDIA_ROOT."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.views.decorators.http import require_GET

from .services.attachments import open_attachment


@require_GET
@login_required
def attachment_download(request, pk):
    """Stream one attachment as a download; 404 when out of the user's scope (existence must not leak)."""
    attachment, handle = open_attachment(actor=request.user, attachment_id=pk)
    # FileResponse writes filename*=utf-8''… (RFC 5987) for non-ASCII names such as Chinese ones.
    response = FileResponse(handle, as_attachment=True, filename=attachment.name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
