"""政府首购 through the real pages (issue 7, acceptance).

Arranged through the builders: a buyer organisation (浙江省人民医院) with one user, and a valid domestic medical
recognition of 杭州测试科技有限公司. The buyer records a single-source purchase of the recognised product with a
budget at the public-tender threshold or above, fills in the single-source notice with three experts and publishes
it; a member of the public (logged out) finds it among the public notices and files an objection; the buyer
answers it with a supplementary justification (the objector gets it by e-mail); the notice ends (its period moved
into the past, then the beat service close_due_notices); the buyer records the award and the contract. The public
page then shows the award and the contract, and the recognition's page (province staff) and its public
verification page list the purchase.
"""

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from procurement.models import Purchase, PurchaseObjection
from procurement.services.notices import close_due_notices
from tests.e2e.navigation import nav
from tests.procurement import builders as b

from .helpers import login, logout

pytestmark = pytest.mark.e2e

PASSWORD = "Test-pass-2026"  # tests.factories.UserFactory
TITLE = "血液净化中心透析设备首购项目"
BUDGET = "5000000"
EXPERTS = [
    ("钱立群", "浙江省医疗器械检验研究院", "正高级工程师"),
    ("蒋卫东", "浙江大学", "教授"),
    ("何立平", "浙江大学医学院附属第一医院", "主任医师"),
]
OBJECTION = "国内另有企业可以提供同类设备，采用单一来源方式依据不足，建议公开招标。"
JUSTIFICATION = "经补充论证：异议所称同类设备尚未通过首台（套）认定，关键指标不满足本项目要求，维持单一来源采购方式。"
OBJECTOR_EMAIL = "objector@example.com"


def _alert(page, text):
    expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()


def _state(page, code, label):
    state = page.get_by_test_id("purchase-state").locator("[data-state]")
    expect(state).to_have_attribute("data-state", code)
    expect(state).to_have_text(label)


def _open_purchase(page, number):
    """From the main menu to the purchase's page through the list (the number links to it)."""
    nav(page, "首购项目")
    page.get_by_test_id("purchase-table").locator("tr").filter(has_text=TITLE).get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def test_single_source_purchase_from_notice_and_objection_to_contract(page, world):
    org = b.buyer_org(name="浙江省人民医院")
    b.buyer_user(org, username="buyer1")
    recognition = b.recognition_for(world.ent_hz)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation of publishing

    # 1. The buyer records a single-source purchase of the recognised product.
    login(page, "buyer1", PASSWORD)
    nav(page, "首购项目")
    page.get_by_test_id("new-purchase").click()
    search = page.get_by_test_id("recognition-search")
    search.get_by_label("证书编号或产品名称").fill(recognition.certificate_number)
    search.get_by_role("button", name="查找").click()
    row = page.get_by_test_id("recognition-results").locator(f'tr[data-recognition="{recognition.pk}"]')
    expect(row).to_contain_text(recognition.product_name)
    row.get_by_role("link", name="选择").click()
    form = page.get_by_test_id("purchase-form")
    expect(form).to_contain_text(recognition.product_name)
    form.get_by_label("采购项目名称").fill(TITLE)
    form.get_by_label("采购方式", exact=True).select_option(label="单一来源采购")
    form.get_by_label("采购数量").fill("2")
    form.get_by_label("计量单位").fill("套")
    form.get_by_label("预算金额（元）").fill(BUDGET)
    form.get_by_label("采购需求说明").fill("血液净化中心采购首台（套）认定产品两套，含安装调试和培训。")
    form.get_by_role("button", name="创建首购项目").click()
    purchase = Purchase.objects.get(title=TITLE)
    _alert(page, f"首购项目 {purchase.number} 已创建")
    _state(page, "draft", "草稿")
    expect(page.get_by_test_id("purchase-data")).to_contain_text("须发布单一来源公示不少于5个工作日")

    # The notice with three experts, then published.
    page.get_by_test_id("actions").get_by_role("link", name="填写单一来源公示").click()
    notice_form = page.get_by_test_id("notice-form")
    notice_form.get_by_label("采用单一来源方式的理由").fill("该设备为首台（套）认定产品，只有认定企业能够提供。")
    notice_form.get_by_label("专业人员论证意见").fill("经论证，该产品技术指标满足采购需求，同意采用单一来源方式采购。")
    for i, (name, employer, title) in enumerate(EXPERTS):
        notice_form.locator(f'input[name="experts-{i}-name"]').fill(name)
        notice_form.locator(f'input[name="experts-{i}-employer"]').fill(employer)
        notice_form.locator(f'input[name="experts-{i}-title"]').fill(title)
    notice_form.get_by_label("异议受理方式").fill("浙江省人民医院设备处 林老师 0571-85893000")
    notice_form.get_by_role("button", name="保存公示").click()
    _alert(page, "单一来源公示已保存")
    expect(page.get_by_test_id("experts")).to_contain_text("浙江省医疗器械检验研究院")
    page.get_by_test_id("actions").get_by_role("button", name="发布单一来源公示").click()
    _alert(page, "单一来源公示已发布")
    _state(page, "notice", "单一来源公示中")
    logout(page)

    # 2. A member of the public finds the notice and objects.
    nav(page, "单一来源公示")
    page.get_by_test_id("public-table").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.get_by_test_id("public-state")).to_contain_text("公示中")
    expect(page.get_by_test_id("public-experts")).to_contain_text("钱立群")
    objection_form = page.get_by_test_id("objection-form")
    objection_form.get_by_label("异议人姓名").fill("刘建新")
    objection_form.get_by_label("联系电话").fill("13967123456")
    objection_form.get_by_label("电子邮箱").fill(OBJECTOR_EMAIL)
    objection_form.get_by_label("异议内容").fill(OBJECTION)
    objection_form.get_by_role("button", name="提交异议").click()
    objection = PurchaseObjection.objects.get(notice__purchase=purchase)
    expect(page.get_by_test_id("tracking-number")).to_have_text(objection.tracking_number)

    # 3. The buyer answers it with a supplementary justification.
    login(page, "buyer1", PASSWORD)
    _open_purchase(page, purchase.number)
    objections = page.get_by_test_id("objections")
    expect(objections).to_contain_text("1 件待补充论证")
    expect(objections).to_contain_text(OBJECTION)
    page.get_by_test_id("actions").get_by_role("link", name="补充论证").click()
    justify = page.get_by_test_id("justify-form")
    expect(justify.get_by_label(objection.tracking_number, exact=False)).to_be_checked()
    justify.get_by_label("补充论证意见").fill(JUSTIFICATION)
    justify.get_by_label("参与补充论证的专业人员").fill("钱立群（浙江省医疗器械检验研究院，正高级工程师）")
    justify.get_by_role("button", name="提交补充论证").click()
    _alert(page, "补充论证已提交")
    expect(page.get_by_test_id("justifications")).to_contain_text(JUSTIFICATION)
    expect(objections.locator(f'[data-objection="{objection.pk}"]')).to_contain_text("已补充论证")
    reply = [m for m in mail.outbox if OBJECTOR_EMAIL in m.to]
    assert len(reply) == 1 and JUSTIFICATION in reply[0].body

    # 4. The notice ends: its period moved into the past, then closed by the beat service.
    b.end_notice(purchase)
    assert close_due_notices() == 1
    page.reload()
    _state(page, "pending_award", "待确定成交")

    # 5. The award (today, the default date) and the contract.
    page.get_by_test_id("actions").get_by_role("link", name="确定成交").click()
    award = page.get_by_test_id("award-form")
    award.get_by_label("成交金额（元）").fill("4880000")
    award.get_by_role("button", name="确定成交").click()
    _alert(page, "已确定成交")
    _state(page, "awarded", "已成交")
    page.get_by_test_id("actions").get_by_role("link", name="录入合同").click()
    contract = page.get_by_test_id("contract-form")
    contract.get_by_label("合同编号").fill("ZJSRMYY-2026-CG-E2E")
    contract.get_by_label("合同金额（元）").fill("4880000")
    contract.get_by_role("button", name="保存").click()
    _alert(page, "合同信息已保存")
    _state(page, "contracted", "已签订合同")
    expect(page.get_by_test_id("contract-number")).to_have_text("ZJSRMYY-2026-CG-E2E")
    expect(page.get_by_test_id("award")).to_contain_text("4,880,000.00")
    logout(page)

    # 6. The public page shows the award and the contract, and the justification.
    page.goto(f"/procurement/public/{purchase.pk}/")
    result = page.get_by_test_id("public-result")
    expect(result).to_contain_text(world.ent_hz.name)
    expect(result).to_contain_text("4,880,000.00")
    expect(page.get_by_test_id("public-contract-amount")).to_contain_text("4,880,000.00")
    expect(page.get_by_test_id("public-justifications")).to_contain_text(JUSTIFICATION)
    expect(page.get_by_test_id("how-to-object")).to_contain_text("公示期已结束，不再受理异议")
    expect(page.locator("main")).not_to_contain_text("13967123456")  # the objector's phone stays private

    # The recognition's public verification page lists the purchase.
    page.goto(f"/verify/{recognition.certificate_number}/")
    public_purchases = page.get_by_test_id("recognition-purchases")
    expect(public_purchases).to_contain_text(TITLE)
    expect(public_purchases).to_contain_text("已签订合同")

    # 7. Province staff see it on the recognition's page.
    login(page, "prov", PASSWORD)
    page.goto(f"/recognitions/{recognition.pk}/")
    section = page.get_by_test_id("recognition-purchases")
    expect(section).to_contain_text(TITLE)
    expect(section).to_contain_text("浙江省人民医院")
    expect(section).to_contain_text("已签订合同")
    expect(section).to_contain_text("488")  # 成交金额（万元）
    section.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("purchase-number")).to_have_text(purchase.number)
    assert settings.PROCUREMENT_TENDER_THRESHOLD <= int(BUDGET)
