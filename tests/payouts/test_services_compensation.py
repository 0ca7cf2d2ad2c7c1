"""Compensation payouts: one per payable insurance claim, made by make_payable (in its transaction) or by the
beat sweep, never for a claim in another state."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from insurance.models import Claim
from insurance.services import claims as claim_services
from payouts.models import Kind, Payout
from payouts.services.proposals import propose_compensation, propose_compensations
from payouts.tasks import propose_compensations as propose_task
from tests.insurance import builders as ib
from tests.insurance import claim_steps
from tests.payouts import builders as b


def _approved_claim(world):
    claim = claim_steps.in_joint_review(world)
    for department in claim_steps.DEPARTMENT_USERS:
        claim = claim_steps.approve(world, claim, department)
    return claim


def test_make_payable_creates_the_payout_in_its_transaction(world):
    claim = _approved_claim(world)
    assert not Payout.objects.exists()
    claim_services.make_payable(actor=world.province_user, claim_id=claim.pk)
    payout = Payout.objects.get(claim=claim)
    assert payout.kind == Kind.COMPENSATION and payout.state == "proposed"
    assert payout.amount == claim_steps.EXPECTED_AMOUNT == Decimal("16000.00")
    assert payout.recognition_id == claim.recognition_id and payout.enterprise_id == claim.enterprise_id
    assert payout.city_id == claim.city_id and payout.region_id == claim.region_id
    assert payout.year == timezone.localdate(Claim.objects.get(pk=claim.pk).approved_at).year
    assert payout.working["claim_number"] == claim.number and payout.working["approved_amount"] == "16000.00"
    event = AuditEvent.objects.get(action="payout.proposed", object_id=str(payout.pk))
    assert event.actor_id == world.province_user.pk


def test_year_is_the_local_year_of_the_approval(world):
    claim = b.payable_claim(world)
    Payout.objects.filter(claim=claim).delete()
    # 2025-12-31 16:30 UTC is already 2026-01-01 in Asia/Shanghai.
    Claim.objects.filter(pk=claim.pk).update(approved_at=dt.datetime(2025, 12, 31, 16, 30, tzinfo=dt.UTC))
    assert propose_compensation(claim_id=claim.pk).year == 2026


def test_one_payout_per_claim_whatever_calls_it(world):
    claim = b.payable_claim(world)
    first = Payout.objects.get(claim=claim)
    assert propose_compensation(claim_id=claim.pk) == first
    assert propose_compensations() == 0
    assert Payout.objects.filter(claim=claim).count() == 1


@pytest.mark.parametrize("state", ["draft", "local_review", "joint_review", "returned", "approved", "rejected"])
def test_no_payout_for_a_claim_that_is_not_payable(world, state):
    rec = ib.recognition_for(world)
    claim = ib.claim(world, rec, [], state=state, approved_amount=Decimal("1000"))
    errors = b.errors_of(lambda: propose_compensation(claim_id=claim.pk))
    assert "已列入拨付" in errors["claim"][0]
    assert propose_compensations() == 0
    assert not Payout.objects.exists()


def test_the_sweep_proposes_payable_claims_left_without_a_payout_once(world):
    rec = ib.recognition_for(world)
    payable = b.payable_claims(world, rec, cover_years=(1, 2), amount="1000.50")
    ib.claim(world, rec, [], cover_year=3, state="approved", approved_amount=Decimal("1000"))
    no_amount = ib.claim(world, ib.recognition_for(world), [], state="payable")  # logged and left
    assert propose_task.delay().get() == 2  # CELERY_TASK_ALWAYS_EAGER in tests
    assert propose_task.delay().get() == 0  # the beat task run twice: still one payout per claim
    assert sorted(Payout.objects.values_list("claim_id", flat=True)) == sorted(c.pk for c in payable)
    assert set(Payout.objects.values_list("amount", flat=True)) == {Decimal("1000.50")}
    assert "核定补偿金额" in b.errors_of(lambda: propose_compensation(claim_id=no_amount.pk))["claim"][0]


def test_unknown_claims(world):
    assert b.errors_of(lambda: propose_compensation(claim_id="１"))["claim"]
    assert b.errors_of(lambda: propose_compensation(claim_id=987654))["claim"]


def test_no_compensation_for_a_claim_whose_recognition_was_revoked(world):
    """A payable claim left without a payout (beat sweep pending) whose recognition is then revoked: neither the
    sweep nor a direct call proposes money on the revoked recognition."""
    from recognition.services.recognitions import revoke

    (claim,) = b.payable_claims(world)
    revoke(actor=world.province_user, recognition_id=claim.recognition_id, reason="提供虚假材料",
           document_number="浙经信装备〔2026〕98号")
    errors = b.errors_of(lambda: propose_compensation(claim_id=claim.pk))
    assert "认定已撤销" in errors["claim"][0] and "浙经信装备〔2026〕98号" in errors["claim"][0]
    assert propose_compensations() == 0
    assert not Payout.objects.exists()
