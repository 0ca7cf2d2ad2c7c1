"""追回: when a recognition is revoked, the money on it is stopped or claimed back (domain.md §7: "money clawed
back"), and the repayments are recorded until the whole amount is back.

open_recoveries runs inside the revoking transaction (recognition.services.recognitions.recognition_revoked,
connected in payouts/apps.py). For each payout of the recognition (rewards and compensations):
    disbursed                         → a Recovery owed by the enterprise (the amount paid);
    allocated (with the city)         → the payout rejected, and a Recovery owed by the city;
    proposed / approved by either     → the payout rejected ("认定已撤销（文号）"), nothing to recover;
    rejected                          → nothing.
A payout has at most one Recovery (one-to-one), so a second call opens nothing.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation
from accounts.queries import enterprise_users
from accounts.roles import acting_organisation, roles_of
from audit.services import record, snapshot
from certification.queries import is_id
from config.values import clean_text, collect, refuse
from notifications.services import notify
from recognition.models import Recognition

from ..models import Payout, Recovery, Repayment
from ..queries import recoveries_visible_to
from ..workflow import INDUSTRY, is_province_finance
from .approvals import finance_staff, local_staff, reject_locked
from .budgets import clean_money, money, past_date

S = Payout.State
R = Membership.Role
STOPPED = (S.PROPOSED, S.INDUSTRY_APPROVED, S.FINANCE_APPROVED)
AUDIT_FIELDS = ["amount", "repaid_amount", "state", "closed_at"]


def link(recovery):
    return reverse("recovery_detail", args=[recovery.pk])


def _open(payout, debtor, reason, document, actor):
    recovery = Recovery.objects.create(
        payout=payout, debtor=debtor, amount=payout.amount, reason=reason, revocation_document=document
    )
    record(
        action="recovery.opened",
        actor=actor,
        organisation=acting_organisation(actor, R.PROVINCE_STAFF) if actor is not None else None,
        obj=recovery,
        reason=reason,
        after={"payout": payout.pk, "number": payout.number, "debtor": debtor, "amount": payout.amount},
    )
    owed_by = enterprise_users(payout.enterprise_id) if debtor == Recovery.Debtor.ENTERPRISE else []
    words = {
        "n": payout.number,
        "e": payout.enterprise_name,
        "a": money(payout.amount),
        "r": reason,
        "d": recovery.get_debtor_display(),
    }
    notify(
        recipients=owed_by + local_staff(payout) + finance_staff(),
        kind="recovery.opened",
        subject=_("资金追回：%(n)s") % words,
        body=_("%(e)s 的拨付资金（%(n)s）%(a)s 元须由%(d)s退回。原因：%(r)s") % words,
        link=link(recovery),
    )
    return recovery


def open_recoveries(*, recognition_id, actor=None):
    """Stop or claim back the money on a revoked recognition (see the module docstring). Returns the recoveries
    this call opened (none on a repeated call).

    Side effects: payouts rejected; Recovery rows; audit events; the enterprise, the local bureaus and province
    finance staff told.
    """
    with transaction.atomic():
        rec = (
            Recognition.objects.select_for_update().filter(pk=recognition_id).first() if is_id(recognition_id) else None
        )
        if rec is None:
            refuse(_("认定不存在。"), "recognition")
        if rec.status != Recognition.Status.REVOKED:
            refuse(_("该认定未撤销，不能追回资金。"), "recognition")
        reason = _("认定已撤销（%(doc)s）") % {"doc": rec.revocation_document}
        payouts = list(
            Payout.objects.select_for_update(of=("self",))
            .filter(recognition=rec)
            .exclude(state=S.REJECTED)
            .order_by("pk")
        )
        opened = []
        for payout in payouts:
            if payout.state == S.DISBURSED:
                if not Recovery.objects.filter(payout=payout).exists():
                    opened.append(_open(payout, Recovery.Debtor.ENTERPRISE, reason, rec.revocation_document, actor))
                continue
            held_by_city = payout.state == S.ALLOCATED
            reject_locked(payout, actor=actor, reason=reason, role=INDUSTRY)
            if held_by_city:
                opened.append(_open(payout, Recovery.Debtor.CITY, reason, rec.revocation_document, actor))
    return opened


def can_repay(user, recovery):
    """Province finance staff, or the finance staff of the payout's city bureau."""
    if is_province_finance(user):
        return True
    return getattr(user, "is_authenticated", False) and any(
        m.role == R.FINANCE_STAFF
        and m.organisation.kind == Organisation.Kind.BUREAU
        and m.organisation.bureau_level == Organisation.BureauLevel.CITY
        and m.organisation.region_id == recovery.payout.city_id
        for m in roles_of(user).memberships
    )


def record_repayment(*, actor, recovery_id, amount, paid_on, reference):
    """退回记录 towards an open recovery (province finance staff, or the city's finance staff): the amount (not
    more than what is still owed), the date (not in the future) and the bank reference or payment slip number.
    The recovery is repaid when the repayments reach its amount.

    Side effects: a Repayment; the recovery's repaid amount (and state, closed_at); an audit event.
    """
    if not is_id(recovery_id):
        raise Http404
    seen = recoveries_visible_to(actor).filter(pk=recovery_id).first()
    if seen is None:
        raise Http404
    if not can_repay(actor, seen):
        raise PermissionDenied(_("只有省财政厅或该市财政部门可以登记资金退回。"))
    errors = {}
    amount = collect(errors, clean_money, amount, "amount", _("退回金额"))
    day = collect(errors, past_date, paid_on, "paid_on", _("退回日期"))
    reference = collect(errors, clean_text, reference, "reference", _("请填写银行流水号或缴款书号。"), 60)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        recovery = Recovery.objects.select_for_update().get(pk=seen.pk)
        if recovery.state == Recovery.State.REPAID:
            refuse(_("该笔资金已全部追回。"))
        owed = recovery.amount - recovery.repaid_amount
        if amount > owed:
            refuse(_("退回金额超过尚未追回的 %(o)s 元。") % {"o": money(owed)}, "amount")
        before = snapshot(recovery, AUDIT_FIELDS)
        repayment = Repayment.objects.create(
            recovery=recovery, amount=amount, paid_on=day, reference=reference, recorded_by=actor
        )
        recovery.repaid_amount += amount
        if recovery.repaid_amount == recovery.amount:
            recovery.state, recovery.closed_at = Recovery.State.REPAID, timezone.now()
        recovery.save()
        record(
            action="recovery.repayment_recorded",
            actor=actor,
            organisation=acting_organisation(actor, R.FINANCE_STAFF),
            obj=recovery,
            before=before,
            after={
                **snapshot(recovery, AUDIT_FIELDS),
                "repayment": repayment.pk,
                "paid_on": day,
                "reference": reference,
                "repayment_amount": amount,
            },
        )
    return repayment
