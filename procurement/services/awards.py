"""成交、合同、交付与验收: the buyer records the award (the supplier is the recognised enterprise; the recognition must
be valid on the award date), then the contract (signed on or after the award; later than 30 days after it is
flagged, 政府采购法 §46), then delivery and acceptance (验收 completes the purchase).

The award is refused while an objection awaits its supplementary justification, while a notice is required and
has not run (a single-source purchase at or above the public-tender threshold goes through the notice first), on
a date in the future or before the notice's end, for an amount that is not positive, and for a single-source
award reaching the threshold without a notice (a budget set just under it must not skip the notice)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.queries import enterprise_users
from audit.services import snapshot
from config.values import clean_date, clean_text, collect, not_future, refuse
from notifications.services import notify

from .. import workflow
from ..models import CONTRACT_DUE_DAYS, Contract, PurchaseObjection
from .purchases import (
    AUDIT_FIELDS,
    S,
    audit,
    clean_amount,
    link,
    lock,
    locked_recognition,
    recognition_refusal,
    require,
)

CONTRACT_FIELDS = ["number", "amount", "signed_on", "signed_late", "delivered_on", "accepted_on"]


def _notice_end_date(purchase):
    """The first calendar day after the notice (its ends_at is 00:00 Asia/Shanghai of that day), or None."""
    notice = getattr(purchase, "notice", None)
    if notice is None or notice.ends_at is None or notice.published_at is None:
        return None
    return timezone.localdate(notice.ends_at)


def record_award(*, actor, purchase_id, awarded_on, amount):
    """确定成交 of a purchase pending award, or of a draft that needs no notice (not single source, or below the
    public-tender threshold). Refused: open objections ("__all__"), a notice still required or running
    ("__all__"), the recognition not valid on awarded_on ("awarded_on", recognition_refusal's reason), a future
    date or one before the notice's end ("awarded_on"), an amount ≤ 0, or a single-source amount at or above the
    public-tender threshold without a published notice ("amount").

    Side effects: state → awarded, awarded_on, award_amount; an audit event; the supplier enterprise's users told
    (purchase.awarded).
    """
    errors = {}
    day = collect(errors, clean_date, awarded_on, "awarded_on", _("成交日期"))
    amount = collect(errors, clean_amount, amount, "amount", _("成交金额"))
    with transaction.atomic():
        purchase = lock(actor, purchase_id)
        if purchase.state == S.NOTICE:
            require(actor, purchase, "justify")  # the buyer's own purchase: say why, not just "wrong state"
            refuse(
                _("单一来源公示期尚未结束（%(end)s 结束），公示期满后方可确定成交。")
                % {"end": timezone.localtime(purchase.notice.ends_at).strftime("%Y-%m-%d %H:%M")}
            )
        require(actor, purchase, "award")
        still_open = PurchaseObjection.objects.filter(
            notice__purchase=purchase, state=PurchaseObjection.State.OPEN
        ).count()
        if still_open:
            refuse(_("尚有 %(n)s 件异议未补充论证，补充论证后方可确定成交。") % {"n": still_open})
        if day is not None:
            end = _notice_end_date(purchase)
            problem = None
            if day > timezone.localdate():
                problem = _("成交日期不能晚于今天。")
            elif end is not None and day < end:
                problem = _("成交日期不能早于单一来源公示期满之日（%(d)s）。") % {"d": end.isoformat()}
            else:
                problem = recognition_refusal(locked_recognition(purchase), day)
            if problem:
                errors.setdefault("awarded_on", []).append(problem)
        if amount is not None and _notice_end_date(purchase) is None and workflow.needs_notice(purchase, amount=amount):
            errors.setdefault("amount", []).append(
                _(
                    "成交金额达到公开招标数额标准（%(t)s 元），单一来源采购须先发布单一来源公示，公示期满后方可确定成交。"
                )
                % {"t": f"{settings.PROCUREMENT_TENDER_THRESHOLD:,}"}
            )
        if errors:
            raise ValidationError(errors)
        before = snapshot(purchase, AUDIT_FIELDS)
        purchase.award()
        purchase.awarded_on, purchase.award_amount = day, amount
        purchase.save()
        audit(
            "purchase.awarded",
            purchase,
            actor=actor,
            obj=purchase,
            before=before,
            after=snapshot(purchase, AUDIT_FIELDS),
        )
        notify(
            recipients=enterprise_users(purchase.supplier_id),
            kind="purchase.awarded",
            subject=_("政府首购成交：%(product)s") % {"product": purchase.recognition.product_name},
            body=_(
                "%(buyer)s 的采购项目“%(title)s”（%(number)s）已确定由贵单位成交，成交金额 %(amount)s 元，"
                "成交日期 %(day)s。请在成交后 30 日内签订采购合同。"
            )
            % {
                "buyer": purchase.buyer.name,
                "title": purchase.title,
                "number": purchase.number,
                "amount": f"{amount:,.2f}",
                "day": day.isoformat(),
            },
            link=link(purchase),
        )
    return purchase


def _check_delivery(errors, signed_on, delivered_on, accepted_on):
    """Delivery on or after signing, acceptance on or after delivery (which it needs), neither in the future."""
    if delivered_on is not None:
        collect(errors, not_future, delivered_on, "delivered_on", _("交付日期"))
        if signed_on is not None and delivered_on < signed_on:
            errors.setdefault("delivered_on", []).append(
                _("交付日期不能早于合同签订日期（%(d)s）。") % {"d": signed_on.isoformat()}
            )
    if accepted_on is not None:
        collect(errors, not_future, accepted_on, "accepted_on", _("验收日期"))
        if delivered_on is None:
            errors.setdefault("accepted_on", []).append(_("请先填写交付日期，再填写验收日期。"))
        elif accepted_on < delivered_on:
            errors.setdefault("accepted_on", []).append(
                _("验收日期不能早于交付日期（%(d)s）。") % {"d": delivered_on.isoformat()}
            )


def is_late(awarded_on, signed_on):
    """Signed more than CONTRACT_DUE_DAYS calendar days after the award (the 30th day is still on time)."""
    return signed_on > awarded_on + dt.timedelta(days=CONTRACT_DUE_DAYS)


def record_contract(*, actor, purchase_id, number, amount, signed_on, delivered_on=None, accepted_on=None):
    """采购合同 of an awarded purchase: number, amount, signing date (on or after the award, not in the future;
    flagged signed_late when more than 30 days after the award), optionally delivery and acceptance at once.

    Side effects: a Contract; purchase → contracted (→ completed with an acceptance date); an audit event.
    """
    errors = {}
    number = collect(errors, clean_text, number, "number", _("请填写合同编号。"), 60)
    amount = collect(errors, clean_amount, amount, "amount", _("合同金额"))
    signed_on = collect(errors, clean_date, signed_on, "signed_on", _("合同签订日期"))
    delivered_on = collect(errors, clean_date, delivered_on, "delivered_on", _("交付日期"), required=False)
    accepted_on = collect(errors, clean_date, accepted_on, "accepted_on", _("验收日期"), required=False)
    with transaction.atomic():
        purchase = lock(actor, purchase_id)
        require(actor, purchase, "sign")
        if signed_on is not None:
            collect(errors, not_future, signed_on, "signed_on", _("合同签订日期"))
            if signed_on < purchase.awarded_on:
                errors.setdefault("signed_on", []).append(
                    _("合同签订日期不能早于成交日期（%(d)s）。") % {"d": purchase.awarded_on.isoformat()}
                )
        _check_delivery(errors, signed_on, delivered_on, accepted_on)
        if errors:
            raise ValidationError(errors)
        before = snapshot(purchase, AUDIT_FIELDS)
        contract = Contract.objects.create(
            purchase=purchase,
            number=number,
            amount=amount,
            signed_on=signed_on,
            signed_late=is_late(purchase.awarded_on, signed_on),
            delivered_on=delivered_on,
            accepted_on=accepted_on,
            created_by=actor,
        )
        purchase.sign()
        if accepted_on is not None:
            purchase.accept()
        purchase.save()
        audit(
            "purchase.contract_recorded",
            purchase,
            actor=actor,
            obj=purchase,
            before=before,
            after={**snapshot(purchase, AUDIT_FIELDS), "contract": snapshot(contract, CONTRACT_FIELDS)},
        )
    return contract


def record_delivery(*, actor, purchase_id, delivered_on=None, accepted_on=None):
    """交付与验收 of a contracted purchase: the delivery date (on or after signing) and/or the acceptance date (on
    or after delivery); an acceptance completes the purchase. At least one of the two.

    Side effects: the Contract's dates; purchase → completed on acceptance; an audit event.
    """
    errors = {}
    delivered_on = collect(errors, clean_date, delivered_on, "delivered_on", _("交付日期"), required=False)
    accepted_on = collect(errors, clean_date, accepted_on, "accepted_on", _("验收日期"), required=False)
    if not errors and delivered_on is None and accepted_on is None:
        errors["delivered_on"] = [_("请填写交付日期或验收日期。")]
    with transaction.atomic():
        purchase = lock(actor, purchase_id)
        require(actor, purchase, "deliver")
        contract = Contract.objects.select_for_update().get(purchase=purchase)
        delivered = delivered_on or contract.delivered_on
        _check_delivery(errors, contract.signed_on, delivered, accepted_on)
        if errors:
            raise ValidationError(errors)
        before = {"state": purchase.state, **snapshot(contract, CONTRACT_FIELDS)}
        contract.delivered_on = delivered
        if accepted_on is not None:
            contract.accepted_on = accepted_on
            purchase.accept()
            purchase.save()
        contract.save()
        audit(
            "purchase.delivery_recorded",
            purchase,
            actor=actor,
            obj=contract,
            before=before,
            after={"state": purchase.state, **snapshot(contract, CONTRACT_FIELDS)},
        )
    return contract
