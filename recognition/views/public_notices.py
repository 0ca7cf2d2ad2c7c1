"""Public pages of notices and objections (no login): the notices, one notice with its items and how to object,
its PDF, the objection form (rate-limited per address), the receipt with the tracking number, and the status
lookup by tracking number and phone."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.middleware import client_ip
from config import ratelimit

from ..forms_notices import ObjectionForm, StatusLookupForm
from ..models import NoticeItem, Objection
from ..pdf_notice import pdf_filename, render_notice_pdf
from ..services import objections as services

# Per client address: filing objections and looking up their status.
OBJECTION_LIMIT = (5, 3600)
ATTEMPT_LIMIT = (30, 3600)
STATUS_LIMIT = (20, 3600)
RECEIPT_SESSION_KEY = "objection_receipts"


def _items(notice):
    return list(notice.items.select_related("application__enterprise").order_by("position", "id"))


def rate_limited(request, what):
    return render(request, "recognition/objection_rate_limited.html", {"what": what}, status=429)


@require_GET
def notice_list(request):
    """Published (period started) and closed notices, newest first."""
    notices = services.public_notices().select_related("batch").order_by("-starts_at", "-id")
    page = Paginator(notices, 20).get_page(request.GET.get("page"))
    return render(request, "recognition/notice_public_list.html", {"page": page})


@require_GET
def notice_detail(request, pk):
    notice = get_object_or_404(services.public_notices().select_related("batch"), pk=pk)
    return render(request, "recognition/notice_public_detail.html", {
        "notice": notice, "items": _items(notice), "accepting": services.accepting_objections(notice),
    })


@require_GET
def notice_pdf(request, pk):
    notice = get_object_or_404(services.public_notices(), pk=pk)
    response = HttpResponse(render_notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(notice)}"'
    return response


@require_http_methods(["GET", "POST"])
def objection_new(request, pk):
    """The objection form of a notice (?item= preselects the item). Refused once the period is over."""
    notice = get_object_or_404(services.public_notices().prefetch_related(
        Prefetch("items", queryset=NoticeItem.objects.select_related("application__enterprise"))), pk=pk)
    if not services.accepting_objections(notice):
        return render(request, "recognition/objection_closed.html", {"notice": notice}, status=410)
    items = [i for i in notice.items.all() if i.state == NoticeItem.State.LISTED]
    if request.method == "GET":
        form = ObjectionForm(items=items, initial={"item": request.GET.get("item")})
        return render(request, "recognition/objection_form.html", {"notice": notice, "form": form})
    # Filed objections count against the limit; attempts (mistakes in the form included) have a looser one.
    limit, window = OBJECTION_LIMIT
    if not ratelimit.allow(request, "objection_attempt", limit=ATTEMPT_LIMIT[0], window=ATTEMPT_LIMIT[1]) or (
        ratelimit.exhausted(request, "objection", limit=limit, window=window)
    ):
        return rate_limited(request, "objection")
    form = ObjectionForm(request.POST, request.FILES, items=items)
    if form.is_valid():
        data = form.cleaned_data
        try:
            objection = services.submit_objection(
                item_id=data["item"], name=data["name"], organisation=data["organisation"], phone=data["phone"],
                email=data["email"], content=data["content"], evidence=data.get("evidence"), ip=client_ip(request))
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        except Http404:
            form.add_error("item", ObjectionForm.base_fields["item"].error_messages["invalid_choice"] % {
                "value": data["item"]})
        else:
            ratelimit.allow(request, "objection", limit=limit, window=window)
            receipts = request.session.get(RECEIPT_SESSION_KEY, [])
            request.session[RECEIPT_SESSION_KEY] = [*receipts[-9:], objection.pk]
            return redirect("objection_receipt", tracking_number=objection.tracking_number)
    return render(request, "recognition/objection_form.html", {"notice": notice, "form": form}, status=400)


@require_GET
def objection_receipt(request, tracking_number):
    """The receipt, shown only in the browser session that filed the objection."""
    objection = Objection.objects.select_related("item__notice", "item__application__enterprise").filter(
        tracking_number=tracking_number, pk__in=request.session.get(RECEIPT_SESSION_KEY, [])).first()
    if objection is None:
        raise Http404
    return render(request, "recognition/objection_receipt.html", {"objection": objection})


@require_http_methods(["GET", "POST"])
def objection_status(request):
    """Tracking number + phone → the objection's state and, once decided, the reply. Anything else: not found."""
    if request.method == "GET":
        return render(request, "recognition/objection_status.html", {"form": StatusLookupForm()})
    limit, window = STATUS_LIMIT
    if not ratelimit.allow(request, "objection_status", limit=limit, window=window):
        return rate_limited(request, "status")
    form = StatusLookupForm(request.POST)
    objection = None
    if form.is_valid():
        objection = services.find_by_tracking(tracking_number=form.cleaned_data["tracking_number"],
                                              phone=form.cleaned_data["phone"])
    return render(request, "recognition/objection_status.html", {
        "form": form, "objection": objection, "looked_up": form.is_valid(),
    }, status=400 if not form.is_valid() else 200 if objection else 404)
