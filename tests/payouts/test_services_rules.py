"""Reward rules and reward proposals: default amounts per level, the exclusions with their reasons, revoked
recognitions, idempotent proposals and the one-payout-per-source constraints at database level."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from accounts.models import Region
from audit.models import AuditEvent
from notifications.models import Notification
from payouts.models import Kind, Payout, RewardRule
from payouts.services.proposals import propose_rewards
from payouts.services.rules import reward_decision, save_reward_rule
from tests.payouts import builders as b
from tests.recognition import catalogue_builders as cb


def _rule(batch, **kw):
    return save_reward_rule(
        actor=b.industry_user(),
        batch_id=batch.pk,
        amount_international="2000000",
        amount_domestic="1000000",
        amount_provincial="500000",
        **kw,
    )


def test_defaults_of_a_new_rule_and_its_audit(world):
    batch = b.batch(2025)
    rule = _rule(batch)
    assert (rule.amount_international, rule.amount_domestic, rule.amount_provincial) == (
        Decimal("2000000.00"),
        Decimal("1000000.00"),
        Decimal("500000.00"),
    )
    assert rule.budget_year == 2026  # paid from the next year's fund
    assert rule.exclude_components is True
    assert list(rule.excluded_cities.values_list("code", flat=True)) == ["3302"]  # 宁波 by default
    event = AuditEvent.objects.get(action="payout.rule_saved", object_id=str(rule.pk))
    assert event.before is None and event.after["excluded_cities"] == ["3302"]


def test_model_defaults_are_the_policy_amounts():
    rule = RewardRule()
    assert (rule.amount_international, rule.amount_domestic, rule.amount_provincial) == (2000000, 1000000, 500000)


def test_changing_a_rule_keeps_its_cities_and_audits_before_and_after(world):
    batch = b.batch(2025)
    _rule(batch)
    rule = save_reward_rule(
        actor=b.industry_user(),
        batch_id=batch.pk,
        amount_international="3000000",
        amount_domestic="1000000",
        amount_provincial="0",
        budget_year=2027,
        note="调整",
    )
    assert rule.amount_international == Decimal("3000000.00") and rule.budget_year == 2027
    assert list(rule.excluded_cities.values_list("code", flat=True)) == ["3302"]
    event = AuditEvent.objects.filter(action="payout.rule_saved", object_id=str(rule.pk)).latest("id")
    assert event.before["amount_international"] == "2000000.00"
    assert event.after["amount_international"] == "3000000.00" and event.after["budget_year"] == 2027
    assert RewardRule.objects.count() == 1


def test_rule_checks(world):
    batch = b.batch(2025)
    other = b.recognition(world, year=2025)  # in another batch
    with pytest.raises(PermissionDenied):
        save_reward_rule(
            actor=world.finance_user, batch_id=batch.pk, amount_international=1, amount_domestic=1, amount_provincial=1
        )
    errors = b.errors_of(
        lambda: save_reward_rule(
            actor=world.province_user,
            batch_id=batch.pk,
            amount_international="-1",
            amount_domestic="abc",
            amount_provincial="1.234",
            list_guided_ids=[other.pk],
            excluded_city_ids=[Region.objects.get(code="330106").pk],
            budget_year="二〇二六",
        )
    )
    assert set(errors) == {
        "amount_international",
        "amount_domestic",
        "amount_provincial",
        "list_guided_ids",
        "excluded_city_ids",
        "budget_year",
    }
    assert "不属于该批次" in errors["list_guided_ids"][0]
    assert b.errors_of(lambda: _rule_for_batch_id("９"))["batch"]  # full-width digit: not an id
    assert not RewardRule.objects.exists()


def _rule_for_batch_id(batch_id):
    return save_reward_rule(
        actor=b.industry_user(), batch_id=batch_id, amount_international=1, amount_domestic=1, amount_provincial=1
    )


def test_proposals_by_level_with_every_exclusion_and_its_reason(world):
    batch = b.batch(2025)
    intl = b.recognition(world, level="international", batch=batch)
    dom = b.recognition(world, level="domestic", batch=batch)
    prov = b.recognition(world, level="provincial", batch=batch)
    component = b.recognition(world, level="domestic", equipment_form="component", batch=batch)
    guided = b.recognition(world, level="domestic", batch=batch)
    ningbo = b.recognition(world.ent_nb, level="international", batch=batch)
    (revoked,) = cb.recognitions(
        batch, world.province_user, [cb.revoked(enterprise=world.ent_hz, revocation_document="浙经信装备〔2026〕99号")]
    )
    _rule(batch, list_guided_ids=[guided.pk])

    result = propose_rewards(actor=world.province_user, batch_id=batch.pk)

    amounts = {p.recognition_id: p.amount for p in result["created"]}
    assert amounts == {intl.pk: Decimal("2000000.00"), dom.pk: Decimal("1000000.00"), prov.pk: Decimal("500000.00")}
    reasons = {rec.pk: reason for rec, reason in result["skipped"]}
    assert reasons == {
        component.pk: "零部件类产品不予奖励",
        guided.pk: "清单引导、标准认定的产品不予奖励",
        ningbo.pk: "宁波市执行本地政策，省级不予奖励",
        revoked.pk: "认定已撤销（浙经信装备〔2026〕99号）",
    }
    assert result["existing"] == 0
    payout = Payout.objects.get(recognition=intl)
    assert payout.kind == Kind.REWARD and payout.year == 2026 and payout.state == "proposed"
    assert payout.number.startswith("BF2026-") and payout.city_id == intl.city_id
    assert payout.enterprise_uscc == world.ent_hz.uscc
    assert payout.working["applied"] == "amount_international" and payout.working["amount"] == "2000000.00"
    assert "2,000,000.00" in payout.working["text"]
    assert not Payout.objects.filter(recognition__in=[component, guided, ningbo, revoked]).exists()
    assert AuditEvent.objects.filter(action="payout.proposed").count() == 3
    assert Notification.objects.filter(kind="payout.to_approve", recipient=world.province_user).count() == 1


def test_the_working_of_each_exclusion_says_which_rule_applied(world):
    batch = b.batch(2025)
    component = b.recognition(world, equipment_form="component", batch=batch)
    ningbo = b.recognition(world.ent_nb, batch=batch)
    rule = _rule(batch)
    amount, reason, working = reward_decision(rule, component)
    assert amount is None and working["applied"] == "excluded" and working["reason"] == reason
    assert working["rule"] == rule.pk and working["level"] == "domestic"
    amount, reason, working = reward_decision(rule, ningbo)
    assert amount is None and "宁波" in working["reason"]


def test_exclusions_are_choices_of_the_rule(world):
    batch = b.batch(2025)
    component = b.recognition(world, equipment_form="component", batch=batch)
    ningbo = b.recognition(world.ent_nb, batch=batch)
    _rule(batch, exclude_components=False, excluded_city_ids=[])
    result = propose_rewards(actor=world.province_user, batch_id=batch.pk)
    assert {p.recognition_id for p in result["created"]} == {component.pk, ningbo.pk}


def test_a_level_with_no_amount_is_skipped(world):
    batch = b.batch(2025)
    prov = b.recognition(world, level="provincial", batch=batch)
    save_reward_rule(
        actor=world.province_user, batch_id=batch.pk, amount_international=1, amount_domestic=1, amount_provincial=0
    )
    result = propose_rewards(actor=world.province_user, batch_id=batch.pk)
    assert result["created"] == [] and result["skipped"] == [(prov, "本批次省内首台（套）奖励金额为 0")]


def test_a_second_run_creates_nothing_and_a_rule_change_does_not_touch_proposals(world):
    batch = b.batch(2025)
    recs = [b.recognition(world, batch=batch) for _ in range(2)]
    _rule(batch)
    first = propose_rewards(actor=world.province_user, batch_id=batch.pk)
    assert len(first["created"]) == 2
    changed = save_reward_rule(
        actor=world.province_user, batch_id=batch.pk, amount_international=1, amount_domestic=5, amount_provincial=1
    )
    # Explicit, not silent: the proposals that keep their amount are named to the caller and in the audit.
    kept = sorted(p.number for p in first["created"])
    assert changed.payouts_kept == kept
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="payout.rule_saved").latest("pk").after["payouts_kept"] == kept
    second = propose_rewards(actor=world.province_user, batch_id=batch.pk)
    assert second == {"created": [], "skipped": [], "existing": 2}
    assert Payout.objects.filter(recognition__in=recs).count() == 2
    assert set(Payout.objects.values_list("amount", flat=True)) == {Decimal("1000000.00")}
    # A recognition added later is proposed by the next run, with the rule as it is then.
    late = b.recognition(world, batch=batch)
    third = propose_rewards(actor=world.province_user, batch_id=batch.pk)
    assert [p.recognition_id for p in third["created"]] == [late.pk] and third["existing"] == 2
    assert third["created"][0].amount == Decimal("5.00")
    numbers = sorted(Payout.objects.values_list("number", flat=True))
    assert numbers == ["BF2026-00001", "BF2026-00002", "BF2026-00003"]


def test_propose_needs_the_rule_and_industry_staff(world):
    batch = b.batch(2025)
    b.recognition(world, batch=batch)
    assert "奖励规则" in b.errors_of(lambda: propose_rewards(actor=world.province_user, batch_id=batch.pk))["batch"][0]
    assert b.errors_of(lambda: propose_rewards(actor=world.province_user, batch_id=999999))["batch"]
    _rule(batch)
    for user in (world.finance_user, world.hz_user, world.ent_hz_user):
        with pytest.raises(PermissionDenied):
            propose_rewards(actor=user, batch_id=batch.pk)
    assert not Payout.objects.exists()


def _payout_row(source, **changes):
    fields = {f.attname: getattr(source, f.attname) for f in Payout._meta.concrete_fields if f.name != "id"}
    fields.update(number=f"X{source.number}", **changes)
    return Payout(**fields)


def test_one_reward_per_recognition_is_a_database_constraint(world):
    payout = b.reward_payout(b.recognition(world))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.bulk_create([_payout_row(payout)])


def test_one_payout_per_claim_is_a_database_constraint(world):
    payout = b.compensation_payout(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.bulk_create([_payout_row(payout)])
    # A reward needs no claim and a compensation needs one (the source matches the kind).
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.bulk_create([_payout_row(payout, claim_id=None)])


def test_a_rule_per_batch_is_a_database_constraint(world):
    rule = _rule(b.batch(2025))
    with pytest.raises(IntegrityError), transaction.atomic():
        RewardRule.objects.create(batch=rule.batch, budget_year=2026, updated_by=world.province_user)


def test_reward_payout_builder_reaches_every_state(world):
    for state in b.STATES:
        assert b.reward_payout(b.recognition(world), state=state).state == state
    with pytest.raises(AssertionError, match="宁波"):
        b.reward_payout(b.recognition(world.ent_nb))  # 宁波 excluded by default: the builder says why


def test_a_recognition_past_its_last_valid_day_gets_no_reward_before_the_nightly_task_marks_it(world):
    batch = b.batch(2025)
    rec = b.recognition(world, batch=batch)
    rule = _rule(batch)
    assert reward_decision(rule, rec)[0] == Decimal("1000000")
    type(rec).objects.filter(pk=rec.pk).update(valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2022, 12, 31))
    rec = type(rec).objects.get(pk=rec.pk)
    amount, reason, _working = reward_decision(rule, rec)
    assert amount is None and "2022-12-31" in reason
