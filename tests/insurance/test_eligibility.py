"""Calculation tests from the rule defaults (issue 6 acceptance): every expected amount and reason is worked out
by hand in the test from the figures it passes. Defaults: rate cap 2 %; first-year ratio 90/80/70 %; step 10
points a year; yearly cap 5,000,000 yuan; 3 years; first 3 units or a first batch (3 months, 50 units; components
12 months); national compensation and application reward excluded."""

import datetime as dt
from decimal import Decimal

import pytest

from insurance.services.computation import evaluate
from tests.insurance import builders as b

D = dt.date
START = D(2025, 5, 1)  # year-1 policies start here; the 2025 rule set's window is 2025-01-01 … 2026-12-31
UNIT = [("S1", D(2025, 4, 1), D(2025, 4, 20))]


# Claims are dated after every premium of the tests was paid (the check compares with the claim's date).
FILED = dt.datetime(2029, 1, 5, 2, 0, tzinfo=dt.UTC)


def claim(world, r, policies, **fields):
    return b.claim(world, r, policies, **{"submitted_at": FILED, **fields})


def check(outcome, code):
    return next(c for c in outcome.checks if c.code == code)


def failed(outcome):
    return {c.code: c.reason for c in outcome.checks if not c.passed}


@pytest.fixture
def rules(world):
    return b.rule_set(world, 2025)


def test_rate_above_cap_is_capped_to_two_percent(world, rules):
    r = b.recognition_for(world, level="domestic")
    # 30,000 on 1,000,000 is 3 %: the compensable premium is 30,000 × 2 % / 3 % = 20,000; × 80 % = 16,000.
    p = b.policy(world, r, premium="30000", equipment_value="1000000", starts_on=START, units=UNIT)
    outcome = evaluate(claim(world, r, [p]))
    assert failed(outcome) == {}
    assert outcome.eligible is True
    assert outcome.amount == Decimal("16000.00")
    assert outcome.rule_set == rules
    steps = dict((s["label"], s["value"]) for s in outcome.working["steps"])
    assert steps[f"保单{p.policy_number}：实际费率"] == "30,000.00元 ÷ 1,000,000.00元 = 3%"
    assert steps[f"保单{p.policy_number}：适用费率"] == "min(3%, 上限2%) = 2%"
    assert steps[f"保单{p.policy_number}：计补保费"] == "30,000.00元 × 2% ÷ 3% = 20,000.00元"
    assert steps["测算补偿金额"] == "16,000.00元"


def test_rate_below_cap_is_taken_as_it_is(world, rules):
    r = b.recognition_for(world, level="domestic")
    # 15,000 on 1,000,000 is 1.5 % (under the cap): 15,000 × 80 % = 12,000.
    p = b.policy(world, r, premium="15000", equipment_value="1000000", starts_on=START, units=UNIT)
    assert evaluate(claim(world, r, [p])).amount == Decimal("12000.00")


def renewal_chain(world, r, years, *, premium="20000", gap_days=0):
    """Policies for years 1…`years`, each renewing the previous one the day after it ends (+ gap_days)."""
    chain = [b.policy(world, r, premium=premium, equipment_value="1000000", starts_on=START, units=UNIT)]
    for _year in range(1, years):
        previous = chain[-1]
        starts = previous.ends_on + dt.timedelta(days=1 + gap_days)
        chain.append(b.policy(world, r, premium=premium, equipment_value="1000000", starts_on=starts,
                              units=UNIT, renewal_of=previous))
    return chain


@pytest.mark.parametrize(("level", "year", "expected"), [
    # premium 20,000 on 1,000,000 = exactly the 2 % cap, so the amount is 20,000 × the year's ratio:
    ("international", 1, "18000.00"), ("international", 2, "16000.00"), ("international", 3, "14000.00"),
    ("domestic", 1, "16000.00"), ("domestic", 2, "14000.00"), ("domestic", 3, "12000.00"),
    ("provincial", 1, "14000.00"), ("provincial", 2, "12000.00"), ("provincial", 3, "10000.00"),
])
def test_years_one_to_three_at_each_level(world, rules, level, year, expected):
    r = b.recognition_for(world, level=level)
    chain = renewal_chain(world, r, year)
    for earlier_year, earlier_policy in enumerate(chain[:-1], start=1):  # the earlier years, already paid
        b.claim(world, r, [earlier_policy], cover_year=earlier_year, state="payable")
    outcome = evaluate(claim(world, r, [chain[-1]], cover_year=year))
    assert failed(outcome) == {}
    assert outcome.amount == Decimal(expected)


def test_yearly_cap_limits_the_sum_of_the_policies(world, rules):
    r = b.recognition_for(world, level="international")
    # 4,000,000 on 200,000,000 (2 %) → 4,000,000 × 90 % = 3,600,000;
    # 3,000,000 on 100,000,000 (3 %) → 2,000,000 × 90 % = 1,800,000; sum 5,400,000 → capped at 5,000,000.
    p1 = b.policy(world, r, premium="4000000", equipment_value="200000000", starts_on=START, units=UNIT)
    p2 = b.policy(world, r, premium="3000000", equipment_value="100000000", starts_on=START,
                  units=[("S2", D(2025, 4, 2), D(2025, 4, 21))])
    outcome = evaluate(claim(world, r, [p1, p2]))
    assert outcome.eligible
    assert outcome.amount == Decimal("5000000.00")
    steps = dict((s["label"], s["value"]) for s in outcome.working["steps"])
    assert steps["各保单合计"] == "5,400,000.00元"


def test_renewal_gap_is_refused_with_its_length(world, rules):
    r = b.recognition_for(world)
    first, second = renewal_chain(world, r, 2, gap_days=2)  # first ends 2026-04-30, second starts 2026-05-03
    b.claim(world, r, [first], cover_year=1, state="payable")
    outcome = evaluate(claim(world, r, [second], cover_year=2))
    assert not outcome.eligible and outcome.amount == Decimal("0.00")
    assert failed(outcome) == {"continuity": f"保单{second.policy_number}起保日期2026-05-03与所续保单"
                                             f"{first.policy_number}止期2026-04-30之间断保2天。"}


def test_year_two_without_a_renewal_is_refused(world, rules):
    r = b.recognition_for(world)
    unrelated = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=D(2026, 5, 1), units=UNIT)
    outcome = evaluate(claim(world, r, [unrelated], cover_year=2))
    assert failed(outcome) == {"continuity": f"第2年补偿须提交续保上一年度保单的保单，保单{unrelated.policy_number}不是续保保单。"}


def test_renewed_policy_must_be_the_one_claimed_the_year_before(world, rules):
    r = b.recognition_for(world)
    first, second = renewal_chain(world, r, 2)
    other = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                     units=[("S2", D(2025, 4, 2), D(2025, 4, 21))])
    year_one = b.claim(world, r, [other], cover_year=1, state="payable")
    outcome = evaluate(claim(world, r, [second], cover_year=2))
    assert failed(outcome) == {"continuity": f"保单{second.policy_number}所续保单{first.policy_number}"
                                             f"不在上一年度补偿申请{year_one.number}中。"}


def test_a_policy_is_not_claimed_twice(world, rules):
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START, units=UNIT)
    earlier = b.claim(world, r, [p], cover_year=1, state="payable")
    outcome = evaluate(claim(world, r, [p], cover_year=2))
    assert f"保单{p.policy_number}已在补偿申请{earlier.number}中申请过" in failed(outcome)["continuity"]


def test_past_max_years_is_refused(world, rules):
    r = b.recognition_for(world, valid_until=D(2030, 1, 1))
    chain = renewal_chain(world, r, 4)
    outcome = evaluate(claim(world, r, [chain[-1]], cover_year=4))
    assert failed(outcome) == {"max_years": "补偿年度第4年超过最长补偿年限3年。"}


def test_a_fourth_year_allowed_by_the_rules_steps_down_again(world):
    b.rule_set(world, 2025, max_years=4)
    r = b.recognition_for(world, level="domestic")
    chain = renewal_chain(world, r, 4)
    # 20,000 × (80 % − 3 × 10 %) = 20,000 × 50 % = 10,000
    assert evaluate(claim(world, r, [chain[-1]], cover_year=4)).amount == Decimal("10000.00")


def test_national_compensation_excludes_the_policy(world, rules):
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START, units=UNIT,
                 national_compensation=True)
    outcome = evaluate(claim(world, r, [p]))
    assert not outcome.eligible and outcome.amount == Decimal("0.00")
    assert failed(outcome) == {"exclusions": f"保单{p.policy_number}已获国家保险补偿，不予补偿。本申请的保单和设备均属排除情形。"}


def test_national_compensation_leaves_out_only_that_policy(world, rules):
    r = b.recognition_for(world, level="domestic")
    national = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START, units=UNIT,
                        national_compensation=True)
    other = b.policy(world, r, premium="10000", equipment_value="1000000", starts_on=START,
                     units=[("S2", D(2025, 4, 2), D(2025, 4, 21))])
    outcome = evaluate(claim(world, r, [national, other]))
    # only the other policy: 10,000 (1 %, under the cap) × 80 % = 8,000
    assert outcome.eligible and outcome.amount == Decimal("8000.00")
    assert check(outcome, "exclusions").reason == f"保单{national.policy_number}已获国家保险补偿，不予补偿。"


def test_national_compensation_counts_when_the_rule_does_not_exclude_it(world):
    b.rule_set(world, 2025, exclude_national=False)
    r = b.recognition_for(world, level="domestic")
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START, units=UNIT,
                 national_compensation=True)
    assert evaluate(claim(world, r, [p])).amount == Decimal("16000.00")


def test_application_reward_excludes_the_unit(world, rules):
    r = b.recognition_for(world, level="domestic")
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                 units=[("S1", D(2025, 4, 1), D(2025, 4, 20)), ("S2", D(2025, 4, 2), D(2025, 4, 21), True)])
    outcome = evaluate(claim(world, r, [p]))
    # one unit of two left out: 20,000 × 80 % × 1/2 = 8,000
    assert outcome.eligible and outcome.amount == Decimal("8000.00")
    assert check(outcome, "exclusions").reason == "设备S2已获应用奖励，不予补偿。"


def test_application_reward_on_every_unit_is_refused(world, rules):
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                 units=[("S1", D(2025, 4, 1), D(2025, 4, 20), True)])
    outcome = evaluate(claim(world, r, [p]))
    assert failed(outcome) == {"exclusions": "设备S1已获应用奖励，不予补偿。本申请的保单和设备均属排除情形。"}


def test_delivery_before_recognition_is_refused(world, rules):
    r = b.recognition_for(world, decision_date=D(2025, 3, 1))
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                 units=[("S1", D(2025, 1, 10), D(2025, 2, 20))])
    outcome = evaluate(claim(world, r, [p]))
    assert not outcome.eligible and outcome.amount == Decimal("0.00")
    assert failed(outcome) == {"recognition_valid": "设备S1交付日期2025-02-20早于认定有效期起始日2025-03-01。"}


def test_delivery_after_the_recognition_ends_is_refused(world, rules):
    r = b.recognition_for(world, decision_date=D(2025, 3, 1), valid_until=D(2025, 4, 1))
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START, units=UNIT)
    assert failed(evaluate(claim(world, r, [p]))) == {
        "recognition_valid": "设备S1交付日期2025-04-20晚于认定有效期截止日2025-04-01。"}


def test_revocation_before_delivery_is_refused_and_after_is_not(world, rules):
    revoked_at = dt.datetime(2025, 4, 10, 12, 0, tzinfo=dt.UTC)
    r = b.recognition_for(world, status="revoked", revoked_at=revoked_at, revocation_reason="虚假材料")
    before = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                      units=[("S1", D(2025, 3, 20), D(2025, 4, 9))])
    after = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                     units=[("S2", D(2025, 4, 2), D(2025, 4, 20))])
    assert check(evaluate(claim(world, r, [before])), "recognition_valid").passed
    outcome = evaluate(claim(world, r, [after], cover_year=2))
    assert check(outcome, "recognition_valid").reason == "认定已于2025-04-10撤销，设备S2于2025-04-20交付。"


def test_policy_start_outside_the_window_is_refused(world):
    b.rule_set(world, 2025, window_start=D(2025, 1, 1), window_end=D(2025, 12, 31))
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=D(2026, 1, 1), units=UNIT)
    assert failed(evaluate(claim(world, r, [p]))) == {
        "window": f"保单{p.policy_number}起保日期2026-01-01不在2025-01-01至2025-12-31期间内。"}


def test_renewal_years_are_judged_by_the_first_year_start(world):
    b.rule_set(world, 2025, window_start=D(2025, 1, 1), window_end=D(2025, 12, 31))
    r = b.recognition_for(world)
    first, second = renewal_chain(world, r, 2)  # the renewal starts in 2026, its first year in 2025
    b.claim(world, r, [first], state="payable")
    assert failed(evaluate(claim(world, r, [second], cover_year=2))) == {}


def test_premium_not_paid_in_full_is_refused(world, rules):
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START, units=UNIT, paid_on=None)
    assert failed(evaluate(claim(world, r, [p]))) == {"premium_paid": f"保单{p.policy_number}保费尚未全额缴清。"}


def test_premium_paid_after_the_claim_was_submitted_is_refused(world, rules):
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START, units=UNIT,
                 paid_on=D(2025, 7, 2))
    c = claim(world, r, [p], state="local_review", submitted_at=dt.datetime(2025, 7, 1, 2, 0, tzinfo=dt.UTC))
    assert failed(evaluate(c)) == {
        "premium_paid": f"保单{p.policy_number}保费全额缴清日期2025-07-02晚于申请日期2025-07-01。"}


def test_coverage_below_the_equipment_value_is_refused(world, rules):
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", coverage_limit="999999.99",
                 starts_on=START, units=UNIT)
    assert failed(evaluate(claim(world, r, [p]))) == {
        "coverage": f"保单{p.policy_number}责任限额999,999.99元低于设备价值1,000,000.00元。"}


def units(*contracts):
    """Units S1, S2, … contracted on the given dates, each delivered on 2025-12-01."""
    return [(f"S{i}", day, D(2025, 12, 1)) for i, day in enumerate(contracts, start=1)]


def test_first_batch_within_three_months_passes_and_a_later_unit_does_not(world, rules):
    r = b.recognition_for(world)
    inside = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                      units=units(D(2025, 1, 10), D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 10)))
    late = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                    units=[("S5", D(2025, 4, 11), D(2025, 12, 1))])
    # first contract 2025-01-10: the first batch runs to 2025-04-10; S4 (4th unit) is in it, S5 the day after is not
    assert failed(evaluate(claim(world, r, [inside]))) == {}
    assert failed(evaluate(claim(world, r, [late], cover_year=2)))["first_units"] == (
        "设备S5不在首台（套）范围内：既非该产品前3台（套），也不在首批次内（首份合同起3个月内即2025-04-10前签订、不超过50台）。")


def test_first_three_units_pass_however_far_apart(world, rules):
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                 units=units(D(2024, 1, 1), D(2024, 9, 1), D(2025, 4, 1)))
    assert failed(evaluate(claim(world, r, [p]))) == {}


def test_components_have_twelve_months(world, rules):
    r = b.recognition_for(world, equipment_form="component")
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                 units=units(D(2025, 1, 10), D(2025, 2, 1), D(2025, 3, 1), D(2026, 1, 10)))
    assert failed(evaluate(claim(world, r, [p]))) == {}
    b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
             units=[("S9", D(2026, 1, 11), D(2025, 12, 1))])
    later = claim(world, r, [r.policies.get(units__serial_number="S9")], cover_year=2)
    assert "设备S9不在首台（套）范围内" in failed(evaluate(later))["first_units"]


def test_first_batch_is_limited_in_units(world):
    b.rule_set(world, 2025, first_batch_max_units=4)
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START,
                 units=units(*[D(2025, 1, day) for day in range(10, 15)]))
    assert "设备S5不在首台（套）范围内" in failed(evaluate(claim(world, r, [p])))["first_units"]


def test_amount_is_rounded_half_up_at_the_end(world, rules):
    r = b.recognition_for(world, level="international")
    # 10,000.05 (1.000005 %) × 90 % = 9,000.045 → 9,000.05 half-up (half-even would give 9,000.04)
    p = b.policy(world, r, premium="10000.05", equipment_value="1000000", starts_on=START, units=UNIT)
    assert evaluate(claim(world, r, [p])).amount == Decimal("9000.05")


def test_no_rule_set_for_the_year_gives_no_amount(world):
    r = b.recognition_for(world)
    p = b.policy(world, r, premium="20000", equipment_value="1000000", starts_on=START, units=UNIT)
    outcome = evaluate(claim(world, r, [p]))
    assert outcome.rule_set is None and outcome.eligible is False and outcome.amount is None
    assert outcome.working["error"] == "未找到适用的补偿规则。"
