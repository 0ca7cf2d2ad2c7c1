"""Rule sets: versions, validation, the current one per year or batch; recompute keeps decided claims."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from insurance.models import Claim, RuleSet
from insurance.services import computation, rules
from tests.insurance import builders as b

D = dt.date
FILED = dt.datetime(2029, 1, 5, 2, 0, tzinfo=dt.UTC)
UNIT = [("S1", D(2025, 4, 1), D(2025, 4, 20))]


def test_create_rule_set_has_the_defaults_and_is_idempotent(world):
    rs = rules.create_rule_set(actor=world.province_user, year=2025)
    assert (rs.version, rs.current, rs.window_start, rs.window_end) == (1, True, D(2025, 1, 1), D(2025, 12, 31))
    assert (rs.rate_cap, rs.ratio_international, rs.ratio_domestic, rs.ratio_provincial) == (
        Decimal("0.02"), Decimal("0.90"), Decimal("0.80"), Decimal("0.70"))
    assert (rs.yearly_step, rs.yearly_cap, rs.max_years) == (Decimal("0.10"), Decimal("5000000"), 3)
    assert rules.create_rule_set(actor=world.province_user, year=2025) == rs
    assert RuleSet.objects.count() == 1
    assert AuditEvent.objects.filter(action="insurance.rule_set_created", object_id=str(rs.pk)).count() == 1


@pytest.mark.parametrize("who", ["hz_user", "ent_hz_user", "finance_user"])
def test_only_province_industry_staff_manage_rule_sets(world, who):
    with pytest.raises(PermissionDenied):
        rules.create_rule_set(actor=getattr(world, who), year=2025)
    rs = rules.create_rule_set(actor=world.province_user, year=2025)
    with pytest.raises(PermissionDenied):
        rules.update_rule_set(getattr(world, who), rs.pk, rate_cap=Decimal("0.03"))
    assert RuleSet.objects.count() == 1


def test_update_writes_a_new_version_and_keeps_the_old(world):
    v1 = rules.create_rule_set(actor=world.province_user, year=2025)
    v2 = rules.update_rule_set(world.province_user, v1.pk, rate_cap="0.03", max_years=2, note="按国家口径")
    v1.refresh_from_db()
    assert (v1.version, v1.current, v1.rate_cap, v1.max_years) == (1, False, Decimal("0.02"), 3)
    assert (v2.version, v2.current, v2.rate_cap, v2.max_years, v2.note) == (2, True, Decimal("0.03"), 2, "按国家口径")
    assert v2.ratio_domestic == v1.ratio_domestic and v2.window_end == v1.window_end
    assert rules.current_rule_set(2025) == v2
    event = AuditEvent.objects.get(action="insurance.rule_set_changed")
    assert (event.object_id, event.before["rate_cap"], event.after["rate_cap"]) == (str(v2.pk), "0.0200", "0.0300")
    assert (event.before["version"], event.after["version"]) == (1, 2)


def test_an_older_version_cannot_be_changed(world):
    v1 = rules.create_rule_set(actor=world.province_user, year=2025)
    rules.update_rule_set(world.province_user, v1.pk, rate_cap="0.03")
    with pytest.raises(ValidationError, match="已有更新的版本"):
        rules.update_rule_set(world.province_user, v1.pk, rate_cap="0.01")
    assert RuleSet.objects.count() == 2


@pytest.mark.parametrize(("changes", "field"), [
    ({"rate_cap": "1.5"}, "rate_cap"),
    ({"ratio_domestic": "-0.1"}, "ratio_domestic"),
    ({"yearly_step": "abc"}, "yearly_step"),
    ({"window_start": D(2025, 6, 1), "window_end": D(2025, 5, 31)}, "window_end"),
    ({"yearly_cap": "-1"}, "yearly_cap"),
    ({"max_years": 0}, "max_years"),
    ({"max_years": 11}, "max_years"),
    ({"first_units": 0}, "first_units"),
])
def test_invalid_changes_are_refused_and_nothing_is_written(world, changes, field):
    v1 = rules.create_rule_set(actor=world.province_user, year=2025)
    with pytest.raises(ValidationError) as refused:
        rules.update_rule_set(world.province_user, v1.pk, **changes)
    assert field in refused.value.message_dict
    assert list(RuleSet.objects.values_list("version", "current")) == [(1, True)]
    assert not AuditEvent.objects.filter(action="insurance.rule_set_changed").exists()


def test_limits_themselves_are_accepted(world):
    v1 = rules.create_rule_set(actor=world.province_user, year=2025)
    v2 = rules.update_rule_set(world.province_user, v1.pk, rate_cap="1", yearly_step="0", yearly_cap="0",
                               max_years=10, window_start=D(2025, 3, 1), window_end=D(2025, 3, 1))
    assert (v2.rate_cap, v2.yearly_step, v2.yearly_cap, v2.max_years) == (1, 0, 0, 10)


def test_unknown_fields_are_refused(world):
    v1 = rules.create_rule_set(actor=world.province_user, year=2025)
    with pytest.raises(ValidationError):
        rules.update_rule_set(world.province_user, v1.pk, year=2030)


def test_current_rule_set_prefers_the_batch_then_the_year(world):
    year_wide = rules.create_rule_set(actor=world.province_user, year=2025)
    batch = b.batch_for(world, 2025)
    other_batch = b.cb.batch(world, year=2025, name="2025年度首台（套）认定第二批")
    for_batch = rules.create_rule_set(actor=world.province_user, year=2025, batch=batch, rate_cap="0.03")
    assert rules.current_rule_set(2025, batch) == for_batch
    assert rules.current_rule_set(2025, batch.pk) == for_batch
    assert rules.current_rule_set(2025, other_batch) == year_wide
    assert rules.current_rule_set(2025) == year_wide
    assert rules.current_rule_set(2024) is None
    newer = rules.update_rule_set(world.province_user, for_batch.pk, rate_cap="0.025")
    assert rules.current_rule_set(2025, batch) == newer


def test_a_claim_is_computed_with_its_batch_rule_set(world):
    rules.create_rule_set(actor=world.province_user, year=2025, window_end=D(2026, 12, 31))
    r = b.recognition_for(world, level="domestic")
    rules.create_rule_set(actor=world.province_user, year=2025, batch=r.batch, window_end=D(2026, 12, 31),
                          ratio_domestic="0.5")
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=D(2025, 5, 1), units=UNIT)
    # 20,000 × 50 % (the batch's ratio, not the year's 80 %)
    assert computation.evaluate(b.claim(world, r, [p], submitted_at=FILED)).amount == Decimal("10000.00")


def claim_with_policy(world, r, state, premium="20000"):
    p = b.policy(world, r, premium=premium, equipment_value="1000000", starts_on=D(2025, 5, 1), units=UNIT)
    return b.claim(world, r, [p], state=state, submitted_at=FILED)


def test_changing_the_rule_set_later_does_not_change_approved_claims(world):
    v1 = rules.create_rule_set(actor=world.province_user, year=2025, window_end=D(2026, 12, 31))
    approved = claim_with_policy(world, b.recognition_for(world), "joint_review")
    payable = claim_with_policy(world, b.recognition_for(world), "joint_review")
    open_claim = claim_with_policy(world, b.recognition_for(world), "joint_review")
    assert computation.recompute([approved.pk, payable.pk, open_claim.pk]) == 3
    Claim.objects.filter(pk=approved.pk).update(state="approved", approved_amount=Decimal("16000.00"))
    Claim.objects.filter(pk=payable.pk).update(state="payable", approved_amount=Decimal("16000.00"))
    kept = {c.pk: (c.rule_set_id, c.eligible, c.computed_amount, c.working)
            for c in Claim.objects.filter(pk__in=[approved.pk, payable.pk])}
    assert {k: v[2] for k, v in kept.items()} == {approved.pk: Decimal("16000.00"), payable.pk: Decimal("16000.00")}

    v2 = rules.update_rule_set(world.province_user, v1.pk, ratio_domestic="0.60")
    assert computation.recompute([approved.pk, payable.pk, open_claim.pk]) == 1

    for c in Claim.objects.filter(pk__in=[approved.pk, payable.pk]):
        assert (c.rule_set_id, c.eligible, c.computed_amount, c.working) == kept[c.pk]
        assert c.rule_set_id == v1.pk and c.approved_amount == Decimal("16000.00")
        # the page's evaluation of a decided claim also reads the version it was decided with
        assert computation.evaluate(c).amount == Decimal("16000.00")
        assert computation.evaluate(c).rule_set == v1
    open_claim = Claim.objects.get(pk=open_claim.pk)
    # the open claim takes the new version: 20,000 × 60 % = 12,000
    assert (open_claim.rule_set_id, open_claim.computed_amount) == (v2.pk, Decimal("12000.00"))
    assert open_claim.working["rule_set"] == {"id": v2.pk, "year": 2025, "version": 2, "batch": None}
    assert RuleSet.objects.filter(pk=v1.pk, current=False).exists()


def test_recompute_stores_the_outcome_and_the_working(world):
    b.rule_set(world, 2025)
    r = b.recognition_for(world, decision_date=D(2025, 3, 1))
    late = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=D(2025, 5, 1),
                    units=[("S1", D(2025, 1, 1), D(2025, 2, 1))])
    refused = b.claim(world, r, [late], submitted_at=FILED)
    computation.recompute([refused.pk])
    refused = Claim.objects.get(pk=refused.pk)
    assert (refused.eligible, refused.computed_amount) == (False, Decimal("0.00"))
    reasons = [c["reason"] for c in refused.working["checks"] if not c["passed"]]
    assert reasons == ["设备S1交付日期2025-02-01早于认定有效期起始日2025-03-01。"]
    assert refused.working["steps"][-1] == {"label": "测算补偿金额", "value": "不符合补偿条件，补偿金额为0.00元"}


def test_recompute_without_a_rule_set_marks_the_claim_not_eligible(world):
    c = claim_with_policy(world, b.recognition_for(world), "draft")
    computation.recompute([c.pk])
    c = Claim.objects.get(pk=c.pk)
    assert (c.rule_set_id, c.eligible, c.computed_amount) == (None, False, None)


def test_recompute_uses_a_constant_number_of_queries(world, django_assert_num_queries):
    b.rule_set(world, 2025)
    one = [claim_with_policy(world, b.recognition_for(world), "draft").pk]
    many = []
    for i in range(12):
        r = b.recognition_for(world, level=["international", "domestic", "provincial"][i % 3])
        first = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=D(2025, 5, 1), units=UNIT)
        second = b.policy(world, r, premium="30000", equipment_value="1000000", starts_on=D(2026, 5, 1),
                          units=UNIT, renewal_of=first)
        b.claim(world, r, [first], state="payable", submitted_at=FILED)
        many.append(b.claim(world, r, [second], cover_year=2, submitted_at=FILED).pk)
    with django_assert_num_queries(8) as small:
        computation.recompute(one)
    with django_assert_num_queries(len(small.captured_queries)):
        assert computation.recompute(many) == 12
    # chunks: the count grows with the number of chunks, not of claims
    with django_assert_num_queries(2 * len(small.captured_queries)):
        computation.recompute(many, chunk_size=6)
    amounts = set(Claim.objects.filter(pk__in=many).values_list("computed_amount", flat=True))
    # year 2, 3 % capped to 2 %: 20,000 × (90, 80, 70 % − 10 points) = 16,000 / 14,000 / 12,000
    assert amounts == {Decimal("16000.00"), Decimal("14000.00"), Decimal("12000.00")}
