"""资金拨付 through the real pages (issue 8, acceptance).

Arranged through the builders: a closed 2025 batch with three recognitions — 杭州测试科技有限公司's domestic complete
machine (滨江, 杭州), 萧山测试装备有限公司's component (杭州) and 宁波测试机械有限公司's provincial machine (宁波) —, the
2026 reward budget (a 2025 batch's rewards are paid from the next year's budget) and this year's compensation
budget, and an insurance claim of 杭州测试科技 approved by the three departments (16,000.00 CNY), waiting to be
listed for payout.

1. Province industry staff set the batch's reward rule (the defaults: components and 宁波 excluded) and propose:
   one reward of 1,000,000.00 CNY, the other two skipped with their reasons. They approve it (industry).
2. The enterprise fills in its receiving account.
3. Province finance approve it and allocate it to 杭州 today (due in 30 days).
4. The 杭州 city bureau disburses it with the bank's reference.
5. Province industry staff list the claim for payout: its compensation payout appears on the claim's page and goes
   through the same chain (industry, finance, allocation), and the 滨江 county bureau pays it.
6. The enterprise sees both payouts paid.
7. Province industry staff revoke the recognition whose reward was paid: a recovery from the enterprise of
   1,000,000.00 CNY is on the recoveries page; province finance record its repayment.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from payouts.models import Kind, Payout, Recovery
from recognition.models import Recognition
from tests.e2e.navigation import nav
from tests.insurance import claim_steps
from tests.payouts import builders as b

from .helpers import login, logout

pytestmark = pytest.mark.e2e

PASSWORD = "Test-pass-2026"  # tests.factories.UserFactory
PRODUCT = "智能电网带电作业机器人"
COMPONENT = "精密谐波减速器"
NINGBO_PRODUCT = "港口自动化装卸设备"
BANK_NAME = "中国工商银行杭州高新支行"
BANK_ACCOUNT = "1202021109900123456"
REWARD_REFERENCE = "ICBC-HZ-20260001"
COMPENSATION_REFERENCE = "ICBC-BJ-20260002"
REVOCATION = "浙经信装备〔2026〕9号"


def _alert(page, text):
    expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()


def _state(page, code, label):
    state = page.get_by_test_id("payout-state").locator("[data-state]")
    expect(state).to_have_attribute("data-state", code)
    expect(state).to_have_text(label)


def _open_payout(page, menu, number):
    """From the main menu to the payout's page through the list (the number links to it)."""
    nav(page, menu)
    page.get_by_test_id("payout-table").get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_test_id("payout-number")).to_have_text(number)


def _act(page, action, done):
    page.get_by_test_id("actions").locator(f'[data-action="{action}"]').click()
    if done:
        _alert(page, done)


def _industry_approves(page, number):
    login(page, "prov", PASSWORD)
    _open_payout(page, "拨付管理", number)
    _state(page, "proposed", "拟拨付")
    _act(page, "approve_industry", "已办理：经信审核同意。")
    _state(page, "industry_approved", "经信部门已审核")
    logout(page)


def _finance_approves_and_allocates(page, number, document):
    today = timezone.localdate()
    login(page, "fin", PASSWORD)
    _open_payout(page, "拨付管理", number)
    _act(page, "approve_finance", "已办理：财政审核同意。")
    _state(page, "finance_approved", "财政部门已审核")
    _act(page, "allocate", None)
    form = page.get_by_test_id("allocate-form")
    expect(form).to_contain_text("杭州市")
    expect(form.get_by_label(number, exact=False)).to_be_checked()
    expect(form.get_by_label("资金下达日期")).to_have_value(today.isoformat())
    form.get_by_label("资金下达文号").fill(document)
    form.get_by_role("button", name="下达资金").click()
    due = today + dt.timedelta(days=30)
    _alert(page, f"已下达 1 笔资金（杭州市），应于 {due.isoformat()} 前拨付企业。")
    _state(page, "allocated", "已下达市县")
    expect(page.get_by_test_id("deadline-working")).to_contain_text(
        f"下达日期 {today.isoformat()} + 30日 = 应拨付日期 {due.isoformat()}"
    )
    expect(page.get_by_test_id("steps").locator('[data-step="allocated"]')).to_contain_text(document)
    logout(page)


def _local_bureau_disburses(page, username, number, reference):
    login(page, username, PASSWORD)
    _open_payout(page, "拨付管理", number)
    _act(page, "disburse", None)
    form = page.get_by_test_id("disburse-form")
    expect(form.get_by_label("拨付企业日期")).to_have_value(timezone.localdate().isoformat())
    form.get_by_label("银行流水号").fill(reference)
    form.get_by_role("button", name="登记拨付").click()
    _alert(page, "已登记拨付企业。")
    _state(page, "disbursed", "已拨付企业")
    expect(page.get_by_test_id("steps").locator('[data-step="disbursed"]')).to_contain_text(f"银行流水号 {reference}")
    expect(page.get_by_test_id("actions")).to_have_count(0)  # nothing more to do: never paid twice
    logout(page)


def test_rewards_and_a_compensation_through_the_chain_then_a_claw_back(page, world):
    batch = b.batch(2025)
    rec = b.recognition(world, batch=batch, level="domestic", product_name=PRODUCT)
    b.recognition(
        world.ent_hz_other_county, batch=batch, level="provincial", equipment_form="component", product_name=COMPONENT
    )
    b.recognition(world.ent_nb, batch=batch, level="provincial", product_name=NINGBO_PRODUCT)
    b.budget(2026, Kind.REWARD, "5000000")
    b.budget(timezone.localdate().year, Kind.COMPENSATION, "1000000")
    claim = claim_steps.approved(world)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations (propose, approve, allocate, disburse…)

    # 1. Province industry staff set the reward rule of the batch (the defaults) and propose its rewards.
    login(page, "prov", PASSWORD)
    nav(page, "奖励规则")
    row = page.get_by_test_id("rule-table").locator(f'tr[data-batch="{batch.pk}"]')
    expect(row).to_contain_text(batch.name)
    expect(row.get_by_test_id("no-rule")).to_have_text("未设置")
    row.get_by_role("link", name="设置规则").click()
    form = page.get_by_test_id("rule-form")
    expect(form.get_by_label("国内首台（套）奖励（元）")).to_have_value(re.compile(r"^1000000(\.00)?$"))
    expect(form.get_by_label("零部件类产品不予奖励")).to_be_checked()
    expect(form.get_by_label("宁波市")).to_be_checked()
    expect(form.get_by_label("列支年度")).to_have_value("2026")
    form.get_by_role("button", name="保存规则").click()
    _alert(page, "奖励规则已保存")
    preview = page.get_by_test_id("rule-preview")
    expect(preview.locator("tr").filter(has_text=COMPONENT)).to_contain_text("零部件类产品不予奖励")
    expect(preview.locator("tr").filter(has_text=NINGBO_PRODUCT)).to_contain_text("宁波市执行本地政策")
    expect(preview.locator("tr").filter(has_text=PRODUCT)).to_contain_text("100.00")
    page.get_by_test_id("propose").click()
    expect(page.get_by_test_id("propose-summary")).to_contain_text("新提出 1 笔，合计 100.00 万元")
    expect(page.get_by_test_id("propose-summary")).to_contain_text("不予奖励 2 项")
    skipped = page.get_by_test_id("skipped")
    expect(skipped.locator("tr").filter(has_text=COMPONENT)).to_contain_text("零部件类产品不予奖励")
    expect(skipped.locator("tr").filter(has_text=NINGBO_PRODUCT)).to_contain_text("宁波市执行本地政策，省级不予奖励")
    reward = Payout.objects.get(kind=Kind.REWARD, recognition=rec)
    assert reward.year == 2026 and reward.number.startswith("BF2026-")
    created = page.get_by_test_id("created")
    expect(created.locator("tr").filter(has_text=PRODUCT)).to_contain_text(world.ent_hz.name)
    created.get_by_role("link", name=reward.number).click()
    _state(page, "proposed", "拟拨付")
    expect(page.get_by_test_id("amount")).to_contain_text("1,000,000.00 元")
    expect(page.get_by_test_id("working")).to_contain_text("国内首台（套）奖励 1,000,000.00 元")
    expect(page.get_by_test_id("budget-position")).to_contain_text("500.00 万元")  # the 2026 reward budget
    logout(page)
    _industry_approves(page, reward.number)

    # 2. The enterprise fills in its receiving account.
    login(page, "ent_hz", PASSWORD)
    _open_payout(page, "我的拨付", reward.number)
    _state(page, "industry_approved", "经信部门已审核")
    _act(page, "bank_account", None)
    form = page.get_by_test_id("bank-account-form")
    form.get_by_label("开户银行").fill(BANK_NAME)
    form.get_by_label("银行账号").fill(BANK_ACCOUNT)
    form.get_by_role("button", name="保存").click()
    _alert(page, "收款账户已保存。")
    expect(page.get_by_test_id("bank-account")).to_contain_text(BANK_ACCOUNT)
    logout(page)

    # 3. Province finance approve and allocate it to 杭州; 4. the 杭州 city bureau pays it.
    _finance_approves_and_allocates(page, reward.number, "浙财企〔2026〕12号")
    _local_bureau_disburses(page, "hz", reward.number, REWARD_REFERENCE)
    reward = Payout.objects.get(pk=reward.pk)
    assert reward.state == Payout.State.DISBURSED and reward.bank_reference == REWARD_REFERENCE

    # 5. The approved claim is listed for payout: its compensation payout goes through the chain, 滨江 pays it.
    login(page, "prov", PASSWORD)
    nav(page, "补偿申请")
    page.get_by_test_id("claim-table").get_by_role("link", name=claim.number).click()
    page.get_by_test_id("review-form").get_by_role("button", name="列入拨付").click()
    _alert(page, "已列入拨付")
    section = page.get_by_test_id("claim-payout")
    compensation = Payout.objects.get(claim=claim)
    expect(section).to_contain_text("16,000.00 元")
    expect(section.locator("[data-state]")).to_have_text("拟拨付")
    section.get_by_test_id("payout-link").click()
    expect(page.get_by_test_id("payout-number")).to_have_text(compensation.number)
    expect(page.get_by_test_id("source")).to_contain_text(claim.number)
    expect(page.get_by_test_id("amount")).to_contain_text("16,000.00 元")
    logout(page)
    _industry_approves(page, compensation.number)
    _finance_approves_and_allocates(page, compensation.number, "浙财企〔2026〕13号")
    _local_bureau_disburses(page, "bj", compensation.number, COMPENSATION_REFERENCE)

    # 6. The enterprise sees both paid.
    login(page, "ent_hz", PASSWORD)
    nav(page, "我的拨付")
    table = page.get_by_test_id("payout-table")
    for payout, kind in ((reward, "首台（套）奖励"), (compensation, "保险补偿")):
        row = table.locator(f'tr[data-payout="{payout.pk}"]')
        expect(row).to_contain_text(kind)
        expect(row.locator("[data-state]")).to_have_text("已拨付企业")
    logout(page)

    # 7. The recognition whose reward was paid is revoked: a recovery from the enterprise.
    login(page, "prov", PASSWORD)
    nav(page, "认定管理")
    page.get_by_test_id("recognition-table").get_by_role("link", name=rec.certificate_number).click()
    revoke = page.get_by_test_id("revoke-form")
    revoke.get_by_label("撤销文号").fill(REVOCATION)
    revoke.get_by_label("撤销理由").fill("经核查，该产品首台销售合同不属实。")
    revoke.get_by_role("button", name="撤销认定").click()
    _alert(page, f"已撤销认定 {rec.certificate_number}")
    assert Recognition.objects.get(pk=rec.pk).status == Recognition.Status.REVOKED
    nav(page, "资金追回")
    recovery = Recovery.objects.get(payout=reward)
    row = page.get_by_test_id("recovery-table").locator(f'tr[data-recovery="{recovery.pk}"]')
    expect(row).to_contain_text(reward.number)
    expect(row).to_contain_text(world.ent_hz.name)
    expect(row).to_contain_text("1,000,000.00")
    expect(row.locator("[data-state]")).to_have_text("追回中")
    logout(page)

    login(page, "fin", PASSWORD)
    nav(page, "资金追回")
    page.get_by_test_id("recovery-table").get_by_role("link", name=reward.number).click()
    expect(page.get_by_test_id("recovery-data")).to_contain_text(REVOCATION)
    form = page.get_by_test_id("repayment-form")
    form.get_by_label("退回日期").fill(timezone.localdate().isoformat())
    form.get_by_label("银行流水号或缴款书号").fill("JK-2026-000318")
    form.get_by_role("button", name="登记").click()
    _alert(page, "退回记录已登记。")
    expect(page.get_by_test_id("recovery-state")).to_have_text("已追回")
    expect(page.get_by_test_id("outstanding")).to_contain_text("0.00 元")
    expect(page.get_by_test_id("repayments")).to_contain_text("JK-2026-000318")
