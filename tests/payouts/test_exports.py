"""The Excel exports of 资金拨付, opened with openpyxl: the bank's payment list of one city (only the allocated,
not yet disbursed payouts of that city, a total row, rows without an account in red and counted in a note), the
payout list with the list's filters, the dashboard with its scope; constant queries."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Region, User
from payouts.dashboard import totals
from payouts.exports import BANK_HEADER, bank_payment_list, dashboard_workbook, payouts_workbook
from payouts.queries import payouts_visible_to
from tests.payouts import builders as b

pytestmark = pytest.mark.django_db
API = "/api/v1/payouts/"


def rows_of(content):
    ws = load_workbook(BytesIO(content)).active
    return ws, [[c.value for c in row] for row in ws.iter_rows()]


def fresh(user):
    return User.objects.get(pk=user.pk)


@pytest.fixture
def bank(world):
    today = timezone.localdate()
    w = world
    w.a1 = b.reward_payout(b.recognition(world, level="international"), state="allocated", allocated_on=today)
    w.a2 = b.reward_payout(
        b.recognition(world.ent_hz_other_county), state="allocated", bank=False, allocated_on=today - dt.timedelta(1)
    )
    w.c1 = b.compensation_payout(world, state="allocated")
    w.d1 = b.reward_payout(b.recognition(world), state="disbursed")
    w.f1 = b.reward_payout(b.recognition(world), state="finance_approved")
    w.n1 = b.reward_payout(b.recognition(world.ent_nb), state="allocated", rule={"excluded_city_ids": []})
    w.hangzhou = Region.objects.get(code="3301")
    return w


def test_bank_list_of_a_city(bank):
    name, content = bank_payment_list(user=fresh(bank.finance_user), city_id=str(bank.hangzhou.pk))
    ws, rows = rows_of(content)

    assert name == "杭州市银行付款清单"
    assert rows[0][0] == "杭州市 首台（套）资金拨付银行付款清单"
    assert "3 笔" in rows[1][0]
    assert tuple(rows[2]) == BANK_HEADER
    data = rows[3:6]
    # Only the allocated payouts of 杭州 (not disbursed, not finance-approved, not 宁波's), by due date.
    assert [r[1] for r in data] == [bank.a2.number, bank.a1.number, bank.c1.number]
    assert [r[0] for r in data] == [1, 2, 3]
    by_number = {r[1]: r for r in data}
    a1 = by_number[bank.a1.number]
    assert a1[2:6] == [bank.a1.enterprise_name, bank.a1.enterprise_uscc, "中国工商银行杭州分行", bank.a1.bank_account]
    assert Decimal(str(a1[6])) == Decimal("2000000.00")
    assert a1[7] == f"2026年度首台（套）奖励 {bank.a1.recognition.certificate_number}"
    assert a1[8] == bank.a1.allocated_on.isoformat() and a1[9] == bank.a1.due_on.isoformat()
    c1 = by_number[bank.c1.number]
    assert c1[7].startswith(f"{bank.c1.year}年度保险补偿 ") and bank.c1.claim.number in c1[7]

    total = rows[6]
    assert total[1] == "合计" and total[2] == "3 笔"
    assert Decimal(str(total[6])) == Decimal("2000000.00") + Decimal("1000000.00") + bank.c1.amount

    # The row without an account is red, and counted in the note.
    a2_index = [r[1] for r in rows].index(bank.a2.number) + 1
    assert all(v in (None, "") for v in by_number[bank.a2.number][4:6])
    assert all(ws.cell(a2_index, col).fill.fgColor.rgb.endswith("FFC7CE") for col in range(1, 11))
    a1_index = [r[1] for r in rows].index(bank.a1.number) + 1
    assert ws.cell(a1_index, 1).fill.fgColor.rgb in (None, "00000000")
    notes = [r[0] for r in rows[7:] if r and r[0]]
    assert notes[0] == "注：1 笔缺少收款账户（开户银行或银行账号，已标红），须企业补填后方可付款。"


def test_bank_list_scope(bank):
    hz = fresh(bank.hz_user)
    _name, content = bank_payment_list(user=hz, city_id=bank.hangzhou.pk)
    assert {r[1] for r in rows_of(content)[1][3:6]} == {bank.a1.number, bank.a2.number, bank.c1.number}

    # A county bureau: the payouts of its county only (萧山's a2 is not 滨江's).
    _name, content = bank_payment_list(user=fresh(bank.binjiang_user), city_id=bank.hangzhou.pk)
    _ws, rows = rows_of(content)
    assert {r[1] for r in rows[3:5]} == {bank.a1.number, bank.c1.number} and rows[5][1] == "合计"
    notes = [r[0] for r in rows[6:] if r and r[0]]
    assert notes[0] == "注：各笔均已填写收款账户。"

    for user in (bank.nb_user, bank.province_user, bank.ent_hz_user, bank.regulator_user):
        with pytest.raises(PermissionDenied):
            bank_payment_list(user=fresh(user), city_id=bank.hangzhou.pk)
    for value in (None, "", "abc", "330106", str(Region.objects.get(code="330106").pk)):
        with pytest.raises(ValidationError) as exc:
            bank_payment_list(user=fresh(bank.finance_user), city_id=value)
        assert list(exc.value.message_dict) == ["city"]


def test_bank_list_through_the_api(bank, client):
    client.force_login(bank.hz_user)
    response = client.get(f"{API}bank-list.xlsx?city={bank.hangzhou.pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert rows_of(response.content)[1][2][1] == "拨付编号"

    missing = client.get(f"{API}bank-list.xlsx")
    assert missing.status_code == 400 and list(missing.json()["error"]["fields"]) == ["city"]


def test_payout_list_workbook_with_filters(bank, client):
    client.force_login(bank.finance_user)
    response = client.get(f"{API}payouts/export.xlsx?state=allocated&city={bank.hangzhou.pk}")
    assert response.status_code == 200
    _ws, rows = rows_of(response.content)
    header = rows[0]
    assert header[:4] == ["拨付编号", "资金类别", "预算年度", "企业名称"]
    assert {r[0] for r in rows[1:]} == {bank.a1.number, bank.a2.number, bank.c1.number}
    by_number = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_number[bank.c1.number]["补偿申请编号"] == bank.c1.claim.number
    assert by_number[bank.a1.number]["状态"] == "已下达市县"
    assert by_number[bank.a1.number]["应拨付企业日期"] == bank.a1.due_on.isoformat()

    bad = client.get(f"{API}payouts/export.xlsx?state=paid")
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["state"]

    client.force_login(bank.ent_nb_user)
    _ws, rows = rows_of(client.get(f"{API}payouts/export.xlsx").content)
    assert [r[0] for r in rows[1:]] == [bank.n1.number]


def test_overdue_days_in_the_list_workbook(world):
    late = b.reward_payout(
        b.recognition(world), state="allocated", allocated_on=timezone.localdate() - dt.timedelta(days=45)
    )
    _ws, rows = rows_of(payouts_workbook(payouts_visible_to(fresh(world.hz_user))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["拨付编号"] == late.number and row["逾期天数"] == 15


def test_list_workbook_queries_are_constant(world, django_assert_num_queries):
    b.reward_payout(b.recognition(world), state="allocated")
    with CaptureQueriesContext(connection) as one:
        payouts_workbook(payouts_visible_to(fresh(world.province_user)))
    for _ in range(5):
        b.reward_payout(b.recognition(world))
    b.compensation_payout(world)
    user = fresh(world.province_user)
    with django_assert_num_queries(len(one.captured_queries) - 1):  # - fresh() above
        _ws, rows = rows_of(payouts_workbook(payouts_visible_to(user)))
    assert len(rows) == 8 and len(one.captured_queries) == 3  # the user, the memberships, the payouts


def test_dashboard_workbook(bank, client):
    t = totals(user=fresh(bank.province_user))
    _ws, rows = rows_of(dashboard_workbook(t))
    texts = [r[0] for r in rows if r and isinstance(r[0], str)]

    assert texts[0] == "首台（套）资金拨付统计"
    for line in t.scope_lines[:-1]:  # the time line too, but its minute may differ
        assert line in texts
    overall = next(r for r in rows if r[0] == "合计")
    # 5 groups × (count, amount), then the total without the rejected.
    expected = [v for c in t.overall.groups for v in (c.count, c.amount)] + [t.overall.count, t.overall.amount]
    assert [Decimal(str(v)) for v in overall[1:13]] == expected
    assert overall[5:7] == [4, 4016000] and overall[9:11] == [0, 0]  # allocated: a1 a2 c1 n1; no rejected
    city_rows = [r for r in rows if r[0] in {"杭州市", "温州市", "宁波市"}]
    assert {r[0] for r in city_rows} == {"杭州市", "温州市", "宁波市"}
    assert next(r for r in city_rows if r[0] == "温州市")[-2:] == [0, 0]
    assert "预算执行" in texts and "待追回资金" in texts

    client.force_login(bank.hz_user)
    response = client.get(f"{API}dashboard/export.xlsx?year=2026")
    assert response.status_code == 200
    texts = [r[0] for r in rows_of(response.content)[1] if r and isinstance(r[0], str)]
    assert any("杭州市的拨付，2026年度" in line for line in texts)
    assert "预算执行" not in texts  # province business
