"""Shared builders for the insurance tests: a recognition (rows written directly, the recognition workflow has its
own tests), insurer and buyer organisations, a policy with its units, a rule set and a claim row written straight
in its state (the claim workflow has its own tests). Every builder takes plain values so a test can compute the
expected amount by hand from what it passed."""

import datetime as dt
import itertools
from decimal import Decimal

from accounts.models import Organisation
from insurance.models import Claim, Policy, PolicyUnit, RuleSet
from tests import factories as f
from tests.recognition import catalogue_builders as cb

_seq = itertools.count(1)
DECISION_DATE = dt.date(2025, 3, 1)


def batch_for(world, year):
    """One closed recognition batch per year and world (kept on the world)."""
    batches = world.__dict__.setdefault("_insurance_batches", {})
    if year not in batches:
        batches[year] = cb.batch(world, year=year, name=f"{year}年度首台（套）认定保险测试批{next(_seq)}")
    return batches[year]


def recognition_for(world, level="domestic", category="equipment", equipment_form="complete",
                    decision_date=DECISION_DATE, *, enterprise=None, valid_until=None, **row):
    """A valid recognition of world.ent_hz (or `enterprise`) decided on `decision_date`, valid from that day for
    three years unless `valid_until` is given. Extra keyword arguments are Recognition fields (status, revoked_at…)."""
    fields = {
        "enterprise": enterprise or world.ent_hz, "level": level, "category": category,
        "decision_date": decision_date, "valid_from": decision_date,
        "valid_until": valid_until or decision_date.replace(year=decision_date.year + 3),
        "equipment_form": equipment_form if category == "equipment" else "", "year": decision_date.year, **row,
    }
    (recognition,) = cb.recognitions(batch_for(world, decision_date.year), world.province_user, [fields])
    return recognition


def insurer(name=None):
    return f.OrganisationFactory(kind=Organisation.Kind.INSURER, name=name or f"测试财产保险股份有限公司{next(_seq)}",
                                 region=f.region("330106"))


def buyer(name=None):
    return f.OrganisationFactory(kind=Organisation.Kind.BUYER, name=name or f"测试用户单位{next(_seq)}",
                                 region=f.region("330106"))


_PAID_ON_START = object()


def policy(world, recognition, *, premium, equipment_value, coverage_limit=None, starts_on, ends_on=None,
           paid_on=_PAID_ON_START, units=(), renewal_of=None, national_compensation=False, insurer=None,
           buyer=None, policy_number=None):
    """A policy of the recognition's enterprise. `coverage_limit` defaults to the equipment value, `ends_on` to a
    year after `starts_on` less a day, `paid_on` (premium paid in full) to `starts_on` (None: not paid).
    `units` are (serial, contract_date, delivered_on) or (serial, contract_date, delivered_on, application_reward).
    """
    n = next(_seq)
    the_insurer = insurer or world.__dict__.get("_insurance_insurer")
    if the_insurer is None:
        the_insurer = world._insurance_insurer = globals()["insurer"]()
    the_buyer = buyer or world.__dict__.get("_insurance_buyer")
    if the_buyer is None:
        the_buyer = world._insurance_buyer = globals()["buyer"]()
    equipment_value, premium = Decimal(equipment_value), Decimal(premium)
    p = Policy.objects.create(
        enterprise=recognition.enterprise, recognition=recognition, insurer=the_insurer,
        policy_number=policy_number or f"PZHB2025{n:08d}", buyer=the_buyer, equipment_value=equipment_value,
        premium=premium, coverage_limit=Decimal(coverage_limit) if coverage_limit is not None else equipment_value,
        starts_on=starts_on, ends_on=ends_on or (starts_on.replace(year=starts_on.year + 1) - dt.timedelta(days=1)),
        premium_paid_on=starts_on if paid_on is _PAID_ON_START else paid_on, renewal_of=renewal_of,
        national_compensation=national_compensation, created_by=world.province_user,
    )
    PolicyUnit.objects.bulk_create([
        PolicyUnit(policy=p, serial_number=u[0], contract_number=f"HT-{n}-{u[0]}", contract_date=u[1],
                   delivered_on=u[2], application_reward=bool(u[3]) if len(u) > 3 else False)
        for u in units
    ])
    return p


def rule_set(world, year, **overrides):
    """The current rule set of `year` (no batch) with the defaults of the models, its window the whole of `year`
    and the next year unless overridden. Replaces the year's current one if any (kept, not current)."""
    batch = overrides.pop("batch", None)
    fields = {"window_start": dt.date(year, 1, 1), "window_end": dt.date(year + 1, 12, 31), **overrides}
    existing = RuleSet.objects.filter(year=year, batch=batch)
    version = (max(existing.values_list("version", flat=True), default=0)) + 1
    existing.filter(current=True).update(current=False)
    return RuleSet.objects.create(year=year, batch=batch, version=version, current=True,
                                  created_by=world.province_user, **fields)


def claim(world, recognition, policies, cover_year=1, state="draft", **fields):
    """A claim row of the recognition's enterprise written straight in `state`."""
    org = recognition.enterprise
    c = Claim.objects.create(enterprise=org, recognition=recognition, cover_year=cover_year,
                             number=fields.pop("number", f"BC{recognition.year}{next(_seq):06d}"),
                             city=org.region.parent, region=org.region, created_by=world.province_user, **fields)
    c.policies.set(policies)
    if state != Claim.State.DRAFT:
        Claim.objects.filter(pk=c.pk).update(state=state)
    return Claim.objects.get(pk=c.pk)
