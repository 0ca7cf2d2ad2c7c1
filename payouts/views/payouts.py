"""拨付 pages (login): the list per role with filters and the Excel export links, the detail with the source, the
amount and its working, each step with who and when, the budget position, the 30-day working, the recovery and
the actions of workflow.available_actions; the industry and finance decisions, the finance department's
allocation of several payouts of one city at once, the local bureau's disbursement and the enterprise's bank
account.

Out of the viewer's scope (queries.payouts_visible_to): 404. In scope but the wrong role for the step: 403. The
right role at a state the step does not allow (a second click): back to the detail with a message."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certification.queries import is_id

from .. import workflow
from ..filters import PayoutFilter
from ..forms import AllocateForm, BankAccountForm, DisburseForm, ReasonForm
from ..models import DISBURSE_WITHIN_DAYS, Payout, Recovery, RewardRule
from ..queries import payouts_visible_to
from ..services import approvals
from ..services.budgets import budget_position
from ._common import (
    PAGE_SIZE,
    apply_errors,
    cities_of,
    enterprise_ids,
    finance_only,
    is_enterprise_view,
    may_list,
    messages_of,
    recognition_url,
)

S = Payout.State
# Buttons that post to payout_action; buttons that open a page of their own.
POSTED_ACTIONS = {"approve_industry", "approve_finance"}
REASON_ACTIONS = {"reject_industry", "reject_finance"}
LINKED_ACTIONS = {"allocate": "payout_allocate", "disburse": "payout_disburse", "bank_account": "payout_bank_account"}
SERVICE_CALLS = {
    "approve_industry": approvals.approve_industry,
    "approve_finance": approvals.approve_finance,
}


def _payout(request, pk):
    qs = payouts_visible_to(request.user).select_related(
        "recognition__batch",
        "claim",
        "reward_rule",
        "industry_approved_by",
        "finance_approved_by",
        "allocated_by",
        "disbursed_by",
        "rejected_by",
    )
    return get_object_or_404(qs, pk=pk)


def _refuse_role(user, payout, code):
    """403 when the user does not act in the role of `code` at all (whatever the state)."""
    action = workflow.ACTIONS[code]
    if not workflow.acts_as(user, payout, action.role):
        raise PermissionDenied(_("您不能办理该拨付的此项操作。"))


# --- the list ----------------------------------------------------------------------------------------------------


def payout_filter(request):
    """The list's FilterSet over the viewer's payouts, its form fitted to the page: a short search label, "全部" as
    the empty choice, the city filter as a select of the viewer's cities, overdue as 是/否."""
    f = PayoutFilter(request.GET or None, queryset=payouts_visible_to(request.user), request=request)
    fields = f.form.fields
    fields["q"].widget.attrs["placeholder"] = _("拨付编号、企业、产品或证书编号")
    fields["q"].label = _("搜索")
    for name in ("kind", "state", "level"):
        fields[name].empty_label = _("全部")
        fields[name].choices = [c for c in fields[name].choices if c[0] != ""]
    fields["city"].widget = forms.Select(
        choices=[("", _("全部"))] + [(str(pk), n) for pk, n in cities_of(request.user)]
    )
    fields["city"].label = _("设区市")
    fields["overdue"].widget = forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])
    fields["overdue"].label = _("逾期未拨付")
    return f


@login_required
@require_GET
def payout_list(request):
    if not may_list(request.user):
        raise PermissionDenied
    f = payout_filter(request)
    if f.is_bound and not f.is_valid():
        messages.warning(request, _("部分筛选条件无效，已忽略该条件，其余条件仍然生效。"))
    page = Paginator(f.qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for p in page.object_list:
        p.days_overdue = (today - p.due_on).days if p.state == S.ALLOCATED and p.due_on and p.due_on < today else 0
    user = request.user
    return render(
        request,
        "payouts/payout_list.html",
        {
            "form": f.form,
            "page": page,
            "enterprise": is_enterprise_view(user),
            "finance": workflow.is_province_finance(user),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


# --- the detail --------------------------------------------------------------------------------------------------


def _steps(payout):
    """The chain as (code, label, done, when, who, detail) rows, in order."""
    rows = [("proposed", _("拟拨付"), True, payout.created_at, None, "")]
    rows.append(
        (
            "industry_approved",
            _("经信部门审核"),
            payout.industry_approved_at is not None,
            payout.industry_approved_at,
            payout.industry_approved_by,
            "",
        )
    )
    rows.append(
        (
            "finance_approved",
            _("财政部门审核"),
            payout.finance_approved_at is not None,
            payout.finance_approved_at,
            payout.finance_approved_by,
            "",
        )
    )
    rows.append(
        (
            "allocated",
            _("资金下达市县"),
            payout.allocated_on is not None,
            payout.allocated_on,
            payout.allocated_by,
            payout.allocation_document,
        )
    )
    rows.append(
        (
            "disbursed",
            _("拨付企业"),
            payout.disbursed_on is not None,
            payout.disbursed_on,
            payout.disbursed_by,
            payout.bank_reference and _("银行流水号 %(r)s") % {"r": payout.bank_reference},
        )
    )
    if payout.state == S.REJECTED:
        rows.append(("rejected", _("不予拨付"), True, payout.rejected_at, payout.rejected_by, payout.rejected_reason))
    return [
        {
            "code": c,
            "label": label,
            "done": done,
            "when": when,
            "who": who,
            "detail": detail,
            "dated": c in ("allocated", "disbursed"),
        }
        for c, label, done, when, who, detail in rows
    ]


def _deadline(payout, today):
    """The 30-day working: 下达日期 + 30日 = 应拨付日期, and where today stands against it (or when it was paid)."""
    if payout.allocated_on is None or payout.due_on is None:
        return None
    info = {"allocated_on": payout.allocated_on, "due_on": payout.due_on, "days": DISBURSE_WITHIN_DAYS}
    if payout.state == S.DISBURSED and payout.disbursed_on:
        info["late_days"] = max(0, (payout.disbursed_on - payout.due_on).days)
    elif payout.state == S.ALLOCATED:
        overdue = approvals.overdue(payout, today)
        if overdue:
            info["overdue_days"] = overdue["days_overdue"]
            info["working"] = overdue.get("working", "")
        else:
            info["days_left"] = (payout.due_on - today).days
    return info


def _recovery(payout):
    try:
        return payout.recovery
    except Recovery.DoesNotExist:
        return None


# The stored working's keys shown in the detail, in order (rules.reward_decision, proposals._claim_working).
WORKING_LABELS = (
    ("batch", gettext_lazy("认定批次")),
    ("certificate_number", gettext_lazy("证书编号")),
    ("level_label", gettext_lazy("认定级别")),
    ("applied", gettext_lazy("适用规则")),
    ("amount", gettext_lazy("奖励金额（元）")),
    ("budget_year", gettext_lazy("列支年度")),
    ("claim_number", gettext_lazy("保险补偿申请")),
    ("cover_year", gettext_lazy("补偿年度（第几年）")),
    ("rule_set", gettext_lazy("补偿规则")),
    ("computed_amount", gettext_lazy("测算补偿金额（元）")),
    ("approved_amount", gettext_lazy("核定补偿金额（元）")),
    ("adjustment_reason", gettext_lazy("核定金额调整理由")),
    ("approved_at", gettext_lazy("联审通过时间")),
)


def _working_value(key, value):
    if key == "applied":
        if value == "excluded":
            return _("不予奖励")
        try:
            return RewardRule._meta.get_field(value).verbose_name
        except FieldDoesNotExist:
            return value
    if key == "approved_at":
        moment = parse_datetime(str(value))
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else value
    return value


def _working_rows(working):
    """The stored working as (label, value) rows, the keys it has among WORKING_LABELS."""
    if not isinstance(working, dict):
        return []
    return [
        (label, _working_value(key, working[key]))
        for key, label in WORKING_LABELS
        if working.get(key) not in (None, "")
    ]


def _detail_page(request, payout, *, reason_form=None, reason_code=None, action_errors=None, status=200):
    user = request.user
    actions = workflow.available_actions(payout, user)
    today = timezone.localdate()
    return render(
        request,
        "payouts/payout_detail.html",
        {
            "payout": payout,
            "enterprise": is_enterprise_view(user),
            "post_actions": [a for a in actions if a.code in POSTED_ACTIONS],
            "reason_actions": [a for a in actions if a.code in REASON_ACTIONS],
            "link_actions": [a for a in actions if a.code in LINKED_ACTIONS],
            "reason_form": reason_form or ReasonForm(),
            "reason_code": reason_code,
            "action_errors": action_errors,
            "steps": _steps(payout),
            "deadline": _deadline(payout, today),
            "position": budget_position(payout.year, payout.kind),
            "recovery": _recovery(payout),
            "working": payout.working if isinstance(payout.working, dict) else {},
            "working_rows": _working_rows(payout.working),
            "recognition_url": recognition_url(user, payout.recognition_id),
            "own": payout.enterprise_id in enterprise_ids(user),
        },
        status=status,
    )


@login_required
@require_GET
def payout_detail(request, pk):
    return _detail_page(request, _payout(request, pk))


@login_required
@require_POST
def payout_action(request, pk):
    """A posted decision of available_actions: an approval, or a rejection with its reason."""
    payout = _payout(request, pk)
    code = request.POST.get("action", "")
    if code not in POSTED_ACTIONS | REASON_ACTIONS:
        messages.error(request, _("您当前不能对该拨付执行此操作。"))
        return redirect("payout_detail", pk=payout.pk)
    _refuse_role(request.user, payout, code)
    if not workflow.can_take(request.user, payout, code):
        messages.info(request, _("该拨付当前状态（%(s)s）不能进行此操作。") % {"s": payout.get_state_display()})
        return redirect("payout_detail", pk=payout.pk)
    action = workflow.ACTIONS[code]
    if code in POSTED_ACTIONS:
        try:
            SERVICE_CALLS[code](actor=request.user, payout_id=payout.pk)
        except ValidationError as exc:
            return _detail_page(request, _payout(request, pk), action_errors=messages_of(exc), status=400)
        messages.success(request, _("已办理：%(a)s。") % {"a": action.label})
        return redirect("payout_detail", pk=payout.pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            approvals.reject(actor=request.user, payout_id=payout.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已决定不予拨付。"))
            return redirect("payout_detail", pk=payout.pk)
    return _detail_page(request, _payout(request, pk), reason_form=form, reason_code=code, status=400)


# --- allocation (province finance) ------------------------------------------------------------------------------


def _allocatable(city_id):
    return list(
        Payout.objects.filter(state=S.FINANCE_APPROVED, city_id=city_id)
        .select_related("recognition")
        .order_by("number", "id")
    )


def _allocation_cities():
    """The cities with finance-approved payouts waiting: (id, name, count, amount)."""
    rows = (
        Payout.objects.filter(state=S.FINANCE_APPROVED)
        .values("city_id", "city__name", "city__sort_order", "city__code")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by("city__sort_order", "city__code")
    )
    return [{"id": r["city_id"], "name": r["city__name"], "count": r["count"], "total": r["total"]} for r in rows]


@finance_only
@require_http_methods(["GET", "POST"])
def payout_allocate(request):
    """Step 1 chooses the city (?city=), step 2 its finance-approved payouts, the date and the document. With
    htmx the city's list is swapped in place (?city=…&partial=1)."""
    cities = _allocation_cities()
    chosen = request.POST.get("city") or request.GET.get("city", "")
    city = None
    if chosen:
        if not is_id(chosen):
            raise Http404
        city = next((c for c in cities if str(c["id"]) == str(chosen)), None)
    payouts = _allocatable(city["id"]) if city else []
    preselect = [int(x) for x in request.GET.getlist("payout") if is_id(x)]
    form = None
    if city is not None:
        initial = {
            "allocated_on": timezone.localdate(),
            "payouts": [p.pk for p in payouts if p.pk in preselect] if preselect else [p.pk for p in payouts],
        }
        form = AllocateForm(request.POST or None, payouts=payouts, initial=initial)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                done = approvals.allocate(
                    actor=request.user, payout_ids=d["payouts"], allocated_on=d["allocated_on"], document=d["document"]
                )
            except ValidationError as exc:
                apply_errors(form, exc, aliases={"payout_ids": "payouts", "payout_id": "payouts"})
            else:
                done = list(done)
                messages.success(
                    request,
                    _("已下达 %(n)d 笔资金（%(c)s），应于 %(d)s 前拨付企业。")
                    % {
                        "n": len(done),
                        "c": city["name"],
                        "d": done[0].due_on.strftime("%Y-%m-%d") if done and done[0].due_on else "",
                    },
                )
                if len(done) == 1:
                    return redirect("payout_detail", pk=done[0].pk)
                return redirect(reverse("payout_list") + f"?state=allocated&city={city['id']}")
    elif request.method == "POST":  # the city's payouts were allocated meanwhile (or it never had any)
        messages.info(request, _("该设区市暂无待下达的拨付。"))
        return redirect("payout_allocate")
    template = "payouts/_allocate_payouts.html" if request.GET.get("partial") else "payouts/payout_allocate.html"
    return render(
        request,
        template,
        {
            "cities": cities,
            "city": city,
            "form": form,
            "payouts": payouts,
        },
        status=400 if form is not None and form.errors else 200,
    )


# --- disbursement (the local bureau) and the enterprise's bank account ---------------------------------------------


def _for_role(request, pk, code):
    """(the payout, None) when the user may take `code` now; (payout, redirect) when the state does not allow it.
    404 out of scope, 403 for the wrong role."""
    payout = _payout(request, pk)
    _refuse_role(request.user, payout, code)
    if not workflow.can_take(request.user, payout, code):
        messages.info(request, _("该拨付当前状态（%(s)s）不能进行此操作。") % {"s": payout.get_state_display()})
        return payout, redirect("payout_detail", pk=payout.pk)
    return payout, None


@login_required
@require_http_methods(["GET", "POST"])
def payout_disburse(request, pk):
    payout, refused = _for_role(request, pk, "disburse")
    if refused:
        return refused
    form = DisburseForm(request.POST or None, initial={"disbursed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            approvals.disburse(actor=request.user, payout_id=payout.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记拨付企业。"))
            return redirect("payout_detail", pk=payout.pk)
    return render(
        request,
        "payouts/payout_disburse.html",
        {
            "payout": payout,
            "form": form,
            "deadline": _deadline(payout, timezone.localdate()),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def payout_bank_account(request, pk):
    payout, refused = _for_role(request, pk, "bank_account")
    if refused:
        return refused
    form = BankAccountForm(
        request.POST or None, initial={"bank_name": payout.bank_name, "bank_account": payout.bank_account}
    )
    if request.method == "POST" and form.is_valid():
        try:
            approvals.set_bank_account(actor=request.user, payout_id=payout.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("收款账户已保存。"))
            return redirect("payout_detail", pk=payout.pk)
    return render(
        request,
        "payouts/payout_bank_account.html",
        {"payout": payout, "form": form},
        status=400 if form.errors else 200,
    )
