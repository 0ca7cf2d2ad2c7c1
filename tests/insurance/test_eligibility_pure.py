"""The pure parts of insurance/eligibility.py, without a database."""

import datetime as dt
from decimal import Decimal

from insurance import eligibility as el
from insurance.models import RuleSet

D = dt.date


def test_add_months_clamps_to_the_month_end():
    assert el.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert el.add_months(D(2024, 11, 30), 3) == D(2025, 2, 28)
    assert el.add_months(D(2025, 1, 10), 12) == D(2026, 1, 10)


def test_year_ratio_steps_down_and_never_below_zero():
    rules = el.Rules(window_start=D(2025, 1, 1), window_end=D(2025, 12, 31))
    assert el.year_ratio(rules, "provincial", 1) == Decimal("0.70")
    assert el.year_ratio(rules, "provincial", 3) == Decimal("0.50")
    assert el.year_ratio(rules, "provincial", 8) == Decimal("0.00")
    assert el.year_ratio(rules, "provincial", 9) == 0


def test_pure_defaults_are_the_models_defaults():
    rs = RuleSet(window_start=D(2025, 1, 1), window_end=D(2025, 12, 31))
    assert el.Rules.of(rs) == el.Rules(window_start=D(2025, 1, 1), window_end=D(2025, 12, 31))


def test_first_unit_serials_keep_the_earliest_contract_of_a_serial():
    rules = el.Rules(window_start=D(2025, 1, 1), window_end=D(2025, 12, 31), first_units=1, first_batch_max_units=1)
    units = [el.Unit("B", D(2025, 1, 1), D(2025, 2, 1)), el.Unit("A", D(2025, 3, 1), D(2025, 4, 1)),
             el.Unit("A", D(2024, 12, 1), D(2025, 4, 1))]  # A renewed: its first contract counts
    within, _limit = el.first_unit_serials(rules, "complete", units)
    assert within == {"A"}
