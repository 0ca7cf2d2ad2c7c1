"""首购项目 pages (login): the list per role with filters and the Excel export link, the buyer's new purchase (a
recognition chosen from the catalogue first), its edits, the single-source notice with its experts and a live
preview of the period, the supplementary justification, the award, the contract with delivery and acceptance,
the private documents, and the detail with everything and the actions of workflow.available_actions.

Out of the viewer's scope (queries.purchases_visible_to): 404. In scope but not the buyer: 403. The buyer at a
step the state does not allow: back to the detail with a message."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import roles_of
from audit.models import AuditEvent
from certification.queries import is_id
from recognition.models import Recognition
from recognition.queries import city_choices, verify_path

from .. import workflow
from ..filters import PurchaseFilter
from ..forms import (
    AwardForm,
    CancelForm,
    ContractForm,
    DeliveryForm,
    DocumentForm,
    JustifyForm,
    NoticeForm,
    PurchaseForm,
    RecognitionSearchForm,
    expert_formset,
    expert_rows,
)
from ..models import Contract, Justification, Purchase, PurchaseDocument, PurchaseObjection, SingleSourceNotice
from ..queries import contract_of, is_buyer_of, notice_of, purchases_visible_to
from ..services import awards as award_services
from ..services import documents as document_services
from ..services import notices as notice_services
from ..services import objections as objection_services
from ..services import purchases as services
from ._common import PAGE_SIZE, R, apply_errors, is_buyer, may_list, split_errors

S = Purchase.State
MORE_ROWS = 3
SEARCH_LIMIT = 50

# Audit actions shown in the timeline, in their own words (on the purchase, its notice, objections,
# justifications, contract and documents).
TIMELINE = {
    "purchase.created": gettext_lazy("创建首购项目"),
    "purchase.updated": gettext_lazy("修改首购项目"),
    "purchase.notice_saved": gettext_lazy("保存单一来源公示"),
    "purchase.notice_published": gettext_lazy("发布单一来源公示"),
    "purchase.notice_closed": gettext_lazy("公示期结束"),
    "purchase.objection_submitted": gettext_lazy("收到异议"),
    "purchase.justified": gettext_lazy("补充论证"),
    "purchase.awarded": gettext_lazy("确定成交"),
    "purchase.contract_recorded": gettext_lazy("录入合同"),
    "purchase.delivery_recorded": gettext_lazy("录入交付与验收"),
    "purchase.cancelled": gettext_lazy("终止采购"),
    "purchase.document_uploaded": gettext_lazy("上传材料"),
    "purchase.document_removed": gettext_lazy("移除材料"),
}


def _purchase(request, pk):
    return get_object_or_404(purchases_visible_to(request.user), pk=pk)


def _for_buyer(request, pk, code):
    """(the purchase, None) when the buyer may take `code` now; (purchase, redirect) when the state does not allow
    it. 404 out of scope, 403 for anyone but the buyer."""
    purchase = _purchase(request, pk)
    if not is_buyer_of(request.user, purchase):
        raise PermissionDenied(_("只有采购人可以办理该首购项目。"))
    if not workflow.can_take(request.user, purchase, code):
        messages.info(request, _("该首购项目当前状态（%(s)s）不能进行此操作。") % {"s": purchase.get_state_display()})
        return purchase, redirect("purchase_detail", pk=purchase.pk)
    return purchase, None


# --- the list ----------------------------------------------------------------------------------------------------


def _cities(user):
    roles = roles_of(user)
    cities = city_choices()
    if roles.is_province or user.is_superuser or roles.has(R.BUYER, R.ENTERPRISE):
        return cities
    ids = {r.pk if r.level == "city" else r.parent_id for r in roles.bureau_regions}
    return [(pk, name) for pk, name in cities if pk in ids]


def purchase_filter(request):
    """The list's FilterSet over the viewer's purchases, its form fitted to the page: a short search label, "全部"
    as the empty choice, the city filter as a select of the viewer's cities."""
    f = PurchaseFilter(request.GET or None, queryset=purchases_visible_to(request.user), request=request)
    fields = f.form.fields
    fields["q"].widget.attrs["placeholder"] = fields["q"].label
    fields["q"].label = _("搜索")
    for name in ("state", "method", "field"):  # re-set the choices: the widget keeps the label it was built with
        fields[name].empty_label = _("全部")
        fields[name].choices = [c for c in fields[name].choices if c[0] != ""]
    fields["city"].widget = forms.Select(
        choices=[("", _("全部"))] + [(str(pk), name) for pk, name in _cities(request.user)]
    )
    fields["city"].label = _("设区市")
    fields["signed_late"].widget = forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])
    fields["signed_late"].label = _("合同超期签订")
    return f


@login_required
@require_GET
def purchase_list(request):
    if not may_list(request.user):
        raise PermissionDenied
    f = purchase_filter(request)
    if f.is_bound and not f.is_valid():
        messages.warning(request, _("部分筛选条件无效，已忽略该条件，其余条件仍然生效。"))
    page = Paginator(f.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/purchase_list.html",
        {
            "form": f.form,
            "page": page,
            "buyer": is_buyer(request.user),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


# --- new purchase: choose the recognition, then the purchase's fields --------------------------------------------


def _buyers(user):
    return roles_of(user).organisations(R.BUYER)


def _search(q, today):
    """Recognitions whose certificate number or product name contains q, each with the reason a purchase would
    be refused (None when valid today)."""
    qs = Recognition.objects.select_related("city").order_by("-year", "certificate_number")
    if q:
        qs = qs.filter(
            Q(certificate_number__icontains=q) | Q(product_name__icontains=q) | Q(enterprise_name__icontains=q)
        )
    else:  # the catalogue's newest valid recognitions
        qs = qs.filter(status=Recognition.Status.VALID, valid_until__gte=today, valid_from__lte=today)
    rows = list(qs[:SEARCH_LIMIT])
    for rec in rows:
        rec.refusal = services.recognition_refusal(rec, today)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def purchase_new(request):
    """Step 1 (?q=) finds a recognition; step 2 (?recognition=) records the purchase of it."""
    if not is_buyer(request.user):
        raise PermissionDenied(_("只有采购人可以录入首购项目。"))
    today = timezone.localdate()
    chosen = request.GET.get("recognition", "") or request.POST.get("recognition", "")
    if not chosen:
        if request.method == "POST":
            raise Http404
        search = RecognitionSearchForm(request.GET or None)
        q = search.cleaned_data["q"].strip() if search.is_valid() else ""
        return render(
            request,
            "procurement/purchase_choose.html",
            {
                "search": search,
                "q": q,
                "results": _search(q, today),
                "limit": SEARCH_LIMIT,
            },
        )
    if not is_id(chosen):  # ASCII digits that fit: "²".isdigit() is True, yet no id
        raise Http404
    recognition = get_object_or_404(Recognition.objects.select_related("city", "region"), pk=chosen)
    refusal = services.recognition_refusal(recognition, today)
    buyers = _buyers(request.user)
    form = PurchaseForm(
        request.POST or None, buyers=buyers, initial={"title": _("%(p)s采购项目") % {"p": recognition.product_name}}
    )
    recognition_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            purchase = services.create_purchase(
                actor=request.user, recognition_id=recognition.pk, buyer_id=form.buyer_id(), **form.values()
            )
        except ValidationError as exc:
            recognition_errors = _apply(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您不能为该采购人录入首购项目。"))
        else:
            messages.success(request, _("首购项目 %(n)s 已创建。") % {"n": purchase.number})
            return redirect("purchase_detail", pk=purchase.pk)
    return render(
        request,
        "procurement/purchase_form.html",
        {
            "form": form,
            "recognition": recognition,
            "refusal": refusal,
            "purchase": None,
            "recognition_errors": recognition_errors,
        },
        status=400 if form.errors or recognition_errors else 200,
    )


def _apply(form, exc):
    """The service's errors on the purchase form; those of the recognition (shown in its box) returned."""
    recognition_errors, rest = split_errors(exc, "recognition", "recognition_id")
    if rest is not None:
        apply_errors(form, rest, aliases={"buyer_id": "buyer"})
    return recognition_errors


@login_required
@require_http_methods(["GET", "POST"])
def purchase_edit(request, pk):
    purchase, refused = _for_buyer(request, pk, "edit")
    if refused:
        return refused
    form = PurchaseForm(request.POST or None, initial=PurchaseForm.initial_for(purchase))
    recognition_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.update_purchase(actor=request.user, purchase_id=purchase.pk, **form.values())
        except ValidationError as exc:
            recognition_errors = _apply(form, exc)
        else:
            messages.success(request, _("首购项目已保存。"))
            return redirect("purchase_detail", pk=purchase.pk)
    return render(
        request,
        "procurement/purchase_form.html",
        {
            "form": form,
            "recognition": purchase.recognition,
            "purchase": purchase,
            "refusal": services.recognition_refusal(purchase.recognition, timezone.localdate()),
            "recognition_errors": recognition_errors,
        },
        status=400 if form.errors or recognition_errors else 200,
    )


# --- the detail --------------------------------------------------------------------------------------------------


def _timeline(purchase, notice, contract, objections, justifications):
    """The audit events of the purchase and of its notice, objections, justifications, contract and documents
    (downloads left out), oldest first."""
    objects = {
        Purchase: [purchase.pk],
        SingleSourceNotice: [notice.pk] if notice else [],
        Contract: [contract.pk] if contract else [],
        PurchaseObjection: [o.pk for o in objections],
        Justification: [j.pk for j in justifications],
        PurchaseDocument: list(purchase.documents.values_list("pk", flat=True)),
    }
    condition = Q(pk__in=[])
    for model, pks in objects.items():
        if pks:
            condition |= Q(object_type=model._meta.label, object_id__in=[str(pk) for pk in pks])
    events = list(
        AuditEvent.objects.filter(condition, action__in=TIMELINE).select_related("organisation").order_by("id")
    )
    for e in events:
        e.label = TIMELINE[e.action]
    return events


def _recognition_url(user, recognition):
    roles = roles_of(user)
    if roles.has(R.PROVINCE_STAFF, R.CITY_STAFF, R.COUNTY_STAFF):
        return reverse("recognition_detail", args=[recognition.pk])
    return verify_path(recognition.certificate_number)


def _detail_page(request, purchase, *, cancel_form=None, upload_form=None, action_errors=None, status=200):
    user = request.user
    buyer = is_buyer_of(user, purchase)
    actions = workflow.available_actions(purchase, user)
    codes = {a.code for a in actions}
    notice = notice_of(purchase)
    experts, objections, justifications = [], [], []
    if notice is not None:
        experts = list(notice.experts.order_by("position", "id"))
        objections = list(notice.objections.select_related("justification").order_by("created_at", "id"))
        justifications = list(notice.justifications.order_by("created_at", "id"))
    contract = contract_of(purchase)
    documents = list(
        purchase.documents.filter(removed_at__isnull=True).select_related("uploaded_by").order_by("type", "uploaded_at")
    )
    today = timezone.localdate()
    contract_due = purchase.awarded_on + dt.timedelta(days=30) if purchase.awarded_on else None
    return render(
        request,
        "procurement/purchase_detail.html",
        {
            "purchase": purchase,
            "buyer": buyer,
            "notice": notice,
            "experts": experts,
            "objections": objections,
            "open_objections": [o for o in objections if o.state == PurchaseObjection.State.OPEN],
            "justifications": justifications,
            "contract": contract,
            "documents": documents,
            "actions": actions,
            "codes": codes,
            "link_actions": [a for a in actions if a.code in LINKED_ACTIONS],
            "post_actions": [a for a in actions if a.code in POSTED_ACTIONS],
            "cancel_action": workflow.ACTIONS["cancel"] if "cancel" in codes else None,
            "cancel_form": cancel_form or (CancelForm() if "cancel" in codes else None),
            "upload_form": upload_form or (DocumentForm() if "upload" in codes else None),
            "can_remove": buyer and purchase.state != S.COMPLETED,
            "action_errors": action_errors,
            "accepting": notice is not None and notice_services.accepting_objections(purchase),
            "not_started": notice_services.notice_not_started(purchase),
            "refusal": services.recognition_refusal(purchase.recognition, today) if buyer else None,
            "needs_notice": workflow.needs_notice(purchase),
            "contract_due": contract_due,
            "contract_overdue": contract is None
            and contract_due is not None
            and purchase.state == S.AWARDED
            and today > contract_due,
            "events": _timeline(purchase, notice, contract, objections, justifications),
            "recognition_url": _recognition_url(user, purchase.recognition),
        },
        status=status,
    )


# Buttons that open a page; buttons that post to purchase_action.
LINKED_ACTIONS = {
    "edit": "purchase_edit",
    "save_notice": "purchase_notice",
    "justify": "purchase_justify",
    "award": "purchase_award",
    "sign": "purchase_contract",
    "deliver": "purchase_contract",
}
POSTED_ACTIONS = {"publish_notice"}


@login_required
@require_GET
def purchase_detail(request, pk):
    return _detail_page(request, _purchase(request, pk))


@login_required
@require_POST
def purchase_action(request, pk):
    """A posted button of available_actions: publish the notice, or cancel with a reason."""
    purchase = _purchase(request, pk)
    if not is_buyer_of(request.user, purchase):
        raise PermissionDenied(_("只有采购人可以办理该首购项目。"))
    code = request.POST.get("action", "")
    if code not in POSTED_ACTIONS | {"cancel"} or not workflow.can_take(request.user, purchase, code):
        messages.error(request, _("您当前不能对该首购项目执行此操作。"))
        return redirect("purchase_detail", pk=purchase.pk)
    if code == "publish_notice":
        try:
            notice = notice_services.publish_notice(actor=request.user, purchase_id=purchase.pk)
        except ValidationError as exc:
            errors = [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") else exc.messages
            return _detail_page(request, Purchase.objects.get(pk=purchase.pk), action_errors=errors, status=400)
        messages.success(
            request,
            _("单一来源公示已发布，公示至 %(end)s。")
            % {"end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")},
        )
        return redirect("purchase_detail", pk=purchase.pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_purchase(actor=request.user, purchase_id=purchase.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("首购项目已终止。"))
            return redirect("purchase_detail", pk=purchase.pk)
    return _detail_page(request, Purchase.objects.get(pk=purchase.pk), cancel_form=form, status=400)


# --- the single-source notice ------------------------------------------------------------------------------------


def _more_rows(request):
    data = request.POST.copy()
    try:
        total = int(data.get("experts-TOTAL_FORMS", 0))
    except ValueError:
        total = 0
    data["experts-TOTAL_FORMS"] = str(max(0, min(total + MORE_ROWS, 30)))
    return data


def _preview(start, days):
    """(the period the notice would have: from `start` (or now, as publishing now would) for `days` working days,
    or None; the service's reasons when it cannot be computed)."""
    if not days:
        return None, []
    try:
        return notice_services.notice_preview(start, days), []
    except ValidationError as exc:
        return None, exc.messages


def _default_contact(purchase):
    buyer = purchase.buyer
    parts = [_("采购人：%(n)s") % {"n": buyer.name}]
    if buyer.contact_name or buyer.contact_phone:
        parts.append(_("联系人及电话：%(c)s %(p)s") % {"c": buyer.contact_name, "p": buyer.contact_phone})
    parts.append(_("地址："))
    return "\n".join(parts)


@login_required
@require_http_methods(["GET", "POST"])
def purchase_notice(request, pk):
    """The notice's form; ?preview=1 (htmx) answers just the period preview for the typed start and days."""
    purchase, refused = _for_buyer(request, pk, "save_notice")
    if refused:
        return refused
    if request.method == "GET" and request.GET.get("preview"):
        form = NoticeForm(request.GET)
        form.is_valid()
        d = getattr(form, "cleaned_data", {})
        errors = [e for name in ("starts_at", "working_days") for e in form.errors.get(name, [])]
        preview = None
        if not errors:
            preview, errors = _preview(d.get("starts_at"), d.get("working_days"))
        return render(
            request,
            "procurement/_notice_preview.html",
            {"preview": preview, "preview_errors": errors, "starts_at": d.get("starts_at")},
        )
    notice = notice_of(purchase)
    more = request.method == "POST" and "_more" in request.POST
    data = _more_rows(request) if more else (request.POST if request.method == "POST" else None)
    if notice is not None:
        initial = NoticeForm.initial_for(notice)
        initial_experts = [
            {"name": e.name, "employer": e.employer, "title": e.title}
            for e in notice.experts.order_by("position", "id")
        ]
    else:
        initial = {"working_days": 5, "contact": _default_contact(purchase)}
        initial_experts = []
    form = NoticeForm(data, initial=initial)
    experts = expert_formset(data, initial=initial_experts, extra=1 if initial_experts else 3)
    expert_errors = []
    if request.method == "POST" and not more and form.is_valid() & experts.is_valid():
        try:
            notice_services.save_notice(
                actor=request.user, purchase_id=purchase.pk, experts=expert_rows(experts), **form.values()
            )
        except ValidationError as exc:
            expert_errors, rest = split_errors(exc, "experts")
            if rest is not None:
                apply_errors(form, rest)
        else:
            messages.success(request, _("单一来源公示已保存。核对无误后，在项目页面点击“发布单一来源公示”。"))
            return redirect("purchase_detail", pk=purchase.pk)
    if form.is_bound and form.is_valid():
        preview, _errors = _preview(form.cleaned_data["starts_at"], form.cleaned_data["working_days"])
        start = form.cleaned_data["starts_at"]
    elif not form.is_bound:
        start = initial.get("starts_at")
        preview, _errors = _preview(start, initial.get("working_days"))
    else:
        preview = start = None
    invalid = request.method == "POST" and not more and (form.errors or expert_errors or not experts.is_valid())
    return render(
        request,
        "procurement/notice_form.html",
        {
            "purchase": purchase,
            "form": form,
            "experts": experts,
            "expert_errors": expert_errors,
            "preview": preview,
            "starts_at": start,
        },
        status=400 if invalid else 200,
    )


# --- justification, award, contract ------------------------------------------------------------------------------


def _buyer_form(request, purchase, form, save, template, context):
    """A buyer's step on a form: on a valid POST `save(cleaned_data)` (the service call and its success message),
    then back to the detail; a service's ValidationError onto the form. Otherwise the form page (400 with
    errors)."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("purchase_detail", pk=purchase.pk)
    return render(
        request,
        template,
        {"purchase": purchase, "form": form, **context},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def purchase_justify(request, pk):
    purchase, refused = _for_buyer(request, pk, "justify")
    if refused:
        return refused
    notice = notice_of(purchase)
    open_objections = (
        list(notice.objections.filter(state=PurchaseObjection.State.OPEN).order_by("created_at", "id"))
        if notice is not None
        else []
    )
    initial = {"objection_ids": [o.pk for o in open_objections]}
    form = JustifyForm(request.POST or None, objections=open_objections, initial=initial)

    def save(d):
        objection_services.add_justification(
            actor=request.user,
            purchase_id=purchase.pk,
            text=d["text"],
            objection_ids=d["objection_ids"],
            experts=d["experts"],
        )
        messages.success(request, _("补充论证已提交，并已在公示页面公开。"))

    return _buyer_form(request, purchase, form, save, "procurement/justify_form.html", {"objections": open_objections})


@login_required
@require_http_methods(["GET", "POST"])
def purchase_award(request, pk):
    purchase, refused = _for_buyer(request, pk, "award")
    if refused:
        return refused
    form = AwardForm(request.POST or None, initial={"awarded_on": timezone.localdate(), "amount": purchase.budget})

    def save(d):
        award_services.record_award(actor=request.user, purchase_id=purchase.pk, **d)
        messages.success(request, _("已确定成交。请在成交之日起30日内签订采购合同。"))

    return _buyer_form(request, purchase, form, save, "procurement/award_form.html", {"notice": notice_of(purchase)})


@login_required
@require_http_methods(["GET", "POST"])
def purchase_contract(request, pk):
    """Awarded: the contract (number, amount, signing date, optionally delivery and acceptance). Contracted: the
    delivery and acceptance dates."""
    purchase = _purchase(request, pk)
    code = "deliver" if purchase.state == S.CONTRACTED else "sign"
    purchase, refused = _for_buyer(request, pk, code)
    if refused:
        return refused
    contract = contract_of(purchase)
    if code == "sign":
        form = ContractForm(
            request.POST or None, initial={"amount": purchase.award_amount, "signed_on": timezone.localdate()}
        )
    else:
        form = DeliveryForm(
            request.POST or None, initial={"delivered_on": contract.delivered_on, "accepted_on": contract.accepted_on}
        )

    def save(d):
        if code == "sign":
            award_services.record_contract(actor=request.user, purchase_id=purchase.pk, **d)
        else:
            award_services.record_delivery(actor=request.user, purchase_id=purchase.pk, **d)
        saved = Purchase.objects.select_related("contract").get(pk=purchase.pk)
        if saved.state == S.COMPLETED:
            messages.success(request, _("已录入验收，首购项目办结。"))
        elif code == "sign" and saved.contract.signed_late:
            messages.warning(request, _("合同已录入。签订日期超过成交后30日，已标注。"))
        else:
            messages.success(request, _("合同信息已保存。"))

    context = {
        "contract": contract,
        "code": code,
        "contract_due": purchase.awarded_on + dt.timedelta(days=30) if purchase.awarded_on else None,
    }
    return _buyer_form(request, purchase, form, save, "procurement/contract_form.html", context)


# --- documents ---------------------------------------------------------------------------------------------------


@login_required
@require_POST
def purchase_document_upload(request, pk):
    purchase = _purchase(request, pk)
    if not is_buyer_of(request.user, purchase):
        raise PermissionDenied(_("只有采购人可以上传材料。"))
    if not workflow.can_take(request.user, purchase, "upload"):
        messages.info(request, _("成交后才能上传材料。"))
        return redirect("purchase_detail", pk=purchase.pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = document_services.upload_document(
                actor=request.user,
                purchase_id=purchase.pk,
                type=form.cleaned_data["type"],
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            apply_errors(form, exc, aliases={"uploaded_file": "file"})
        else:
            messages.success(request, _("材料已上传：%(name)s") % {"name": document.name})
            return redirect(reverse("purchase_detail", args=[purchase.pk]) + "#documents")
    return _detail_page(request, purchase, upload_form=form, status=400)


@login_required
@require_POST
def purchase_document_remove(request, pk, document_pk):
    purchase = _purchase(request, pk)
    document = get_object_or_404(purchase.documents.filter(removed_at__isnull=True), pk=document_pk)
    if not is_buyer_of(request.user, purchase):
        raise PermissionDenied(_("只有采购人可以移除材料。"))
    try:
        document_services.remove_document(actor=request.user, document_id=document.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("材料已移除：%(name)s") % {"name": document.name})
    return redirect(reverse("purchase_detail", args=[purchase.pk]) + "#documents")


@login_required
@require_GET
def purchase_document_download(request, pk, document_pk):
    purchase = _purchase(request, pk)
    if not purchase.documents.filter(pk=document_pk).exists():
        raise Http404
    document, handle = document_services.open_document(actor=request.user, document_id=document_pk)
    return FileResponse(handle, as_attachment=True, filename=document.name, content_type="application/pdf")
