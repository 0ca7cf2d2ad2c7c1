"""补偿申请 pages: the list per role with filters and its Excel export, the enterprise's new claim and its edits
(policies, year of cover, typed PDF documents), and the detail with the recognition, the policies, the documents,
the eligibility checks and the amount with its working, the timeline and the actions of available_actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Region
from accounts.roles import roles_of
from audit.models import AuditEvent
from recognition.models import Recognition

from .. import workflow
from ..exports import claims_workbook
from ..forms import ClaimFilterForm, ClaimForm, DocumentForm, ReviewForm
from ..models import Claim, ClaimDocument, Policy, PolicyUnit, SignOff
from ..queries import claims_visible_to, is_own_claim
from ..services import claims as services
from ..services import computation
from ..services import documents as document_services
from ._common import CLAIM_ROLES, PAGE_SIZE, apply_errors, enterprise_ids, is_applicant_view, xlsx_response

# Audit actions shown in the timeline, in their own words.
TIMELINE = {
    "claim.created": gettext_lazy("创建申请"), "claim.submitted": gettext_lazy("企业提交申请"),
    "claim.resubmitted": gettext_lazy("企业修改后重新提交"), "claim.local_pass": gettext_lazy("初审通过"),
    "claim.local_return": gettext_lazy("初审退回修改"), "claim.local_reject": gettext_lazy("初审不予补偿"),
    "claim.make_payable": gettext_lazy("列入拨付"),
}


def _may_list(user):
    roles = roles_of(user)
    return roles.has(*CLAIM_ROLES) or roles.is_province or user.is_superuser


def _cities(user):
    roles = roles_of(user)
    cities = Region.objects.filter(level=Region.Level.CITY).order_by("sort_order", "code")
    if roles.is_province or user.is_superuser:
        return list(cities)
    ids = {r.pk if r.level == Region.Level.CITY else r.parent_id for r in roles.bureau_regions}
    return list(cities.filter(pk__in=ids))


def _filtered(request, applicant):
    form = ClaimFilterForm(request.GET or None, applicant=applicant, cities=[] if applicant else _cities(request.user))
    return form, form.apply(claims_visible_to(request.user))


def _state_text(claim, applicant):
    return workflow.APPLICANT_LABELS[claim.state] if applicant else claim.get_state_display()


@login_required
def claim_list(request):
    if not _may_list(request.user):
        raise PermissionDenied
    applicant = is_applicant_view(request.user)
    form, qs = _filtered(request, applicant)
    qs = qs.prefetch_related(Prefetch("policies", queryset=Policy.objects.only("id", "policy_number")))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for claim in page.object_list:
        claim.state_text = _state_text(claim, applicant)
    return render(request, "insurance/claim_list.html", {
        "form": form, "page": page, "applicant": applicant, "own": bool(enterprise_ids(request.user)),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
    })


@login_required
def claim_export(request):
    if not _may_list(request.user):
        raise PermissionDenied
    form, qs = _filtered(request, is_applicant_view(request.user))
    if form.refused():
        return HttpResponseBadRequest(_("筛选条件有误。"), content_type="text/plain; charset=utf-8")
    return xlsx_response(claims_workbook(qs), "claims.xlsx", _("补偿申请清单"))


def _own_recognitions(user):
    return list(Recognition.objects.filter(enterprise_id__in=enterprise_ids(user))
                .exclude(status=Recognition.Status.REVOKED).order_by("-year", "product_name"))


def _recognition_policies(recognition):
    return list(Policy.objects.filter(recognition=recognition).select_related("insurer").order_by("starts_on", "id"))


@login_required
@require_http_methods(["GET", "POST"])
def claim_new(request):
    """Step 1 chooses the recognition (?recognition=), step 2 its policies and the year of cover."""
    if not enterprise_ids(request.user):
        raise PermissionDenied(_("只有企业用户可以申请保险补偿。"))
    recognitions = _own_recognitions(request.user)
    chosen = request.GET.get("recognition", "")
    recognition = None
    if chosen:
        recognition = next((r for r in recognitions if str(r.pk) == chosen), None)
        if recognition is None:
            raise Http404
    form = None
    if recognition is not None:
        form = ClaimForm(request.POST or None, policies=_recognition_policies(recognition))
        if request.method == "POST" and form.is_valid():
            try:
                claim = services.create_claim(actor=request.user, recognition_id=recognition.pk,
                                              policy_ids=form.cleaned_data["policies"],
                                              cover_year=form.cleaned_data["cover_year"])
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("补偿申请 %(n)s 已创建。请上传申请材料，完成后提交。") % {"n": claim.number})
                return redirect("claim_detail", pk=claim.pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "insurance/claim_form.html", {
        "form": form, "recognition": recognition, "recognitions": recognitions, "claim": None,
    }, status=400 if form is not None and form.errors else 200)


def _claim(request, pk):
    return get_object_or_404(claims_visible_to(request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def claim_edit(request, pk):
    claim = _claim(request, pk)
    if not workflow.can_edit(request.user, claim):
        if not is_own_claim(request.user, claim):
            raise Http404
        messages.info(request, _("当前状态不能修改补偿申请。"))
        return redirect("claim_detail", pk=claim.pk)
    initial = {"policies": [str(pk) for pk in claim.policies.values_list("pk", flat=True)],
               "cover_year": claim.cover_year}
    form = ClaimForm(request.POST or None, initial=initial, policies=_recognition_policies(claim.recognition))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_claim(actor=request.user, claim_id=claim.pk, policy_ids=form.cleaned_data["policies"],
                                  cover_year=form.cleaned_data["cover_year"])
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("补偿申请已保存。"))
            return redirect("claim_detail", pk=claim.pk)
    return render(request, "insurance/claim_form.html", {
        "form": form, "recognition": claim.recognition, "claim": claim,
    }, status=400 if form.errors else 200)


def _eligibility(claim):
    """The stored computation (made at submission, frozen once decided), or for a draft a preview computed now."""
    if claim.working:
        return claim.working, False
    return computation.evaluate(claim).working, True


def _timeline(claim):
    """The claim's state changes from the audit log, and the joint review's sign-offs grouped by round."""
    events = list(AuditEvent.objects.filter(object_type=Claim._meta.label, object_id=str(claim.pk),
                                            action__in=TIMELINE).select_related("organisation").order_by("id"))
    for e in events:
        e.label = TIMELINE[e.action]
    signoffs = list(claim.signoffs.select_related("signed_by").order_by("review_round", "signed_at"))
    rounds = {}
    for s in signoffs:
        rounds.setdefault(s.review_round, []).append(s)
    rounds = [{"number": n, "signoffs": items, "pending": [
        label for code, label in SignOff.Department.choices if code not in {s.department for s in items}]}
        for n, items in sorted(rounds.items(), reverse=True)]
    if claim.state == Claim.State.JOINT_REVIEW and not any(r["number"] == claim.review_round for r in rounds):
        rounds.insert(0, {"number": claim.review_round, "signoffs": [],
                          "pending": [label for _code, label in SignOff.Department.choices]})
    return events, rounds


def _detail_page(request, claim, *, review_form=None, upload_form=None, submit_errors=None, status=200):
    user = request.user
    own = is_own_claim(user, claim)
    actions = workflow.available_actions(claim, user)
    own_actions = [a for a in actions if a.role == workflow.ENTERPRISE]
    review_actions = [a for a in actions if a.role != workflow.ENTERPRISE]
    can_adjust = any(a.code == "industry_approve" for a in review_actions)
    if review_actions and review_form is None:
        review_form = ReviewForm(can_adjust=can_adjust)
    can_edit = workflow.can_edit(user, claim)
    documents = list(claim.documents.filter(removed_at__isnull=True).order_by("type", "uploaded_at"))
    by_type = [{"code": code, "label": label, "documents": [d for d in documents if d.type == code]}
               for code, label in ClaimDocument.Type.choices]
    policies = list(claim.policies.select_related("insurer", "buyer").prefetch_related(
        Prefetch("units", queryset=PolicyUnit.objects.order_by("contract_date", "id"))).order_by("starts_on", "id"))
    working, preview = _eligibility(claim)
    events, rounds = _timeline(claim)
    return render(request, "insurance/claim_detail.html", {
        "claim": claim, "own": own, "state_text": _state_text(claim, own),
        "own_actions": own_actions, "review_actions": review_actions, "review_form": review_form if review_actions
        else None, "can_edit": can_edit, "by_type": by_type, "policies": policies,
        "upload_form": upload_form or (DocumentForm() if can_edit else None),
        "missing": document_services.missing_types(claim) if can_edit else [],
        "working": working, "preview": preview, "events": events, "rounds": rounds,
        "submit_errors": submit_errors,
        # The recognition page is the staff's; the enterprise finds its recognitions under 我的认定.
        "recognition_url": reverse("recognition_mine") if own and not roles_of(user).bureau_regions
        and not roles_of(user).is_province else reverse("recognition_detail", args=[claim.recognition_id]),
    }, status=status)


@login_required
def claim_detail(request, pk):
    return _detail_page(request, _claim(request, pk))


@login_required
@require_POST
def claim_action(request, pk):
    """One button of available_actions: the enterprise's submit, a local bureau's or a department's decision, or
    listing for payout."""
    claim = _claim(request, pk)
    code = request.POST.get("action", "")
    allowed = {a.code for a in workflow.available_actions(claim, request.user)}
    if code not in allowed:
        messages.error(request, _("您当前不能对该申请执行此操作。"))
        return redirect("claim_detail", pk=claim.pk)
    action = workflow.ACTIONS[code]
    if code == "submit":
        try:
            claim = services.submit(actor=request.user, claim_id=claim.pk)
        except ValidationError as exc:
            errors = [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") \
                else exc.messages
            return _detail_page(request, claim, submit_errors=errors, status=400)
        messages.success(request, _("补偿申请 %(n)s 已提交。") % {"n": claim.number})
        return redirect("claim_detail", pk=claim.pk)
    if code == "make_payable":
        services.make_payable(actor=request.user, claim_id=claim.pk)
        messages.success(request, _("已列入拨付。"))
        return redirect("claim_detail", pk=claim.pk)
    form = ReviewForm(request.POST, can_adjust="industry_approve" in allowed)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action.role == workflow.LOCAL:
                services.local_review(actor=request.user, claim_id=claim.pk, action=code, reason=d["opinion"])
            elif code == "industry_approve":
                services.sign_off(actor=request.user, claim_id=claim.pk, action=code, opinion=d["opinion"],
                                  adjusted_amount=d["adjusted_amount"], adjustment_reason=d["adjustment_reason"])
            else:
                services.sign_off(actor=request.user, claim_id=claim.pk, action=code, opinion=d["opinion"])
        except ValidationError as exc:
            apply_errors(form, exc, aliases={"reason": "opinion", "action": "__all__"})
        else:
            messages.success(request, _("已提交审核意见：%(a)s。") % {"a": action.label})
            return redirect("claim_detail", pk=claim.pk)
    return _detail_page(request, claim, review_form=form, status=400)


@login_required
@require_POST
def document_upload(request, pk):
    claim = _claim(request, pk)
    if not workflow.can_edit(request.user, claim):
        raise PermissionDenied(_("当前状态不能修改申请材料。"))
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = document_services.upload_document(actor=request.user, claim_id=claim.pk,
                                                         type=form.cleaned_data["type"],
                                                         uploaded_file=form.cleaned_data["file"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("材料已上传：%(name)s") % {"name": document.name})
            return redirect(reverse("claim_detail", args=[claim.pk]) + "#documents")
    return _detail_page(request, claim, upload_form=form, status=400)


@login_required
@require_POST
def document_remove(request, pk, document_pk):
    claim = _claim(request, pk)
    document = get_object_or_404(claim.documents.filter(removed_at__isnull=True), pk=document_pk)
    try:
        document_services.remove_document(actor=request.user, document_id=document.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("材料已移除：%(name)s") % {"name": document.name})
    return redirect(reverse("claim_detail", args=[claim.pk]) + "#documents")


@login_required
def document_download(request, pk, document_pk):
    claim = _claim(request, pk)
    if not claim.documents.filter(pk=document_pk).exists():
        raise Http404
    document, handle = document_services.open_document(actor=request.user, document_id=document_pk)
    return FileResponse(handle, as_attachment=True, filename=document.name, content_type="application/pdf")
