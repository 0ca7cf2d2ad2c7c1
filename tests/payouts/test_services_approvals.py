"""The approval chain: each step only by its role, only from its state, audited and notified; allocation and
disbursement dates; the enterprise's receiving account."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Notification
from payouts.models import Payout
from payouts.services import approvals
from tests.payouts import builders as b

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def today():
    with b.clock(TODAY):
        yield TODAY


def _events(payout):
    return list(
        AuditEvent.objects.filter(object_type="payouts.Payout", object_id=str(payout.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def _told(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_the_whole_chain_audited_and_notified(world, today):
    p = b.reward_payout(b.recognition(world))
    b.budget(p.year, p.kind, 5_000_000)
    p = approvals.approve_industry(actor=world.province_user, payout_id=p.pk)
    assert p.state == "industry_approved" and p.industry_approved_by == world.province_user
    assert _told(world.finance_user, "payout.to_approve") == 1
    p = approvals.approve_finance(actor=world.finance_user, payout_id=str(p.pk))
    assert p.state == "finance_approved" and p.finance_approved_at is not None
    assert _told(world.finance_user, "payout.to_approve") == 2
    approvals.set_bank_account(
        actor=world.ent_hz_user,
        payout_id=p.pk,
        bank_name="工商银行杭州高新支行",
        bank_account="1202 0210 0900-1234 567",
    )
    (p,) = approvals.allocate(
        actor=world.finance_user,
        payout_ids=[p.pk],
        allocated_on=TODAY - dt.timedelta(days=3),
        document="浙财企〔2026〕8号",
    )
    assert p.state == "allocated" and p.due_on == dt.date(2026, 7, 12) and p.allocation_document == "浙财企〔2026〕8号"
    assert _told(world.hz_user, "payout.allocated") == 1 and _told(world.ent_hz_user, "payout.allocated") == 1
    assert _told(world.binjiang_user, "payout.allocated") == 1  # the county bureau disburses too
    assert _told(world.nb_user, "payout.allocated") == 0
    p = approvals.disburse(actor=world.hz_user, payout_id=p.pk, disbursed_on=TODAY, bank_reference="  LS0001 ")
    assert p.state == "disbursed" and p.bank_reference == "LS0001" and p.disbursed_by == world.hz_user
    assert _told(world.ent_hz_user, "payout.disbursed") == 1 and _told(world.finance_user, "payout.disbursed") == 1
    stored = Payout.objects.get(pk=p.pk)
    assert stored.bank_account == "1202021009001234567" and stored.state == "disbursed"
    assert _events(p) == [
        "payout.proposed",
        "payout.industry_approved",
        "payout.finance_approved",
        "payout.bank_account_set",
        "payout.allocated",
        "payout.disbursed",
    ]
    last = AuditEvent.objects.filter(action="payout.disbursed").get()
    assert last.before["state"] == "allocated" and last.after["state"] == "disbursed"
    assert last.actor_id == world.hz_user.pk and last.organisation_id == world.hz.pk


def test_each_step_only_by_its_role(world, today):
    p = b.reward_payout(b.recognition(world))
    b.budget(p.year, p.kind, 5_000_000)
    for user in (world.finance_user, world.hz_user, world.binjiang_user, world.regulator_user, world.ent_hz_user):
        with pytest.raises(PermissionDenied):
            approvals.approve_industry(actor=user, payout_id=p.pk)
    for user in (world.nb_user, world.ent_nb_user, world.expert_user):
        with pytest.raises(Http404):  # outside their scope
            approvals.approve_industry(actor=user, payout_id=p.pk)
    p = approvals.approve_industry(actor=world.province_user, payout_id=p.pk)
    for user in (world.province_user, world.hz_user, world.regulator_user, world.ent_hz_user):
        with pytest.raises(PermissionDenied):
            approvals.approve_finance(actor=user, payout_id=p.pk)
    with pytest.raises(Http404):
        approvals.approve_finance(actor=world.ent_nb_user, payout_id=p.pk)
    p = approvals.approve_finance(actor=world.finance_user, payout_id=p.pk)
    for user in (world.province_user, world.hz_user):
        with pytest.raises(PermissionDenied):
            approvals.allocate(actor=user, payout_ids=[p.pk], allocated_on=TODAY)
    (p,) = approvals.allocate(actor=world.finance_user, payout_ids=[p.pk], allocated_on=TODAY)
    for user in (world.province_user, world.finance_user, world.regulator_user):
        with pytest.raises(PermissionDenied):
            approvals.disburse(actor=user, payout_id=p.pk, disbursed_on=TODAY, bank_reference="LS1")
    with pytest.raises(PermissionDenied):
        approvals.disburse(actor=world.ent_hz_user, payout_id=p.pk, disbursed_on=TODAY, bank_reference="LS1")
    with pytest.raises(Http404):  # 宁波's bureau does not even see a 杭州 payout
        approvals.disburse(actor=world.nb_user, payout_id=p.pk, disbursed_on=TODAY, bank_reference="LS1")
    assert Payout.objects.get(pk=p.pk).state == "allocated"
    # The county bureau of the payout's county may disburse.
    assert (
        approvals.disburse(actor=world.binjiang_user, payout_id=p.pk, disbursed_on=TODAY, bank_reference="LS1").state
        == "disbursed"
    )


def test_a_payout_in_another_county_is_not_the_binjiang_bureaus(world, today):
    p = b.reward_payout(b.recognition(world.ent_hz_other_county), state="allocated")
    with pytest.raises(Http404):
        approvals.disburse(actor=world.binjiang_user, payout_id=p.pk, disbursed_on=TODAY, bank_reference="LS1")
    assert (
        approvals.disburse(actor=world.hz_user, payout_id=p.pk, disbursed_on=TODAY, bank_reference="LS1").state
        == "disbursed"
    )


@pytest.mark.parametrize("state", ["industry_approved", "finance_approved", "allocated", "disbursed", "rejected"])
def test_industry_approval_from_a_wrong_state_is_refused(world, today, state):
    p = b.reward_payout(b.recognition(world), state=state)
    message = b.errors_of(lambda: approvals.approve_industry(actor=world.province_user, payout_id=p.pk))["__all__"][0]
    assert "当前状态为" in message and Payout.objects.get(pk=p.pk).state == state


@pytest.mark.parametrize("state", ["proposed", "finance_approved", "allocated", "disbursed", "rejected"])
def test_finance_approval_from_a_wrong_state_is_refused(world, today, state):
    p = b.reward_payout(b.recognition(world), state=state)
    assert b.errors_of(lambda: approvals.approve_finance(actor=world.finance_user, payout_id=p.pk))["__all__"]


@pytest.mark.parametrize("state", ["proposed", "industry_approved", "allocated", "disbursed", "rejected"])
def test_allocation_from_a_wrong_state_is_refused(world, today, state):
    p = b.reward_payout(b.recognition(world), state=state)
    assert b.errors_of(lambda: approvals.allocate(actor=world.finance_user, payout_ids=[p.pk], allocated_on=TODAY))


def test_disbursement_only_once(world, today):
    p = b.reward_payout(b.recognition(world), state="disbursed")
    message = b.errors_of(
        lambda: approvals.disburse(actor=world.hz_user, payout_id=p.pk, disbursed_on=TODAY, bank_reference="LS-again")
    )["__all__"][0]
    assert "不能重复拨付" in message
    assert Payout.objects.get(pk=p.pk).bank_reference != "LS-again"
    assert AuditEvent.objects.filter(action="payout.disbursed", object_id=str(p.pk)).count() == 1
    proposed = b.reward_payout(b.recognition(world))
    assert (
        "当前状态为"
        in b.errors_of(
            lambda: approvals.disburse(
                actor=world.hz_user, payout_id=proposed.pk, disbursed_on=TODAY, bank_reference="LS"
            )
        )["__all__"][0]
    )


def test_rejection_by_industry_then_by_finance(world, today):
    p = b.reward_payout(b.recognition(world))
    with pytest.raises(PermissionDenied):
        approvals.reject(actor=world.finance_user, payout_id=p.pk, reason="x")  # not finance's step yet
    assert b.errors_of(lambda: approvals.reject(actor=world.province_user, payout_id=p.pk, reason=" "))["reason"]
    p = approvals.reject(actor=world.province_user, payout_id=p.pk, reason="重复申报")
    assert p.state == "rejected" and p.rejected_reason == "重复申报" and p.rejected_by == world.province_user
    assert _told(world.ent_hz_user, "payout.rejected") == 1
    assert "payout.rejected" in _events(p)

    q = b.reward_payout(b.recognition(world), state="industry_approved")
    with pytest.raises(PermissionDenied):
        approvals.reject(actor=world.province_user, payout_id=q.pk, reason="x")  # industry's step is over
    q = approvals.reject(actor=world.finance_user, payout_id=q.pk, reason="资金用途不符")
    assert q.state == "rejected" and _told(world.province_user, "payout.rejected") == 1
    r = b.reward_payout(b.recognition(world), state="finance_approved")
    assert b.errors_of(lambda: approvals.reject(actor=world.finance_user, payout_id=r.pk, reason="x"))["__all__"]


def test_allocation_checks(world, today):
    hz = b.reward_payout(b.recognition(world), state="finance_approved")
    hz2 = b.compensation_payout(world, state="finance_approved")
    nb = b.reward_payout(b.recognition(world.ent_nb), state="finance_approved", rule={"excluded_city_ids": []})
    errors = b.errors_of(
        lambda: approvals.allocate(
            actor=world.finance_user, payout_ids=[], allocated_on=TODAY + dt.timedelta(days=1), document="x" * 61
        )
    )
    assert set(errors) == {"payout_ids", "allocated_on", "document"}
    assert b.errors_of(lambda: approvals.allocate(actor=world.finance_user, payout_ids=["1²"], allocated_on=TODAY))[
        "payout_ids"
    ]
    assert (
        "同一设区市"
        in b.errors_of(
            lambda: approvals.allocate(actor=world.finance_user, payout_ids=[hz.pk, nb.pk], allocated_on=TODAY)
        )["payout_ids"][0]
    )
    with pytest.raises(Http404):
        approvals.allocate(actor=world.finance_user, payout_ids=[hz.pk, 99999999], allocated_on=TODAY)
    assert set(Payout.objects.values_list("state", flat=True)) == {"finance_approved"}
    done = approvals.allocate(actor=world.finance_user, payout_ids=[hz2.pk, hz.pk], allocated_on="2026-06-01")
    assert [p.pk for p in done] == sorted([hz.pk, hz2.pk])
    assert {p.due_on for p in done} == {dt.date(2026, 7, 1)}
    assert _told(world.hz_user, "payout.allocated") == 1  # one notice for the city's allocation


def test_disbursement_checks(world, today):
    p = b.reward_payout(b.recognition(world), state="allocated", allocated_on=dt.date(2026, 6, 10))
    errors = b.errors_of(
        lambda: approvals.disburse(
            actor=world.hz_user, payout_id=p.pk, disbursed_on=TODAY + dt.timedelta(days=1), bank_reference=""
        )
    )
    assert set(errors) == {"disbursed_on", "bank_reference"}
    assert (
        "早于资金下达日期"
        in b.errors_of(
            lambda: approvals.disburse(
                actor=world.hz_user, payout_id=p.pk, disbursed_on="2026-06-09", bank_reference="LS"
            )
        )["disbursed_on"][0]
    )
    assert b.errors_of(
        lambda: approvals.disburse(actor=world.hz_user, payout_id=p.pk, disbursed_on="15/06/2026", bank_reference="LS")
    )["disbursed_on"]
    assert Payout.objects.get(pk=p.pk).state == "allocated"
    assert approvals.disburse(
        actor=world.hz_user, payout_id=p.pk, disbursed_on="2026-06-10", bank_reference="LS"
    ).disbursed_on == dt.date(2026, 6, 10)


def test_bank_account_only_by_the_enterprise_before_disbursement(world, today):
    p = b.reward_payout(b.recognition(world))
    for user in (world.province_user, world.hz_user):
        with pytest.raises(PermissionDenied):
            approvals.set_bank_account(actor=user, payout_id=p.pk, bank_name="银行", bank_account="12345678")
    with pytest.raises(Http404):
        approvals.set_bank_account(actor=world.ent_nb_user, payout_id=p.pk, bank_name="银行", bank_account="12345678")
    errors = b.errors_of(
        lambda: approvals.set_bank_account(actor=world.ent_hz_user, payout_id=p.pk, bank_name="", bank_account="12-AB")
    )
    assert set(errors) == {"bank_name", "bank_account"}
    done = b.reward_payout(b.recognition(world), state="disbursed")
    with pytest.raises(ValidationError):
        approvals.set_bank_account(
            actor=world.ent_hz_user, payout_id=done.pk, bank_name="银行", bank_account="12345678"
        )


def test_ids_that_are_not_ascii_digits_are_404(world, today):
    for value in ("１", "1²", "", None, "99999999999999999999"):
        with pytest.raises(Http404):
            approvals.approve_industry(actor=world.province_user, payout_id=value)


def test_builders_clock_moves_localdate():
    with b.clock(dt.date(2026, 1, 31)):
        assert timezone.localdate() == dt.date(2026, 1, 31)
