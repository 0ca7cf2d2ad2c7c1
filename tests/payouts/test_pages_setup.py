"""Setup pages of 资金拨付: the batches' reward rules and the proposal of rewards (province industry staff), the
yearly budgets with their position (read by industry and finance, set by finance), and the recoveries with their
repayments. Wrong roles get 403 (and the POST writes nothing); refusals show next to their field."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Region
from payouts.models import Budget, Kind, Payout, Recovery, RewardRule
from payouts.services.budgets import budget_position
from recognition.services import recognitions as recognition_services
from tests import factories as f
from tests.payouts import builders as b

pytestmark = pytest.mark.django_db


def _rule_data(**overrides):
    data = {
        "amount_international": "2000000",
        "amount_domestic": "1000000",
        "amount_provincial": "500000",
        "exclude_components": "on",
        "budget_year": "2026",
        "note": "",
    }
    data.update(overrides)
    return data


# --- reward rules ------------------------------------------------------------------------------------------------


def test_rule_list_shows_batches_with_rule_or_not_set(client, world):
    unset = b.recognition(world).batch
    with_rule = b.recognition(world).batch
    b.reward_rule(with_rule)
    client.force_login(world.province_user)
    html = client.get(reverse("reward_rule_list")).content.decode()
    assert unset.name in html and with_rule.name in html
    assert f'data-batch="{unset.pk}"' in html and 'data-testid="no-rule"' in html
    assert reverse("reward_rule_edit", args=[with_rule.pk]) in html


@pytest.mark.parametrize("user", ["finance_user", "regulator_user", "hz_user", "ent_hz_user"])
def test_rule_pages_are_province_industry_only(client, world, user):
    batch = b.recognition(world).batch
    client.force_login(getattr(world, user))
    assert client.get(reverse("reward_rule_list")).status_code == 403
    assert client.get(reverse("reward_rule_edit", args=[batch.pk])).status_code == 403
    assert client.post(reverse("reward_rule_edit", args=[batch.pk]), _rule_data()).status_code == 403
    assert client.post(reverse("reward_propose", args=[batch.pk])).status_code == 403
    assert not RewardRule.objects.exists() and not Payout.objects.exists()


def test_rule_form_defaults_and_choices(client, world):
    recognition = b.recognition(world)
    client.force_login(world.province_user)
    html = client.get(reverse("reward_rule_edit", args=[recognition.batch_id])).content.decode()
    ningbo, hangzhou = Region.objects.get(code="3302"), Region.objects.get(code="3301")
    assert f'value="{ningbo.pk}"' in html and html.count('name="excluded_cities"') == 11
    assert re.search(rf'name="excluded_cities" value="{ningbo.pk}"[^>]*checked', html)
    assert not re.search(rf'name="excluded_cities" value="{hangzhou.pk}"[^>]*checked', html)
    assert f'name="list_guided" value="{recognition.pk}"' in html
    assert f'value="{recognition.batch.year + 1}"' in html and 'data-testid="no-rule"' in html
    # Amounts with two decimals, like everywhere else.
    assert 'name="amount_international" value="2000000.00"' in html
    assert 'name="amount_provincial" value="500000.00"' in html


def test_rule_change_after_proposals_warns_which_payouts_keep_their_amount(client, world):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(world.province_user)
    response = client.post(
        reverse("reward_rule_edit", args=[payout.recognition.batch_id]), _rule_data(amount_domestic="800000"), follow=True
    )
    html = response.content.decode()
    assert "仍按原金额办理" in html and payout.number in html
    assert Payout.objects.get(pk=payout.pk).amount == Decimal("1000000.00")


def test_rule_saved_with_exclusions(client, world):
    recognition = b.recognition(world)
    other = b.recognition(world, batch=recognition.batch)
    ningbo = Region.objects.get(code="3302")
    wenzhou = Region.objects.get(code="3303")
    client.force_login(world.province_user)
    response = client.post(
        reverse("reward_rule_edit", args=[recognition.batch_id]),
        _rule_data(
            amount_domestic="800000", list_guided=[str(other.pk)], excluded_cities=[str(ningbo.pk), str(wenzhou.pk)]
        ),
    )
    assert response.status_code == 302
    rule = RewardRule.objects.get(batch=recognition.batch)
    assert rule.amount_domestic == Decimal("800000.00") and rule.budget_year == 2026
    assert set(rule.list_guided.values_list("pk", flat=True)) == {other.pk}
    assert set(rule.excluded_cities.values_list("code", flat=True)) == {"3302", "3303"}
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="rule-set"' in html and "清单引导、标准认定的产品不予奖励" in html  # the preview
    assert "80.00" in html  # 800,000 yuan as 万元 for the recognition that gets it


def test_rule_errors_next_to_field_write_nothing(client, world):
    batch = b.recognition(world).batch
    client.force_login(world.province_user)
    response = client.post(reverse("reward_rule_edit", args=[batch.pk]), _rule_data(amount_domestic="-1"))
    assert response.status_code == 400 and 'data-field-error="amount_domestic"' in response.content.decode()
    response = client.post(reverse("reward_rule_edit", args=[batch.pk]), _rule_data(budget_year="1999"))
    assert response.status_code == 400 and 'data-field-error="budget_year"' in response.content.decode()
    response = client.post(reverse("reward_rule_edit", args=[batch.pk]), _rule_data(amount_provincial="1.234"))
    assert response.status_code == 400 and 'data-field-error="amount_provincial"' in response.content.decode()
    assert not RewardRule.objects.exists()


def test_rule_refuses_recognition_of_another_batch(client, world):
    batch = b.recognition(world).batch
    stranger = b.recognition(world)
    client.force_login(world.province_user)
    response = client.post(reverse("reward_rule_edit", args=[batch.pk]), _rule_data(list_guided=[str(stranger.pk)]))
    assert response.status_code == 400 and 'data-field-error="list_guided"' in response.content.decode()
    assert not RewardRule.objects.exists()


def test_rule_of_unknown_batch_is_404(client, world):
    client.force_login(world.province_user)
    assert client.get(reverse("reward_rule_edit", args=[999999])).status_code == 404


def test_propose_shows_created_and_skipped_with_reasons(client, world):
    batch = b.batch()
    domestic = b.recognition(world, batch=batch)
    component = b.recognition(world, batch=batch, equipment_form="component")
    ningbo = b.recognition(world.ent_nb, batch=batch)
    b.reward_rule(batch)
    client.force_login(world.province_user)
    html = client.get(reverse("reward_rule_edit", args=[batch.pk])).content.decode()
    assert 'data-testid="propose"' in html
    response = client.post(reverse("reward_propose", args=[batch.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    payout = Payout.objects.get()
    assert payout.recognition_id == domestic.pk and payout.number in html
    assert f'data-recognition="{component.pk}"' in html and "零部件类产品不予奖励" in html
    assert f'data-recognition="{ningbo.pk}"' in html and "宁波市执行本地政策" in html
    assert "新提出 1 笔" in html
    # Again: nothing new; the earlier one is counted.
    html = client.post(reverse("reward_propose", args=[batch.pk])).content.decode()
    assert Payout.objects.count() == 1 and "新提出 0 笔" in html and "此前已提出 1 笔" in html


def test_propose_without_rule_is_refused(client, world):
    batch = b.recognition(world).batch
    client.force_login(world.province_user)
    response = client.post(reverse("reward_propose", args=[batch.pk]))
    assert response.status_code == 400 and "请先设置该批次的奖励规则" in response.content.decode()
    assert not Payout.objects.exists()


# --- budgets -----------------------------------------------------------------------------------------------------


def test_finance_sets_budget_with_position(client, world):
    payout = b.reward_payout(b.recognition(world), state="industry_approved")  # budget BIG made by the builder
    client.force_login(world.finance_user)
    html = client.get(reverse("budget_list")).content.decode()
    assert 'data-testid="budget-form"' in html and f'data-budget="{payout.year}-reward"' in html
    response = client.post(reverse("budget_list"), {"year": str(payout.year), "kind": "reward", "amount": "3000000"})
    assert response.status_code == 302
    assert Budget.objects.get(year=payout.year, kind=Kind.REWARD).amount == Decimal("3000000.00")
    html = client.get(reverse("budget_list")).content.decode()
    position = budget_position(payout.year, Kind.REWARD)
    assert position["remaining"] == Decimal("2000000.00")
    assert '<td class="text-end" data-col="remaining">200.00</td>' in html
    assert '<td class="text-end" data-col="committed">100.00</td>' in html


def test_budget_below_committed_refused_next_to_amount(client, world):
    payout = b.reward_payout(b.recognition(world), state="industry_approved")
    client.force_login(world.finance_user)
    response = client.post(reverse("budget_list"), {"year": str(payout.year), "kind": "reward", "amount": "10"})
    assert response.status_code == 400 and 'data-field-error="amount"' in response.content.decode()
    assert Budget.objects.get(year=payout.year, kind=Kind.REWARD).amount == b.BIG


def test_budget_form_errors_write_nothing(client, world):
    client.force_login(world.finance_user)
    response = client.post(reverse("budget_list"), {"year": "abc", "kind": "bonus", "amount": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert (
        'data-field-error="year"' in html and 'data-field-error="kind"' in html and 'data-field-error="amount"' in html
    )
    assert not Budget.objects.exists()


def test_budget_edit_link_fills_the_form(client, world):
    b.budget(2027, Kind.COMPENSATION, "1234567.89", note="年初预算")
    client.force_login(world.finance_user)
    html = client.get(reverse("budget_list"), {"year": "2027", "kind": "compensation"}).content.decode()
    assert 'value="1234567.89"' in html and "年初预算" in html


def test_industry_reads_budgets_but_cannot_set(client, world):
    b.budget(2026, Kind.REWARD, "5000000")
    client.force_login(world.province_user)
    html = client.get(reverse("budget_list")).content.decode()
    assert 'data-budget="2026-reward"' in html and 'data-testid="budget-form"' not in html
    response = client.post(reverse("budget_list"), {"year": "2026", "kind": "reward", "amount": "1"})
    assert response.status_code == 403
    assert Budget.objects.get().amount == Decimal("5000000.00")


@pytest.mark.parametrize("user", ["regulator_user", "hz_user", "ent_hz_user", "expert_user"])
def test_budgets_refused_to_others(client, world, user):
    client.force_login(getattr(world, user))
    assert client.get(reverse("budget_list")).status_code == 403
    assert client.post(reverse("budget_list"), {"year": "2026", "kind": "reward", "amount": "1"}).status_code == 403
    assert not Budget.objects.exists()


def test_budget_list_queries_constant(client, world):
    client.force_login(world.finance_user)
    b.budget(2026, Kind.REWARD, "1000")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("budget_list")).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for year in range(2010, 2020):
        b.budget(year, Kind.REWARD, "1000")
        b.budget(year, Kind.COMPENSATION, "1000")
    assert count() == one


# --- recoveries --------------------------------------------------------------------------------------------------


def _revoked_with_recovery(world):
    payout = b.reward_payout(b.recognition(world), state="disbursed")
    recognition_services.revoke(
        actor=world.province_user,
        recognition_id=payout.recognition_id,
        reason="提供虚假材料",
        document_number="浙经信装备〔2026〕99号",
    )
    return Payout.objects.get(pk=payout.pk), Recovery.objects.get(payout=payout)


@pytest.mark.parametrize(
    "user", ["province_user", "finance_user", "regulator_user", "hz_user", "binjiang_user", "ent_hz_user"]
)
def test_recoveries_listed_in_scope(client, world, user):
    payout, recovery = _revoked_with_recovery(world)
    client.force_login(getattr(world, user))
    html = client.get(reverse("recovery_list")).content.decode()
    assert f'data-recovery="{recovery.pk}"' in html
    detail = client.get(reverse("recovery_detail", args=[recovery.pk]))
    assert detail.status_code == 200 and "浙经信装备〔2026〕99号" in detail.content.decode()
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert 'data-testid="recovery"' in html and reverse("recovery_detail", args=[recovery.pk]) in html


@pytest.mark.parametrize("user", ["nb_user", "ent_nb_user"])
def test_recoveries_out_of_scope(client, world, user):
    _payout, recovery = _revoked_with_recovery(world)
    client.force_login(getattr(world, user))
    assert f'data-recovery="{recovery.pk}"' not in client.get(reverse("recovery_list")).content.decode()
    assert client.get(reverse("recovery_detail", args=[recovery.pk])).status_code == 404


def test_finance_records_repayments_until_repaid(client, world):
    payout, recovery = _revoked_with_recovery(world)
    url = reverse("recovery_detail", args=[recovery.pk])
    client.force_login(world.finance_user)
    assert 'data-testid="repayment-form"' in client.get(url).content.decode()
    today = timezone.localdate().isoformat()
    response = client.post(url, {"amount": str(payout.amount + 1), "paid_on": today, "reference": "JK1"})
    assert response.status_code == 400 and 'data-field-error="amount"' in response.content.decode()
    response = client.post(
        url, {"amount": "100", "paid_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(), "reference": "JK1"}
    )
    assert response.status_code == 400 and 'data-field-error="paid_on"' in response.content.decode()
    assert not recovery.repayments.exists()
    assert client.post(url, {"amount": "400000", "paid_on": today, "reference": "JK1"}).status_code == 302
    assert (
        client.post(url, {"amount": str(payout.amount - 400000), "paid_on": today, "reference": "JK2"}).status_code
        == 302
    )
    recovery = Recovery.objects.get(pk=recovery.pk)
    assert recovery.state == Recovery.State.REPAID and recovery.repaid_amount == payout.amount
    html = client.get(url).content.decode()
    assert 'data-state="repaid"' in html and "JK2" in html and 'data-testid="repayment-form"' not in html


@pytest.mark.parametrize("user", ["province_user", "hz_user", "ent_hz_user"])
def test_repayment_refused_to_others(client, world, user):
    _payout, recovery = _revoked_with_recovery(world)
    url = reverse("recovery_detail", args=[recovery.pk])
    client.force_login(getattr(world, user))
    assert 'data-testid="repayment-form"' not in client.get(url).content.decode()
    response = client.post(url, {"amount": "1", "paid_on": timezone.localdate().isoformat(), "reference": "x"})
    assert response.status_code == 403 and not recovery.repayments.exists()


def test_city_finance_bureau_records_repayment(client, world):
    _payout, recovery = _revoked_with_recovery(world)
    city_finance = f.member(f.bureau("city", "3301", department="finance", name="杭州市财政局"))
    client.force_login(city_finance)
    url = reverse("recovery_detail", args=[recovery.pk])
    assert 'data-testid="repayment-form"' in client.get(url).content.decode()
    response = client.post(url, {"amount": "1000", "paid_on": timezone.localdate().isoformat(), "reference": "JK9"})
    assert response.status_code == 302 and recovery.repayments.count() == 1


def test_recovery_list_empty_state(client, world):
    client.force_login(world.finance_user)
    html = client.get(reverse("recovery_list")).content.decode()
    assert 'data-testid="empty"' in html
