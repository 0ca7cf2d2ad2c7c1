"""The payout chain (payouts/workflow.py holds the table): industry approval → finance approval → allocation to
the city → disbursement to the enterprise, or rejection; the enterprise's receiving account; the 30-day rule.

Every step holds the payout's row lock; the approvals lock the Budget row of (year, kind) first, so that two
approvals that together exceed the budget never both pass (budgets.py). A wrong role is PermissionDenied, a
payout outside the actor's scope Http404, a wrong state a ValidationError naming the state. Every step is
audited ("payout.<step>") and told to whoever acts next or is paid.
"""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, User
from accounts.queries import enterprise_users
from accounts.roles import acting_organisation
from audit.services import record, snapshot
from certification.queries import is_id
from config.values import clean_ids, clean_text, collect, refuse
from notifications.services import notify

from .. import workflow
from ..models import DISBURSE_WITHIN_DAYS, Budget, Payout
from ..queries import payouts_visible_to
from .budgets import committed, money, past_date

S = Payout.State
R = Membership.Role
Org = Organisation
LOCAL_ROLES = (R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF)
ACTOR_ROLES = {
    workflow.INDUSTRY: (R.PROVINCE_STAFF,),
    workflow.FINANCE: (R.FINANCE_STAFF,),
    workflow.LOCAL: LOCAL_ROLES,
    workflow.ENTERPRISE: (R.ENTERPRISE,),
}
AUDIT_FIELDS = [
    "state",
    "amount",
    "bank_name",
    "bank_account",
    "allocated_on",
    "due_on",
    "allocation_document",
    "disbursed_on",
    "bank_reference",
    "rejected_reason",
]
MAX_ALLOCATE = 500
BANK_ACCOUNT = re.compile(r"[0-9]{8,32}")


def link(payout):
    return reverse("payout_detail", args=[payout.pk])


# --- who is told ---------------------------------------------------------------------------------------------


def _active(qs):
    return list(qs.filter(is_active=True).distinct())


def _province_staff(role, department):
    return _active(
        User.objects.filter(
            memberships__role=role,
            memberships__organisation__kind=Org.Kind.BUREAU,
            memberships__organisation__bureau_level=Org.BureauLevel.PROVINCE,
            memberships__organisation__department=department,
        )
    )


def industry_staff():
    return _province_staff(R.PROVINCE_STAFF, Org.Department.INDUSTRY)


def finance_staff():
    return _province_staff(R.FINANCE_STAFF, Org.Department.FINANCE)


def local_staff(payout):
    """Staff of the payout city's bureaus and of its county's (those who disburse it)."""
    return _active(
        User.objects.filter(
            Q(
                memberships__organisation__bureau_level=Org.BureauLevel.CITY,
                memberships__organisation__region_id=payout.city_id,
            )
            | Q(
                memberships__organisation__bureau_level=Org.BureauLevel.COUNTY,
                memberships__organisation__region_id=payout.region_id,
            ),
            memberships__role__in=LOCAL_ROLES,
            memberships__organisation__kind=Org.Kind.BUREAU,
        )
    )


def what(payout):
    return {
        "n": payout.number,
        "e": payout.enterprise_name,
        "a": money(payout.amount),
        "k": payout.get_kind_display(),
        "y": payout.year,
    }


# --- the gate ------------------------------------------------------------------------------------------------


def _pk(value):
    if not is_id(value):
        raise Http404
    return int(value)


def visible(actor, payout_id):
    """The payout if the actor can see it; 404 otherwise (existence must not leak)."""
    payout = payouts_visible_to(actor).filter(pk=_pk(payout_id)).first()
    if payout is None:
        raise Http404
    return payout


def lock(actor, payout_id):
    """The payout row, locked, if the actor can see it; 404 otherwise."""
    payout = payouts_visible_to(actor).select_for_update(of=("self",)).filter(pk=_pk(payout_id)).first()
    if payout is None:
        raise Http404
    return payout


def require(actor, payout, code):
    """PermissionDenied unless the actor holds the action's role; a ValidationError naming the state when the
    action is not open from it."""
    action = workflow.ACTIONS[code]
    if not workflow.acts_as(actor, payout, action.role):
        raise PermissionDenied(_("您无权对该笔资金执行“%(action)s”。") % {"action": action.label})
    if payout.state == S.DISBURSED and code == "disburse":
        refuse(
            _("该笔资金已于 %(d)s 拨付企业（银行流水号 %(ref)s），不能重复拨付。")
            % {"d": payout.disbursed_on.isoformat(), "ref": payout.bank_reference}
        )
    if payout.state not in action.sources:
        refuse(
            _("该笔资金当前状态为“%(state)s”，不能执行“%(action)s”。")
            % {"state": payout.get_state_display(), "action": action.label}
        )


def audit(step, payout, actor, role, before, reason="", **extra):
    org = acting_organisation(actor, *ACTOR_ROLES[role]) if actor is not None else None
    record(
        action=f"payout.{step}",
        actor=actor,
        organisation=org,
        obj=payout,
        before=before,
        after={**snapshot(payout, AUDIT_FIELDS), **extra},
        reason=reason,
    )


# --- approvals -----------------------------------------------------------------------------------------------


def check_budget(budget, payout):
    """Refuse ("__all__") when no budget is set for the payout's year and kind, or when its amount exceeds what
    remains of it (the payout itself left out of what is committed)."""
    labels = {"y": payout.year, "k": payout.get_kind_display()}
    if budget is None:
        refuse(_("尚未设置 %(y)s 年度%(k)s预算，不能审核。") % labels)
    used = committed(payout.year, payout.kind, exclude_pk=payout.pk)
    remaining = budget.amount - used
    if payout.amount > remaining:
        refuse(
            _("超出 %(y)s 年度%(k)s预算：预算 %(b)s 元，已占用 %(u)s 元，剩余 %(r)s 元，本笔 %(a)s 元。")
            % {**labels, "b": money(budget.amount), "u": money(used), "r": money(remaining), "a": money(payout.amount)}
        )
    return remaining


def _approve(actor, payout_id, code, step, subject, body):
    seen = visible(actor, payout_id)
    require(actor, seen, code)
    with transaction.atomic():
        # The budget row first: approvals of one year and kind queue here, each sees what the others committed.
        budget = Budget.objects.select_for_update().filter(year=seen.year, kind=seen.kind).first()
        payout = lock(actor, seen.pk)
        require(actor, payout, code)
        remaining = check_budget(budget, payout)
        before = snapshot(payout, AUDIT_FIELDS)
        getattr(payout, code)()
        setattr(payout, f"{step}_approved_by", actor)
        setattr(payout, f"{step}_approved_at", timezone.now())
        payout.save()
        after = {"remaining_after": str(remaining - payout.amount)}
        audit(f"{step}_approved", payout, actor, workflow.ACTIONS[code].role, before, **after)
        notify(
            recipients=finance_staff(),
            kind="payout.to_approve",
            subject=subject % what(payout),
            body=body % what(payout),
            link=link(payout),
        )
    return payout


def approve_industry(*, actor, payout_id):
    """经信审核同意 (province industry staff, proposed): within the budget of the payout's year and kind.

    Side effects: state → industry_approved, by/at; an audit event; province finance staff told (to_approve).
    """
    return _approve(
        actor,
        payout_id,
        "approve_industry",
        "industry",
        _("资金拨付待财政审核：%(n)s"),
        _("%(e)s 的%(k)s %(a)s 元（%(y)s 年度）已经经信部门审核同意，请财政审核。"),
    )


def approve_finance(*, actor, payout_id):
    """财政审核同意 (province finance staff, industry_approved): the budget is checked again.

    Side effects: state → finance_approved, by/at; an audit event; province finance staff told (to allocate).
    """
    return _approve(
        actor,
        payout_id,
        "approve_finance",
        "finance",
        _("资金拨付待下达：%(n)s"),
        _("%(e)s 的%(k)s %(a)s 元（%(y)s 年度）已经财政审核同意，请下达市县。"),
    )


def reject(*, actor, payout_id, reason):
    """不予拨付 with a reason: industry staff at proposed, finance staff at industry_approved. A rejection
    releases the amount from the budget.

    Side effects: state → rejected with reason, by/at; an audit event; the enterprise told (and industry staff
    when finance rejects).
    """
    seen = visible(actor, payout_id)
    # The step of the payout's state decides whose rejection it is; past both, the actor's role names the refusal.
    codes = ("reject_industry", "reject_finance")
    code = next((c for c in codes if seen.state in workflow.ACTIONS[c].sources), None) or (
        "reject_finance" if workflow.is_province_finance(actor) else "reject_industry"
    )
    require(actor, seen, code)
    reason = clean_text(reason, "reason", _("请填写不予拨付理由。"), 2000)
    with transaction.atomic():
        payout = lock(actor, seen.pk)
        require(actor, payout, code)
        reject_locked(payout, actor=actor, reason=reason, role=workflow.ACTIONS[code].role)
        if code == "reject_finance":
            notify(
                recipients=industry_staff(),
                kind="payout.rejected",
                subject=_("财政部门不予拨付：%(n)s") % what(payout),
                body=_("%(e)s 的%(k)s %(a)s 元，财政部门不予拨付。理由：%(r)s") % {**what(payout), "r": reason},
                link=link(payout),
            )
    return payout


def reject_locked(payout, *, actor, reason, role):
    """Reject a locked payout (any state before disbursed): reason, by/at, saved, audited, the enterprise told."""
    before = snapshot(payout, AUDIT_FIELDS)
    payout.reject()
    payout.rejected_reason, payout.rejected_by, payout.rejected_at = reason, actor, timezone.now()
    payout.save()
    audit("rejected", payout, actor, role, before, reason=reason)
    notify(
        recipients=enterprise_users(payout.enterprise_id),
        kind="payout.rejected",
        subject=_("资金不予拨付：%(n)s") % what(payout),
        body=_("您的%(k)s %(a)s 元（%(n)s）不予拨付。理由：%(r)s") % {**what(payout), "r": reason},
        link=link(payout),
    )


# --- allocation and disbursement ---------------------------------------------------------------------------


def allocate(*, actor, payout_ids, allocated_on, document=""):
    """下达资金 (province finance staff): finance-approved payouts of one city, on allocated_on (not in the
    future) with the allocation document; each is due 30 days later (due_on = allocated_on + 30).

    Side effects: state → allocated, allocated_on, due_on, document, by; an audit event each; the local bureaus
    told once (with the total) and each enterprise told.
    """
    if not workflow.is_province_finance(actor):
        raise PermissionDenied(_("只有省财政厅工作人员可以下达资金。"))
    errors = {}
    ids = collect(errors, clean_ids, payout_ids, "payout_ids")
    if ids is not None and not ids:
        errors["payout_ids"] = [_("请选择要下达的资金。")]
    elif ids and len(ids) > MAX_ALLOCATE:
        errors["payout_ids"] = [_("一次最多下达 %(n)d 笔。") % {"n": MAX_ALLOCATE}]
    day = collect(errors, past_date, allocated_on, "allocated_on", _("资金下达日期"))
    document = collect(errors, clean_text, document, "document", "", 60, required=False)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        payouts = list(payouts_visible_to(actor).select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
        if len(payouts) != len(ids):
            raise Http404
        for payout in payouts:
            require(actor, payout, "allocate")
        if len({p.city_id for p in payouts}) > 1:
            refuse(_("一次只能下达同一设区市的资金。"), "payout_ids")
        due = day + dt.timedelta(days=DISBURSE_WITHIN_DAYS)
        for payout in payouts:
            before = snapshot(payout, AUDIT_FIELDS)
            payout.allocate()
            payout.allocated_on, payout.due_on, payout.allocation_document = day, due, document
            payout.allocated_by = actor
            payout.save()
            audit("allocated", payout, actor, workflow.FINANCE, before)
            notify(
                recipients=enterprise_users(payout.enterprise_id),
                kind="payout.allocated",
                subject=_("资金已下达市县：%(n)s") % what(payout),
                body=_("您的%(k)s %(a)s 元已于 %(d)s 下达市县，将于 %(due)s 前拨付到您的收款账户。")
                % {**what(payout), "d": day.isoformat(), "due": due.isoformat()},
                link=link(payout),
            )
        total = sum(p.amount for p in payouts)
        notify(
            recipients=local_staff(payouts[0]),
            kind="payout.allocated",
            subject=_("省级资金已下达：%(c)d 笔，合计 %(a)s 元") % {"c": len(payouts), "a": money(total)},
            body=_("省财政厅已于 %(d)s 下达资金（%(doc)s）%(c)d 笔，合计 %(a)s 元，请于 %(due)s 前拨付企业。")
            % {
                "d": day.isoformat(),
                "doc": document or "-",
                "c": len(payouts),
                "a": money(total),
                "due": due.isoformat(),
            },
            link=reverse("payout_list"),
        )
    return payouts


def disburse(*, actor, payout_id, disbursed_on, bank_reference):
    """登记拨付企业 (the bureau of the payout's city or county, allocated): the date (not before the allocation,
    not in the future) and the bank reference. A disbursed payout is refused: never paid twice.

    Side effects: state → disbursed, disbursed_on, bank_reference, by; an audit event; the enterprise and
    province finance staff told.
    """
    seen = visible(actor, payout_id)
    require(actor, seen, "disburse")
    errors = {}
    day = collect(errors, past_date, disbursed_on, "disbursed_on", _("拨付企业日期"))
    reference = collect(errors, clean_text, bank_reference, "bank_reference", _("请填写银行流水号。"), 60)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        payout = lock(actor, seen.pk)
        require(actor, payout, "disburse")
        if day < payout.allocated_on:
            refuse(
                _("拨付企业日期不能早于资金下达日期（%(d)s）。") % {"d": payout.allocated_on.isoformat()},
                "disbursed_on",
            )
        before = snapshot(payout, AUDIT_FIELDS)
        payout.disburse()
        payout.disbursed_on, payout.bank_reference, payout.disbursed_by = day, reference, actor
        payout.save()
        audit("disbursed", payout, actor, workflow.LOCAL, before, late=day > payout.due_on)
        notify(
            recipients=enterprise_users(payout.enterprise_id) + finance_staff(),
            kind="payout.disbursed",
            subject=_("资金已拨付企业：%(n)s") % what(payout),
            body=_("%(e)s 的%(k)s %(a)s 元已于 %(d)s 拨付（银行流水号 %(ref)s）。")
            % {**what(payout), "d": day.isoformat(), "ref": reference},
            link=link(payout),
        )
    return payout


def set_bank_account(*, actor, payout_id, bank_name, bank_account):
    """The enterprise's receiving account for the payout (before disbursement); spaces and hyphens in the
    account number are dropped, 8 to 32 digits remain.

    Side effects: bank_name, bank_account; an audit event.
    """
    seen = visible(actor, payout_id)
    require(actor, seen, "bank_account")
    errors = {}
    name = collect(errors, clean_text, bank_name, "bank_name", _("请填写开户银行。"), 120)
    account = re.sub(r"[\s-]", "", str(bank_account or ""))
    if not BANK_ACCOUNT.fullmatch(account):
        errors["bank_account"] = [_("银行账号应为 8 至 32 位数字。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        payout = lock(actor, seen.pk)
        require(actor, payout, "bank_account")
        before = snapshot(payout, AUDIT_FIELDS)
        payout.bank_name, payout.bank_account = name, account
        payout.save(update_fields=["bank_name", "bank_account", "updated_at"])
        audit("bank_account_set", payout, actor, workflow.ENTERPRISE, before)
    return payout


# --- the 30-day rule ---------------------------------------------------------------------------------------


def overdue(payout, today=None):
    """dict(due_on, days_overdue, working) when the allocated payout is past its due date (today > due_on: the
    30th day after the allocation is the last day allowed), None otherwise (disbursed payouts never are)."""
    if payout.state != S.ALLOCATED or payout.due_on is None:
        return None
    today = today or timezone.localdate()
    if today <= payout.due_on:
        return None
    days = (today - payout.due_on).days
    working = _(
        "资金于 %(a)s 下达，应在下达之日起 %(n)d 日内（%(due)s 前）拨付企业；截至 %(t)s 仍未拨付，已逾期 %(d)d 天。"
    ) % {
        "a": payout.allocated_on.isoformat(),
        "n": DISBURSE_WITHIN_DAYS,
        "due": payout.due_on.isoformat(),
        "t": today.isoformat(),
        "d": days,
    }
    return {"due_on": payout.due_on, "days_overdue": days, "working": working}


def flag_overdue(today=None):
    """The hourly sweep: each allocated payout past its due date is notified once (to its local bureaus and
    province finance staff); overdue_notified_at is set by a conditional update, so a rerun or a concurrent run
    sends nothing more. Returns how many were notified now.

    Side effects: overdue_notified_at; an audit event and notifications per payout.
    """
    today = today or timezone.localdate()
    candidates = list(
        Payout.objects.filter(state=S.ALLOCATED, due_on__lt=today, overdue_notified_at__isnull=True)
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )
    flagged = 0
    for pk in candidates:
        with transaction.atomic():
            claimed = Payout.objects.filter(pk=pk, state=S.ALLOCATED, overdue_notified_at__isnull=True).update(
                overdue_notified_at=timezone.now()
            )
            if not claimed:
                continue
            payout = Payout.objects.get(pk=pk)
            late = overdue(payout, today)
            record(
                action="payout.overdue_flagged",
                obj=payout,
                after={"due_on": payout.due_on, "days_overdue": late["days_overdue"]},
                reason=late["working"],
            )
            notify(
                recipients=local_staff(payout) + finance_staff(),
                kind="payout.overdue",
                subject=_("资金拨付逾期：%(n)s") % what(payout),
                body=_("%(e)s 的%(k)s %(a)s 元：%(w)s") % {**what(payout), "w": late["working"]},
                link=link(payout),
            )
            flagged += 1
    return flagged
