"""The notice as a PDF (A4, Noto CJK): the items with enterprise, product, model and proposed level, the period
and how to object. Rendered on request, and kept in the cache under the fingerprint of its HTML: the page is
public and WeasyPrint takes about a second for a notice of fifty items, so an anonymous client asking again and
again must not cost a render each time, while any change to the notice or its items gives a new fingerprint."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

CACHE_SECONDS = 24 * 3600


def notice_items(notice):
    return list(notice.items.select_related("application__enterprise").order_by("position", "id"))


def write_pdf(html):
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def render_notice_pdf(notice):
    """The notice's PDF bytes: an official document, always in Chinese whatever the reader's language."""
    with translation.override("zh-hans"):
        html = render_to_string("recognition/notice_pdf.html", {
            "notice": notice, "items": notice_items(notice), "generated_at": notice.published_at or timezone.now(),
            "site_url": settings.SITE_URL.rstrip("/") + reverse("notice_public_detail", args=[notice.pk]),
        })
    key = "notice-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    content = cache.get(key)
    if content is None:
        content = write_pdf(html)
        cache.set(key, content, CACHE_SECONDS)
    return content


def pdf_filename(notice):
    return f"notice-{notice.pk}.pdf"
