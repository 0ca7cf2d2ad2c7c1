"""The public verification page (证书验证): no login, rate-limited per address. A certificate number shows the
recognition's status as of today, its particulars and the SHA-256 fingerprint of every certificate version (the
current one, and the superseded ones so that an old printout can still be checked); an uploaded PDF can be
checked against the fingerprints."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from config import ratelimit

from ..forms_recognitions import VerifyForm, VerifyUploadForm
from ..models import Recognition
from ..services import certificates as certificate_services
from ..services.recognitions import status_on

# Per address: a person checks a few certificates; a scraper walking the number space is stopped.
LIMIT, WINDOW = 30, 60


def _limited(request):
    if ratelimit.allow(request, "verify", limit=LIMIT, window=WINDOW):
        return None
    response = render(request, "recognition/verify_limited.html", {"window": WINDOW}, status=429)
    response["Retry-After"] = str(WINDOW)
    return response


def verification(recognition, today=None):
    """What the page and the API show about a recognition (also used by the API serializer)."""
    today = today or timezone.localdate()
    status = status_on(recognition, today)
    versions = list(recognition.certificates.order_by("-version"))
    current = next((c for c in versions if c.current), None)
    return {
        "status": status,
        "status_label": Recognition.Status(status).label,
        "current": current,
        "versions": versions,
        "today": today,
    }


@require_GET
def verify_form(request):
    """The number form; ?number=… redirects to the certificate's page."""
    form = VerifyForm(request.GET or None)
    if request.GET and form.is_valid():
        limited = _limited(request)
        if limited:
            return limited
        number = certificate_services.normalise_number(form.cleaned_data["number"])
        if not number or "/" in number:  # no certificate number has one, and the page's route cannot carry it
            return render(request, "recognition/verify_not_found.html", {"number": number, "form": VerifyForm()},
                          status=404)
        return redirect("verify_certificate", number=number)
    return render(request, "recognition/verify.html", {"form": form, "upload_form": VerifyUploadForm()})


@require_GET
def verify_certificate(request, number):
    limited = _limited(request)
    if limited:
        return limited
    recognition = certificate_services.find_by_number(number)
    if recognition is None:
        return render(request, "recognition/verify_not_found.html",
                      {"number": certificate_services.normalise_number(number), "form": VerifyForm()}, status=404)
    context = {"rec": recognition, **verification(recognition)}
    return render(request, "recognition/verify_result.html", context)


@require_http_methods(["GET", "POST"])
def verify_upload(request):
    """Optional check of a PDF file: its SHA-256 against the fingerprints of the issued certificates."""
    if request.method == "GET":
        return redirect("verify")
    limited = _limited(request)
    if limited:
        return limited
    form = VerifyUploadForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        try:
            digest, certificate = certificate_services.match_upload(form.cleaned_data["file"].chunks())
        except ValidationError as exc:  # too large: the error names the field
            form.add_error(None, exc)
        else:
            result = {"digest": digest, "certificate": certificate}
            if certificate is not None:
                result.update(rec=certificate.recognition, **verification(certificate.recognition))
    status = 200 if result else 400
    return render(request, "recognition/verify.html",
                  {"form": VerifyForm(), "upload_form": form, "upload_result": result}, status=status)
