"""Budgets per year and kind: approvals beyond what remains are refused (naming the remaining amount), no budget
refuses, a budget cannot be lowered below what is committed, rejections release their amount."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from payouts.models import Budget, Kind, Payout
from payouts.services import approvals
from payouts.services.budgets import budget_position, save_budget
from tests.payouts import builders as b


def _proposed(world, level="domestic"):
    return b.reward_payout(b.recognition(world, level=level))  # year 2026, reward


def test_save_budget_by_finance_only_and_audited(world):
    for user in (world.province_user, world.hz_user, world.ent_hz_user):
        with pytest.raises(PermissionDenied):
            save_budget(actor=user, year=2026, kind="reward", amount="1")
    budget = save_budget(actor=world.finance_user, year="2026", kind="reward", amount="76,000,000", note="省级")
    assert budget.amount == Decimal("76000000.00") and budget.updated_by == world.finance_user
    save_budget(actor=world.finance_user, year=2026, kind="reward", amount="80000000")
    assert Budget.objects.get().amount == Decimal("80000000.00")
    events = AuditEvent.objects.filter(action="payout.budget_saved").order_by("id")
    assert [e.before and e.before["amount"] for e in events] == [None, "76000000.00"]
    errors = b.errors_of(lambda: save_budget(actor=world.finance_user, year="1999", kind="other", amount="-5"))
    assert set(errors) == {"year", "kind", "amount"}


def test_approval_beyond_the_remaining_budget_is_refused_with_the_remaining_amount(world):
    b.budget(2026, Kind.REWARD, 2_500_000)
    first = _proposed(world)
    second = _proposed(world, level="international")
    approvals.approve_industry(actor=world.province_user, payout_id=first.pk)
    message = b.errors_of(lambda: approvals.approve_industry(actor=world.province_user, payout_id=second.pk))[
        "__all__"
    ][0]
    assert "剩余 1,500,000.00 元" in message and "本笔 2,000,000.00 元" in message
    assert Payout.objects.get(pk=second.pk).state == "proposed"
    assert budget_position(2026, Kind.REWARD) == {
        "amount": Decimal("2500000.00"),
        "committed": Decimal("1000000.00"),
        "disbursed": Decimal("0.00"),
        "remaining": Decimal("1500000.00"),
    }


def test_exactly_the_remaining_amount_passes(world):
    b.budget(2026, Kind.REWARD, 2_000_000)
    payouts = [_proposed(world), _proposed(world)]
    for p in payouts:
        approvals.approve_industry(actor=world.province_user, payout_id=p.pk)
    assert budget_position(2026, Kind.REWARD)["remaining"] == Decimal("0.00")


def test_the_finance_approval_checks_again(world):
    b.budget(2026, Kind.REWARD, 1_000_000)
    p = b.reward_payout(b.recognition(world), state="industry_approved")
    # Another payout committed meanwhile, written behind the services' back: the budget is now overrun.
    other = _proposed(world)
    Payout.objects.filter(pk=other.pk).update(state="finance_approved")
    message = b.errors_of(lambda: approvals.approve_finance(actor=world.finance_user, payout_id=p.pk))["__all__"][0]
    assert "已占用 1,000,000.00 元，剩余 0.00 元" in message
    Payout.objects.filter(pk=other.pk).update(state="rejected")
    assert approvals.approve_finance(actor=world.finance_user, payout_id=p.pk).state == "finance_approved"


def test_no_budget_refuses(world):
    p = _proposed(world)
    message = b.errors_of(lambda: approvals.approve_industry(actor=world.province_user, payout_id=p.pk))["__all__"][0]
    assert message == "尚未设置 2026 年度首台（套）奖励预算，不能审核。"
    b.budget(2026, Kind.COMPENSATION, 10_000_000)  # another kind's budget does not help
    assert b.errors_of(lambda: approvals.approve_industry(actor=world.province_user, payout_id=p.pk))["__all__"]
    assert budget_position(2026, Kind.REWARD)["amount"] is None


def test_lowering_a_budget_below_what_is_committed_is_refused(world):
    b.budget(2026, Kind.REWARD, 5_000_000)
    b.reward_payout(b.recognition(world), state="allocated")
    b.reward_payout(b.recognition(world), state="disbursed")
    b.reward_payout(b.recognition(world))  # proposed: not committed
    message = b.errors_of(lambda: save_budget(actor=world.finance_user, year=2026, kind="reward", amount="1999999.99"))[
        "amount"
    ][0]
    assert "2,000,000.00" in message
    assert Budget.objects.get().amount == Decimal("5000000.00")
    assert save_budget(actor=world.finance_user, year=2026, kind="reward", amount="2000000").amount == 2_000_000
    assert budget_position(2026, Kind.REWARD) == {
        "amount": Decimal("2000000.00"),
        "committed": Decimal("2000000.00"),
        "disbursed": Decimal("1000000.00"),
        "remaining": Decimal("0.00"),
    }


def test_rejected_payouts_release_the_budget(world):
    b.budget(2026, Kind.REWARD, 1_000_000)
    first = b.reward_payout(b.recognition(world), state="industry_approved")
    second = _proposed(world)
    assert b.errors_of(lambda: approvals.approve_industry(actor=world.province_user, payout_id=second.pk))
    approvals.reject(actor=world.finance_user, payout_id=first.pk, reason="材料不全")
    assert budget_position(2026, Kind.REWARD)["committed"] == Decimal("0.00")
    assert approvals.approve_industry(actor=world.province_user, payout_id=second.pk).state == "industry_approved"


def test_compensations_count_against_their_own_budget(world):
    p = b.compensation_payout(world)
    b.budget(p.year, Kind.COMPENSATION, 15_999.99)
    assert (
        "剩余 15,999.99 元"
        in b.errors_of(lambda: approvals.approve_industry(actor=world.province_user, payout_id=p.pk))["__all__"][0]
    )
    b.budget(p.year, Kind.COMPENSATION, 16_000)
    assert approvals.approve_industry(actor=world.province_user, payout_id=p.pk).state == "industry_approved"
