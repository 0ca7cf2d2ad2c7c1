"""Joint-review sign-offs under concurrency on PostgreSQL: each thread on its own connection, released together by
a barrier. Different departments signing at the same moment are all recorded and the last one sees the others, so
the move to approved is never missed; one department signing twice at once lands once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from audit.models import AuditEvent
from insurance.models import Claim, SignOff
from insurance.services import claims as svc
from tests.insurance import claim_steps as steps
from tests.integration.test_review_concurrency import race

pytestmark = pytest.mark.integration


@pytest.fixture
def eager(settings):
    # Deliveries run in-process (locmem mail) so nothing is left on the shared broker for another worker.
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _sign(world, claim, department, decision="approve", **kwargs):
    user = type(world.province_user).objects.get(pk=steps.dept_user(world, department).pk)  # a fresh instance
    return lambda: svc.sign_off(actor=user, claim_id=claim.pk, action=f"{department}_{decision}", **kwargs)


def test_two_departments_at_once_both_land_and_the_claim_is_approved(transactional_db, world, eager):
    assert connection.vendor == "postgresql"
    claim = steps.in_joint_review(world)
    steps.approve(world, claim, "industry")

    outcomes = race(_sign(world, claim, "finance"), _sign(world, claim, "regulator"))
    assert all(isinstance(o, Claim) for o in outcomes), outcomes
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.APPROVED and claim.approved_amount == steps.EXPECTED_AMOUNT
    assert set(SignOff.objects.filter(claim=claim, review_round=1).values_list("department", flat=True)) == {
        "industry", "finance", "regulator"}
    # Serialised on the claim's row: exactly one of the two saw the other and made the claim approved.
    assert sorted(o.state for o in outcomes) == ["approved", "joint_review"]
    events = AuditEvent.objects.filter(action__in=["claim.finance_approve", "claim.regulator_approve"]).order_by("id")
    assert [e.after["state"] for e in events] == ["joint_review", "approved"]


def test_three_departments_at_once_approve_exactly_once(transactional_db, world, eager):
    claim = steps.in_joint_review(world)

    outcomes = race(*[_sign(world, claim, d) for d in ("industry", "finance", "regulator")])
    assert all(isinstance(o, Claim) for o in outcomes), outcomes
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.APPROVED
    assert SignOff.objects.filter(claim=claim).count() == 3
    assert sorted(o.state for o in outcomes) == ["approved", "joint_review", "joint_review"]
    assert AuditEvent.objects.filter(object_id=str(claim.pk), after__state="approved").count() == 1


def test_one_department_twice_at_once_lands_once(transactional_db, world, eager):
    claim = steps.in_joint_review(world)

    outcomes = race(_sign(world, claim, "finance"), _sign(world, claim, "finance", "reject", opinion="不符合条件"))
    ok = [o for o in outcomes if isinstance(o, Claim)]
    refused = [o for o in outcomes if not isinstance(o, Claim)]
    assert len(ok) == 1 and len(refused) == 1, outcomes
    # Refused as already signed (ValidationError) or, when the reject landed first and ended the round, as no
    # longer an action of finance's in that state (PermissionDenied): which one depends on the order.
    assert isinstance(refused[0], ValidationError | PermissionDenied), repr(refused[0])
    assert SignOff.objects.filter(claim=claim, department="finance").count() == 1


def test_a_return_racing_an_approval_never_leaves_the_claim_approved(transactional_db, world, eager):
    claim = steps.in_joint_review(world)
    steps.approve(world, claim, "industry")

    outcomes = race(_sign(world, claim, "finance"), _sign(world, claim, "regulator", "return", opinion="补充材料"))
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.RETURNED
    signed = set(SignOff.objects.filter(claim=claim).values_list("department", "decision"))
    # Either the approval came first (both recorded) or the return did (the approval was refused: round over).
    assert signed in ({("industry", "approve"), ("finance", "approve"), ("regulator", "return")},
                      {("industry", "approve"), ("regulator", "return")}), (signed, outcomes)
