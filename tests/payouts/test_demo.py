"""`manage.py demo` adds 资金拨付: the 2024 batch's reward rule and its rewards (from the 2025 budget) in every state,
the payable insurance claim's compensation paid, an overdue allocation to 杭州; the dashboard's 2025 reward totals
and the bank's payment list of 杭州 come from these records; a second load creates nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Region, User
from audit.models import AuditEvent
from insurance.models import Claim
from notifications.models import Notification
from payouts import demo
from payouts.dashboard import GROUPS, totals
from payouts.exports import bank_payment_list, bank_rows
from payouts.models import Budget, Kind, Payout, Recovery, RewardRule
from payouts.services.approvals import overdue
from payouts.services.rules import reward_decision
from recognition.demo import CONCLUDED_NAME
from recognition.models import Recognition
from tests.factories import ensure_regions

pytestmark = pytest.mark.django_db
S = Payout.State
ZERO = Decimal("0")


def _state():
    counts = {m._meta.label: m.objects.count() for m in apps.get_models() if not m._meta.proxy}
    payouts = list(
        Payout.objects.order_by("pk").values_list(
            "number", "state", "amount", "allocated_on", "disbursed_on", "bank_account", "updated_at"
        )
    )
    return counts, payouts


def test_demo_payouts_every_state_dashboard_bank_list_and_second_load(client):
    """One test (the whole demo takes a while): the content, the dashboard and the bank list, then a second load
    that creates nothing."""
    ensure_regions()
    out = io.StringIO()
    call_command("demo", stdout=out)
    output = out.getvalue()
    assert "Payouts (资金拨付): 11 payouts" in output and "overdue 15 days" in output

    payouts = {p.state: p for p in demo.demo_payouts().order_by("-pk")}
    assert set(payouts) == set(S.values)
    _the_reward_rule_and_what_it_skipped()
    _each_step_by_its_login()
    _the_overdue_allocation()
    _the_compensation_was_paid()
    _dashboard_totals_are_sums_over_the_records(client)
    _bank_list_of_hangzhou(client)
    _pages_of_the_logins(client)
    _the_clawback(client)

    before = _state()
    assert demo.load() is False
    assert _state() == before


def _the_reward_rule_and_what_it_skipped():
    rule = RewardRule.objects.get(batch__name=CONCLUDED_NAME)
    assert rule.budget_year == 2025 and rule.exclude_components and rule.updated_by.username == "prov_staff"
    assert list(rule.excluded_cities.values_list("code", flat=True)) == ["3302"]
    [guided] = rule.list_guided.all()
    assert guided.enterprise.memberships.filter(user__username=demo.LIST_GUIDED).exists()

    recognitions = Recognition.objects.filter(batch__name=CONCLUDED_NAME)
    rewards = Payout.objects.filter(kind=Kind.REWARD)
    assert rewards.count() == len(demo.REWARDS) == 10
    assert set(rewards.values_list("year", flat=True)) == {2025}
    reasons = {}
    for rec in recognitions:
        payout = rewards.filter(recognition=rec).first()
        if payout is not None and rec.revocation_document == demo.CLAWBACK_DOCUMENT:
            continue  # revoked after its reward was paid: the claw-back (_the_clawback)
        amount, reason, _working = reward_decision(rule, rec)
        assert (payout is None) == (amount is None), rec
        if payout is not None:
            assert payout.amount == amount == rule.amount_for(rec.level) and payout.working["applied"]
        else:
            reasons[rec.enterprise_name] = reason
    assert "零部件" in reasons["浙江双环传动机械股份有限公司"]
    assert "宁波" in reasons["宁波北仑港机装备有限公司"]
    assert "清单引导" in reasons[guided.enterprise_name]
    assert "撤销" in reasons["江山衢江智能装备有限公司"]
    assert sum(1 for r in reasons.values() if "零部件" in r) == 4


def _each_step_by_its_login():
    for s in demo.REWARDS:
        p = Payout.objects.get(kind=Kind.REWARD, recognition__enterprise__memberships__user__username=s["login"])
        assert p.state == s["state"], s
        if p.state == S.REJECTED:
            assert p.rejected_reason == demo.REJECT_REASON and p.rejected_by.username == "prov_staff"
            continue
        if p.state != S.PROPOSED:
            assert p.industry_approved_by.username == "prov_staff" and p.industry_approved_at
        if p.state in (S.FINANCE_APPROVED, S.ALLOCATED, S.DISBURSED):
            assert p.finance_approved_by.username == "prov_finance"
        if p.state in (S.ALLOCATED, S.DISBURSED):
            assert p.allocated_by.username == "prov_finance" and p.allocation_document.startswith("浙财企〔")
            assert p.due_on == p.allocated_on + dt.timedelta(days=30)
            # The proposal and approvals were moved back before the allocation (one audit event each).
            assert p.created_at < p.industry_approved_at < p.finance_approved_at
            assert timezone.localdate(p.finance_approved_at) < p.allocated_on
            assert AuditEvent.objects.filter(action="demo.payout_backdated", object_id=str(p.pk)).count() == 1
        if p.state == S.DISBURSED:
            assert p.disbursed_by.username == s["local"] and p.bank_reference == s["reference"]
            assert p.allocated_on < p.disbursed_on <= timezone.localdate()
    rewards = Payout.objects.filter(kind=Kind.REWARD)
    with_account = rewards.exclude(bank_account="")
    assert with_account.count() >= rewards.count() // 2 + 1
    assert set(rewards.filter(bank_account="").values_list("enterprise__memberships__user__username", flat=True)) >= {
        "haideman"
    }


def _the_overdue_allocation():
    today = timezone.localdate()
    late = [p for p in Payout.objects.filter(state=S.ALLOCATED) if overdue(p, today)]
    [p] = late
    assert p.city.code == "3301" and p.bank_account and (today - p.allocated_on).days == 45
    assert overdue(p, today)["days_overdue"] == 15 and p.overdue_notified_at is not None
    assert Notification.objects.filter(kind="payout.overdue", recipient__username="prov_finance").exists()


def _the_compensation_was_paid():
    [claim] = Claim.objects.filter(state=Claim.State.PAYABLE)
    p = Payout.objects.get(claim=claim)
    assert p.kind == Kind.COMPENSATION and p.state == S.DISBURSED and p.amount == claim.approved_amount
    assert p.year == timezone.localdate(claim.approved_at).year
    assert p.disbursed_by.username == demo.COMPENSATION_LOCAL and p.bank_reference == demo.COMPENSATION_REFERENCE
    budget = Budget.objects.get(year=p.year, kind=Kind.COMPENSATION)
    assert budget.amount == demo.COMPENSATION_BUDGET


def _sum(qs):
    return qs.aggregate(s=Sum("amount"))["s"] or ZERO


def _dashboard_totals_are_sums_over_the_records(client):
    prov = User.objects.get(username="prov_staff")
    t = totals(user=prov, year=2025)
    records = Payout.objects.filter(year=2025)
    rewards = records.filter(kind=Kind.REWARD)
    assert rewards.count() == records.count() == 10
    for code, _label, states in GROUPS:
        cell = t.overall.cells[code]
        of_group = records.filter(state__in=states)
        assert (cell.count, cell.amount) == (of_group.count(), _sum(of_group)), code
    [year] = t.years
    [reward_row] = [r for r in year.rows if r.code == Kind.REWARD]
    not_rejected = rewards.exclude(state=S.REJECTED)
    assert (reward_row.count, reward_row.amount) == (not_rejected.count(), _sum(not_rejected))
    assert reward_row.amount == Decimal("6500000.00")  # 7 million proposed, 0.5 million rejected
    assert t.overall.cells["disbursed"].amount == Decimal("2500000.00")
    for row in t.by_level:
        assert row.amount == _sum(not_rejected.filter(level=row.code)), row.code
    for row in t.by_city:
        assert row.amount == _sum(not_rejected.filter(city_id=row.code)), row.label
    [position] = [b for b in t.budgets if (b.year, b.kind) == (2025, Kind.REWARD)]
    committed = rewards.filter(state__in=Payout.COMMITTED)
    repaid = sum((r.repaid_amount for r in Recovery.objects.filter(payout__in=rewards)), Decimal("0"))
    assert repaid == demo.CLAWBACK_REPAID
    assert position.amount == demo.REWARD_BUDGET and _sum(committed) == Decimal("5000000.00")
    assert position.committed == _sum(committed) - repaid == Decimal("4800000.00")  # the repaid 200,000 is back
    assert position.remaining == Decimal("1200000.00")
    assert [o.number for o in t.overdue] == list(
        records.filter(state=S.ALLOCATED, due_on__lt=timezone.localdate()).values_list("number", flat=True)
    )

    client.force_login(prov)
    page = client.get("/payouts/dashboard/?year=2025")
    assert page.status_code == 200
    html = page.content.decode()
    assert "650.00" in html and "250.00" in html  # 万元: the total, and what was disbursed
    assert t.overdue[0].number in html
    client.logout()


def _bank_list_of_hangzhou(client):
    hangzhou = Region.objects.get(code="3301")
    hz_finance = User.objects.get(username="hz_finance")
    rows = bank_rows(user=hz_finance, city=hangzhou)
    assert rows and all(p.state == S.ALLOCATED and p.city_id == hangzhou.pk for p in rows)
    _name, content = bank_payment_list(user=hz_finance, city_id=str(hangzhou.pk))
    cells = [c for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for c in row if c]
    for p in rows:
        assert p.number in cells and p.enterprise_name in cells and p.bank_account in cells
    client.force_login(hz_finance)
    response = client.get(f"/payouts/bank-list/?city={hangzhou.pk}")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    client.logout()


def _pages_of_the_logins(client):
    """The list as 杭州's finance bureau (the overdue one flagged) and as an enterprise (its own two payouts)."""
    client.force_login(User.objects.get(username="hz_finance"))
    html = client.get("/payouts/?city=&overdue=true").content.decode()
    [late] = Payout.objects.filter(state=S.ALLOCATED, city__code="3301")
    assert late.number in html and "已逾期 15 日" in html
    client.force_login(User.objects.get(username="caihong"))
    page = client.get("/payouts/")
    assert page.status_code == 200
    mine = Payout.objects.filter(enterprise__memberships__user__username="caihong")
    assert mine.count() == 2 and all(p.number in page.content.decode() for p in mine)
    client.logout()


def _the_clawback(client):
    """天润's reward was disbursed, then its recognition revoked: one recovery owed by the enterprise, partly repaid;
    the enterprise reaches it from its menu."""
    from recognition.models import Recognition

    [recovery] = Recovery.objects.select_related("payout__recognition")
    payout, rec = recovery.payout, recovery.payout.recognition
    assert payout.kind == Kind.REWARD and payout.state == S.DISBURSED
    assert payout.enterprise.memberships.filter(user__username=demo.CLAWBACK_LOGIN).exists()
    assert rec.status == Recognition.Status.REVOKED and rec.revocation_document == demo.CLAWBACK_DOCUMENT
    assert recovery.debtor == Recovery.Debtor.ENTERPRISE and recovery.amount == payout.amount == Decimal("500000.00")
    assert recovery.state == Recovery.State.OPEN and recovery.repaid_amount == demo.CLAWBACK_REPAID
    assert recovery.reason == f"认定已撤销（{demo.CLAWBACK_DOCUMENT}）"
    [repayment] = recovery.repayments.all()
    assert repayment.reference == demo.CLAWBACK_REFERENCE and repayment.recorded_by.username == "hz_finance"
    assert repayment.paid_on < timezone.localdate()
    client.force_login(User.objects.get(username=demo.CLAWBACK_LOGIN))
    html = client.get("/payouts/recoveries/").content.decode()
    assert f'data-recovery="{recovery.pk}"' in html and 'href="/payouts/recoveries/"' in html
    client.logout()
