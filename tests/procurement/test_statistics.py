"""首购统计 (procurement/statistics.py), checked by hand: counted are awarded, contracted and completed purchases, by
the year of the award date and the recognised product's field, every field listed with zeros; the amount is the
contract's once signed, else the award's; drafts, running notices and cancelled purchases are not counted; the
scope is stated; the number of queries does not depend on the data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.fields import FIELD_CODES
from procurement.models import Contract, Purchase
from procurement.statistics import first_purchase_statistics, statistics_data
from recognition.models import Recognition
from tests.procurement import builders as b

pytestmark = pytest.mark.django_db


def _moved(p, *, awarded_on, award_amount, contract_amount=None):
    """The builders award today at the budget: move the award (and the contract's amount) to the case's values."""
    Purchase.objects.filter(pk=p.pk).update(awarded_on=awarded_on, award_amount=award_amount)
    if contract_amount is not None:
        Contract.objects.filter(purchase_id=p.pk).update(amount=contract_amount)
    return p


@pytest.fixture
def data(world):
    org = b.buyer_org()
    buyer = b.buyer_user(org)
    medical = b.recognition_for(world.ent_hz, field="medical")
    robots = b.recognition_for(world.ent_nb, field="robotics")
    small = Decimal("1000")
    # 2024: two medical purchases, one awarded (1,000,000) and one contracted (award 3,000,000, contract 2,800,000).
    _moved(
        b.purchase(buyer, medical, budget=small, state="awarded"),
        awarded_on=dt.date(2024, 5, 1),
        award_amount=Decimal("1000000"),
    )
    _moved(
        b.purchase(buyer, medical, budget=small, state="contracted"),
        awarded_on=dt.date(2024, 12, 31),
        award_amount=Decimal("3000000"),
        contract_amount=Decimal("2800000"),
    )
    # 2025: a completed robotics purchase (contract 450,000 after an award of 500,000), an awarded medical one.
    _moved(
        b.purchase(buyer, robots, budget=small, state="completed"),
        awarded_on=dt.date(2025, 1, 1),
        award_amount=Decimal("500000"),
        contract_amount=Decimal("450000"),
    )
    _moved(
        b.purchase(buyer, medical, budget=small, state="awarded"),
        awarded_on=dt.date(2025, 6, 30),
        award_amount=Decimal("1200000.50"),
    )
    # Not counted: a draft, a running notice, a cancelled purchase.
    b.purchase(buyer, medical, state="draft")
    b.purchase(buyer, medical, state="notice")
    b.purchase(buyer, robots, state="cancelled")
    return world


def _rows(year_total):
    return {r.field: (r.count, r.amount) for r in year_total.rows}


def test_counts_and_amounts_by_award_year_and_field(data):
    stats = first_purchase_statistics()

    assert [y.year for y in stats.years] == [2024, 2025]
    y2024, y2025 = stats.years
    assert [r.field for r in y2024.rows] == FIELD_CODES  # all ten, in the reference order
    assert _rows(y2024)["medical"] == (2, Decimal("3800000.00"))  # 1,000,000 + the contract's 2,800,000
    assert all(v == (0, Decimal("0")) for k, v in _rows(y2024).items() if k != "medical")
    assert (y2024.count, y2024.amount) == (2, Decimal("3800000.00"))
    assert _rows(y2025)["medical"] == (1, Decimal("1200000.50"))
    assert _rows(y2025)["robotics"] == (1, Decimal("450000.00"))  # the contract's, not the award's 500,000
    assert (y2025.count, y2025.amount) == (2, Decimal("1650000.50"))
    assert (stats.count, stats.amount) == (4, Decimal("5450000.50"))
    by_field = {r.field: (r.count, r.amount) for r in stats.by_field}
    assert by_field["medical"] == (3, Decimal("5000000.50")) and by_field["robotics"] == (1, Decimal("450000.00"))
    assert sum(c for c, _a in by_field.values()) == stats.count
    assert stats.by_state == {"awarded": 2, "contracted": 1, "completed": 1}
    assert stats.not_counted == {"draft": 1, "notice": 1, "pending_award": 0, "cancelled": 1}


def test_one_year_lists_its_ten_fields_and_an_empty_year_zeros(data):
    stats = first_purchase_statistics(year=2025)

    assert [y.year for y in stats.years] == [2025]
    assert (stats.count, stats.amount) == (2, Decimal("1650000.50"))
    empty = first_purchase_statistics(year=2019)
    assert [y.year for y in empty.years] == [2019]
    assert len(empty.years[0].rows) == 10 and empty.count == 0 and empty.amount == 0


def test_the_scope_is_stated(data):
    lines = first_purchase_statistics(year=2024).scope_lines
    text = "\n".join(lines)

    assert "2024年度" in text and "成交日期" in text
    assert "已成交" in text and "已签订合同" in text and "已验收" in text
    assert "已终止" in text and "1 项" in text  # the cancelled one, not counted
    assert "合同金额" in text and "成交金额" in text
    assert "十个领域" in text


def test_a_field_outside_the_reference_list_is_counted_under_other(data):
    Recognition.objects.filter(field="robotics").update(field="space")

    stats = first_purchase_statistics(year=2025)

    rows = _rows(stats.years[0])
    assert rows["other"] == (1, Decimal("450000.00")) and rows["robotics"] == (0, Decimal("0"))
    assert stats.count == 2


def test_the_api_shape(data):
    body = statistics_data(first_purchase_statistics())

    assert body["count"] == 4 and body["amount"] == "5450000.50"
    assert body["scope"]["counted_states"] == ["awarded", "contracted", "completed"]
    assert "cancelled" in body["scope"]["excluded_states"]
    assert body["years"][0]["rows"][FIELD_CODES.index("medical")] == {
        "field": "medical",
        "label": "现代医疗设备与器械",
        "count": 2,
        "amount": "3800000.00",
    }


def test_a_constant_number_of_queries(world):
    with CaptureQueriesContext(connection) as empty:
        first_purchase_statistics()
    org = b.buyer_org()
    buyer = b.buyer_user(org)
    recs = [b.recognition_for(world.ent_hz, field=code) for code in ("medical", "robotics", "ships")]
    for i in range(9):
        b.purchase(buyer, recs[i % 3], budget=Decimal("1000"), state=["awarded", "contracted", "draft"][i % 3])

    with CaptureQueriesContext(connection) as full:
        stats = first_purchase_statistics()

    assert len(full.captured_queries) == len(empty.captured_queries) == 2
    assert stats.count == 6
