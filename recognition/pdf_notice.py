"""The notice as a PDF (A4, Noto CJK): the items with enterprise, product, model and proposed level, the period
and how to object. Rendered on request: a notice is a few pages and takes a fraction of a second."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone


def notice_items(notice):
    return list(notice.items.select_related("application__enterprise").order_by("position", "id"))


def render_notice_pdf(notice):
    """The notice's PDF bytes."""
    from weasyprint import HTML

    html = render_to_string("recognition/notice_pdf.html", {
        "notice": notice, "items": notice_items(notice), "generated_at": notice.published_at or timezone.now(),
        "site_url": settings.SITE_URL + reverse("notice_public_detail", args=[notice.pk]),
    })
    return HTML(string=html).write_pdf()


def pdf_filename(notice):
    return f"notice-{notice.pk}.pdf"
