"""保单 pages: the list per role (the enterprise's own, an insurer's read-only, staff through the claims they see)
with its Excel export, the detail, and the enterprise's create and edit with the insured units as a formset."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import roles_of
from recognition.models import Recognition

from .. import workflow
from ..exports import policies_workbook
from ..forms import PolicyFilterForm, PolicyForm, unit_formset, unit_rows
from ..models import Policy
from ..queries import policies_visible_to
from ..services import policies as services
from ._common import PAGE_SIZE, R, apply_errors, enterprise_ids, is_staff, xlsx_response

MORE_ROWS = 5


def _may_list(user):
    return roles_of(user).has(R.ENTERPRISE, R.INSURER) or is_staff(user)


def _filtered(request):
    form = PolicyFilterForm(request.GET or None)
    return form, form.apply(policies_visible_to(request.user))


@login_required
def policy_list(request):
    if not _may_list(request.user):
        raise PermissionDenied
    form, qs = _filtered(request)
    page = Paginator(qs.annotate(unit_count=Count("units")), PAGE_SIZE).get_page(request.GET.get("page"))
    own = bool(enterprise_ids(request.user))
    return render(request, "insurance/policy_list.html", {
        "form": form, "page": page, "own": own,
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "insurer": roles_of(request.user).has(R.INSURER),
    })


@login_required
def policy_export(request):
    if not _may_list(request.user):
        raise PermissionDenied
    form, qs = _filtered(request)
    if form.refused():
        return HttpResponseBadRequest(_("筛选条件有误。"), content_type="text/plain; charset=utf-8")
    return xlsx_response(policies_workbook(qs), "policies.xlsx", _("保单清单"))


def _own_recognitions(user):
    return list(Recognition.objects.filter(enterprise_id__in=enterprise_ids(user), status=Recognition.Status.VALID)
                .order_by("-year", "product_name"))


def _own_policies(user, recognition_id=None, exclude=None):
    qs = Policy.objects.filter(enterprise_id__in=enterprise_ids(user))
    if recognition_id:
        qs = qs.filter(recognition_id=recognition_id)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.order_by("-starts_on"))


def _more_rows(request):
    """The POST with MORE_ROWS blank unit rows added (the formset is re-shown, nothing is saved)."""
    data = request.POST.copy()
    try:
        total = int(data.get("units-TOTAL_FORMS", 0))
    except ValueError:
        total = 0
    data["units-TOTAL_FORMS"] = str(min(total + MORE_ROWS, services.MAX_UNITS))
    return data


def _save(request, form, units, save):
    """Run the service; field errors go next to their field, the units' errors above the units table."""
    if not (form.is_valid() and units.is_valid()):
        return None, []
    try:
        return save(form.policy_fields() | {"units": unit_rows(units)}), []
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            apply_errors(form, exc)
            return None, []
        errors = dict(exc.message_dict)
        unit_errors = errors.pop("units", [])
        if errors:
            apply_errors(form, ValidationError(errors), aliases={"renewal_of_id": "renewal_of",
                                                                 "insurer_id": "insurer", "buyer_id": "buyer"})
        return None, unit_errors


@login_required
@require_http_methods(["GET", "POST"])
def policy_new(request):
    if not enterprise_ids(request.user):
        raise PermissionDenied(_("只有企业用户可以录入保单。"))
    recognitions = _own_recognitions(request.user)
    chosen = request.GET.get("recognition", "")
    chosen = chosen if chosen.isdigit() else ""
    if chosen and not any(str(r.pk) == chosen for r in recognitions):
        raise Http404
    more = request.method == "POST" and "_more" in request.POST
    data = _more_rows(request) if more else (request.POST if request.method == "POST" else None)
    form = PolicyForm(data, recognitions=recognitions, initial={"recognition": chosen},
                      renewal_choices=_own_policies(request.user, chosen or None))
    units = unit_formset(data)
    unit_errors = []
    if request.method == "POST" and not more:
        def create(values):
            return services.create_policy(actor=request.user, recognition_id=form.cleaned_data["recognition"],
                                          **values)

        policy, unit_errors = _save(request, form, units, create)
        if policy is not None:
            messages.success(request, _("保单 %(n)s 已录入。") % {"n": policy.policy_number})
            return redirect("policy_detail", pk=policy.pk)
    status = 400 if request.method == "POST" and not more else 200
    return render(request, "insurance/policy_form.html", {
        "form": form, "units": units, "unit_errors": unit_errors, "policy": None, "no_recognitions": not recognitions,
    }, status=status)


def _editable(user, policy):
    """The enterprise may change a policy while no claim under review or decided carries it."""
    return (policy.enterprise_id in enterprise_ids(user) and policy.recognition.status != Recognition.Status.REVOKED
            and not policy.claims.filter(state__in=services.LOCKED_CLAIM_STATES).exists())


@login_required
def policy_detail(request, pk):
    policy = get_object_or_404(policies_visible_to(request.user), pk=pk)
    own = policy.enterprise_id in enterprise_ids(request.user)
    from ..queries import claims_visible_to

    claims = list(claims_visible_to(request.user).filter(policies=policy).order_by("-created_at"))
    for claim in claims:  # the enterprise sees its applicant labels, as on the claim pages
        claim.state_text = workflow.APPLICANT_LABELS[claim.state] if own else claim.get_state_display()
    return render(request, "insurance/policy_detail.html", {
        "policy": policy, "units": list(policy.units.all()), "own": own,
        "can_edit": own and _editable(request.user, policy), "claims": claims,
        "renewals": list(policies_visible_to(request.user).filter(renewal_of=policy)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk):
    policy = get_object_or_404(policies_visible_to(request.user), pk=pk)
    if policy.enterprise_id not in enterprise_ids(request.user):
        raise Http404
    if not _editable(request.user, policy):
        messages.info(request, _("该保单已随补偿申请提交审核或认定已撤销，不能再修改。"))
        return redirect("policy_detail", pk=policy.pk)
    more = request.method == "POST" and "_more" in request.POST
    data = _more_rows(request) if more else (request.POST if request.method == "POST" else None)
    renewal = _own_policies(request.user, policy.recognition_id, exclude=policy)
    form = PolicyForm(data, initial=PolicyForm.initial_for(policy), renewal_choices=renewal)
    initial_units = [{k: getattr(u, k) for k in ("serial_number", "contract_number", "contract_date", "delivered_on",
                                                  "application_reward")} for u in policy.units.all()]
    units = unit_formset(data, initial=initial_units, extra=1)
    unit_errors = []
    if request.method == "POST" and not more:
        def update(values):
            if not values["buyer_id"] and not (values["buyer_name"] or values["buyer_uscc"]):
                values["buyer_id"] = policy.buyer_id
            if not (values["buyer_name"] or values["buyer_uscc"]):
                values.pop("buyer_name"), values.pop("buyer_uscc")
            return services.update_policy(actor=request.user, policy_id=policy.pk, **values)

        try:
            saved, unit_errors = _save(request, form, units, update)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("policy_detail", pk=policy.pk)
        if saved is not None:
            messages.success(request, _("保单已保存。"))
            return redirect("policy_detail", pk=policy.pk)
    status = 400 if request.method == "POST" and not more else 200
    return render(request, "insurance/policy_form.html", {
        "form": form, "units": units, "unit_errors": unit_errors, "policy": policy,
    }, status=status)
