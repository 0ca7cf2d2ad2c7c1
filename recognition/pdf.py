"""The certificate PDF (认定证书): A4 landscape, Noto CJK, a QR code to the public verification page.

WeasyPrint subsets the embedded fonts with HarfBuzz (Debian libharfbuzz-subset0) when present; without it, it falls
back to fontTools and a Chinese certificate takes seconds (bench/certificates.py measures both).
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

ISSUING_AUTHORITY = "浙江省经济和信息化厅"
TITLE = "浙江省首台（套）产品认定证书"


def verification_url(number):
    """The absolute public verification URL of a certificate number (SITE_URL + /verify/<number>/)."""
    return settings.SITE_URL.rstrip("/") + reverse("verify_certificate", args=[number])


def qr_data_uri(payload):
    """The QR code as a PNG data URI (segno; error correction M, a quiet zone of four modules)."""
    import segno

    return segno.make(payload, error="m", micro=False).png_data_uri(scale=8, border=4)


def issue_date(certificate):
    """Version 1 carries the decision date; a reissued version the date it was reissued."""
    recognition = certificate.recognition
    if certificate.version == 1:
        return recognition.decision_date
    return timezone.localdate(certificate.issued_at)


def certificate_context(certificate):
    recognition = certificate.recognition
    url = verification_url(recognition.certificate_number)
    return {
        "title": TITLE,
        "authority": ISSUING_AUTHORITY,
        "certificate": certificate,
        "recognition": recognition,
        "issue_date": issue_date(certificate),
        "verification_url": url,
        "qr": qr_data_uri(url),
    }


def certificate_html(certificate):
    # The certificate is a Chinese document whatever the language of the request or worker.
    with override("zh-hans"):
        return render_to_string("recognition/certificate.html", certificate_context(certificate))


def certificate_pdf(certificate):
    """The PDF bytes of one certificate version."""
    from weasyprint import HTML

    html = certificate_html(certificate)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
