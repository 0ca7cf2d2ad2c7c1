"""Application intake through the real pages (issue 3).

Journey 1: province staff create and publish a batch; an enterprise in 玉环 (a county with its own bureau)
fills in an application, uploads its attachments and submits it; the 玉环 county bureau recommends, the 台州
city bureau recommends, and the province passes formal review.

Journey 2: the city returns an application for correction with the items to fix; the enterprise corrects a
field and resubmits; the city sees the changed field in the diff of the resubmission.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from certification.catalogue import AttachmentType
from certification.models import Application, Batch, Decision
from tests.e2e.navigation import nav

from .certification_steps import PDF, decide, open_batch, required_types, submitted_application
from .helpers import login, logout

pytestmark = pytest.mark.e2e

PASSWORD = settings.DEMO_PASSWORD
BATCH = "2026年度首台（套）认定（浏览器测试批次）"
PRODUCT = "HX-5000五轴联动数控加工中心"


def _nav(page, name):
    nav(page, name)


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _open_application_from_list(page, product):
    _nav(page, "申报管理")
    expect(page.get_by_role("heading", level=1)).to_have_text("申报管理")
    page.get_by_label("产品或企业名称").fill(product)
    page.get_by_role("button", name="筛选").click()
    page.get_by_test_id("application-table").get_by_role("link", name=product).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(product)


def test_application_submitted_recommended_by_county_and_city_and_passed_by_province(page, demo_data):
    page.on("dialog", lambda dialog: dialog.accept())
    now = timezone.now()

    # 1. Province staff create the batch with a quota for every city, then publish it.
    login(page, "prov_staff", PASSWORD)
    _nav(page, "认定批次")
    page.get_by_role("link", name="新建批次").click()
    form = page.get_by_test_id("batch-form")
    form.get_by_label("年度").fill(str(now.year))
    form.get_by_label("批次名称").fill(BATCH)
    form.get_by_label("开始申报时间").fill(_local(now - timedelta(hours=1)))
    form.get_by_label("截止申报时间").fill(_local(now + timedelta(days=14)))
    form.get_by_label("地方推荐截止时间").fill(_local(now + timedelta(days=28)))
    quotas = page.get_by_test_id("quota-inputs").locator("input")
    assert quotas.count() == 11
    for i in range(quotas.count()):
        quotas.nth(i).fill("3")
    form.get_by_role("button", name="保存批次").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(BATCH)
    expect(page.locator("[data-batch-state]").first).to_have_text("草稿")
    page.get_by_role("button", name="发布批次").click()
    expect(page.get_by_role("alert").filter(has_text="批次已发布")).to_be_visible()
    expect(page.locator("[data-batch-state]").first).to_have_text("申报中")
    expect(page.get_by_test_id("quota-table").get_by_role("row").filter(has_text="台州市")).to_contain_text("3")
    batch = Batch.objects.get(name=BATCH)
    assert batch.state == Batch.State.OPEN
    logout(page)

    # 2. The enterprise starts its application from the batch page and fills in the form.
    login(page, "maide", PASSWORD)
    _nav(page, "认定批次")
    page.get_by_test_id("batch-table").get_by_role("link", name=BATCH).click()
    page.get_by_role("link", name="新建申报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建申报")
    form = page.get_by_test_id("application-form")
    form.get_by_label("产品名称").fill(PRODUCT)
    form.get_by_label("型号规格").fill("HX-5000")
    form.get_by_label("产品类别").select_option(label="首台（套）装备")
    form.get_by_label("装备形式").select_option(label="整机")
    form.get_by_label("申报级别").select_option(label="国内首台（套）")
    form.get_by_label("所属领域").select_option(label="机器人与智能制造装备")
    form.get_by_label("创新点").fill("五轴联动控制算法自主研发，精度达到国际先进水平。")
    indicators = page.get_by_test_id("indicators")
    indicators.get_by_label("指标名称").nth(0).fill("定位精度")
    indicators.get_by_label("本产品指标值").nth(0).fill("0.003 mm")
    indicators.get_by_label("国内同类最好水平").nth(0).fill("0.005 mm")
    indicators.get_by_label("国外同类最好水平").nth(0).fill("0.003 mm")
    indicators.get_by_label("数据来源").nth(0).fill("国家机床质量监督检验中心检测报告")
    indicators.get_by_role("button", name="添加指标").click()
    indicators.get_by_label("指标名称").nth(1).fill("主轴最高转速")
    indicators.get_by_label("本产品指标值").nth(1).fill("24000 r/min")
    page.get_by_test_id("ip-items").get_by_label("知识产权类型").nth(0).fill("发明专利")
    page.get_by_test_id("ip-items").get_by_label("知识产权编号").nth(0).fill("ZL202310000001.X")
    page.get_by_test_id("ip-items").get_by_label("知识产权名称").nth(0).fill("一种五轴联动误差补偿方法")
    form.get_by_label("首台销售合同编号").fill("HT-2026-018")
    form.get_by_label("首台用户单位").fill("浙江某航空零部件有限公司")
    form.get_by_label("首台销售日期").fill("2026-03-18")
    form.get_by_label("首台销售价格（元）").fill("2860000")
    form.get_by_role("button", name="保存草稿").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("填写申报书")
    expect(page.get_by_role("alert").filter(has_text="草稿已保存")).to_be_visible()
    app = Application.objects.get(product_name=PRODUCT)
    assert app.state == "draft" and len(app.indicators) == 2 and app.ip_items[0]["kind"] == "发明专利"

    # Submitting too early answers with the list of what is missing.
    page.get_by_role("button", name="保存并提交申报").click()
    errors = page.get_by_test_id("submit-errors")
    expect(errors).to_contain_text("缺少附件")
    expect(errors).to_contain_text("请阅读并确认承诺书")

    # The commitment is confirmed by autosave: the status line says when it was saved.
    page.get_by_test_id("application-form").get_by_label("本单位已阅读并同意以上承诺").check()
    expect(page.get_by_test_id("autosave-status")).to_contain_text(re.compile(r"已保存 \d{2}:\d{2}"))
    assert Application.objects.get(pk=app.pk).commitment_confirmed_at is not None

    # Every required attachment, each a small PDF.
    upload = page.get_by_test_id("upload-form")
    for code in required_types(batch):
        label = str(AttachmentType(code).label)
        upload.get_by_label("附件类型").select_option(value=code)
        upload.get_by_label("文件").set_input_files(
            files=[{"name": f"{label}.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        upload.get_by_role("button", name="上传附件").click()
        expect(page.get_by_role("alert").filter(has_text="附件已上传")).to_contain_text(label)
    expect(page.get_by_test_id("attachment-list").locator("li")).to_have_count(len(required_types(batch)))

    page.get_by_role("button", name="保存并提交申报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PRODUCT)
    expect(page.get_by_role("alert").filter(has_text="申报已提交")).to_be_visible()
    app = Application.objects.get(pk=app.pk)
    assert app.state == "county_review" and app.number.startswith(f"{batch.year}-")
    expect(page.get_by_test_id("receipt-number")).to_have_text(app.number)
    expect(page.get_by_test_id("application-state")).to_have_text("待县（市、区）经信局推荐")
    logout(page)

    # 3. The 玉环 county bureau recommends it.
    login(page, "yuhuan_staff", PASSWORD)
    _open_application_from_list(page, PRODUCT)
    expect(page.get_by_test_id("application-state")).to_have_text("县级推荐审核")
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("审核意见").fill("材料真实，同意推荐。")
    decision.get_by_role("button", name="推荐", exact=True).click()
    expect(page.get_by_test_id("application-state")).to_have_text("市级推荐审核")
    expect(page.get_by_test_id("decision-form")).to_have_count(0)
    logout(page)

    # 4. The 台州 city bureau recommends it (one of its three quota slots).
    login(page, "tz_staff", PASSWORD)
    _open_application_from_list(page, PRODUCT)
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("审核意见").fill("同意推荐至省经信厅。")
    decision.get_by_role("button", name="推荐", exact=True).click()
    expect(page.get_by_test_id("application-state")).to_have_text("形式审查")
    expect(page.get_by_test_id("timeline")).to_contain_text("同意推荐至省经信厅。")
    logout(page)

    # 5. The province passes formal review with its checklist.
    login(page, "prov_staff", PASSWORD)
    _open_application_from_list(page, PRODUCT)
    decision = page.get_by_test_id("decision-form")
    checklist = decision.locator('input[name="checklist"]')
    for i in range(checklist.count()):
        checklist.nth(i).check()
    decision.get_by_label("审核意见").fill("形式审查合格。")
    decision.get_by_role("button", name="形式审查通过").click()
    expect(page.get_by_test_id("application-state")).to_have_text("形式审查通过")

    app = Application.objects.get(pk=app.pk)
    assert app.state == "passed"
    kinds = list(app.decisions.values_list("stage", "kind"))
    assert kinds == [("county", "recommend"), ("city", "recommend"), ("province", "pass")]
    formal = app.decisions.get(stage="province")
    assert formal.items and all(item.startswith("✓") for item in formal.items)
    logout(page)

    # The enterprise sees its own label for the state.
    login(page, "maide", PASSWORD)
    _nav(page, "申报管理")
    row = page.get_by_test_id("application-table").get_by_role("row").filter(has_text=PRODUCT)
    expect(row).to_contain_text("已通过形式审查，待专家评审")


def test_city_returns_enterprise_corrects_and_city_sees_the_diff(page, demo_data):
    page.on("dialog", lambda dialog: dialog.accept())
    product = "VZ9000双主轴车铣复合中心"
    batch = open_batch(name="2026年度首台（套）认定（补正测试批次）")
    app = submitted_application(batch=batch, username="haideman", product=product, model_spec="VZ9000")
    decide(username="yuhuan_staff", application=app, action="county_recommend", opinion="同意推荐。")

    # 1. The city returns it with two items to fix.
    login(page, "tz_staff", PASSWORD)
    _open_application_from_list(page, product)
    decision = page.get_by_test_id("decision-form")
    decision.get_by_role("button", name="退回补正").click()
    expect(page.get_by_test_id("decision-form")).to_contain_text("请列出需要补正的事项")
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("审核意见").fill("型号与检测报告不一致。")
    decision.get_by_label("需补正的事项").fill("型号规格应与检测报告一致（VZ9000-II）\n补充用户使用报告")
    decision.get_by_role("button", name="退回补正").click()
    expect(page.get_by_test_id("application-state")).to_have_text("退回补正")
    logout(page)
    returned = Decision.objects.get(application=app, kind="return")
    assert returned.items == ["型号规格应与检测报告一致（VZ9000-II）", "补充用户使用报告"]

    # 2. The enterprise sees what to fix, corrects the model and resubmits.
    login(page, "haideman", PASSWORD)
    _open_application_from_list(page, product)
    expect(page.get_by_test_id("application-state")).to_have_text("待补正后重新提交")
    page.get_by_role("link", name="修改申报书").click()
    expect(page.get_by_test_id("return-notice")).to_contain_text("型号规格应与检测报告一致")
    page.get_by_test_id("application-form").get_by_label("型号规格").fill("VZ9000-II")
    page.get_by_role("button", name="保存并重新提交").click()
    expect(page.get_by_role("alert").filter(has_text="补正材料已重新提交")).to_be_visible()
    expect(page.get_by_test_id("application-state")).to_have_text("待设区市经信局推荐")
    logout(page)
    app = Application.objects.get(pk=app.pk)
    assert app.state == "city_review" and app.model_spec == "VZ9000-II"
    assert app.revisions.count() == 2

    # 3. The city opens the diff of the resubmission: the model changed, nothing else.
    login(page, "tz_staff", PASSWORD)
    _open_application_from_list(page, product)
    page.get_by_role("link", name="查看本次补正修改了什么").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修改对比")
    diff = page.get_by_test_id("diff-table")
    changed = diff.locator('tr[data-field="model_spec"]')
    expect(changed).to_contain_text("型号规格")
    expect(changed.locator("td").nth(0)).to_have_text("VZ9000")
    expect(changed.locator("td").nth(1)).to_have_text("VZ9000-II")
    expect(diff.locator("tbody tr")).to_have_count(1)
