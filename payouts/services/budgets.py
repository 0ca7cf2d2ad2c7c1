"""年度预算: province finance staff set the budget of a year and kind; approvals count against it.

Committed = the money of that year and kind approved or paid out and not back: the payouts in Payout.COMMITTED
states (from the industry approval on), plus the payouts rejected after their allocation (a revocation: the city
holds the money until its recovery is repaid), minus what recoveries have brought back. A rejection before the
allocation releases its amount at once; a recovery releases what is repaid, as it is repaid. Every approval locks the Budget row first
(approvals.py), and so does save_budget: while one of them runs, no other can commit more or lower the budget.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.roles import acting_organisation
from audit.services import record, snapshot
from config.values import clean_date, clean_text, collect, not_future, refuse

from ..models import MONEY, Budget, Kind, Payout
from ..workflow import is_province_finance

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - CENT
AUDIT_FIELDS = ["year", "kind", "amount", "note"]
YEARS = range(2000, 2101)


def clean_money(value, field, label, *, allow_zero=False):
    """An amount in yuan: a number with at most two decimals, > 0 (≥ 0 with allow_zero), within the model."""
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if value not in (None, "") else None
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite():
        refuse(_("请填写%(label)s（元）。") % {"label": label}, field)
    if amount < 0 or (amount == 0 and not allow_zero):
        refuse(
            _("%(label)s不能为负数。") % {"label": label}
            if amount < 0
            else _("%(label)s应大于 0。") % {"label": label},
            field,
        )
    if amount > MAX_AMOUNT or amount != amount.quantize(CENT):
        refuse(_("%(label)s最多两位小数，且不超过 %(max)s 元。") % {"label": label, "max": MAX_AMOUNT}, field)
    return amount.quantize(CENT)


def clean_year(value, field="year"):
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = None
    if year not in YEARS:
        refuse(_("年度应为 %(a)d 至 %(b)d 之间的四位数字。") % {"a": YEARS[0], "b": YEARS[-1]}, field)
    return year


EARLIEST_DAY = dt.date(2000, 1, 1)  # the first year any budget, filter or form of 资金拨付 accepts


def past_date(value, field, label):
    """A date (or YYYY-MM-DD) that is not in the future (Asia/Shanghai) nor before 2000-01-01 (a typo such as
    0001-01-01 would otherwise become an allocation, a disbursement or a repayment of the first century)."""
    day = not_future(clean_date(value, field, label), field, label)
    if day < EARLIEST_DAY:
        refuse(_("%(label)s不能早于 %(d)s。") % {"label": label, "d": EARLIEST_DAY.isoformat()}, field)
    return day


def clean_kind(value):
    if value not in Kind.values:
        refuse(_("请选择资金类别。"), "kind")
    return value


def money(value):
    return f"{(value or ZERO):,.2f}"


def _sums(year, kind, exclude_pk=None):
    qs = Payout.objects.filter(year=year, kind=kind)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    sums = qs.aggregate(
        committed=Sum("amount", filter=Q(state__in=Payout.COMMITTED)),
        # Allocated, then rejected on a revocation: the money is with the city until it comes back.
        clawed=Sum("recovery__amount", filter=Q(state=Payout.State.REJECTED)),
        repaid=Sum("recovery__repaid_amount"),
        disbursed=Sum("amount", filter=Q(state=Payout.State.DISBURSED)),
    )
    out = (sums["committed"] or ZERO) + (sums["clawed"] or ZERO) - (sums["repaid"] or ZERO)
    return out, sums["disbursed"] or ZERO


def committed(year, kind, *, exclude_pk=None):
    """The amount committed against (year, kind), leaving out one payout if asked."""
    return _sums(year, kind, exclude_pk)[0]


def budget_position(year, kind):
    """dict(amount, committed, disbursed, remaining) of (year, kind); amount and remaining are None when no
    budget is set."""
    budget = Budget.objects.filter(year=year, kind=kind).first()
    total, disbursed = _sums(year, kind)
    amount = budget.amount if budget else None
    return {
        "amount": amount,
        "committed": total,
        "disbursed": disbursed,
        "remaining": amount - total if amount is not None else None,
    }


def save_budget(*, actor, year, kind, amount, note=""):
    """Set the budget of (year, kind) (province finance staff): created the first time, changed after. Lowering
    it below what approvals have already committed is refused under "amount".

    Side effects: the Budget row (locked while checked); an audit event with before/after.
    """
    if not is_province_finance(actor):
        raise PermissionDenied(_("只有省财政厅工作人员可以设置年度预算。"))
    errors = {}
    year = collect(errors, clean_year, year)
    kind = collect(errors, clean_kind, kind)
    amount = collect(errors, clean_money, amount, "amount", _("预算金额"), allow_zero=True)
    note = collect(errors, clean_text, note, "note", "", 2000, required=False)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        budget = Budget.objects.select_for_update().filter(year=year, kind=kind).first()
        used = committed(year, kind)
        if amount < used:
            refuse(_("预算金额不能低于已审核占用的 %(used)s 元。") % {"used": money(used)}, "amount")
        before = snapshot(budget, AUDIT_FIELDS) if budget else None
        if budget is None:
            try:
                with transaction.atomic():
                    budget = Budget.objects.create(year=year, kind=kind, amount=amount, note=note, updated_by=actor)
            except IntegrityError:
                refuse(_("该年度预算刚由他人设置，请刷新后重试。"))
        else:
            budget.amount, budget.note, budget.updated_by = amount, note, actor
            budget.save()
        org, after = acting_organisation(actor, Membership.Role.FINANCE_STAFF), snapshot(budget, AUDIT_FIELDS)
        record(action="payout.budget_saved", actor=actor, organisation=org, obj=budget, before=before, after=after)
    return budget
