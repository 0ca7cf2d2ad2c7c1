"""Insurance-premium compensation through the real pages (issue 6, acceptance).

Arranged through the builders: a domestic recognition of 杭州测试科技有限公司 (滨江, whose county bureau has staff, so
it does the local review), the 2025 rule set with its defaults, and one policy of 1,000,000 CNY equipment at a
30,000 CNY premium (3%, above the 2% cap) on one unit. The enterprise creates a claim for the policy in year 1,
uploads the six required PDFs and submits; the 滨江 bureau passes it; province industry, finance and the regulator
each approve with an opinion; province industry lists it for payout. The claim is then 待拨付 with the computed
amount: 30,000 × (2% / 3%) × 80% = 16,000.00 CNY.
"""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from insurance.models import Claim, ClaimDocument
from insurance.workflow import local_level
from tests.e2e.navigation import nav
from tests.insurance import builders as b

from .certification_steps import PDF
from .helpers import login, logout

pytestmark = pytest.mark.e2e

PASSWORD = "Test-pass-2026"  # tests.factories.UserFactory
AMOUNT = "16000.00"


def _alert(page, text):
    expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()


def _open_claim(page, menu, number):
    """From the main menu to the claim's page through the list."""
    nav(page, menu)
    page.get_by_test_id("claim-table").get_by_role("link", name=number).click()
    expect(page.get_by_test_id("claim-number")).to_have_text(number)


def _decide(page, button, opinion, alert):
    form = page.get_by_test_id("review-form")
    form.get_by_label("意见或理由").fill(opinion)
    form.get_by_role("button", name=button, exact=True).click()
    _alert(page, alert)


def test_claim_filed_passed_signed_off_and_made_payable(page, world):
    b.rule_set(world, 2025)
    recognition = b.recognition_for(world)
    policy = b.policy(world, recognition, premium="30000", equipment_value="1000000", starts_on=dt.date(2025, 6, 1),
                      units=[("SN-E2E-001", dt.date(2025, 5, 1), dt.date(2025, 5, 20))])

    # 1. The enterprise creates the claim: recognition, policy, year of cover 1.
    login(page, "ent_hz", PASSWORD)
    nav(page, "补偿申请")
    page.get_by_test_id("new-claim").click()
    choose = page.get_by_test_id("choose-recognition")
    choose.get_by_label(recognition.product_name).check()
    choose.get_by_role("button", name="下一步").click()
    form = page.get_by_test_id("claim-form")
    form.get_by_label(policy.policy_number, exact=False).check()
    form.get_by_label("补偿年度（第几年）").fill("1")
    form.get_by_role("button", name="创建申请").click()
    _alert(page, "已创建")
    claim = Claim.objects.get(recognition=recognition)
    expect(page.get_by_test_id("claim-number")).to_have_text(claim.number)
    expect(page.get_by_test_id("claim-state")).to_have_attribute("data-state", "draft")
    expect(page.get_by_test_id("amount")).to_contain_text(AMOUNT)  # the preview under the rules in force

    # The six required documents, each a small PDF.
    for code, label in ClaimDocument.Type.choices:
        upload = page.get_by_test_id("upload-form")
        upload.get_by_label("材料类型").select_option(value=code)
        upload.get_by_label("文件（PDF）").set_input_files(
            files=[{"name": f"{label}.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        upload.get_by_role("button", name="上传", exact=True).click()
        _alert(page, f"材料已上传：{label}.pdf")
        expect(page.locator(f'tr[data-document-type="{code}"]')).to_contain_text(f"{label}.pdf")
    assert claim.documents.filter(removed_at__isnull=True).count() == len(ClaimDocument.Type.values)

    page.get_by_test_id("enterprise-actions").get_by_role("button", name="提交申请").click()
    _alert(page, f"补偿申请 {claim.number} 已提交")
    expect(page.get_by_test_id("claim-state")).to_have_attribute("data-state", "local_review")
    expect(page.get_by_test_id("claim-state")).to_have_text("地方经信部门初审中")
    logout(page)

    # 2. The local bureau (滨江's county bureau has staff) passes it.
    claim = Claim.objects.get(pk=claim.pk)  # the state is a protected FSM field: no refresh_from_db
    assert local_level(claim) == "county"
    login(page, "bj", PASSWORD)
    _open_claim(page, "保险补偿", claim.number)
    expect(page.get_by_test_id("amount")).to_contain_text(AMOUNT)
    _decide(page, "初审通过", "材料齐全，保单与认定产品一致，同意报送省级联审。", "初审通过")
    expect(page.get_by_test_id("claim-state")).to_have_attribute("data-state", "joint_review")
    logout(page)

    # 3. The three province departments each sign off.
    departments = [("prov", "补偿申请", "industry", "经信部门审核同意。"),
                   ("fin", "保险补偿", "finance", "财政部门审核同意，资金渠道明确。"),
                   ("reg", "保险补偿", "regulator", "监管部门审核同意，保单真实有效。")]
    for username, menu, department, opinion in departments:
        login(page, username, PASSWORD)
        _open_claim(page, menu, claim.number)
        expect(page.get_by_test_id("claim-state")).to_have_attribute("data-state", "joint_review")
        _decide(page, "同意", opinion, "已提交审核意见：同意")
        signed = page.get_by_test_id("signoffs").locator(f'li[data-department="{department}"]')
        expect(signed).to_have_attribute("data-decision", "approve")
        expect(signed).to_contain_text(opinion)
        logout(page)
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.APPROVED and claim.approved_amount == Decimal(AMOUNT)

    # 4. Province industry staff list it for payout.
    login(page, "prov", PASSWORD)
    _open_claim(page, "补偿申请", claim.number)
    expect(page.get_by_test_id("claim-state")).to_have_attribute("data-state", "approved")
    page.get_by_test_id("review-form").get_by_role("button", name="列入拨付").click()
    _alert(page, "已列入拨付")
    state = page.get_by_test_id("claim-state")
    expect(state).to_have_attribute("data-state", "payable")
    expect(state).to_have_text("待拨付")
    expect(page.get_by_test_id("amount")).to_contain_text(AMOUNT)
    expect(page.get_by_test_id("approved-amount")).to_contain_text(f"{AMOUNT} 元")
    working = page.get_by_test_id("working")  # inside a closed <details>: its text, not its visibility
    expect(working).to_contain_text("min(3%, 上限2%) = 2%")
    expect(working).to_contain_text("30,000.00元 × 2% ÷ 3% = 20,000.00元")
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.PAYABLE and claim.approved_amount == Decimal(AMOUNT)
    logout(page)

    # The enterprise sees it listed for payout.
    login(page, "ent_hz", PASSWORD)
    _open_claim(page, "补偿申请", claim.number)
    expect(page.get_by_test_id("claim-state")).to_have_text("已列入拨付")
    expect(page.get_by_test_id("approved-amount")).to_contain_text(AMOUNT)
