"""认定 pages: staff recognise a closed notice's ready items, list and open recognitions, reissue certificates and
revoke; the enterprise's 我的认定; permission-checked certificate downloads and the batch zip."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import roles_of
from certification.models import Batch

from ..forms_recognitions import RecogniseForm, RecognitionFilterForm, ReissueForm, RevokeForm
from ..models import Certificate, Notice, Recognition
from ..services import certificates as certificate_services
from ..services import recognitions as services

PAGE_SIZE = 25


def staff_only(view):
    """Province industry staff only; everyone else gets 404, as for any object outside their scope."""
    from functools import wraps

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not services.is_recognition_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _service_errors(form, exc):
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


def _annotate_status(recognitions):
    for rec in recognitions:
        rec.shown_status = services.status_on(rec)
        rec.shown_status_label = Recognition.Status(rec.shown_status).label
    return recognitions


@login_required
def recognition_list(request):
    """Staff (province; city and county bureaus see their region's): filters by batch, year, level, status."""
    roles = roles_of(request.user)
    if not (services.is_recognition_staff(request.user) or roles.is_province or roles.bureau_regions):
        if roles.has("enterprise"):
            return redirect("recognition_mine")
        raise PermissionDenied
    qs = services.recognitions_visible_to(request.user)
    batches = Batch.objects.filter(pk__in=qs.values("batch_id")).order_by("-year", "-id")
    years = sorted({b.year for b in batches}, reverse=True)
    form = RecognitionFilterForm(request.GET or None, batches=batches, years=years)
    if request.GET:
        qs = form.apply(qs)
    qs = qs.order_by("-year", "level", "sequence")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _annotate_status(page.object_list)
    return render(request, "recognition/recognition_list.html", {
        "form": form, "page": page, "is_staff": services.is_recognition_staff(request.user),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "zip_batch": form.cleaned_data.get("batch") if form.is_bound and form.is_valid() else None,
        "closed_notices": (Notice.objects.filter(state=Notice.State.CLOSED).select_related("batch")
                           .order_by("-ends_at")[:10] if services.is_recognition_staff(request.user) else []),
    })


@login_required
def my_recognitions(request):
    """我的认定: the enterprise's recognitions with the download of their current certificate."""
    if not roles_of(request.user).has("enterprise"):
        raise PermissionDenied
    qs = services.own_recognitions(request.user).order_by("-year", "-decision_date", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    recs = _annotate_status(list(page.object_list))
    current = {c.recognition_id: c for c in Certificate.objects.filter(
        recognition__in=[r.pk for r in recs], current=True)}
    for rec in recs:
        rec.current_certificate = current.get(rec.pk)
    return render(request, "recognition/recognition_mine.html", {"page": page, "recognitions": recs})


@staff_only
@require_http_methods(["GET", "POST"])
def recognise_page(request, notice_pk):
    """认定: a closed notice's items ready for recognition, with checkboxes, the decision number and date."""
    notice = get_object_or_404(Notice.objects.select_related("batch"), pk=notice_pk)
    items = list(services.ready_items(notice))
    form = RecogniseForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.recognise(actor=request.user, notice_id=notice.pk, item_ids=form.cleaned_data["item_ids"],
                                         decision_number=form.cleaned_data["decision_number"],
                                         decision_date=form.cleaned_data["decision_date"])
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("已认定 %(n)d 项，证书正在生成。") % {"n": len(created)})
            return redirect(f"{_list_url()}?batch={notice.batch_id}")
    recognised = (Recognition.objects.filter(notice_item__notice=notice)
                  .order_by("level", "sequence"))
    blocked = notice.items.exclude(pk__in=[i.pk for i in items]).exclude(
        pk__in=recognised.values("notice_item_id")).select_related("application")
    selected = set(form["item_ids"].value() or []) if form.is_bound else {str(i.pk) for i in items}
    return render(request, "recognition/recognition_recognise.html", {
        "notice": notice, "items": items, "form": form, "selected": selected,
        "recognised": _annotate_status(list(recognised)), "blocked": list(blocked),
        "closed": notice.state == Notice.State.CLOSED,
    })


def _list_url():
    from django.urls import reverse

    return reverse("recognition_list")


def _detail_context(request, rec, **forms):
    certificates = list(rec.certificates.order_by("-version").select_related("requested_by"))
    return {
        "rec": rec, "status": services.status_on(rec), "status_label": Recognition.Status(services.status_on(rec)).label,
        "certificates": certificates, "is_staff": services.is_recognition_staff(request.user),
        "reissue_form": forms.get("reissue_form") or ReissueForm(initial=ReissueForm.initial_for(rec)),
        "revoke_form": forms.get("revoke_form") or RevokeForm(),
        "verify_path": _verify_path(rec),
    }


def _verify_path(rec):
    from django.urls import reverse

    return reverse("verify_certificate", args=[rec.certificate_number])


@login_required
def recognition_detail(request, pk):
    rec = get_object_or_404(services.recognitions_visible_to(request.user).select_related("application"), pk=pk)
    if not services.is_recognition_staff(request.user) and roles_of(request.user).has("enterprise") \
            and not (roles_of(request.user).is_province or roles_of(request.user).bureau_regions):
        return redirect("recognition_mine")
    return render(request, "recognition/recognition_detail.html", _detail_context(request, rec))


@staff_only
@require_POST
def recognition_reissue(request, pk):
    rec = get_object_or_404(Recognition, pk=pk)
    form = ReissueForm(request.POST, initial=ReissueForm.initial_for(rec))
    if form.is_valid():
        try:
            certificate = certificate_services.reissue(actor=request.user, recognition_id=rec.pk,
                                                       reason=form.cleaned_data["reason"],
                                                       corrections=form.corrections())
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("已换发第 %(v)d 版证书，正在生成。") % {"v": certificate.version})
            return redirect("recognition_detail", pk=rec.pk)
    rec.refresh_from_db()
    return render(request, "recognition/recognition_detail.html",
                  _detail_context(request, rec, reissue_form=form), status=400)


@staff_only
@require_POST
def recognition_revoke(request, pk):
    rec = get_object_or_404(Recognition, pk=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke(actor=request.user, recognition_id=rec.pk, reason=form.cleaned_data["reason"],
                            document_number=form.cleaned_data["document_number"])
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("已撤销认定 %(n)s。") % {"n": rec.certificate_number})
            return redirect("recognition_detail", pk=rec.pk)
    return render(request, "recognition/recognition_detail.html",
                  _detail_context(request, rec, revoke_form=form), status=400)


@require_GET
@login_required
def certificate_download(request, pk):
    """One certificate version as a download; 404 outside the user's scope (existence must not leak)."""
    certificate, handle = certificate_services.open_certificate(actor=request.user, certificate_id=pk)
    response = FileResponse(handle, as_attachment=True, filename=certificate_services.download_name(certificate),
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_only
def batch_certificates_zip(request, batch_pk):
    """The batch's current certificates (not revoked) as one zip, built in a temporary file."""
    batch = get_object_or_404(Batch, pk=batch_pk)
    archive, _count = certificate_services.batch_zip(actor=request.user, batch_id=batch.pk)
    response = FileResponse(archive, as_attachment=True, filename=f"certificates-{batch.year}-{batch.pk}.zip",
                            content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response
