"""拨付 pages: the list per role with its filters, export links and constant queries; the detail with the source,
the working, the steps, the budget and the 30-day working; the industry and finance decisions (each only for its
own department: the button absent and the POST refused); the allocation of a city's payouts; the local bureau's
disbursement; the enterprise's bank account. Refusals show next to their field and write nothing; payouts outside
a user's scope answer 404."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payouts.models import Kind, Payout
from tests.payouts import builders as b

pytestmark = pytest.mark.django_db
S = Payout.State


def _get(pk):
    return Payout.objects.get(pk=pk)


def _act(client, payout, action, **data):
    return client.post(reverse("payout_action", args=[payout.pk]), {"action": action, **data})


# --- the list ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user", ["province_user", "finance_user", "regulator_user", "hz_user", "binjiang_user", "ent_hz_user"]
)
def test_list_shows_payout_to_roles_in_scope(client, world, user):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(getattr(world, user))
    response = client.get(reverse("payout_list"))
    assert response.status_code == 200
    assert payout.number in response.content.decode()


@pytest.mark.parametrize("user", ["nb_user", "ent_nb_user"])
def test_list_hides_payouts_out_of_scope(client, world, user):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(getattr(world, user))
    html = client.get(reverse("payout_list")).content.decode()
    assert payout.number not in html and 'data-testid="empty"' in html


def test_list_refused_to_expert_and_asks_anonymous_to_log_in(client, world):
    client.force_login(world.expert_user)
    assert client.get(reverse("payout_list")).status_code == 403
    client.logout()
    assert client.get(reverse("payout_list")).status_code == 302


def test_enterprise_sees_my_payouts_without_staff_columns(client, world):
    b.reward_payout(b.recognition(world))
    client.force_login(world.ent_hz_user)
    html = client.get(reverse("payout_list")).content.decode()
    assert "我的拨付" in html and 'data-testid="bank-list"' not in html and 'name="city"' not in html


def test_list_empty_state(client, world):
    client.force_login(world.province_user)
    html = client.get(reverse("payout_list")).content.decode()
    assert 'data-testid="empty"' in html and "暂无拨付" in html


def test_list_filters_and_export_links_keep_the_query(client, world):
    reward = b.reward_payout(b.recognition(world, level="international"))
    compensation = b.compensation_payout(world)
    client.force_login(world.province_user)
    html = client.get(reverse("payout_list"), {"kind": "compensation"}).content.decode()
    assert compensation.number in html and reward.number not in html
    html = client.get(reverse("payout_list"), {"q": reward.recognition.certificate_number}).content.decode()
    assert reward.number in html and compensation.number not in html
    html = client.get(reverse("payout_list"), {"level": "international", "year": str(reward.year)}).content.decode()
    assert reward.number in html and compensation.number not in html
    html = client.get(reverse("payout_list"), {"state": "disbursed"}).content.decode()
    assert 'data-testid="empty"' in html and "没有符合条件的拨付" in html
    html = client.get(reverse("payout_list"), {"kind": "reward", "city": str(reward.city_id)}).content.decode()
    assert f'href="{reverse("payout_export")}?kind=reward&amp;city={reward.city_id}"' in html
    assert f'href="{reverse("bank_payment_list")}?kind=reward&amp;city={reward.city_id}"' in html


def test_list_bad_filter_is_reported_and_ignored(client, world):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(world.province_user)
    response = client.get(reverse("payout_list"), {"state": "nonsense"})
    assert response.status_code == 200 and payout.number in response.content.decode()


def _rows(world, n):
    batch = b.batch()
    recognitions = [b.recognition(world, batch=batch) for _ in range(n)]
    b.reward_payout(recognitions[0])
    return batch


def _list_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("payout_list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_constant_for_1_and_20_rows(client, world):
    _rows(world, 1)
    one = _list_queries(client, world.province_user)
    Payout.objects.all().delete()
    _rows(world, 20)
    assert Payout.objects.count() == 20
    assert _list_queries(client, world.province_user) == one


def test_list_overdue_filter_and_marker(client, world):
    today = timezone.localdate()
    late = b.reward_payout(b.recognition(world), state="allocated", allocated_on=today - dt.timedelta(days=40))
    fresh = b.reward_payout(b.recognition(world), state="allocated", allocated_on=today)
    client.force_login(world.province_user)
    html = client.get(reverse("payout_list"), {"overdue": "true"}).content.decode()
    assert late.number in html and fresh.number not in html
    assert "已逾期 10 日" in html


# --- the detail --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user", ["province_user", "finance_user", "regulator_user", "hz_user", "binjiang_user", "ent_hz_user"]
)
def test_detail_renders_for_roles_in_scope(client, world, user):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(getattr(world, user))
    response = client.get(reverse("payout_detail", args=[payout.pk]))
    assert response.status_code == 200 and payout.number in response.content.decode()


@pytest.mark.parametrize("user", ["hz_user", "binjiang_user", "ent_hz_user"])
def test_detail_out_of_scope_is_404(client, world, user):
    payout = b.reward_payout(b.recognition(world.ent_nb), rule={"excluded_city_ids": []})
    client.force_login(getattr(world, user))
    assert client.get(reverse("payout_detail", args=[payout.pk])).status_code == 404
    assert _act(client, payout, "approve_industry").status_code == 404


def test_detail_shows_source_working_steps_and_budget(client, world):
    recognition = b.recognition(world, level="domestic")
    b.budget(2026, Kind.REWARD, "5000000")
    payout = b.reward_payout(recognition, state="industry_approved")
    client.force_login(world.finance_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert reverse("recognition_detail", args=[recognition.pk]) in html
    assert "1,000,000.00" in html and "国内首台（套）奖励（元）" in html  # the amount and the rule that applied
    assert 'data-step="industry_approved" data-done="true"' in html and str(world.province_user) in html
    assert 'data-step="finance_approved" data-done="false"' in html
    assert 'data-testid="budget-position"' in html and "400.00 万元" in html  # 500 万 − 100 万 committed


def test_detail_of_compensation_links_the_claim(client, world):
    payout = b.compensation_payout(world)
    client.force_login(world.ent_hz_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert reverse("claim_detail", args=[payout.claim_id]) in html and payout.claim.number in html
    assert reverse("recognition_mine") in html
    assert 'data-testid="budget-position"' not in html  # budgets are the bureaus' business


def test_overdue_working_shown_in_detail(client, world):
    today = timezone.localdate()
    allocated_on = today - dt.timedelta(days=45)
    payout = b.reward_payout(b.recognition(world), state="allocated", allocated_on=allocated_on)
    client.force_login(world.hz_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    due = allocated_on + dt.timedelta(days=30)
    assert f"下达日期 {allocated_on:%Y-%m-%d} + 30日 = 应拨付日期 {due:%Y-%m-%d}" in html
    assert "已逾期 15 日" in html and 'data-testid="overdue-alert"' in html


def test_deadline_days_left_when_not_yet_due(client, world):
    payout = b.reward_payout(
        b.recognition(world), state="allocated", allocated_on=timezone.localdate() - dt.timedelta(days=10)
    )
    client.force_login(world.hz_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert "尚余 20 日" in html and "已逾期" not in html


# --- industry and finance decisions -------------------------------------------------------------------------------


def test_industry_approves_finance_cannot(client, world):
    payout = b.reward_payout(b.recognition(world))
    b.budget(payout.year, Kind.REWARD, b.BIG)
    client.force_login(world.finance_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert 'value="approve_industry"' not in html and 'value="reject_industry"' not in html
    assert _act(client, payout, "approve_industry").status_code == 403
    assert _act(client, payout, "reject_industry", reason="x").status_code == 403
    assert _get(payout.pk).state == S.PROPOSED

    client.force_login(world.province_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert 'value="approve_industry"' in html and 'value="reject_industry"' in html
    assert _act(client, payout, "approve_industry").status_code == 302
    assert _get(payout.pk).state == S.INDUSTRY_APPROVED
    # A second click: the state moved on; nothing more happens.
    response = _act(client, payout, "approve_industry")
    assert response.status_code == 302 and _get(payout.pk).state == S.INDUSTRY_APPROVED


def test_finance_approves_industry_cannot(client, world):
    payout = b.reward_payout(b.recognition(world), state="industry_approved")
    client.force_login(world.province_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert 'value="approve_finance"' not in html and 'data-testid="actions"' not in html
    assert _act(client, payout, "approve_finance").status_code == 403
    assert _act(client, payout, "reject_finance", reason="x").status_code == 403
    assert _get(payout.pk).state == S.INDUSTRY_APPROVED

    client.force_login(world.finance_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert 'value="approve_finance"' in html and 'value="reject_finance"' in html
    assert _act(client, payout, "approve_finance").status_code == 302
    assert _get(payout.pk).state == S.FINANCE_APPROVED


@pytest.mark.parametrize("user", ["regulator_user", "hz_user", "ent_hz_user"])
def test_others_cannot_decide(client, world, user):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(getattr(world, user))
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert 'name="action"' not in html
    assert _act(client, payout, "approve_industry").status_code == 403
    assert _get(payout.pk).state == S.PROPOSED


def test_approval_over_budget_shows_the_budget_and_writes_nothing(client, world):
    payout = b.reward_payout(b.recognition(world))
    b.budget(payout.year, Kind.REWARD, "300000")
    client.force_login(world.province_user)
    response = _act(client, payout, "approve_industry")
    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="action-errors"' in html and "剩余 300,000.00 元" in html
    assert _get(payout.pk).state == S.PROPOSED


def test_approval_without_budget_is_refused(client, world):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(world.province_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert "尚未设置该年度预算" in html
    response = _act(client, payout, "approve_industry")
    assert response.status_code == 400 and "尚未设置" in response.content.decode()
    assert _get(payout.pk).state == S.PROPOSED


def test_reject_needs_reason_next_to_field(client, world):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(world.province_user)
    response = _act(client, payout, "reject_industry", reason="  ")
    assert response.status_code == 400 and 'data-field-error="reason"' in response.content.decode()
    assert _get(payout.pk).state == S.PROPOSED
    assert _act(client, payout, "reject_industry", reason="重复申报").status_code == 302
    payout = _get(payout.pk)
    assert payout.state == S.REJECTED and payout.rejected_reason == "重复申报"
    client.force_login(world.ent_hz_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert "重复申报" in html and 'data-step="rejected"' in html


def test_unknown_action_changes_nothing(client, world):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(world.province_user)
    assert _act(client, payout, "disburse").status_code == 302
    assert _get(payout.pk).state == S.PROPOSED


# --- allocation ------------------------------------------------------------------------------------------------


def test_finance_allocates_several_payouts_of_a_city(client, world):
    first = b.reward_payout(b.recognition(world), state="finance_approved")
    second = b.compensation_payout(world, state="finance_approved")
    client.force_login(world.finance_user)
    html = client.get(reverse("payout_allocate")).content.decode()
    assert 'data-testid="allocate-cities"' in html and "杭州市" in html and 'hx-get="' in html
    url = reverse("payout_allocate") + f"?city={first.city_id}"
    html = client.get(url).content.decode()
    assert first.number in html and second.number in html
    partial = client.get(url + "&partial=1", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="allocate-form"' in partial and "<html" not in partial
    day = timezone.localdate() - dt.timedelta(days=2)
    response = client.post(
        reverse("payout_allocate"),
        {
            "city": first.city_id,
            "payouts": [first.pk, second.pk],
            "allocated_on": day.isoformat(),
            "document": "浙财企〔2026〕8号",
        },
    )
    assert response.status_code == 302
    for payout in (_get(first.pk), _get(second.pk)):
        assert payout.state == S.ALLOCATED and payout.allocated_on == day
        assert payout.due_on == day + dt.timedelta(days=30) and payout.allocation_document == "浙财企〔2026〕8号"


def test_allocate_refuses_future_date_next_to_field(client, world):
    payout = b.reward_payout(b.recognition(world), state="finance_approved")
    client.force_login(world.finance_user)
    response = client.post(
        reverse("payout_allocate"),
        {
            "city": payout.city_id,
            "payouts": [payout.pk],
            "allocated_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 400 and 'data-field-error="allocated_on"' in response.content.decode()
    assert _get(payout.pk).state == S.FINANCE_APPROVED


def test_allocate_needs_a_payout_chosen(client, world):
    payout = b.reward_payout(b.recognition(world), state="finance_approved")
    client.force_login(world.finance_user)
    response = client.post(
        reverse("payout_allocate"), {"city": payout.city_id, "allocated_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400 and 'data-field-error="payouts"' in response.content.decode()
    assert _get(payout.pk).state == S.FINANCE_APPROVED


@pytest.mark.parametrize("user", ["province_user", "hz_user", "ent_hz_user"])
def test_allocate_is_finance_only(client, world, user):
    payout = b.reward_payout(b.recognition(world), state="finance_approved")
    client.force_login(getattr(world, user))
    assert client.get(reverse("payout_allocate")).status_code == 403
    response = client.post(
        reverse("payout_allocate"),
        {"city": payout.city_id, "payouts": [payout.pk], "allocated_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 403 and _get(payout.pk).state == S.FINANCE_APPROVED


def test_allocate_button_on_the_detail_for_finance(client, world):
    payout = b.reward_payout(b.recognition(world), state="finance_approved")
    client.force_login(world.finance_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert f"{reverse('payout_allocate')}?city={payout.city_id}&amp;payout={payout.pk}" in html
    client.force_login(world.province_user)
    assert 'data-action="allocate"' not in client.get(reverse("payout_detail", args=[payout.pk])).content.decode()


# --- disbursement ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["hz_user", "binjiang_user"])
def test_local_bureau_disburses(client, world, user):
    allocated_on = timezone.localdate() - dt.timedelta(days=5)
    payout = b.reward_payout(b.recognition(world), state="allocated", allocated_on=allocated_on)
    client.force_login(getattr(world, user))
    detail = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert reverse("payout_disburse", args=[payout.pk]) in detail
    url = reverse("payout_disburse", args=[payout.pk])
    page = client.get(url).content.decode()
    assert payout.bank_account in page and "应拨付日期" in page
    response = client.post(
        url, {"disbursed_on": (allocated_on - dt.timedelta(days=1)).isoformat(), "bank_reference": "LS1"}
    )
    assert response.status_code == 400 and 'data-field-error="disbursed_on"' in response.content.decode()
    assert _get(payout.pk).state == S.ALLOCATED
    response = client.post(url, {"disbursed_on": timezone.localdate().isoformat(), "bank_reference": ""})
    assert response.status_code == 400 and 'data-field-error="bank_reference"' in response.content.decode()
    assert (
        client.post(url, {"disbursed_on": timezone.localdate().isoformat(), "bank_reference": "LS20260001"}).status_code
        == 302
    )
    payout = _get(payout.pk)
    assert payout.state == S.DISBURSED and payout.bank_reference == "LS20260001"
    # Never twice: the page sends the bureau back to the detail, the payment stays as it was.
    response = client.post(url, {"disbursed_on": timezone.localdate().isoformat(), "bank_reference": "LS2"})
    assert response.status_code == 302 and _get(payout.pk).bank_reference == "LS20260001"


@pytest.mark.parametrize("user", ["province_user", "finance_user", "ent_hz_user"])
def test_disburse_refused_to_others(client, world, user):
    payout = b.reward_payout(b.recognition(world), state="allocated")
    client.force_login(getattr(world, user))
    url = reverse("payout_disburse", args=[payout.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"disbursed_on": timezone.localdate().isoformat(), "bank_reference": "LS1"})
    assert response.status_code == 403 and _get(payout.pk).state == S.ALLOCATED


def test_disburse_of_other_city_is_404(client, world):
    payout = b.reward_payout(b.recognition(world), state="allocated")
    client.force_login(world.nb_user)
    assert client.get(reverse("payout_disburse", args=[payout.pk])).status_code == 404


# --- the enterprise's bank account ---------------------------------------------------------------------------


def test_enterprise_fills_bank_account(client, world):
    payout = b.reward_payout(b.recognition(world))
    client.force_login(world.ent_hz_user)
    detail = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert "企业尚未填写收款账户" in detail and reverse("payout_bank_account", args=[payout.pk]) in detail
    url = reverse("payout_bank_account", args=[payout.pk])
    response = client.post(url, {"bank_name": "中国银行杭州分行", "bank_account": "12AB"})
    assert response.status_code == 400 and 'data-field-error="bank_account"' in response.content.decode()
    assert _get(payout.pk).bank_account == ""
    assert client.post(url, {"bank_name": "中国银行杭州分行", "bank_account": "6216 6100 0000 1234"}).status_code == 302
    payout = _get(payout.pk)
    assert payout.bank_name == "中国银行杭州分行" and payout.bank_account == "6216610000001234"


def test_bank_account_is_the_enterprises(client, world):
    payout = b.reward_payout(b.recognition(world))
    url = reverse("payout_bank_account", args=[payout.pk])
    client.force_login(world.hz_user)
    assert client.get(url).status_code == 403
    assert client.post(url, {"bank_name": "x", "bank_account": "12345678"}).status_code == 403
    client.force_login(world.ent_nb_user)
    assert client.get(url).status_code == 404
    assert _get(payout.pk).bank_account == ""


def test_amount_is_shown_in_yuan_and_wan(client, world):
    payout = b.reward_payout(b.recognition(world, level="provincial"))
    assert payout.amount == Decimal("500000.00")
    client.force_login(world.ent_hz_user)
    html = client.get(reverse("payout_detail", args=[payout.pk])).content.decode()
    assert "500,000.00" in html and "50.00" in html
