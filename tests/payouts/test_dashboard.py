"""payouts.dashboard.totals: figures hand-checked against the records built here (rejected payouts only in their
own group, all 11 cities with zeros, the overdue days, budget positions equal to the service's, the recoveries
outstanding), scoped to the user, and computed in a constant number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from payouts.dashboard import GROUP_CODES, totals, totals_data
from payouts.services.budgets import budget_position
from payouts.services.recoveries import record_repayment
from tests.payouts import builders as b

pytestmark = pytest.mark.django_db
M = Decimal("1000000.00")
NB_RULE = {"excluded_city_ids": []}


def fresh(user):
    return User.objects.get(pk=user.pk)  # roles are cached on the user object


def cells(row):
    """{group: (count, amount)} with the empty groups left out."""
    return {g: (c.count, c.amount) for g, c in row.cells.items() if c.count}


@pytest.fixture
def records(world):
    """The records the figures are checked against (batch 2025 → budget year 2026; batch 2024 → 2025)."""
    today = timezone.localdate()
    r = {}
    r["R1"] = b.reward_payout(b.recognition(world, level="international"))
    r["R2"] = b.reward_payout(b.recognition(world), state="industry_approved")
    r["R3"] = b.reward_payout(b.recognition(world, level="provincial"), state="finance_approved")
    r["R4"] = b.reward_payout(b.recognition(world), state="allocated", allocated_on=today - dt.timedelta(days=40))
    r["R5"] = b.reward_payout(b.recognition(world), state="disbursed")
    r["R6"] = b.reward_payout(b.recognition(world, level="international"), state="rejected")
    r["R7"] = b.reward_payout(b.recognition(world.ent_nb), state="allocated", rule=NB_RULE)
    r["R8"] = b.reward_payout(b.recognition(world.ent_hz_other_county, level="provincial"))
    r["R9"] = b.reward_payout(b.recognition(world, year=2024))
    rec = b.recognition(world)
    r["R10"] = b.reward_payout(rec, state="disbursed")
    from recognition.services.recognitions import revoke

    revoke(actor=world.province_user, recognition_id=rec.pk, reason="弄虚作假", document_number="浙经信〔2026〕9号")
    record_repayment(
        actor=world.finance_user,
        recovery_id=r["R10"].recovery.pk,
        amount=Decimal("250000"),
        paid_on=today,
        reference="JK1",
    )
    r["C1"] = b.compensation_payout(world, state="disbursed")
    return r


def test_province_totals_hand_checked(world, records):
    c1 = records["C1"]
    assert c1.amount == Decimal("16000.00") and c1.year == 2026
    today = timezone.localdate()

    t = totals(user=fresh(world.province_user))

    assert t.province_wide and t.area == "全省"
    # Rejected (R6, 2,000,000) only in its own group: never in approved, never in a total.
    assert cells(t.overall) == {
        "proposed": (3, Decimal("3500000.00")),  # R1 2M, R8 0.5M, R9 1M
        "approved": (2, Decimal("1500000.00")),  # R2 1M (industry), R3 0.5M (finance)
        "allocated": (2, 2 * M),  # R4, R7
        "disbursed": (3, 2 * M + c1.amount),  # R5, R10, C1
        "rejected": (1, 2 * M),  # R6
    }
    assert (t.overall.count, t.overall.amount) == (10, Decimal("9016000.00"))

    assert [y.year for y in t.years] == [2025, 2026]
    y2025, y2026 = t.years
    assert [r.code for r in y2025.rows] == ["reward", "compensation"]
    assert cells(y2025.rows[0]) == {"proposed": (1, M)} and cells(y2025.rows[1]) == {}
    assert cells(y2026.rows[0]) == {
        "proposed": (2, Decimal("2500000.00")),
        "approved": (2, Decimal("1500000.00")),
        "allocated": (2, 2 * M),
        "disbursed": (2, 2 * M),
        "rejected": (1, 2 * M),
    }
    assert cells(y2026.rows[1]) == {"disbursed": (1, c1.amount)}
    assert (y2026.total.count, y2026.total.amount) == (9, Decimal("8016000.00"))
    assert y2025.total.amount + y2026.total.amount == t.overall.amount

    assert [r.code for r in t.by_kind] == ["reward", "compensation"]
    assert t.by_kind[0].amount == Decimal("9000000.00") and t.by_kind[1].amount == c1.amount

    levels = {r.code: r for r in t.by_level}  # rewards only: C1 is not here
    assert list(levels) == ["international", "domestic", "provincial"]
    assert cells(levels["international"]) == {"proposed": (1, 2 * M), "rejected": (1, 2 * M)}
    assert cells(levels["domestic"]) == {
        "proposed": (1, M),
        "approved": (1, M),
        "allocated": (2, 2 * M),
        "disbursed": (2, 2 * M),
    }
    assert cells(levels["provincial"]) == {"proposed": (1, Decimal("500000.00")), "approved": (1, Decimal("500000.00"))}
    assert sum((r.amount for r in t.by_level), Decimal(0)) == t.by_kind[0].amount

    assert len(t.by_city) == 11  # every city, zeros included
    cities = {r.label: r for r in t.by_city}
    assert (cities["杭州市"].count, cities["杭州市"].amount) == (9, Decimal("8016000.00"))  # all but R7 (宁波)
    assert cells(cities["宁波市"]) == {"allocated": (1, M)}
    zero = [name for name, r in cities.items() if not any(c.count for c in r.cells.values())]
    assert len(zero) == 9 and "温州市" in zero
    assert sum((r.amount for r in t.by_city), Decimal(0)) == t.overall.amount

    (late,) = t.overdue
    assert late.number == records["R4"].number and late.days_overdue == 10
    assert late.due_on == today - dt.timedelta(days=10) and t.overdue_amount == M

    budgets = {(x.year, x.kind): x for x in t.budgets}
    assert list(budgets) == [(2025, "reward"), (2026, "reward"), (2026, "compensation")]
    assert budgets[(2025, "reward")].amount is None  # R9 is proposed; no budget was set for 2025
    # R2 R3 R4 R5 R7 R10, less the 250,000 of R10's recovery already repaid.
    assert budgets[(2026, "reward")].committed == Decimal("5250000.00")
    for (year, kind), line in budgets.items():
        position = budget_position(year, kind)
        assert (line.amount, line.committed, line.disbursed, line.remaining) == (
            position["amount"],
            position["committed"],
            position["disbursed"],
            position["remaining"],
        )

    recoveries = {r.debtor: r for r in t.recoveries}
    assert (recoveries["enterprise"].count, recoveries["enterprise"].amount) == (1, M)
    assert recoveries["enterprise"].outstanding == Decimal("750000.00")
    assert recoveries["city"].count == 0
    assert t.recovery_total.outstanding == Decimal("750000.00")

    text = t.scope_text
    for words in ("全省", "全部年度", "不予拨付的只计入", "全省11个设区市全部列出", "逾期", "预算执行", "追回"):
        assert words in text, words


def test_the_year_filter(world, records):
    t = totals(user=fresh(world.province_user), year=2025)

    assert [y.year for y in t.years] == [2025]
    assert cells(t.overall) == {"proposed": (1, M)}
    assert t.overdue == [] and [(x.year, x.kind) for x in t.budgets] == [(2025, "reward")]
    assert t.recovery_total.count == 0
    assert "2025年度" in t.scope_text
    empty = totals(user=fresh(world.province_user), year=2030)
    assert [y.year for y in empty.years] == [2030] and empty.overall.count == 0
    assert [cells(r) for r in empty.years[0].rows] == [{}, {}]


def test_a_city_sees_its_city_and_a_county_its_county(world, records):
    hz = totals(user=fresh(world.hz_user))
    assert not hz.province_wide and hz.area == "杭州市"
    assert [r.label for r in hz.by_city] == ["杭州市"]
    assert hz.overall.amount == Decimal("8016000.00") and hz.overall.cells["rejected"].count == 1
    assert hz.budgets == []  # province business
    assert "预算执行情况仅向省级部门显示" in hz.scope_text

    nb = totals(user=fresh(world.nb_user))
    assert [r.label for r in nb.by_city] == ["宁波市"] and cells(nb.overall) == {"allocated": (1, M)}
    assert nb.overdue == [] and nb.recovery_total.count == 0

    bj = totals(user=fresh(world.binjiang_user))
    assert bj.area == "杭州市 滨江区"
    assert bj.overall.cells["proposed"].count == 2  # R1, R9: not R8 (萧山)
    assert bj.overall.amount == Decimal("7516000.00")
    assert [o.number for o in bj.overdue] == [records["R4"].number]


@pytest.mark.parametrize("who", ["ent_hz_user", "expert_user"])
def test_no_dashboard_for_an_enterprise(world, who):
    with pytest.raises(PermissionDenied):
        totals(user=fresh(getattr(world, who)))


def test_totals_data_is_json_ready(world, records):
    data = totals_data(totals(user=fresh(world.finance_user)))

    assert data["overall"]["groups"]["rejected"] == {"count": 1, "amount": "2000000.00"}
    assert data["overall"]["amount"] == "9016000.00"
    assert set(data["overall"]["groups"]) == set(GROUP_CODES)
    assert data["overdue"][0]["days_overdue"] == 10
    assert data["recoveries"][-1] == {
        "debtor": "total",
        "label": "合计",
        "count": 1,
        "amount": "1000000.00",
        "repaid": "250000.00",
        "outstanding": "750000.00",
    }
    assert data["scope"]["total_excludes"] == ["rejected"]


@pytest.mark.parametrize("who", ["province_user", "hz_user"])
def test_constant_queries_as_the_data_grows(world, who, django_assert_num_queries):
    b.reward_payout(b.recognition(world), state="allocated", allocated_on=timezone.localdate() - dt.timedelta(days=31))
    user = fresh(getattr(world, who))
    with CaptureQueriesContext(connection) as small:
        totals(user=user)

    for level in ("international", "domestic", "provincial"):
        b.reward_payout(b.recognition(world, level=level, year=2024), state="disbursed")
        b.reward_payout(
            b.recognition(world.ent_nb, level=level),
            state="allocated",
            rule=NB_RULE,
            allocated_on=timezone.localdate() - dt.timedelta(days=45),
        )
    rec = b.recognition(world)
    b.reward_payout(rec, state="disbursed")
    from recognition.services.recognitions import revoke

    revoke(actor=world.province_user, recognition_id=rec.pk, reason="撤销", document_number="浙经信〔2026〕10号")
    b.compensation_payout(world, state="allocated")

    user = fresh(getattr(world, who))
    with django_assert_num_queries(len(small.captured_queries)):
        t = totals(user=user)
    assert t.overall.cells["disbursed"].count >= 4
