"""拟拨付: the reward payouts of a batch under its reward rule, and the compensation payout of each payable
insurance claim. One payout per source: the unique constraints (one reward per recognition, one payout per claim)
back the checks, so a repeated or concurrent run creates nothing twice.

Numbers: BF<year>-<sequence> (five digits, more after 99999), one sequence per budget year for both kinds,
serialised by an advisory lock on PostgreSQL (SQLite runs IMMEDIATE transactions: the writer holds the lock).
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import Batch
from certification.queries import is_id
from config.values import refuse
from insurance.models import Claim
from notifications.services import notify
from recognition.models import Recognition

from ..models import Kind, Payout, RewardRule
from ..workflow import INDUSTRY, is_province_industry
from .approvals import audit, industry_staff, link
from .budgets import money
from .rules import reward_decision

logger = logging.getLogger(__name__)
NUMBER_PREFIX = "BF"
# Any constant works; it names the advisory lock that serialises payout numbering on PostgreSQL.
_NUMBER_LOCK_KEY = 7_412_808


def _next_sequence(year):
    """The next free sequence number of the year, under the numbering lock (held until the transaction ends)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NUMBER_LOCK_KEY])
    prefix = f"{NUMBER_PREFIX}{year}-"
    last = (
        Payout.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    return int(last.rsplit("-", 1)[1]) + 1 if last else 1


def number(year, sequence):
    return f"{NUMBER_PREFIX}{year}-{sequence:05d}"


def _payee(enterprise):
    return {"enterprise": enterprise, "enterprise_name": enterprise.name, "enterprise_uscc": enterprise.uscc}


# --- rewards -------------------------------------------------------------------------------------------------


def propose_rewards(*, actor, batch_id):
    """拟拨付奖励 for a batch (province industry staff): one payout per recognition of the batch that its reward
    rule allows, in the rule's budget year, with the amount and working of rules.reward_decision. Recognitions
    that already have a reward payout are counted, not touched; a second run creates nothing. Needs the batch's
    reward rule (refused under "batch" otherwise).

    Returns dict(created=[Payout], skipped=[(Recognition, reason)], existing=int).
    Side effects: the payouts (proposed); an audit event each; province industry staff told (to_approve).
    """
    if not is_province_industry(actor):
        raise PermissionDenied(_("只有省经信厅工作人员可以生成拟拨付奖励。"))
    if not is_id(batch_id) or not Batch.objects.filter(pk=batch_id).exists():
        refuse(_("认定批次不存在。"), "batch")
    created, skipped, existing = [], [], 0
    with transaction.atomic():
        # The rule's row lock serialises runs for the batch; the recognitions' locks wait for a revocation in
        # progress (its status is read after it commits).
        rule = RewardRule.objects.select_for_update().select_related("batch").filter(batch_id=batch_id).first()
        if rule is None:
            refuse(_("请先设置该批次的奖励规则。"), "batch")
        recognitions = list(
            Recognition.objects.select_for_update(of=("self",))
            .select_related("enterprise")
            .filter(batch_id=rule.batch_id)
            .order_by("pk")
        )
        done = set(
            Payout.objects.filter(kind=Kind.REWARD, recognition__batch_id=rule.batch_id).values_list(
                "recognition_id", flat=True
            )
        )
        sequence = None
        for rec in recognitions:
            if rec.pk in done:
                existing += 1
                continue
            amount, reason, working = reward_decision(rule, rec)
            if amount is None:
                skipped.append((rec, reason))
                continue
            sequence = sequence or _next_sequence(rule.budget_year)
            payout = Payout.objects.create(
                number=number(rule.budget_year, sequence),
                kind=Kind.REWARD,
                recognition=rec,
                reward_rule=rule,
                year=rule.budget_year,
                city_id=rec.city_id,
                region_id=rec.region_id,
                level=rec.level,
                amount=amount,
                working=working,
                **_payee(rec.enterprise),
            )
            sequence += 1
            audit("proposed", payout, actor, INDUSTRY, None, reason=working["text"])
            created.append(payout)
        if created:
            total = sum(p.amount for p in created)
            notify(
                recipients=industry_staff(),
                kind="payout.to_approve",
                subject=_("首台（套）奖励待审核：%(b)s %(c)d 笔") % {"b": rule.batch, "c": len(created)},
                body=_("%(b)s 已生成拟拨付奖励 %(c)d 笔，合计 %(a)s 元（%(y)s 年度），请审核。")
                % {"b": rule.batch, "c": len(created), "a": money(total), "y": rule.budget_year},
                link=reverse("payout_list"),
            )
    return {"created": created, "skipped": skipped, "existing": existing}


# --- compensations -------------------------------------------------------------------------------------------


def _claim_working(claim):
    return {
        "source": "claim",
        "claim": claim.pk,
        "claim_number": claim.number,
        "cover_year": claim.cover_year,
        "rule_set": str(claim.rule_set) if claim.rule_set_id else "",
        "computed_amount": f"{claim.computed_amount:.2f}" if claim.computed_amount is not None else None,
        "approved_amount": f"{claim.approved_amount:.2f}",
        "adjustment_reason": claim.adjustment_reason,
        "approved_at": claim.approved_at.isoformat() if claim.approved_at else None,
        "text": _("保险补偿申请 %(n)s（第 %(y)d 年）经部门联审核定补偿金额 %(a)s 元。")
        % {"n": claim.number, "y": claim.cover_year, "a": money(claim.approved_amount)},
    }


def _propose_compensation(claim_id, actor):
    """(payout, created) for the claim; see propose_compensation."""
    if not is_id(claim_id):
        refuse(_("保险补偿申请不存在。"), "claim")
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("enterprise", "rule_set")
            .filter(pk=claim_id)
            .first()
        )
        if claim is None:
            refuse(_("保险补偿申请不存在。"), "claim")
        existing = Payout.objects.filter(claim_id=claim.pk).first()
        if existing is not None:
            return existing, False
        if claim.state != Claim.State.PAYABLE:
            refuse(
                _("只有已列入拨付的保险补偿申请才能拨付（当前状态：%(s)s）。") % {"s": claim.get_state_display()},
                "claim",
            )
        if not claim.approved_amount or claim.approved_amount <= 0:
            refuse(_("该保险补偿申请没有核定补偿金额。"), "claim")
        # Locked: a revocation in progress commits first (and its payouts hook finds this payout if it is made).
        rec = (
            Recognition.objects.select_for_update()
            .only("status", "level", "revocation_document")
            .get(pk=claim.recognition_id)
        )
        if rec.status == Recognition.Status.REVOKED:
            refuse(
                _("认定已撤销（%(doc)s），不能拨付保险补偿。") % {"doc": rec.revocation_document or "-"},
                "claim",
            )
        year = timezone.localdate(claim.approved_at).year if claim.approved_at else timezone.localdate().year
        working = _claim_working(claim)
        try:
            with transaction.atomic():
                payout = Payout.objects.create(
                    number=number(year, _next_sequence(year)),
                    kind=Kind.COMPENSATION,
                    recognition_id=claim.recognition_id,
                    claim=claim,
                    year=year,
                    city_id=claim.city_id,
                    region_id=claim.region_id,
                    level=rec.level,
                    amount=claim.approved_amount,
                    working=working,
                    **_payee(claim.enterprise),
                )
        except IntegrityError:  # a concurrent proposal of the same claim won
            return Payout.objects.get(claim_id=claim.pk), False
        audit("proposed", payout, actor, INDUSTRY, None, reason=working["text"])
        notify(
            recipients=industry_staff(),
            kind="payout.to_approve",
            subject=_("保险补偿待审核拨付：%(n)s") % {"n": payout.number},
            body=_("%(e)s 的保险补偿 %(a)s 元（%(y)s 年度）已列入拨付，请审核。")
            % {"e": payout.enterprise_name, "a": money(payout.amount), "y": year},
            link=link(payout),
        )
    return payout, True


def propose_compensation(*, claim_id, actor=None):
    """The compensation payout of a payable claim: created once (amount = the approved amount, year = the local
    year of the approval, working from the claim), the existing one on any later call. Claims in another state,
    or without an approved amount, are refused under "claim". Called by insurance make_payable (in its
    transaction, through insurance.services.claims.claim_payable) and by the beat sweep.

    Side effects (first call): the Payout (proposed); an audit event; province industry staff told.
    """
    return _propose_compensation(claim_id, actor)[0]


def propose_compensations():
    """The beat sweep: a payout for every payable claim that has none (each in its own transaction; a claim
    that cannot be proposed is logged and left). Returns how many were created."""
    created = 0
    for pk in (
        Claim.objects.filter(state=Claim.State.PAYABLE, payout__isnull=True).order_by("pk").values_list("pk", flat=True)
    ):
        try:
            created += _propose_compensation(pk, None)[1]
        except ValidationError as exc:
            logger.warning("payable claim %s not proposed: %s", pk, exc.messages)
    return created
