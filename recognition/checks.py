"""System checks of recognition. SITE_URL is printed, as a QR code, on every certificate: a certificate issued while
it still has its development default (http://127.0.0.1:8000) carries a code that verifies nothing, and the printed,
framed certificate cannot be corrected. `check --deploy` therefore refuses a local or plain-http SITE_URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


@register(deploy=True)
def site_url_check(app_configs=None, **kwargs):
    url = urlsplit(getattr(settings, "SITE_URL", "") or "")
    if url.scheme != "https" or (url.hostname or "") in LOCAL_HOSTS:
        return [Warning(
            f"SITE_URL is {settings.SITE_URL!r}: certificates' QR codes and the links in e-mails point there.",
            hint="Set SITE_URL to the public https address of the site, e.g. https://sttt.jxt.zj.gov.cn.",
            id="recognition.W001",
        )]
    return []
