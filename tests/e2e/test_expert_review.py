"""Expert review through the real pages (issue 4, acceptance).

Province staff open the batch's review from the batch page, set three experts per application, change a
rubric criterion, auto-assign and start the review. One expert declares no conflict, scores and submits;
another declares a conflict and staff replace them (自动补足). The remaining sheets come in through the
services; staff open the results, see the aggregate and record the proposal.
"""

import pytest
from playwright.sync_api import expect

from certification.models import Application
from review.models import Assignment, Criterion, Proposal, ReviewRound, ScoreSheet
from tests.e2e.navigation import nav
from tests.review.builders import closed_batch, experts, passed_application, score_all

from .helpers import login, logout

pytestmark = pytest.mark.e2e

PASSWORD = "Test-pass-2026"  # tests.factories.UserFactory


def _nav(page, name):
    nav(page, name)


def _alert(page, text):
    expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()


def test_rubric_assignment_declarations_scoring_replacement_and_proposal(page, world):
    page.on("dialog", lambda dialog: dialog.accept())
    batch = closed_batch(world.province_user)
    app, other_app = (passed_application(batch, world.ent_hz) for _ in range(2))
    experts(4)  # robotics experts, each with their own employer: one spare for the replacement

    # 1. Staff open expert review from the batch page and configure it.
    login(page, "prov", PASSWORD)
    _nav(page, "认定批次")
    page.get_by_test_id("batch-table").get_by_role("link", name=batch.name).click()
    page.get_by_role("button", name="专家评审").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("专家评审设置")
    rr = ReviewRound.objects.get(batch=batch)

    settings = page.get_by_test_id("settings-form")
    settings.get_by_label("每项申报评审专家数").fill("3")
    settings.get_by_role("button", name="保存设置").click()
    _alert(page, "评审设置已保存")

    rubric = page.get_by_test_id("rubric")
    rubric.get_by_label("评分项名称 1", exact=True).fill("技术创新性")
    rubric.get_by_label("满分 1", exact=True).fill("40")
    rubric.get_by_label("满分 2", exact=True).fill("15")
    rubric.get_by_role("button", name="保存评分细则").click()
    _alert(page, "评分细则已保存")
    criteria = list(Criterion.objects.filter(round=rr))
    assert [(c.name, int(c.max_points)) for c in criteria][:2] == [("技术创新性", 40), ("先进性", 15)]

    page.get_by_role("button", name="自动分配").click()
    expect(page.get_by_test_id("assign-result")).to_contain_text("新分配 6 人次")
    expect(page.get_by_test_id("understaffed")).to_have_text("0")
    page.get_by_role("button", name="开始评审").click()
    _alert(page, "专家评审已开始")
    expect(page.get_by_test_id("round-state")).to_have_text("评审中")
    logout(page)

    on_app = list(Assignment.objects.filter(application=app).select_related("expert").order_by("id"))
    scorer, recusing, third = on_app

    # 2. An expert declares no conflict, reads the application, scores and submits.
    login(page, scorer.expert.username, PASSWORD)
    _nav(page, "我的评审")
    row = page.get_by_test_id("my-assignments").get_by_role("row").filter(has_text=app.product_name)
    expect(row).to_contain_text("待声明")
    row.get_by_role("link", name="声明并评审").click()
    expect(page.get_by_test_id("application-data")).to_have_count(0)
    page.get_by_label("与该申报企业无利益冲突").check()
    page.get_by_role("button", name="提交声明").click()
    _alert(page, "已声明无利益冲突")
    expect(page.get_by_test_id("application-data")).to_contain_text(app.innovation_points)
    sheet_form = page.get_by_test_id("sheet-form")
    expect(sheet_form).to_contain_text("满分 40")
    for criterion, points in zip(criteria, ("36", "12", "12", "12", "12"), strict=True):
        sheet_form.get_by_label(criterion.name, exact=True).fill(points)
    sheet_form.get_by_label("国内首台（套）").check()
    sheet_form.get_by_label("评审意见").fill("技术指标先进，创新性突出，建议推荐为国内首台（套）。")
    sheet_form.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()  # the confirmation is required
    assert ScoreSheet.objects.get(assignment=scorer).state == "draft"
    sheet_form = page.get_by_test_id("sheet-form")
    sheet_form.get_by_label("我确认以上评分无误").check()
    sheet_form.get_by_role("button", name="提交", exact=True).click()
    _alert(page, "评分表已提交并锁定")
    expect(page.get_by_test_id("sheet-locked")).to_be_visible()
    expect(page.get_by_test_id("own-total")).to_have_text("82.00")
    logout(page)

    # 3. Another expert declares a conflict with a reason.
    login(page, recusing.expert.username, PASSWORD)
    _nav(page, "我的评审")
    page.get_by_test_id("my-assignments").get_by_role("row").filter(has_text=app.product_name) \
        .get_by_role("link", name="声明并评审").click()
    page.get_by_label("与该申报企业存在利益冲突，申请回避").check()
    page.get_by_role("button", name="提交声明").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()  # a conflict needs its reason
    page.get_by_label("与该申报企业存在利益冲突，申请回避").check()
    page.get_by_label("回避理由").fill("近三年曾为该企业提供技术咨询服务")
    page.get_by_role("button", name="提交声明").click()
    _alert(page, "已登记回避")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的评审")
    expect(page.get_by_test_id("my-assignments").get_by_role("row").filter(has_text=app.product_name)).to_have_count(0)
    logout(page)

    # 4. Staff see the recusal on the assignments page and replace the expert.
    login(page, "prov", PASSWORD)
    _nav(page, "专家评审")
    page.get_by_test_id("round-table").get_by_role("link", name="打开").click()
    page.get_by_test_id("round-tabs").get_by_role("link", name="专家分配").click()
    page.get_by_label("分配状态").select_option(label="已申请回避")
    page.get_by_role("button", name="筛选").click()
    card = page.get_by_test_id("assignment-card").filter(has_text=app.product_name)
    recused_row = card.locator(f'tr[data-assignment="{recusing.pk}"]')
    expect(recused_row).to_contain_text("近三年曾为该企业提供技术咨询服务")
    expect(recused_row).to_contain_text("请补派")
    expect(card.get_by_test_id("staffing")).to_have_text("在评专家 2/3")
    card.get_by_role("button", name="自动补足").click()
    _alert(page, "已自动补派 1 名专家")
    card = page.get_by_test_id("assignment-card").filter(has_text=app.product_name)
    expect(card.get_by_test_id("staffing")).to_have_text("在评专家 3/3")
    replacement = Assignment.objects.exclude(pk__in=[a.pk for a in on_app]).get(application=app)
    assert replacement.state == "pending" and replacement.method == "auto"
    assert replacement.expert_id not in {a.expert_id for a in on_app}

    # The two other sheets come in through the services (voting domestic, as the first expert did).
    score_all(Assignment.objects.get(pk=third.pk))
    score_all(replacement)

    # 5. Staff see the aggregate in the ranking and record the proposal.
    page.get_by_test_id("round-tabs").get_by_role("link", name="评审结果").click()
    result_row = page.get_by_test_id("result-table").get_by_role("row").filter(has_text=app.product_name)
    expect(result_row.get_by_test_id("score")).to_have_text("80.67")
    expect(result_row).to_contain_text("国内首台（套）：3")
    expect(page.get_by_test_id("result-table").get_by_role("row").filter(has_text=other_app.product_name)) \
        .to_contain_text("（3 份未交）")
    result_row.get_by_role("link", name=app.product_name).click()
    expect(page.get_by_test_id("aggregate-score")).to_have_text("80.67")
    expect(page.get_by_test_id("majority")).to_have_text("国内首台（套）")
    expect(page.get_by_test_id("sheets")).to_contain_text("技术指标先进，创新性突出")
    proposal = page.get_by_test_id("proposal-form")
    expect(proposal.get_by_test_id("declared-level")).to_have_text("国内首台（套）")
    proposal.get_by_label("省内首台（套）").check()
    proposal.get_by_role("button", name="保存拟认定意见").click()
    expect(page.locator('[data-field-error="reason"]')).to_contain_text("请填写理由")
    assert not Proposal.objects.exists()
    proposal = page.get_by_test_id("proposal-form")
    proposal.get_by_label("国内首台（套）").check()
    proposal.get_by_role("button", name="保存拟认定意见").click()
    _alert(page, "拟认定意见已保存")
    expect(page.get_by_test_id("proposal")).to_contain_text("国内首台（套）")
    assert Proposal.objects.get(application=app).outcome == "domestic"
    assert Application.objects.get(pk=app.pk).state == "proposed"
