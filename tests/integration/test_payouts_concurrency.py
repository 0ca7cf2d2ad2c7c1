"""资金拨付 under concurrency on PostgreSQL: each thread on its own connection, released together by a barrier.
Two approvals that together exceed the budget → exactly one passes (the Budget row lock); two disbursements of
one payout → one; two reward proposal runs of a batch, or the make_payable hook and the beat sweep → no
duplicates."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from payouts.models import Kind, Payout
from payouts.services import approvals, proposals
from payouts.services.budgets import budget_position
from tests.integration.test_procurement_concurrency import _fresh
from tests.integration.test_review_concurrency import eager, race  # noqa: F401 (eager: a fixture)
from tests.payouts import builders as b

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("eager")]


def _split(outcomes, kind=Payout):
    won = [o for o in outcomes if isinstance(o, kind)]
    lost = [o for o in outcomes if not isinstance(o, kind)]
    return won, lost


@pytest.mark.parametrize("round_", range(3))
def test_two_approvals_that_together_exceed_the_budget_exactly_one_passes(transactional_db, world, round_):
    assert connection.vendor == "postgresql"
    b.budget(2026, Kind.REWARD, 1_500_000)
    payouts = [b.reward_payout(b.recognition(world)) for _ in range(2)]

    def approve(payout):
        user = _fresh(world.province_user)
        return lambda: approvals.approve_industry(actor=user, payout_id=payout.pk)

    won, lost = _split(race(*[approve(p) for p in payouts]))
    assert len(won) == 1 and len(lost) == 1, (won, lost)
    assert isinstance(lost[0], ValidationError) and "剩余 500,000.00 元" in lost[0].message_dict["__all__"][0]
    assert sorted(Payout.objects.values_list("state", flat=True)) == ["industry_approved", "proposed"]
    assert budget_position(2026, Kind.REWARD)["committed"] == Decimal("1000000.00")


@pytest.mark.parametrize("round_", range(2))
def test_many_approvals_at_once_never_overrun_the_budget(transactional_db, world, round_):
    b.budget(2026, Kind.REWARD, 2_000_000)
    payouts = [b.reward_payout(b.recognition(world, level="provincial")) for _ in range(6)]  # 500,000 each

    def approve(payout):
        user = _fresh(world.province_user)
        return lambda: approvals.approve_industry(actor=user, payout_id=payout.pk)

    won, lost = _split(race(*[approve(p) for p in payouts]))
    assert len(won) == 4 and all(isinstance(o, ValidationError) for o in lost), lost
    assert budget_position(2026, Kind.REWARD)["remaining"] == Decimal("0.00")


@pytest.mark.parametrize("round_", range(3))
def test_two_disbursements_of_one_payout_exactly_one(transactional_db, world, round_):
    payout = b.reward_payout(b.recognition(world), state="allocated")

    def disburse(user, reference):
        user = _fresh(user)
        return lambda: approvals.disburse(
            actor=user, payout_id=payout.pk, disbursed_on=timezone.localdate(), bank_reference=reference
        )

    won, lost = _split(race(disburse(world.hz_user, "LS-A"), disburse(world.binjiang_user, "LS-B")))
    assert len(won) == 1 and len(lost) == 1, (won, lost)
    assert isinstance(lost[0], ValidationError) and "不能重复拨付" in lost[0].message_dict["__all__"][0]
    stored = Payout.objects.get(pk=payout.pk)
    assert stored.state == "disbursed" and stored.bank_reference == won[0].bank_reference
    assert AuditEvent.objects.filter(action="payout.disbursed", object_id=str(payout.pk)).count() == 1


def test_two_reward_proposal_runs_make_no_duplicates(transactional_db, world):
    batch = b.batch(2025)
    recs = [b.recognition(world, batch=batch, level=level) for level in ("international", "domestic", "provincial")]
    b.reward_rule(batch)

    def propose():
        user = _fresh(world.province_user)
        return lambda: proposals.propose_rewards(actor=user, batch_id=batch.pk)

    outcomes = race(propose(), propose())
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert sorted(len(o["created"]) for o in outcomes) == [0, 3]
    assert sorted(o["existing"] for o in outcomes) == [0, 3]
    assert sorted(Payout.objects.values_list("recognition_id", flat=True)) == [r.pk for r in recs]
    assert sorted(Payout.objects.values_list("number", flat=True)) == [f"BF2026-{n:05d}" for n in (1, 2, 3)]


def test_compensation_proposals_at_once_make_one_payout_per_claim(transactional_db, world):
    claims = b.payable_claims(world, cover_years=(1, 2))
    outcomes = race(
        lambda: proposals.propose_compensation(claim_id=claims[0].pk),
        proposals.propose_compensations,
        proposals.propose_compensations,
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Payout.objects.filter(claim__in=claims).count() == 2
    assert len(set(Payout.objects.values_list("number", flat=True))) == 2
