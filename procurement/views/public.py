"""Public pages of 政府首购 (no login): the single-source notices and results, one purchase as the public may see
it (buyer, project, goods, reason, proposed supplier, experts, period, justifications, the award and the
contract's amount and date), the objection form while the notice runs (rate-limited per client), the receipt
with the tracking number, and the status lookup by tracking number and phone.

Never shown here: drafts, the objectors' identities and contact details, the private documents."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from audit.middleware import client_ip
from config import ratelimit

from ..forms import ObjectionForm, PublicSearchForm, StatusLookupForm
from ..models import PurchaseObjection
from ..queries import AWARDED_STATES, public_purchases
from ..services import notices as notice_services
from ..services import objections as services
from ._common import PAGE_SIZE

# Per client address: objections filed, attempts (a mistyped form counts), status look-ups.
OBJECTION_LIMIT = (5, 3600)
ATTEMPT_LIMIT = (30, 3600)
STATUS_LIMIT = (20, 3600)
RECEIPT_SESSION_KEY = "purchase_objection_receipts"


def rate_limited(request, what):
    return render(request, "procurement/public_rate_limited.html", {"what": what}, status=429)


def _published_notice(purchase):
    """The notice if it was published (a saved, unpublished one is a draft and never public)."""
    try:
        notice = purchase.notice
    except purchase.__class__.notice.RelatedObjectDoesNotExist:
        return None
    return notice if notice.published_at else None


@require_GET
def public_notice_list(request):
    """Published single-source notices and awarded purchases, newest first, with a search."""
    form = PublicSearchForm(request.GET or None)
    qs = public_purchases()
    if form.is_valid() and form.cleaned_data["q"].strip():
        q = form.cleaned_data["q"].strip()
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(title__icontains=q)
            | Q(recognition__product_name__icontains=q)
            | Q(recognition__certificate_number__icontains=q)
            | Q(buyer__name__icontains=q)
            | Q(supplier__name__icontains=q)
        )
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    for p in page.object_list:
        p.public_notice = _published_notice(p)
    return render(
        request,
        "procurement/public_list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(request.GET.get("q")),
        },
    )


def _detail(request, purchase, *, form=None, status=200):
    notice = _published_notice(purchase)
    accepting = notice is not None and notice_services.accepting_objections(purchase)
    not_started = notice_services.notice_not_started(purchase)
    experts, justifications, counts = [], [], {}
    if notice is not None:
        experts = list(notice.experts.order_by("position", "id"))
        justifications = list(notice.justifications.order_by("created_at", "id"))
        counts = notice.objections.aggregate(
            total=Count("pk"), answered=Count("pk", filter=Q(state=PurchaseObjection.State.ANSWERED))
        )
    contract = None
    if purchase.state in AWARDED_STATES:
        try:
            contract = purchase.contract
        except purchase.__class__.contract.RelatedObjectDoesNotExist:
            contract = None
    return render(
        request,
        "procurement/public_detail.html",
        {
            "purchase": purchase,
            "notice": notice,
            "experts": experts,
            "justifications": justifications,
            "objection_counts": counts,
            "accepting": accepting,
            "not_started": not_started,
            "awarded": purchase.state in AWARDED_STATES,
            "contract": contract,
            "form": form or (ObjectionForm() if accepting else None),
        },
        status=status,
    )


@require_GET
def public_purchase_detail(request, pk):
    return _detail(request, get_object_or_404(public_purchases(), pk=pk))


@require_http_methods(["GET", "POST"])
def public_objection(request, pk):
    """The objection of a member of the public (POST from the detail page's form). Refused once the period is
    over; rate-limited per address: filed objections, and attempts with a looser limit."""
    purchase = get_object_or_404(public_purchases(), pk=pk)
    if request.method == "GET":
        return redirect(reverse("public_purchase_detail", args=[purchase.pk]) + "#objection")
    notice = _published_notice(purchase)
    if notice is None or not notice_services.accepting_objections(purchase):
        return render(
            request, "procurement/public_objection_closed.html", {"purchase": purchase, "notice": notice}, status=410
        )
    limit, window = OBJECTION_LIMIT
    if not ratelimit.allow(request, "purchase_objection_attempt", limit=ATTEMPT_LIMIT[0], window=ATTEMPT_LIMIT[1]) or (
        ratelimit.exhausted(request, "purchase_objection", limit=limit, window=window)
    ):
        return rate_limited(request, "objection")
    form = ObjectionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            objection = services.submit_objection(
                purchase_id=purchase.pk,
                name=d["name"],
                organisation=d["organisation"],
                phone=d["phone"],
                email=d["email"],
                content=d["content"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, errors in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            ratelimit.allow(request, "purchase_objection", limit=limit, window=window)
            receipts = request.session.get(RECEIPT_SESSION_KEY, [])
            request.session[RECEIPT_SESSION_KEY] = [*receipts[-9:], objection.pk]
            return redirect("purchase_objection_receipt", tracking_number=objection.tracking_number)
    return _detail(request, purchase, form=form, status=400)


@require_GET
def purchase_objection_receipt(request, tracking_number):
    """The receipt with the tracking number, shown only in the browser session that filed the objection."""
    objection = (
        PurchaseObjection.objects.select_related("notice__purchase")
        .filter(tracking_number=tracking_number, pk__in=request.session.get(RECEIPT_SESSION_KEY, []))
        .first()
    )
    if objection is None:
        raise Http404
    return render(request, "procurement/public_objection_receipt.html", {"objection": objection})


@require_http_methods(["GET", "POST"])
def purchase_objection_status(request):
    """Tracking number + phone → the objection's state and, once answered, the supplementary justification."""
    if request.method == "GET":
        return render(request, "procurement/public_objection_status.html", {"form": StatusLookupForm()})
    limit, window = STATUS_LIMIT
    if not ratelimit.allow(request, "purchase_objection_status", limit=limit, window=window):
        return rate_limited(request, "status")
    form = StatusLookupForm(request.POST)
    objection = None
    if form.is_valid():
        objection = services.find_by_tracking(
            tracking_number=form.cleaned_data["tracking_number"].strip(), phone=form.cleaned_data["phone"]
        )
    return render(
        request,
        "procurement/public_objection_status.html",
        {
            "form": form,
            "objection": objection,
            "looked_up": form.is_valid(),
        },
        status=400 if not form.is_valid() else 200 if objection else 404,
    )
