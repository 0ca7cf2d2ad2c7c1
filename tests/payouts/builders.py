"""Shared builders for the 资金拨付 tests (services, tasks, pages, API, exports, dashboard, integration).

Recognitions are rows written directly (the recognition workflow has its own tests), each in a batch of its own
unless `batch=` is given, so propose_rewards of that batch touches only what the test built. Reward rules,
budgets and payouts go through the payouts services, with the users of the `world` fixture (found by their
memberships, so a builder needs no `world` argument once the world exists):

    rec = recognition(world)                                   # ent_hz, domestic, batch year 2025
    p = reward_payout(rec, state="allocated")                  # rule + budget made if missing; year 2026
    c = compensation_payout(world, state="disbursed")          # a PAYABLE claim of ent_hz → its payout

A reward of batch year Y is paid from the budget of Y + 1 (RewardRule.budget_year). Payouts that need an
approval get a budget of BIG (100,000,000 CNY) for their year and kind when none exists yet; give your own with
budget(year, kind, amount) before calling them to test the limits.
"""

import datetime as dt
import itertools
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from accounts.models import Membership, Organisation, User
from payouts.models import Budget, Kind, Payout, RewardRule
from tests.recognition import catalogue_builders as cb
from tests.review.builders import closed_batch

R = Membership.Role
_seq = itertools.count(1)
BIG = Decimal("100000000")
STATES = ("proposed", "industry_approved", "finance_approved", "allocated", "disbursed", "rejected")
DEFAULT_AMOUNTS = {
    "international": Decimal("2000000.00"),
    "domestic": Decimal("1000000.00"),
    "provincial": Decimal("500000.00"),
}


# --- the world's users, by membership ------------------------------------------------------------------------


def _province_member(role, department):
    user = (
        User.objects.filter(
            memberships__role=role,
            memberships__organisation__kind=Organisation.Kind.BUREAU,
            memberships__organisation__bureau_level=Organisation.BureauLevel.PROVINCE,
            memberships__organisation__department=department,
            is_active=True,
        )
        .order_by("pk")
        .first()
    )
    assert user is not None, f"no province {department} user: use the `world` fixture"
    return User.objects.get(pk=user.pk)  # a fresh instance (roles are cached on the object)


def industry_user():
    """Province industry staff (world.province_user)."""
    return _province_member(R.PROVINCE_STAFF, Organisation.Department.INDUSTRY)


def finance_user():
    """Province finance staff (world.finance_user)."""
    return _province_member(R.FINANCE_STAFF, Organisation.Department.FINANCE)


def local_user(payout):
    """A staff member of the payout city's bureau (world.hz_user for 杭州, world.nb_user for 宁波), else of its
    county's bureau."""
    for level, region_id in (
        (Organisation.BureauLevel.CITY, payout.city_id),
        (Organisation.BureauLevel.COUNTY, payout.region_id),
    ):
        user = (
            User.objects.filter(
                memberships__role__in=(R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF),
                memberships__organisation__kind=Organisation.Kind.BUREAU,
                memberships__organisation__bureau_level=level,
                memberships__organisation__region_id=region_id,
                is_active=True,
            )
            .order_by("pk")
            .first()
        )
        if user is not None:
            return User.objects.get(pk=user.pk)
    raise AssertionError(f"no local bureau user for {payout}")


def enterprise_user(payout_or_enterprise):
    enterprise_id = getattr(payout_or_enterprise, "enterprise_id", None) or payout_or_enterprise.pk
    user = (
        User.objects.filter(memberships__role=R.ENTERPRISE, memberships__organisation_id=enterprise_id, is_active=True)
        .order_by("pk")
        .first()
    )
    return User.objects.get(pk=user.pk) if user else None


# --- time ------------------------------------------------------------------------------------------------------


@contextmanager
def clock(moment):
    """Every timezone.now() (and so localdate()) in the block answers `moment` (an aware datetime, or a date:
    noon in Asia/Shanghai that day)."""
    if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
        moment = timezone.make_aware(dt.datetime.combine(moment, dt.time(12, 0)))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


# --- recognitions, rules, budgets --------------------------------------------------------------------------------


def batch(year=2025, *, actor=None):
    """A new closed recognition batch of `year`."""
    return closed_batch(actor or industry_user(), year=year, name=f"{year}年度首台（套）认定拨付测试第{next(_seq)}批")


def recognition(world_or_enterprise, *, level="domestic", year=2025, equipment_form="complete", batch=None, **row):
    """A valid recognition of the enterprise (or world.ent_hz) in a new batch of `year` (or `batch`); its city and
    county are the enterprise's. Extra keyword arguments are Recognition fields (status, revoked_at,
    revocation_document, category, product_name…)."""
    enterprise = getattr(world_or_enterprise, "ent_hz", world_or_enterprise)
    the_batch = batch or globals()["batch"](year)
    fields = {"enterprise": enterprise, "level": level, "year": the_batch.year, **row}
    if fields.get("category", "equipment") == "equipment":
        fields["equipment_form"] = equipment_form
    (rec,) = cb.recognitions(the_batch, industry_user(), [fields])
    return rec


def reward_rule(batch, **kw):
    """The batch's reward rule through rules.save_reward_rule (default amounts; `actor` defaults to province
    industry staff; other keywords as the service takes them)."""
    from payouts.services.rules import save_reward_rule

    kw.setdefault("amount_international", DEFAULT_AMOUNTS["international"])
    kw.setdefault("amount_domestic", DEFAULT_AMOUNTS["domestic"])
    kw.setdefault("amount_provincial", DEFAULT_AMOUNTS["provincial"])
    actor = kw.pop("actor", None) or industry_user()
    return save_reward_rule(actor=actor, batch_id=getattr(batch, "pk", batch), **kw)


def budget(year, kind, amount, *, actor=None, note=""):
    """The budget of (year, kind) set to `amount` through budgets.save_budget (province finance staff)."""
    from payouts.services.budgets import save_budget

    return save_budget(actor=actor or finance_user(), year=year, kind=str(kind), amount=Decimal(str(amount)), note=note)


def _ensure_budget(payout):
    if not Budget.objects.filter(year=payout.year, kind=payout.kind).exists():
        budget(payout.year, payout.kind, BIG)


# --- payouts through the chain -----------------------------------------------------------------------------------


def advance(payout, state, *, allocated_on=None, disbursed_on=None, reason="测试不予拨付", bank=True):
    """Take a proposed payout through the services to `state` (one of STATES). allocated_on defaults to today,
    disbursed_on to allocated_on. A rejection happens at the industry step. bank=True fills the enterprise's
    receiving account before allocation."""
    from payouts.services import approvals

    assert state in STATES, state
    payout = Payout.objects.get(pk=payout.pk)
    if state == "proposed":
        return payout
    if state == "rejected":
        return approvals.reject(actor=industry_user(), payout_id=payout.pk, reason=reason)
    _ensure_budget(payout)
    payout = approvals.approve_industry(actor=industry_user(), payout_id=payout.pk)
    if state == "industry_approved":
        return payout
    payout = approvals.approve_finance(actor=finance_user(), payout_id=payout.pk)
    if state == "finance_approved":
        return payout
    if bank and enterprise_user(payout) is not None:
        approvals.set_bank_account(
            actor=enterprise_user(payout),
            payout_id=payout.pk,
            bank_name="中国工商银行杭州分行",
            bank_account=f"1202{payout.pk:012d}",
        )
    allocated_on = allocated_on or timezone.localdate()
    (payout,) = approvals.allocate(
        actor=finance_user(),
        payout_ids=[payout.pk],
        allocated_on=allocated_on,
        document=f"浙财企〔{allocated_on.year}〕{payout.pk}号",
    )
    if state == "allocated":
        return payout
    return approvals.disburse(
        actor=local_user(payout),
        payout_id=payout.pk,
        disbursed_on=disbursed_on or allocated_on,
        bank_reference=f"LS{payout.pk:010d}",
    )


def reward_payout(recognition, *, state="proposed", rule=None, **advance_kw):
    """The reward payout of the recognition, proposed through proposals.propose_rewards (the batch's rule is
    made with the defaults when missing, or `rule` = dict of save_reward_rule keywords; note the default rule
    excludes 宁波: pass rule={"excluded_city_ids": []} for ent_nb), then taken to `state`."""
    from payouts.services.proposals import propose_rewards

    if not RewardRule.objects.filter(batch_id=recognition.batch_id).exists():
        reward_rule(recognition.batch_id, **(rule or {}))
    result = propose_rewards(actor=industry_user(), batch_id=recognition.batch_id)
    payout = Payout.objects.filter(kind=Kind.REWARD, recognition_id=recognition.pk).first()
    assert payout is not None, f"no reward proposed for {recognition}: {result['skipped']}"
    return advance(payout, state, **advance_kw)


def payable_claim(world, *, enterprise=None):
    """An insurance claim of ent_hz (or another `enterprise` in 滨江: world.binjiang_user reviews it) made PAYABLE
    through the insurance services (its payout is proposed by the make_payable hook). Approved amount: 16,000.00
    (claim_steps.EXPECTED_AMOUNT)."""
    from insurance.services import claims as claim_services
    from tests.insurance import claim_steps

    claim = claim_steps.in_joint_review(world, enterprise=enterprise)
    for department in claim_steps.DEPARTMENT_USERS:
        claim = claim_steps.approve(world, claim, department)
    return claim_services.make_payable(actor=world.province_user, claim_id=claim.pk)


def payable_claims(world, recognition=None, *, cover_years=(1,), amount="10000"):
    """Claim rows written straight in PAYABLE (approved amount `amount`, approved now), one per cover year, of the
    recognition (default: a new insurance-test recognition of ent_hz). No payout: make_payable did not run."""
    from tests.insurance import builders as ib

    rec = recognition or ib.recognition_for(world)
    return [
        ib.claim(
            world,
            rec,
            [],
            cover_year=year,
            state="payable",
            approved_amount=Decimal(amount),
            approved_at=timezone.now(),
        )
        for year in cover_years
    ]


def compensation_payout(world, *, state="proposed", enterprise=None, **advance_kw):
    """The compensation payout of a new PAYABLE claim (payable_claim), taken to `state`."""
    from payouts.services.proposals import propose_compensation

    claim = payable_claim(world, enterprise=enterprise)
    payout = propose_compensation(claim_id=claim.pk)  # the existing one (made by the hook)
    return advance(payout, state, **advance_kw)


def errors_of(call):
    """The message_dict of the ValidationError that call() raises (fails the test when it raises none)."""
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict
