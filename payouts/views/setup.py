"""Setting up the money (province staff): the reward rule of each batch with its exclusions and the proposal of
the batch's rewards (province industry staff); the yearly budgets per kind with their position (read by province
industry and finance staff, set by finance); the recoveries a revocation opened, with their repayments.

Wrong role: 403. A recovery outside the viewer's scope (queries.recoveries_visible_to): 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Region
from certification.models import Batch
from certification.queries import is_id
from recognition.models import Recognition
from recognition.queries import city_choices

from .. import workflow
from ..forms import BudgetForm, RecoveryFilterForm, RepaymentForm, RewardRuleForm
from ..models import Budget, Kind, Payout, RewardRule
from ..queries import recoveries_visible_to
from ..services import budgets as budget_services
from ..services import recoveries as recovery_services
from ..services import rules as rule_services
from ..services.proposals import propose_rewards
from ._common import PAGE_SIZE, apply_errors, industry_only, is_enterprise_view, may_list, may_read_setup

ZERO = budget_services.ZERO

# --- reward rules ------------------------------------------------------------------------------------------------


@industry_only
@require_GET
def reward_rule_list(request):
    """Every batch with recognitions (or a rule), newest first, with its rule or 未设置 and its proposals."""
    batches = list(
        Batch.objects.annotate(
            recognition_count=Count("recognitions", distinct=True),
        )
        .filter(Q(recognition_count__gt=0) | Q(reward_rule__isnull=False))
        .order_by("-year", "-opens_at", "-id")
    )
    rules = {
        r.batch_id: r
        for r in RewardRule.objects.filter(batch__in=batches)
        .select_related("updated_by")
        .prefetch_related("excluded_cities")
    }
    proposed = dict(
        Payout.objects.filter(kind=Kind.REWARD, recognition__batch__in=batches)
        .values_list("recognition__batch_id")
        .annotate(n=Count("id"))
        .values_list("recognition__batch_id", "n")
    )
    for b in batches:
        b.rule = rules.get(b.pk)
        b.payout_count = proposed.get(b.pk, 0)
    return render(request, "payouts/reward_rule_list.html", {"batches": batches})


def _batch(batch_pk):
    return get_object_or_404(Batch, pk=batch_pk)


def _rule_of(batch):
    return (
        RewardRule.objects.filter(batch=batch)
        .select_related("updated_by")
        .prefetch_related("list_guided", "excluded_cities")
        .first()
    )


def _batch_recognitions(batch):
    return list(
        Recognition.objects.filter(batch=batch).select_related("city", "region").order_by("level", "sequence", "id")
    )


def _preview(rule, recognitions):
    """Each recognition of the batch with what the rule decides for it and its reward payout, if proposed."""
    payouts = {p.recognition_id: p for p in Payout.objects.filter(kind=Kind.REWARD, recognition__in=recognitions)}
    rows = []
    for rec in recognitions:
        amount, reason = (None, "")
        if rule is not None:
            amount, reason, _working = rule_services.reward_decision(rule, rec)
        rows.append({"recognition": rec, "amount": amount, "reason": reason, "payout": payouts.get(rec.pk)})
    return rows


def _rule_page(request, batch, rule, form, *, status=200, propose_errors=None):
    recognitions = _batch_recognitions(batch)
    return render(
        request,
        "payouts/reward_rule_edit.html",
        {
            "batch": batch,
            "rule": rule,
            "form": form,
            "rows": _preview(rule, recognitions),
            "propose_errors": propose_errors,
        },
        status=status,
    )


def _rule_form(batch, data=None, rule=None):
    recognitions = _batch_recognitions(batch)
    cities = city_choices()
    if rule is not None:
        initial = RewardRuleForm.initial_for(rule)
    else:
        ningbo = Region.objects.filter(code=rule_services.NINGBO).values_list("pk", flat=True).first()
        initial = RewardRuleForm.defaults(batch, ningbo)
    return RewardRuleForm(data, initial=initial, recognitions=recognitions, cities=cities)


@industry_only
@require_http_methods(["GET", "POST"])
def reward_rule_edit(request, batch_pk):
    batch = _batch(batch_pk)
    rule = _rule_of(batch)
    form = _rule_form(batch, request.POST or None, rule)
    if request.method == "POST" and form.is_valid():
        try:
            saved = rule_services.save_reward_rule(actor=request.user, batch_id=batch.pk, **form.values())
        except ValidationError as exc:
            apply_errors(
                form,
                exc,
                aliases={"list_guided_ids": "list_guided", "excluded_city_ids": "excluded_cities", "batch": "__all__"},
            )
        else:
            messages.success(request, _("奖励规则已保存。已提出的拨付仍按提出时的金额和计算过程。"))
            if saved.payouts_kept:
                messages.warning(
                    request,
                    _("已提出的 %(n)d 笔拨付金额与新规则不同，仍按原金额办理（%(numbers)s）；如需调整，请不予拨付后重新生成。")
                    % {"n": len(saved.payouts_kept), "numbers": "、".join(saved.payouts_kept[:20])},
                )
            return redirect("reward_rule_edit", batch_pk=batch.pk)
    return _rule_page(request, batch, rule, form, status=400 if form.errors else 200)


@industry_only
@require_POST
def reward_propose(request, batch_pk):
    """Propose the batch's rewards (idempotent) and show what was created and what was skipped, with reasons."""
    batch = _batch(batch_pk)
    try:
        result = propose_rewards(actor=request.user, batch_id=batch.pk)
    except ValidationError as exc:
        rule = _rule_of(batch)
        errors = [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") else exc.messages
        return _rule_page(request, batch, rule, _rule_form(batch, rule=rule), status=400, propose_errors=errors)
    created = list(
        Payout.objects.filter(pk__in=[p.pk for p in result["created"]]).select_related("recognition").order_by("number")
    )
    skipped = [{"recognition": rec, "reason": reason} for rec, reason in result["skipped"]]
    return render(
        request,
        "payouts/reward_propose_result.html",
        {
            "batch": batch,
            "created": created,
            "skipped": skipped,
            "existing": result.get("existing", 0),
            "total": sum(p.amount for p in created),
        },
    )


# --- budgets -----------------------------------------------------------------------------------------------------


def _positions(budgets):
    """Each budget with its position (as budgets.budget_position computes it) from one aggregate query."""
    sums = {
        (r["year"], r["kind"]): r
        for r in Payout.objects.filter(year__in={b.year for b in budgets})
        .values("year", "kind")
        .annotate(
            committed=Sum("amount", filter=Q(state__in=Payout.COMMITTED)),
            disbursed=Sum("amount", filter=Q(state=Payout.State.DISBURSED)),
        )
    }
    for b in budgets:
        row = sums.get((b.year, b.kind), {})
        b.committed = row.get("committed") or ZERO
        b.disbursed = row.get("disbursed") or ZERO
        b.remaining = b.amount - b.committed
        b.used_pct = int(min(100, b.committed * 100 / b.amount)) if b.amount else (100 if b.committed else 0)
    return budgets


@login_required
@require_http_methods(["GET", "POST"])
def budget_list(request):
    user = request.user
    if not may_read_setup(user):
        raise PermissionDenied(_("只有省经信、省财政部门工作人员可以查看年度预算。"))
    can_set = workflow.is_province_finance(user)
    if request.method == "POST" and not can_set:
        raise PermissionDenied(_("只有省财政部门工作人员可以设置年度预算。"))
    initial = {}
    year, kind = request.GET.get("year", ""), request.GET.get("kind", "")
    if is_id(year, digits=4) and kind in Kind.values:
        existing = Budget.objects.filter(year=int(year), kind=kind).first()
        initial = {"year": int(year), "kind": kind}
        if existing is not None:
            initial.update(amount=existing.amount, note=existing.note)
    form = BudgetForm(request.POST or None, initial=initial) if can_set else None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            budget = budget_services.save_budget(
                actor=user, year=d["year"], kind=d["kind"], amount=d["amount"], note=d["note"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(b)s 预算已设置为 %(a)s 元。") % {"b": budget, "a": f"{budget.amount:,.2f}"})
            return redirect("budget_list")
    budgets = _positions(list(Budget.objects.select_related("updated_by").order_by("-year", "kind")))
    return render(
        request,
        "payouts/budget_list.html",
        {
            "budgets": budgets,
            "form": form,
            "can_set": can_set,
        },
        status=400 if form is not None and form.errors else 200,
    )


# --- recoveries --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def recovery_list(request):
    if not may_list(request.user):
        raise PermissionDenied
    form = RecoveryFilterForm(request.GET or None)
    qs = form.apply(recoveries_visible_to(request.user)).order_by("state", "-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "payouts/recovery_list.html",
        {
            "form": form,
            "page": page,
            "enterprise": is_enterprise_view(request.user),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


def _recovery_page(request, recovery, form=None, status=200):
    can_repay = recovery_services.can_repay(request.user, recovery) and recovery.state == recovery.State.OPEN
    if can_repay and form is None:
        form = RepaymentForm(initial={"amount": recovery.amount - recovery.repaid_amount})
    return render(
        request,
        "payouts/recovery_detail.html",
        {
            "recovery": recovery,
            "payout": recovery.payout,
            "repayments": list(recovery.repayments.select_related("recorded_by").order_by("paid_on", "id")),
            "outstanding": recovery.amount - recovery.repaid_amount,
            "form": form if can_repay else None,
            "enterprise": is_enterprise_view(request.user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery_detail(request, pk):
    if not may_list(request.user):
        raise PermissionDenied
    recovery = get_object_or_404(recoveries_visible_to(request.user), pk=pk)
    if request.method == "GET":
        return _recovery_page(request, recovery)
    if not recovery_services.can_repay(request.user, recovery):
        raise PermissionDenied(_("只有省财政部门或该市财政部门工作人员可以登记退回。"))
    form = RepaymentForm(request.POST)
    if form.is_valid():
        try:
            recovery_services.record_repayment(actor=request.user, recovery_id=recovery.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("退回记录已登记。"))
            return redirect(reverse("recovery_detail", args=[recovery.pk]) + "#repayments")
    recovery = get_object_or_404(recoveries_visible_to(request.user), pk=pk)
    return _recovery_page(request, recovery, form=form, status=400)
